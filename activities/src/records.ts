/**
 * Mirrors execution state into the database for listing and the UI. Temporal stays the source of
 * truth; every write here is an idempotent upsert so a retried activity changes nothing twice.
 */
import { and, eq, sql } from 'drizzle-orm';
import { USER_FAILURE_TYPES, newId, schema, stageDuration, stageFailures, type Outcome, type StageTimelineEntry } from '@aip/platform';
import type { RunStatus, StageProgress } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';

const FINISHED_RUN: RunStatus[] = ['succeeded', 'failed', 'cancelled'];
const FINISHED_STAGE = ['succeeded', 'failed', 'cancelled', 'skipped'];

export async function recordRun(
  deps: ActivityDeps,
  input: { runId: string; status: RunStatus; error?: string; metrics?: Record<string, unknown> },
): Promise<void> {
  const now = new Date();
  await deps.db
    .update(schema.runs)
    .set({
      status: input.status,
      updatedAt: now,
      ...(input.error === undefined ? {} : { error: input.error }),
      ...(input.metrics === undefined ? {} : { metrics: input.metrics }),
      ...(input.status === 'running' ? { startedAt: sql`coalesce(${schema.runs.startedAt}, now())` } : {}),
      ...(FINISHED_RUN.includes(input.status) ? { finishedAt: now } : {}),
    })
    .where(eq(schema.runs.id, input.runId));
}

export async function recordStage(deps: ActivityDeps, input: StageProgress): Promise<void> {
  const now = new Date();
  const finished = FINISHED_STAGE.includes(input.state);
  const before = finished ? await stageBefore(deps, input) : undefined;
  const values = {
    state: input.state,
    updatedAt: now,
    ...(input.progress === undefined ? {} : { progress: input.progress }),
    ...(input.metrics === undefined ? {} : { metrics: input.metrics }),
    ...(input.modelId === undefined ? {} : { modelId: input.modelId }),
    ...(input.datasetId === undefined ? {} : { datasetId: input.datasetId }),
    ...(input.labelingJobId === undefined ? {} : { labelingJobId: input.labelingJobId }),
    // A retried stage starts clean: its last attempt's failure no longer describes it. Whose the
    // failure is (the data or settings, or the platform) tells the stage page what to suggest;
    // stages of workflows older than `failureType` leave it unknown.
    ...(input.state === 'failed'
      ? { error: input.message ?? 'failed', userError: input.failureType === undefined ? null : isUserFailure(input.failureType) }
      : { error: null, userError: null }),
    ...(input.message === undefined || input.state === 'failed'
      ? {}
      : { progressDetail: { message: input.message } }),
    ...(finished ? { finishedAt: now } : { finishedAt: null }),
  };
  const entry: StageTimelineEntry = {
    state: input.state,
    at: now.toISOString(),
    ...(input.state === 'failed' ? { message: input.message ?? 'failed' } : {}),
  };
  // The timeline grows only on a change of state, so a retried activity repeating its write adds nothing.
  const timeline = sql`case when ${schema.stageRuns.state} = ${input.state} then ${schema.stageRuns.timeline}
    else ${schema.stageRuns.timeline} || jsonb_build_array(${JSON.stringify(entry)}::jsonb) end`;
  await deps.db
    .insert(schema.stageRuns)
    .values({ id: newId('stg'), runId: input.runId, nodeId: input.nodeId, startedAt: now, timeline: [entry], ...values })
    .onConflictDoUpdate({ target: [schema.stageRuns.runId, schema.stageRuns.nodeId], set: { ...values, timeline } });
  if (before) observeFinishedStage(before, input, now);
  // A stage that ended while people were labeling for it no longer waits for them: its job closes
  // (a retry of the stage opens it again, with the labels already given).
  if (input.state === 'failed' || input.state === 'cancelled') {
    await deps.db
      .update(schema.labelingJobs)
      .set({ state: 'cancelled' })
      .where(and(eq(schema.labelingJobs.runId, input.runId), eq(schema.labelingJobs.nodeId, input.nodeId), eq(schema.labelingJobs.state, 'open')));
  }
}

/**
 * Progress during training: frequent, so it only touches the progress columns. An `epoch` event
 * is also appended to the stage's curve; a resumed job repeats no epoch, but an attempt that
 * restarts from an earlier checkpoint replaces what it redoes.
 */
export async function recordStageProgress(
  deps: ActivityDeps,
  runId: string,
  nodeId: string,
  progress: number,
  detail: Record<string, unknown>,
): Promise<void> {
  const epoch = detail.event === 'epoch' && typeof detail.epoch === 'number' ? detail.epoch : undefined;
  const epochs =
    epoch === undefined
      ? {}
      : {
          epochs: sql`(select coalesce(jsonb_agg(e order by (e->>'epoch')::int), '[]'::jsonb)
              from jsonb_array_elements(${schema.stageRuns.epochs}) e where (e->>'epoch')::int < ${epoch})
            || jsonb_build_array(${JSON.stringify(detail)}::jsonb)`,
        };
  await deps.db
    .update(schema.stageRuns)
    .set({ progress, progressDetail: detail, updatedAt: new Date(), ...epochs })
    .where(sql`${schema.stageRuns.runId} = ${runId} and ${schema.stageRuns.nodeId} = ${nodeId}`);
}

/** A failure caused by the user's data or settings (UserError, labels required), not the platform. */
function isUserFailure(failureType: string | undefined): boolean {
  return failureType !== undefined && USER_FAILURE_TYPES.includes(failureType);
}

/** A stage's row as it was before a write, and its task and executor from the run's plan. */
interface StageBefore {
  state: string | null;
  timeline: StageTimelineEntry[] | null;
  task: string | null;
  executor: string | null;
}

async function stageBefore(deps: ActivityDeps, { runId, nodeId }: StageProgress): Promise<StageBefore | undefined> {
  const planned = (field: string) =>
    sql<string | null>`(select s->>${field} from jsonb_array_elements(${schema.runs.plan}->'stages') s where s->>'nodeId' = ${nodeId} limit 1)`;
  const [row] = await deps.db
    .select({ state: schema.stageRuns.state, timeline: schema.stageRuns.timeline, task: planned('task'), executor: planned('executor') })
    .from(schema.runs)
    .leftJoin(schema.stageRuns, and(eq(schema.stageRuns.runId, schema.runs.id), eq(schema.stageRuns.nodeId, nodeId)))
    .where(eq(schema.runs.id, runId));
  return row;
}

/**
 * A stage attempt has just finished: `aip_stage_duration_seconds` from the attempt's first state
 * (after the previous attempt's end) to now, and `aip_stage_failures_total` for a failure. Once per
 * attempt: a repeated write (a retried activity) and a stage that never started (recorded
 * `cancelled` when its run ended first) count nothing.
 */
function observeFinishedStage(before: StageBefore, input: StageProgress, now: Date): void {
  if (before.state === null || before.state === input.state || FINISHED_STAGE.includes(before.state)) return;
  const timeline = before.timeline ?? [];
  let first = timeline.length;
  while (first > 0 && !FINISHED_STAGE.includes(timeline[first - 1]!.state)) first -= 1;
  const startedAt = timeline[first]?.at;
  if (startedAt === undefined) return;
  const labels = { task: before.task ?? 'unknown', executor: before.executor ?? 'unknown' };
  stageDuration.observe({ ...labels, outcome: input.state as Outcome }, Math.max(0, (now.getTime() - Date.parse(startedAt)) / 1000));
  if (input.state === 'failed') {
    stageFailures.inc({ ...labels, outcome: isUserFailure(input.failureType) ? 'user_error' : 'error' });
  }
}
