/**
 * The labeling bridge: a stage whose prepared data lacks labels opens a labeling job (one item per
 * image, pre-filled where a model can predict), and once people declare it complete its labeled
 * items become the stage's dataset, with lineage back to the prepared one.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { DerivedDatasetWriter, readManifest, type ManifestEntry } from '@aip/datasets-spec';
import { newId, ID_PREFIX, schema, type NewLabelingItem } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { LabelingJobRef, PreparedData } from '@aip/workflows/temporal';
import { randomBytes } from 'node:crypto';
import type { ActivityDeps } from './deps.ts';
import { LABELING_HINTS_FILE, type LabelingHint } from './derive.ts';
import { userError } from './failures.ts';
import { normalizedPrefix, stagePrefix } from './keys.ts';
import { localFolder } from './local-files.ts';
import { predictPrelabels } from './prelabel.ts';

export interface OpenLabelingInput {
  runId: string;
  stage: PlanStage;
  data: PreparedData;
  workflowId: string;
}

const INSERT_CHUNK = 500;

export async function openLabelingJob(deps: ActivityDeps, input: OpenLabelingInput): Promise<LabelingJobRef> {
  const { runId, stage, data, workflowId } = input;
  if (stage.task === 'enhancement') {
    throw userError(`The stage "${stage.name}" learns from pairs of images, which cannot be drawn by hand: upload a dataset of input/target pairs.`);
  }
  const [stageRun] = await deps.db
    .select()
    .from(schema.stageRuns)
    .where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, stage.nodeId)));
  if (!stageRun?.datasetId) throw new Error(`stage ${runId}/${stage.nodeId} has no prepared dataset recorded`);
  const datasetId = stageRun.datasetId;

  // A retried activity, or a retried stage, finds the job (and the labels people gave) it opened before.
  const [earlier] = await deps.db
    .select()
    .from(schema.labelingJobs)
    .where(and(eq(schema.labelingJobs.runId, runId), eq(schema.labelingJobs.nodeId, stage.nodeId), eq(schema.labelingJobs.datasetId, datasetId)))
    .orderBy(desc(schema.labelingJobs.createdAt))
    .limit(1);
  if (earlier) {
    if (earlier.state !== 'completed') {
      await deps.db.update(schema.labelingJobs).set({ state: 'open', workflowId, completedAt: null }).where(eq(schema.labelingJobs.id, earlier.id));
    }
    return { jobId: earlier.id, ...(await countItems(deps, earlier.id)), completed: earlier.state === 'completed' };
  }

  const dir = await localFolder(deps.blobs, data.prefix, deps.config.workDir);
  const { entries } = await readManifest(dir);
  const hints = await readHints(dir);
  const predictions = await predictPrelabels(deps, { runId, stage, dir, entries, onProgress: (done, total) => heartbeat({ done, total }) });
  const jobId = newId(ID_PREFIX.labelingJob);
  const now = new Date();
  const items: NewLabelingItem[] = entries.map((entry, index) => {
    const hint = hints.get(entry.path);
    const prelabel = predictions.get(entry.path);
    const known = hint?.labels;
    return {
      id: newId(ID_PREFIX.labelingItem),
      jobId,
      index,
      path: entry.path,
      width: entry.width,
      height: entry.height,
      split: entry.split,
      labels: known ?? null,
      labeledAt: known ? now : null,
      prelabel: prelabel ? { ...prelabel, source: 'model' as const } : null,
      confidence: prelabel?.confidence ?? hint?.confidence ?? null,
      source: hint?.source ?? null,
    };
  });
  await deps.db.transaction(async (tx) => {
    await tx.insert(schema.labelingJobs).values({
      id: jobId,
      stageRunId: stageRun.id,
      runId,
      nodeId: stage.nodeId,
      workflowId,
      task: stage.task,
      classes: stage.task === 'text_detection' || stage.task === 'text_recognition' ? [] : stage.classes,
      datasetId,
      webhookSecret: randomBytes(32).toString('base64url'),
    });
    for (let i = 0; i < items.length; i += INSERT_CHUNK) await tx.insert(schema.labelingItems).values(items.slice(i, i + INSERT_CHUNK));
  });
  return { jobId, ...(await countItems(deps, jobId)), completed: false };
}

async function countItems(deps: ActivityDeps, jobId: string): Promise<{ items: number; labeled: number }> {
  const [row] = await deps.db
    .select({ items: sql<number>`count(*)::int`, labeled: sql<number>`count(${schema.labelingItems.labels})::int` })
    .from(schema.labelingItems)
    .where(eq(schema.labelingItems.jobId, jobId));
  return { items: row?.items ?? 0, labeled: row?.labeled ?? 0 };
}

async function readHints(dir: string): Promise<Map<string, LabelingHint>> {
  const file = path.join(dir, LABELING_HINTS_FILE);
  if (!existsSync(file)) return new Map();
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return new Map(lines.map((line) => JSON.parse(line) as LabelingHint).map((hint) => [hint.path, hint]));
}

export interface ImportLabelsInput {
  runId: string;
  stage: PlanStage;
  jobId: string;
}

/**
 * The completed job's labeled items as a dataset in the stage's task (lineage: parent = the
 * prepared dataset, producing run and stage). Idempotent: a retried activity returns the dataset
 * it made.
 */
export async function importLabels(deps: ActivityDeps, input: ImportLabelsInput): Promise<PreparedData> {
  const { runId, stage, jobId } = input;
  const [job] = await deps.db.select().from(schema.labelingJobs).where(eq(schema.labelingJobs.id, jobId));
  if (!job) throw new Error(`labeling job ${jobId} does not exist`);
  if (job.state !== 'completed') throw userError(`The labeling job of "${stage.name}" is ${job.state}, not completed.`);
  const blobPrefix = `${stagePrefix(runId, stage.nodeId)}/labeled/${jobId}/`;
  if (job.outputDatasetId) {
    const [done] = await deps.db.select().from(schema.datasets).where(eq(schema.datasets.id, job.outputDatasetId));
    if (done?.status === 'ready') return prepared(done);
  }
  const [source] = await deps.db.select().from(schema.datasets).where(eq(schema.datasets.id, job.datasetId));
  if (!source) throw userError(`The images of the labeling job of "${stage.name}" no longer exist.`);
  const [run] = await deps.db.select({ ownerId: schema.runs.ownerId }).from(schema.runs).where(eq(schema.runs.id, runId));
  if (!run) throw new Error(`run ${runId} does not exist`);

  const items = await deps.db
    .select()
    .from(schema.labelingItems)
    .where(and(eq(schema.labelingItems.jobId, jobId), isNotNull(schema.labelingItems.labels)))
    .orderBy(asc(schema.labelingItems.index));
  if (items.length === 0) throw userError(`No image of the labeling job of "${stage.name}" has labels: label some and finish again.`);

  const sourceDir = await localFolder(deps.blobs, normalizedPrefix(source), deps.config.workDir);
  const scratch = path.join(deps.config.workDir, 'runs', runId, stage.nodeId, 'labeled');
  await rm(scratch, { recursive: true, force: true });
  const writer = await DerivedDatasetWriter.create(scratch, { format: stage.task, ...(job.classes.length > 0 ? { classes: job.classes } : {}) });
  try {
    for (const [i, item] of items.entries()) {
      // Keeps the prepared image's name, so an item and its image in the new dataset match by path.
      const name = item.path.replace(/^images\//, '').replace(/\.[^./]+$/, '');
      await writer.add({ name, image: { file: path.join(sourceDir, item.path) }, split: item.split as ManifestEntry['split'], labels: item.labels as Pick<ManifestEntry, "class" | "boxes" | "polygons" | "text"> });
      if (i % 50 === 0) heartbeat({ done: i, total: items.length });
    }
  } catch (err) {
    await writer.discard();
    throw err;
  }
  const info = await writer.finish();
  await deps.blobs.deletePrefix(`${normalizedPrefix({ blobPrefix })}/`);
  await deps.blobs.uploadDir(scratch, normalizedPrefix({ blobPrefix }));
  await rm(scratch, { recursive: true, force: true });

  const datasetId = job.outputDatasetId ?? newId(ID_PREFIX.dataset);
  const values = {
    ownerId: run.ownerId,
    name: `${stage.name} — labeled (run ${runId})`,
    format: stage.task,
    status: 'ready' as const,
    stats: info,
    report: null,
    blobPrefix,
    parentDatasetId: source.id,
    sourceRunId: runId,
    sourceNodeId: stage.nodeId,
    updatedAt: new Date(),
  };
  await deps.db.insert(schema.datasets).values({ id: datasetId, ...values }).onConflictDoUpdate({ target: schema.datasets.id, set: values });
  await deps.db.update(schema.labelingJobs).set({ outputDatasetId: datasetId }).where(eq(schema.labelingJobs.id, jobId));
  await deps.db
    .update(schema.stageRuns)
    .set({ datasetId })
    .where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, stage.nodeId)));
  return prepared({ blobPrefix, stats: info });
}

function prepared(dataset: { blobPrefix: string; stats: unknown }): PreparedData {
  const info = dataset.stats as { images: number };
  // Labeled in the stage's own classes: no label map.
  return { prefix: normalizedPrefix(dataset), images: info.images, labeled: true, labelMap: {} };
}
