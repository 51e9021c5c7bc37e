/**
 * The AWS Batch executor: a stage whose node says `executor: 'batch'` (and a refinery task on a
 * platform whose EXECUTOR is batch: activities/src/refinery.ts, job folder
 * `refinery/<taskId>/batch/attempt-<n>/`) trains in a Batch job
 * (`python -m aip_trainer batch s3://…/job.json`, docs/contracts.md "Batch executor") while this
 * activity, on any worker, follows it. Everything the job reads and writes is in the S3 blob store,
 * in the stage's job folder `runs/<runId>/stages/<nodeId>/batch/` (job.json, progress.json,
 * log.txt, checkpoint/, result.json) and its model prefix.
 *
 * Durable by construction: the job id goes into the activity's heartbeat right after SubmitJob, so
 * a retried attempt (a worker that died, a heartbeat timeout) follows the same job instead of
 * submitting another; a job submitted by an attempt that died before its first heartbeat is found
 * by its name. Only an explicit cancellation terminates the job.
 */
import { createHash } from 'node:crypto';
import {
  BatchClient,
  DescribeJobsCommand,
  paginateListJobs,
  SubmitJobCommand,
  TerminateJobCommand,
  type JobDetail,
  type KeyValuePair,
} from '@aws-sdk/client-batch';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { BlobNotFoundError, schema, type AipConfig, type BlobStore } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { PreparedData, TrainedModel } from '@aip/workflows/temporal';
import type { ActivityDeps } from '../deps.ts';
import { userError } from '../failures.ts';
import { stagePrefix } from '../keys.ts';
import { recordStageProgress } from '../records.ts';
import {
  heartbeatEveryMs,
  MODEL_FILES,
  modelWeightsKey,
  recordTrainerEvent,
  setStageLog,
  stageLogKey,
  stageModelPrefix,
  trainJobSpec,
} from './stage-output.ts';
import { progressOf, type TrainerEvent } from './trainer-events.ts';

/** Batch's job states; SUCCEEDED and FAILED are final. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED']);
/** The object tag of the job folder's files (the trainer's SCRATCH_TAGGING). */
const SCRATCH_TAGS = { 'aip-scratch': 'true' };
/** Lines of the trainer's log a failure carries (as the local executor). */
const LOG_TAIL_LINES = 40;
const MAX_JOB_NAME = 128;

/** The job folder's files (docs/contracts.md, "Batch executor"). */
export function batchJobKeys(runId: string, nodeId: string) {
  return batchFolderKeys(`${stagePrefix(runId, nodeId)}/batch`);
}

/** The files of a job folder (a stage's, or a refinery task's `refinery/<taskId>/batch`). */
export function batchFolderKeys(folder: string) {
  return {
    folder,
    job: `${folder}/job.json`,
    progress: `${folder}/progress.json`,
    log: `${folder}/log.txt`,
    result: `${folder}/result.json`,
  };
}

/**
 * `aip-<runId>-<nodeId>` within Batch's rules (letters, digits, `-` and `_`, at most 128). A name
 * that had to change (other characters, too long) gets a hash of the original, so two stages never
 * share a name: the name is how an attempt finds a job an earlier attempt submitted.
 */
export function batchJobName(runId: string, nodeId: string): string {
  const wanted = `aip-${runId}-${nodeId}`;
  const clean = wanted.replace(/[^A-Za-z0-9_-]/g, '_');
  if (clean === wanted && clean.length <= MAX_JOB_NAME) return clean;
  const hash = createHash('sha256').update(`${runId}\n${nodeId}`).digest('hex').slice(0, 10);
  return `${clean.slice(0, MAX_JOB_NAME - hash.length - 1)}-${hash}`;
}

/** A tag value AWS accepts (letters, digits, spaces and `_ . : / = + - @`, at most 256). */
export function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** `Cancelled in AIP (run …, stage …)`: the reason TerminateJob records. */
export function cancelReason(runId: string, nodeId: string): string {
  return `Cancelled in AIP (run ${runId}, stage ${nodeId})`;
}

/** What a stage shows while its job is in Batch's hands. */
export function batchStatusText(status: string | undefined, gpus: number, last?: TrainerEvent | null): string {
  switch (status) {
    case undefined:
      return 'AWS Batch: submitting the job';
    case 'SUBMITTED':
      return 'AWS Batch: job submitted, waiting for the scheduler';
    case 'PENDING':
      return 'AWS Batch: waiting for the jobs this one depends on';
    case 'RUNNABLE':
      return gpus > 0 ? 'AWS Batch: waiting for a GPU instance' : 'AWS Batch: waiting for an instance';
    case 'STARTING':
      return 'AWS Batch: starting the trainer container';
    case 'RUNNING':
      return last && 'epoch' in last && 'epochs' in last
        ? `AWS Batch: training, epoch ${last.epoch} of ${last.epochs}`
        : 'AWS Batch: training';
    case 'SUCCEEDED':
      return 'AWS Batch: the job succeeded';
    case 'FAILED':
      return 'AWS Batch: the job failed';
    default:
      return `AWS Batch: ${status}`;
  }
}

/**
 * The stage's progress detail while on Batch: the trainer's latest event's numbers (epoch,
 * epochs, step, loss, ETA… as the local executor stores them) with the Batch state and the text
 * to show. It carries no `event: 'epoch'`, so it never enters the stage's epoch curve.
 */
export function batchProgressDetail(
  last: TrainerEvent | null | undefined,
  job: { jobId: string; status: string | undefined },
  gpus: number,
): Record<string, unknown> {
  const { event, ...numbers } = last ?? { event: undefined };
  return {
    ...numbers,
    ...(event === undefined ? {} : { trainerEvent: event }),
    message: batchStatusText(job.status, gpus, last),
    batch: { jobId: job.jobId, status: job.status ?? null },
  };
}

/** `progress.json`, as the trainer's batch command writes it. */
export interface BatchProgress {
  updatedAt?: string;
  last?: TrainerEvent | null;
  epochs?: TrainerEvent[];
}

/** `result.json`, the last file the trainer's batch command writes. */
export interface BatchResult {
  status: 'succeeded' | 'failed';
  metrics?: Record<string, unknown>;
  message?: string;
  userError?: boolean;
}

/** Why Batch says a job failed: its own reason, and the container's of the job and its last attempt. */
export interface BatchFailure {
  statusReason?: string | undefined;
  containerReason?: string | undefined;
  exitCode?: number | undefined;
}

export function batchFailureOf(job: JobDetail): BatchFailure {
  const attempt = job.attempts?.at(-1);
  return {
    statusReason: job.statusReason ?? attempt?.statusReason,
    containerReason: job.container?.reason ?? attempt?.container?.reason,
    exitCode: job.container?.exitCode ?? attempt?.container?.exitCode,
  };
}

/**
 * The one message a failed job gives the user: the trainer's own message first (what to fix),
 * then which Batch job it was and what Batch says about it.
 */
export function batchFailureMessage(
  stageName: string,
  job: { jobName: string; jobId: string },
  failure: BatchFailure,
  result: BatchResult | undefined,
  /** What failed, as the sentence starts (default `Training "<stageName>"`). */
  doing = `Training "${stageName}"`,
): string {
  const said = result?.status === 'failed' && result.message ? result.message : 'the job failed';
  const container = [
    failure.containerReason,
    failure.exitCode === undefined ? undefined : `exit code ${failure.exitCode}`,
  ].filter(Boolean);
  const batch = [
    failure.statusReason ? `Batch: ${failure.statusReason}` : undefined,
    container.length > 0 ? `container: ${container.join(', ')}` : undefined,
  ].filter(Boolean);
  return `${doing} failed on AWS Batch: ${said} (job ${job.jobName}, id ${job.jobId}${batch.length > 0 ? `; ${batch.join('; ')}` : ''}).`;
}

/** The last `lines` lines of a log. */
export function logTail(text: string, lines = LOG_TAIL_LINES): string {
  return text.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
}

/** What the attempt heartbeats; `batchJobId` is what a later attempt re-attaches by. */
export interface BatchHeartbeat {
  jobName: string;
  batchJobId?: string;
  status?: string;
  progress?: number;
  last?: TrainerEvent | null;
}

/** The job id an earlier attempt heartbeated, if any. */
export function heartbeatJobId(details: unknown): string | undefined {
  const id = (details as { batchJobId?: unknown } | null | undefined)?.batchJobId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Job environment overrides: where S3 is, never credentials (DescribeJobs shows every value). */
export function batchEnvironment(config: AipConfig): KeyValuePair[] {
  return [
    { name: 'AWS_REGION', value: config.s3.region },
    ...(config.s3.endpoint ? [{ name: 'AWS_ENDPOINT_URL_S3', value: config.s3.endpoint }] : []),
  ];
}

/**
 * One job on Batch as the executor follows it: a stage's training, or a refinery task's refine job.
 * Everything that differs between them (names, keys, the job spec, where progress and the log go)
 * is here; submitting, re-attaching, following and collecting are the same.
 */
export interface BatchTarget {
  /** How messages name it: `stage "Colour"`, `refinery task "smaller"`. */
  subject: string;
  /** What a failed job's message starts with: `Training "Colour"`. */
  doing: string;
  jobName: string;
  keys: ReturnType<typeof batchJobKeys>;
  /** Where the job writes its model files, every one of which must be there once it succeeded. */
  outputPrefix: string;
  outputFiles: readonly string[];
  tags: Record<string, string>;
  cancelReason: string;
  /** The trainer job spec, its inputs and output as S3 URIs. */
  jobSpec(uri: (key: string) => string): Promise<unknown>;
  /** Records a finished epoch's event (the curve); resolves with the progress it implies. */
  recordEpoch(event: TrainerEvent): Promise<number | undefined>;
  /** Records the overall progress and what to show while the job is in Batch's hands. */
  recordStatus(progress: number, detail: Record<string, unknown>): Promise<void>;
  /** Keeps the job's log where the local executor leaves it. */
  keepLog(text: string): Promise<void>;
}

export async function trainOnBatch(
  deps: ActivityDeps,
  input: { runId: string; stage: PlanStage; data: PreparedData },
): Promise<TrainedModel> {
  const { runId, stage, data } = input;
  if (!deps.config.batch) {
    throw userError(
      `AWS Batch is not configured on this platform (AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION are not set), so stage "${stage.name}" cannot train there: set its executor to local, or ask the operators to configure Batch.`,
    );
  }
  if (!deps.blobs.uri) {
    throw userError(`Stage "${stage.name}" trains on AWS Batch, which needs the platform's blobs in S3 (BLOB_URL=s3://…); this platform keeps them in ${deps.blobs.url}.`);
  }
  const owner = await runOwner(deps, runId);
  const prefix = stageModelPrefix(runId, stage.nodeId);
  await runBatchJob(deps, {
    subject: `stage "${stage.name}"`,
    doing: `Training "${stage.name}"`,
    jobName: batchJobName(runId, stage.nodeId),
    keys: batchJobKeys(runId, stage.nodeId),
    outputPrefix: prefix,
    outputFiles: MODEL_FILES,
    tags: { 'aip:run': tagValue(runId), 'aip:node': tagValue(stage.nodeId), ...(owner ? { 'aip:owner': tagValue(owner) } : {}) },
    cancelReason: cancelReason(runId, stage.nodeId),
    jobSpec: async (uri) =>
      trainJobSpec(stage, data, {
        manifest: uri(`${trimSlash(data.prefix)}/manifest.jsonl`),
        imageRoot: uri(trimSlash(data.prefix)),
        initWeights: stage.initModelId ? uri(await modelWeightsKey(deps, stage.initModelId)) : null,
        output: uri(prefix),
      }),
    recordEpoch: (event) => recordTrainerEvent(deps, runId, stage.nodeId, event),
    recordStatus: (progress, detail) => recordStageProgress(deps, runId, stage.nodeId, progress, detail),
    keepLog: async (text) => {
      const key = stageLogKey(runId, stage.nodeId);
      await deps.blobs.put(key, text, { contentType: 'text/plain; charset=utf-8' });
      await setStageLog(deps, runId, stage.nodeId, key);
    },
  });
  return { prefix };
}

/**
 * Submits the target's job (or re-attaches to the one an earlier attempt submitted) and follows
 * it to its end; resolves once its files are all in place. The caller has checked that Batch is
 * configured and the blobs are in S3.
 */
export async function runBatchJob(deps: ActivityDeps, target: BatchTarget): Promise<void> {
  const batch = deps.config.batch!;
  const uri = deps.blobs.uri!.bind(deps.blobs);
  const context = Context.current();
  const signal = context.cancellationSignal;
  const client = new BatchClient({
    region: batch.region,
    ...(batch.endpoint ? { endpoint: batch.endpoint } : {}),
    ...(deps.config.s3.credentials ? { credentials: deps.config.s3.credentials } : {}),
  });
  const { keys, jobName } = target;
  const previous = heartbeatJobId(context.info.heartbeatDetails);
  // Until this attempt knows its job, its heartbeats keep the earlier attempt's job id: dying
  // before re-attaching must not make the next attempt forget it.
  let beat: BatchHeartbeat = { jobName, ...(previous ? { batchJobId: previous } : {}) };
  const beating = setInterval(() => heartbeat(beat), heartbeatEveryMs());
  let jobId: string | undefined;

  const describe = async (id: string): Promise<JobDetail | undefined> =>
    (await client.send(new DescribeJobsCommand({ jobs: [id] }), { abortSignal: signal })).jobs?.find((job) => job.jobId === id);

  /** A job to follow: the one the last attempt heartbeated, unless it failed or Batch forgot it; else a live one of this name. */
  const findJob = async (): Promise<string | undefined> => {
    if (previous) {
      const job = await describe(previous);
      if (job && job.status !== 'FAILED') return previous;
    }
    const live: Array<{ jobId: string; createdAt: number }> = [];
    const pages = paginateListJobs({ client }, { jobQueue: batch.jobQueue, filters: [{ name: 'JOB_NAME', values: [jobName] }] });
    for await (const page of pages) {
      for (const job of page.jobSummaryList ?? []) {
        if (job.jobName === jobName && job.jobId && !TERMINAL_STATES.has(job.status ?? '')) {
          live.push({ jobId: job.jobId, createdAt: job.createdAt ?? 0 });
        }
      }
    }
    return live.sort((a, b) => b.createdAt - a.createdAt)[0]?.jobId;
  };

  const submit = async (): Promise<string> => {
    const job = await target.jobSpec(uri);
    // An earlier job's verdict must not be taken for this one's.
    await deps.blobs.delete(keys.result);
    // Tagged like everything the trainer writes into the job folder: scratch, which an S3
    // lifecycle rule expires (infra/aws/aip-batch.yaml).
    await deps.blobs.put(keys.job, JSON.stringify(job, null, 2), { contentType: 'application/json', tags: SCRATCH_TAGS });
    // No abort signal: a SubmitJob cut short may still have created the job, which a
    // cancellation must then terminate (below), not leave running.
    const submitted = await client.send(
      new SubmitJobCommand({
        jobName,
        jobQueue: batch.jobQueue,
        jobDefinition: batch.jobDefinition,
        containerOverrides: {
          command: ['python', '-m', 'aip_trainer', 'batch', uri(keys.job)],
          environment: batchEnvironment(deps.config),
          ...(batch.gpus > 0 ? { resourceRequirements: [{ type: 'GPU', value: String(batch.gpus) }] } : {}),
        },
        tags: target.tags,
        propagateTags: true,
      }),
    );
    if (!submitted.jobId) throw new Error(`AWS Batch answered SubmitJob for ${jobName} without a job id`);
    return submitted.jobId;
  };

  try {
    jobId = (await findJob()) ?? (await submit());
    beat = { jobName, batchJobId: jobId };
    heartbeat(beat);
    await follow(deps, { target, jobId, gpus: batch.gpus, pollMs: batch.pollMs }, {
      describe,
      context,
      onBeat: (next) => {
        beat = next;
        heartbeat(beat);
      },
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    // Only a cancellation the workflow asked for ends the job: a worker shutting down, a timed-out
    // or paused attempt leave it running for the next attempt to re-attach to. Cancelled before
    // re-attaching, the earlier attempt's job is the one to end.
    const ending = jobId ?? previous;
    if (ending !== undefined && context.cancellationDetails?.cancelRequested) {
      await client.send(new TerminateJobCommand({ jobId: ending, reason: target.cancelReason })).catch((terminateError: unknown) => {
        context.log.warn(`TerminateJob ${ending} (${jobName}) failed; the job may run on`, { error: String(terminateError) });
      });
    }
    throw signal.reason ?? error;
  } finally {
    clearInterval(beating);
    client.destroy();
  }
}

interface FollowJob {
  target: BatchTarget;
  jobId: string;
  gpus: number;
  pollMs: number;
}

/** Polls the job until it ends, mirroring its state and the trainer's progress.json onto the stage (or task). */
async function follow(
  deps: ActivityDeps,
  job: FollowJob,
  io: {
    describe: (id: string) => Promise<JobDetail | undefined>;
    context: Context;
    onBeat: (beat: BatchHeartbeat) => void;
  },
): Promise<void> {
  const { target, jobId } = job;
  const { keys } = target;
  let seenProgress: string | undefined;
  let seenStatus: string | undefined;
  let recordedEpoch = 0;
  let last: TrainerEvent | null = null;
  let progress = 0;
  for (;;) {
    io.context.cancellationSignal.throwIfAborted();
    const detail = await io.describe(jobId);
    if (!detail) {
      throw ApplicationFailure.retryable(`AWS Batch no longer knows the job ${target.jobName} (${jobId}) of ${target.subject}`, 'BatchJobLost');
    }
    const status = detail.status;
    const text = await readText(deps.blobs, keys.progress);
    const changed = text !== undefined && text !== seenProgress;
    if (changed) {
      seenProgress = text;
      const report = parseObject<BatchProgress>(text) ?? {};
      last = report.last ?? last;
      for (const event of report.epochs ?? []) {
        if (event.event !== 'epoch' || event.epoch <= recordedEpoch) continue;
        progress = (await target.recordEpoch(event)) ?? progress;
        recordedEpoch = event.epoch;
      }
      progress = (last ? progressOf(last) : undefined) ?? progress;
    }
    if (status !== seenStatus || changed) {
      await target.recordStatus(progress, batchProgressDetail(last, { jobId, status }, job.gpus));
    }
    seenStatus = status;
    // The done event's metrics stay out of the heartbeat: result.json has them.
    io.onBeat({ jobName: target.jobName, batchJobId: jobId, ...(status ? { status } : {}), progress, last: last?.event === 'done' ? { event: 'done', metrics: {} } : last });
    if (status === 'SUCCEEDED') return collect(deps, job);
    if (status === 'FAILED') throw await failure(deps, job, detail);
    await io.context.sleep(job.pollMs);
  }
}

/** A succeeded job: its result, model files and log, in the places the local executor uses. */
async function collect(deps: ActivityDeps, job: FollowJob): Promise<void> {
  const { target } = job;
  const { keys } = target;
  const result = parseObject<BatchResult>(await readText(deps.blobs, keys.result));
  if (result?.status !== 'succeeded') {
    throw ApplicationFailure.retryable(
      `AWS Batch reports the job ${target.jobName} (${job.jobId}) of ${target.subject} succeeded, but its ${keys.result} ${result ? `says "${result.status}"` : 'is missing'}`,
      'BatchJobIncomplete',
    );
  }
  const prefix = target.outputPrefix;
  const missing: string[] = [];
  for (const file of target.outputFiles) if (!(await deps.blobs.exists(`${prefix}/${file}`))) missing.push(file);
  if (missing.length > 0) {
    throw ApplicationFailure.retryable(
      `The AWS Batch job ${target.jobName} (${job.jobId}) of ${target.subject} succeeded but left no ${missing.join(', ')} under ${prefix}`,
      'BatchJobIncomplete',
    );
  }
  await keepLog(deps, job);
}

/** A failed job as the error the stage shows: non-retryable only when the trainer blamed the data or config. */
async function failure(deps: ActivityDeps, job: FollowJob, detail: JobDetail): Promise<ApplicationFailure> {
  const { target } = job;
  const result = parseObject<BatchResult>(await readText(deps.blobs, target.keys.result));
  const log = await keepLog(deps, job);
  const reasons = batchFailureOf(detail);
  const message = batchFailureMessage(target.subject, { jobName: target.jobName, jobId: job.jobId }, reasons, result, target.doing);
  const details = { log: log === undefined ? '' : logTail(log) };
  if (result?.userError === true || reasons.exitCode === 2) return userError(message, details);
  return ApplicationFailure.create({ type: 'BatchJobFailed', message, nonRetryable: false, details: [details] });
}

/** Copies the job's log.txt to where the local executor leaves it; returns its text. */
async function keepLog(deps: ActivityDeps, job: FollowJob): Promise<string | undefined> {
  const text = await readText(deps.blobs, job.target.keys.log);
  if (text === undefined) return undefined;
  await job.target.keepLog(text);
  return text;
}

async function readText(blobs: BlobStore, key: string): Promise<string | undefined> {
  try {
    return (await blobs.getBuffer(key)).toString('utf8');
  } catch (error) {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  }
}

/** A JSON object file (progress.json, result.json); one half-written or foreign is read as saying nothing. */
function parseObject<T extends object>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

async function runOwner(deps: ActivityDeps, runId: string): Promise<string | undefined> {
  const [run] = await deps.db.select({ ownerId: schema.runs.ownerId }).from(schema.runs).where(eq(schema.runs.id, runId));
  return run?.ownerId;
}

function trimSlash(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}
