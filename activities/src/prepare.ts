/**
 * Step 1 of a stage: its input data in the canonical manifest layout. A dataset input is used as
 * it is (the trainer maps fine labels with the stage's labelMap); a stage input is derived by
 * running the trained upstream cascade over the source images.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { formatTasks, readManifest, type DatasetInfo } from '@aip/datasets-spec';
import { newId, schema } from '@aip/platform';
import type { Plan, PlanStage, TaskType } from '@aip/workflows';
import type { PreparedData } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { deriveStageData } from './derive.ts';
import { userError } from './failures.ts';
import { normalizedPrefix, stagePrefix } from './keys.ts';
import { localFolder } from './local-files.ts';
import { pathToStage } from './pipeline-spec.ts';
import { writePipelineFolder } from './pipeline-folder.ts';

export interface PrepareInput {
  runId: string;
  stage: PlanStage;
  upstreamModels: Record<string, string>;
  plan: Plan;
}

export async function prepareStage(deps: ActivityDeps, input: PrepareInput): Promise<PreparedData> {
  const { stage } = input;
  const data =
    stage.input.kind === 'dataset'
      ? await datasetInput(deps, stage.input.datasetId, stage)
      : await derivedInput(deps, input);
  await deps.db
    .update(schema.stageRuns)
    .set({ datasetId: data.datasetId })
    .where(and(eq(schema.stageRuns.runId, input.runId), eq(schema.stageRuns.nodeId, stage.nodeId)));
  const { datasetId: _datasetId, ...prepared } = data;
  return prepared;
}

/** The dataset a plan's root stage reads (every chain starts at one). */
export function rootDatasetId(plan: Plan, nodeId: string): string {
  const root = pathToStage(plan, nodeId)[0];
  if (!root || root.input.kind !== 'dataset') throw new Error(`stage "${nodeId}" has no dataset at its root`);
  return root.input.datasetId;
}

async function datasetInput(
  deps: ActivityDeps,
  datasetId: string,
  stage: PlanStage,
): Promise<PreparedData & { datasetId: string }> {
  const [dataset] = await deps.db.select().from(schema.datasets).where(eq(schema.datasets.id, datasetId));
  if (!dataset) throw userError(`The dataset ${datasetId} of stage "${stage.name}" no longer exists.`);
  if (dataset.status !== 'ready') {
    throw userError(`The dataset "${dataset.name}" is ${dataset.status}, not ready: fix or re-upload it.`);
  }
  const info = dataset.stats as DatasetInfo;
  const labeled = (formatTasks(info.format) as string[]).includes(stage.task);
  return {
    prefix: normalizedPrefix(dataset),
    images: info.images,
    labeled,
    labelMap: stage.labelMap,
    datasetId,
  };
}

async function derivedInput(deps: ActivityDeps, input: PrepareInput): Promise<PreparedData & { datasetId: string }> {
  const { runId, stage, plan } = input;
  if (stage.input.kind !== 'stage') throw new Error('unreachable');
  const base = stagePrefix(runId, stage.nodeId);
  const blobPrefix = `${base}/data/`;

  // A retried activity finds the dataset it already derived (not the one labeling made from it).
  const [existing] = await deps.db
    .select()
    .from(schema.datasets)
    .where(and(eq(schema.datasets.sourceRunId, runId), eq(schema.datasets.sourceNodeId, stage.nodeId), eq(schema.datasets.blobPrefix, blobPrefix)));
  if (existing?.status === 'ready') return preparedFrom(existing.id, existing, stage.task);

  const [run] = await deps.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
  if (!run) throw new Error(`run ${runId} does not exist`);
  const sourceId = await sourceDatasetId(deps, runId, plan, stage.nodeId);
  const [source] = await deps.db.select().from(schema.datasets).where(eq(schema.datasets.id, sourceId));
  if (!source) throw userError(`The dataset ${sourceId} no longer exists.`);

  const scratch = path.join(deps.config.workDir, 'runs', runId, stage.nodeId, 'prepare');
  await rm(scratch, { recursive: true, force: true });
  const upstream = pathToStage(plan, stage.input.nodeId);
  await writePipelineFolder(deps, `${stage.name} input`, upstream, input.upstreamModels, path.join(scratch, 'pipeline'));
  const sourceDir = await localFolder(deps.blobs, normalizedPrefix(source), deps.config.workDir);
  const outDir = path.join(scratch, 'data');
  const sourceTask = upstream.at(-1)!.task;
  const result = await deriveStageData({
    pipelineDir: path.join(scratch, 'pipeline'),
    sourceDir,
    stage,
    outDir,
    sourceTask,
    onProgress: (done, total) => heartbeat({ done, total }),
  });
  const what = derivedWhat(sourceTask, stage.input.class);
  if (result.images === 0) {
    throw userError(
      `The upstream stage gave no ${what} for "${stage.name}", so it has nothing to train on. ` +
        `Check the upstream stage's metrics, or add data.`,
    );
  }
  const datasetId = existing?.id ?? newId('ds');
  const row = { blobPrefix };
  await deps.blobs.deletePrefix(`${normalizedPrefix(row)}/`);
  await deps.blobs.uploadDir(outDir, normalizedPrefix(row));
  const { info } = await readManifest(outDir);
  const values = {
    ownerId: run.ownerId,
    name: `${stage.name} — ${what} (run ${runId})`,
    // Unlabeled when some items still need people (labeling-hints.jsonl lies beside the manifest).
    format: info.format,
    status: 'ready' as const,
    stats: { ...info, dropped: result.dropped },
    report: null,
    blobPrefix,
    parentDatasetId: source.id,
    sourceRunId: runId,
    sourceNodeId: stage.nodeId,
    updatedAt: new Date(),
  };
  await deps.db
    .insert(schema.datasets)
    .values({ id: datasetId, ...values })
    .onConflictDoUpdate({ target: schema.datasets.id, set: values });
  await rm(scratch, { recursive: true, force: true });
  return preparedFrom(datasetId, { blobPrefix, stats: values.stats, format: values.format }, stage.task);
}

/**
 * The images a derived stage's data is cut from, with the labels carried onto it: the dataset the
 * root stage of its chain trained on — its labeling job's output when people labeled it, else the
 * run's dataset.
 */
export async function sourceDatasetId(deps: ActivityDeps, runId: string, plan: Plan, nodeId: string): Promise<string> {
  const root = pathToStage(plan, nodeId)[0]!;
  const [row] = await deps.db
    .select({ datasetId: schema.labelingJobs.outputDatasetId })
    .from(schema.labelingJobs)
    .where(and(eq(schema.labelingJobs.runId, runId), eq(schema.labelingJobs.nodeId, root.nodeId), eq(schema.labelingJobs.state, 'completed')));
  return row?.datasetId ?? rootDatasetId(plan, nodeId);
}

/** What a stage fed by a `sourceTask` stage trains on, in words for names and messages. */
function derivedWhat(sourceTask: TaskType, parentClass: string | undefined): string {
  if (sourceTask === 'detection') return `crops of "${parentClass}" objects`;
  if (sourceTask === 'classification') return `images classified "${parentClass}"`;
  if (sourceTask === 'text_detection') return 'text lines';
  return 'enhanced images';
}

/** Derived data is labelled with the stage's own classes already (no label map), or needs labeling. */
function preparedFrom(
  datasetId: string,
  dataset: { blobPrefix: string; stats: unknown; format: string | null },
  task: TaskType,
): PreparedData & { datasetId: string } {
  const info = dataset.stats as DatasetInfo;
  return { prefix: normalizedPrefix(dataset), images: info.images, labeled: dataset.format === task, labelMap: {}, datasetId };
}
