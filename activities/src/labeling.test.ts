/**
 * The labeling bridge on an in-memory PGlite and a local blob store: a stage whose prepared data
 * needs labels opens a job (one item per image, hints and a model's pre-labels applied), a retried
 * activity finds that job again, and a completed job's labeled items become the stage's dataset,
 * with lineage, once however often the import is retried.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readManifest, writeManifest, type ManifestEntry } from '@aip/datasets-spec';
import { loadConfig, newId, openBlobStore, openDatabase, schema, type OpenedDatabase } from '@aip/platform';
import type { PlanStage, TaskType } from '@aip/workflows';
import type { PreparedData } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { LABELING_HINTS_FILE, type LabelingHint } from './derive.ts';
import { importLabels, openLabelingJob } from './labeling.ts';

// heartbeat() needs an activity context; outside a worker it only has to be callable.
const heartbeats = vi.hoisted(() => [] as unknown[]);
vi.mock('@temporalio/activity', async (original) => ({
  ...(await original<typeof import('@temporalio/activity')>()),
  heartbeat: (details?: unknown) => {
    heartbeats.push(details);
  },
}));

const MAKE_MODELS = fileURLToPath(new URL('../../serving/test/make-models.py', import.meta.url));

describe('labeling jobs and their import (PGlite, local blob store)', () => {
  let tmp: string;
  let opened: OpenedDatabase;
  let deps: ActivityDeps;
  let userId: string;
  const runId = newId('run');

  const planStage = (nodeId: string, task: TaskType, classes: string[], extra: Partial<PlanStage> = {}): PlanStage => ({
    nodeId,
    name: `stage ${nodeId}`,
    task,
    input: { kind: 'dataset', datasetId: 'ds_source' },
    mode: 'train',
    arch: 'any',
    classes,
    labelMap: {},
    hyper: {},
    visibility: 'private',
    executor: 'local',
    dependsOn: [],
    ...extra,
  });

  /**
   * A prepared (unlabeled) dataset in the blob store, recorded as the stage's dataset: PNGs of the
   * given colours, `hints` beside the manifest when given. Returns the dataset id and its data.
   */
  const prepare = async (nodeId: string, images: { name: string; colour: string; split?: ManifestEntry['split'] }[], hints?: LabelingHint[]) => {
    const datasetId = newId('ds');
    const blobPrefix = `runs/${runId}/stages/${nodeId}/data/`;
    const local = path.join(tmp, 'prepared', nodeId);
    await mkdir(path.join(local, 'images'), { recursive: true });
    const entries: ManifestEntry[] = [];
    for (const { name, colour, split } of images) {
      await sharp({ create: { width: 24, height: 16, channels: 3, background: colour } }).png().toFile(path.join(local, 'images', `${name}.png`));
      entries.push({ path: `images/${name}.png`, width: 24, height: 16, split: split ?? 'train' });
    }
    const info = await writeManifest(local, entries, { format: 'unlabeled' });
    if (hints) await writeFile(path.join(local, LABELING_HINTS_FILE), hints.map((hint) => `${JSON.stringify(hint)}\n`).join(''));
    await deps.blobs.uploadDir(local, `${blobPrefix}normalized`);
    await opened.db.insert(schema.datasets).values({
      id: datasetId,
      ownerId: userId,
      name: `prepared ${nodeId}`,
      format: 'unlabeled',
      status: 'ready',
      stats: info,
      blobPrefix,
      sourceRunId: runId,
      sourceNodeId: nodeId,
    });
    await opened.db.insert(schema.stageRuns).values({ id: newId('sr'), runId, nodeId, state: 'preparing', datasetId });
    const data: PreparedData = { prefix: `${blobPrefix}normalized`, images: entries.length, labeled: false, labelMap: {} };
    return { datasetId, data };
  };

  /** Where the local blob store keeps the blobs under `prefix`. */
  const blobFolder = (prefix: string) => path.join(tmp, 'blobs', ...prefix.split('/'));
  const itemsOf = (jobId: string) => opened.db.select().from(schema.labelingItems).where(eq(schema.labelingItems.jobId, jobId)).orderBy(asc(schema.labelingItems.index));
  const jobOf = async (jobId: string) => (await opened.db.select().from(schema.labelingJobs).where(eq(schema.labelingJobs.id, jobId)))[0]!;
  const stageRunOf = async (nodeId: string) =>
    (await opened.db.select().from(schema.stageRuns).where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, nodeId))))[0]!;
  const label = (jobId: string, itemPath: string, labels: Record<string, unknown> | null) =>
    opened.db
      .update(schema.labelingItems)
      .set({ labels, labeledAt: labels ? new Date() : null })
      .where(and(eq(schema.labelingItems.jobId, jobId), eq(schema.labelingItems.path, itemPath)));
  const complete = (jobId: string) => opened.db.update(schema.labelingJobs).set({ state: 'completed', completedAt: new Date() }).where(eq(schema.labelingJobs.id, jobId));

  // circle / ring refine a detector's "round": crops cut by it, two with hints from the derivation.
  const shapes = planStage('shapes', 'classification', ['circle', 'ring']);
  const source = (x: number) => ({ path: 'images/scene.png', box: { x1: x, y1: 20, x2: x + 60, y2: 60 } });
  const shapeHints: LabelingHint[] = [
    { path: 'images/0_0.png', labels: { class: 'circle' }, confidence: 0.9, source: source(20) },
    { path: 'images/0_1.png', confidence: 0.4, source: source(100) },
  ];
  let shapesData: { datasetId: string; data: PreparedData };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-labeling-'));
    opened = await openDatabase('pglite://memory');
    deps = { config: { ...loadConfig({}), workDir: path.join(tmp, 'work') }, db: opened.db, blobs: await openBlobStore(`file://${path.join(tmp, 'blobs')}`), trainerRoot: '' };
    userId = newId('usr');
    await opened.db.insert(schema.users).values({ id: userId, email: 'labeler@example.com' });
    await opened.db.insert(schema.runs).values({
      id: runId,
      ownerId: userId,
      flowchartRevision: 1,
      graph: {},
      plan: { version: 1, stages: [shapes] },
      workflowId: runId,
    });
    shapesData = await prepare(
      'shapes',
      [
        { name: '0_0', colour: '#ff0000' },
        { name: '0_1', colour: '#00ff00', split: 'val' },
        { name: '1_0', colour: '#0000ff', split: 'test' },
      ],
      shapeHints,
    );
  });

  afterAll(async () => {
    await opened?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  let shapesJob: string;

  it('opens a job with one item per image, the hints’ labels, confidences and sources applied', async () => {
    const ref = await openLabelingJob(deps, { runId, stage: shapes, data: shapesData.data, workflowId: `${runId}-shapes` });
    expect(ref).toEqual({ jobId: expect.stringMatching(/^lj_/), items: 3, labeled: 1, completed: false });
    shapesJob = ref.jobId;
    expect(await jobOf(ref.jobId)).toMatchObject({
      stageRunId: (await stageRunOf('shapes')).id,
      runId,
      nodeId: 'shapes',
      workflowId: `${runId}-shapes`,
      task: 'classification',
      classes: ['circle', 'ring'],
      datasetId: shapesData.datasetId,
      outputDatasetId: null,
      state: 'open',
      webhookSecret: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
    });
    const items = await itemsOf(ref.jobId);
    expect(items.map((item) => [item.index, item.path, item.width, item.height, item.split, item.labels, item.confidence, item.source, item.prelabel])).toEqual([
      [0, 'images/0_0.png', 24, 16, 'train', { class: 'circle' }, 0.9, source(20), null],
      [1, 'images/0_1.png', 24, 16, 'val', null, 0.4, source(100), null],
      [2, 'images/1_0.png', 24, 16, 'test', null, null, null, null],
    ]);
    // Labels the source already had count as labeled, from the moment the job opened.
    expect(items[0]!.labeledAt).toBeInstanceOf(Date);
    expect(items[1]!.labeledAt).toBeNull();
    expect(items.every((item) => item.version === 0 && item.assignedTo === null)).toBe(true);
  });

  it('finds the same job when the activity (or the stage) is retried, with what people labeled since', async () => {
    await label(shapesJob, 'images/0_1.png', { class: 'ring' });
    const again = await openLabelingJob(deps, { runId, stage: shapes, data: shapesData.data, workflowId: `${runId}-shapes-retry` });
    expect(again).toEqual({ jobId: shapesJob, items: 3, labeled: 2, completed: false });
    // The retried stage's workflow is the one to signal now.
    expect(await jobOf(shapesJob)).toMatchObject({ state: 'open', workflowId: `${runId}-shapes-retry` });
    expect(await opened.db.select().from(schema.labelingJobs).where(eq(schema.labelingJobs.nodeId, 'shapes'))).toHaveLength(1);
    expect(await itemsOf(shapesJob)).toHaveLength(3);
  });

  it('reopens a cancelled job, and says so when an earlier attempt already completed it', async () => {
    await opened.db.update(schema.labelingJobs).set({ state: 'cancelled', completedAt: new Date() }).where(eq(schema.labelingJobs.id, shapesJob));
    expect(await openLabelingJob(deps, { runId, stage: shapes, data: shapesData.data, workflowId: `${runId}-shapes-retry` })).toMatchObject({ jobId: shapesJob, completed: false });
    expect(await jobOf(shapesJob)).toMatchObject({ state: 'open', completedAt: null });

    await complete(shapesJob);
    const done = await openLabelingJob(deps, { runId, stage: shapes, data: shapesData.data, workflowId: `${runId}-shapes-retry` });
    expect(done).toEqual({ jobId: shapesJob, items: 3, labeled: 2, completed: true });
    expect((await jobOf(shapesJob)).state).toBe('completed');
  });

  let imported: PreparedData;

  it('turns a completed job’s labeled items into the stage’s dataset, with lineage', async () => {
    heartbeats.length = 0;
    imported = await importLabels(deps, { runId, stage: shapes, jobId: shapesJob });
    const blobPrefix = `runs/${runId}/stages/shapes/labeled/${shapesJob}/`;
    expect(imported).toEqual({ prefix: `${blobPrefix}normalized`, images: 2, labeled: true, labelMap: {} });
    expect(heartbeats.length).toBeGreaterThan(0);

    const job = await jobOf(shapesJob);
    expect(job.outputDatasetId).toMatch(/^ds_/);
    const [dataset] = await opened.db.select().from(schema.datasets).where(eq(schema.datasets.id, job.outputDatasetId!));
    expect(dataset).toMatchObject({
      ownerId: userId,
      format: 'classification',
      status: 'ready',
      blobPrefix,
      parentDatasetId: shapesData.datasetId,
      sourceRunId: runId,
      sourceNodeId: 'shapes',
      stats: expect.objectContaining({ format: 'classification', images: 2, classes: ['circle', 'ring'] }),
    });
    // The stage trains on it from now on.
    expect((await stageRunOf('shapes')).datasetId).toBe(job.outputDatasetId);

    // Exactly the labeled items, under their prepared names, with their labels and splits.
    const folder = blobFolder(imported.prefix);
    const { info, entries } = await readManifest(folder);
    expect(info).toMatchObject({ format: 'classification', classes: ['circle', 'ring'], classCounts: { circle: 1, ring: 1 } });
    expect(entries).toEqual([
      { path: 'images/0_0.png', width: 24, height: 16, split: 'train', class: 'circle' },
      { path: 'images/0_1.png', width: 24, height: 16, split: 'val', class: 'ring' },
    ]);
    for (const entry of entries) expect(existsSync(path.join(folder, entry.path))).toBe(true);
    expect(existsSync(path.join(folder, 'images/1_0.png'))).toBe(false);
    expect(existsSync(path.join(folder, LABELING_HINTS_FILE))).toBe(false);
    // The red image is the one labeled "circle": the pixels travelled with their item.
    const { data } = await sharp(path.join(folder, 'images/0_0.png')).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 0, 0]);
  });

  it('returns the dataset it made when the import is retried', async () => {
    const again = await importLabels(deps, { runId, stage: shapes, jobId: shapesJob });
    expect(again).toEqual(imported);
    const made = await opened.db.select().from(schema.datasets).where(and(eq(schema.datasets.sourceRunId, runId), eq(schema.datasets.sourceNodeId, 'shapes')));
    // The prepared dataset and the labeled one: no second labeled dataset.
    expect(made.map((row) => row.format).sort()).toEqual(['classification', 'unlabeled']);
  });

  it('refuses to import a job that is not completed, or one without any labeled item, as the user’s error', async () => {
    const boxes = planStage('boxes', 'detection', ['round']);
    const { data } = await prepare('boxes', [
      { name: 'a', colour: '#ffffff' },
      { name: 'b', colour: '#000000' },
    ]);
    const ref = await openLabelingJob(deps, { runId, stage: boxes, data, workflowId: `${runId}-boxes` });
    expect(ref).toMatchObject({ items: 2, labeled: 0, completed: false });
    const items = await itemsOf(ref.jobId);
    // Without hints or a model: no confidence, no source, nothing pre-labeled.
    expect(items.map((item) => [item.labels, item.confidence, item.source, item.prelabel])).toEqual([
      [null, null, null, null],
      [null, null, null, null],
    ]);

    await expect(importLabels(deps, { runId, stage: boxes, jobId: ref.jobId })).rejects.toMatchObject({
      type: 'UserError',
      nonRetryable: true,
      message: expect.stringContaining('not completed'),
    });
    await complete(ref.jobId);
    await expect(importLabels(deps, { runId, stage: boxes, jobId: ref.jobId })).rejects.toMatchObject({
      type: 'UserError',
      nonRetryable: true,
      message: 'No image of the labeling job of "stage boxes" has labels: label some and finish again.',
    });
    expect((await jobOf(ref.jobId)).outputDatasetId).toBeNull();

    // Labeled after all (an empty box list: the image shows none), the import goes through.
    await label(ref.jobId, 'images/b.png', { boxes: [] });
    await label(ref.jobId, 'images/a.png', { boxes: [{ x1: 2, y1: 3, x2: 12, y2: 14, label: 'round' }] });
    // An item whose labels were put back to unlabeled stays out.
    await label(ref.jobId, 'images/a.png', null);
    const prepared = await importLabels(deps, { runId, stage: boxes, jobId: ref.jobId });
    expect(prepared.images).toBe(1);
    const { info, entries } = await readManifest(blobFolder(prepared.prefix));
    expect(info).toMatchObject({ format: 'detection', classes: ['round'] });
    expect(entries).toEqual([{ path: 'images/b.png', width: 24, height: 16, split: 'train', boxes: [] }]);
  });

  it('refuses to open a job for an enhancement stage: its pairs cannot be drawn by hand', async () => {
    const sharpen = planStage('sharpen', 'enhancement', []);
    const { data } = await prepare('sharpen', [{ name: 'a', colour: '#808080' }]);
    await expect(openLabelingJob(deps, { runId, stage: sharpen, data, workflowId: `${runId}-sharpen` })).rejects.toMatchObject({
      type: 'UserError',
      nonRetryable: true,
      message: expect.stringContaining('input/target pairs'),
    });
    expect(await opened.db.select().from(schema.labelingJobs).where(eq(schema.labelingJobs.nodeId, 'sharpen'))).toEqual([]);
  });

  it('pre-labels items with the stage’s own model (through serving), its confidence before the hint’s', async () => {
    const python = process.env.AIP_PYTHON;
    if (!python) throw new Error('AIP_PYTHON is not set: it must name a Python with the onnx package (the set-up script exports it)');
    const models = path.join(tmp, 'models');
    execFileSync(python, [MAKE_MODELS, models], { stdio: ['ignore', 'inherit', 'inherit'] });
    // The test classifier by mean colour ("red", "green", "blue"), registered as a model.
    const modelId = newId('mdl');
    const modelPrefix = `models/${modelId}/`;
    const modelDir = path.join(tmp, 'model');
    await mkdir(modelDir, { recursive: true });
    await copyFile(path.join(models, 'colour.onnx'), path.join(modelDir, 'model.onnx'));
    await copyFile(path.join(models, 'colour.json'), path.join(modelDir, 'model.json'));
    await deps.blobs.uploadDir(modelDir, `models/${modelId}`);
    await opened.db.insert(schema.models).values({ id: modelId, ownerId: userId, name: 'colour', task: 'classification', arch: 'test_colour', classes: ['red', 'green', 'blue'], blobPrefix: modelPrefix, origin: 'upload' });

    // A stage of two of its classes, trained from it: green is none of the stage's, so not pre-labeled.
    const colours = planStage('colours', 'classification', ['red', 'blue'], { initModelId: modelId });
    const { data } = await prepare(
      'colours',
      [
        { name: 'r', colour: '#ff0000' },
        { name: 'g', colour: '#00ff00' },
        { name: 'b', colour: '#0000ff' },
      ],
      [
        { path: 'images/r.png', confidence: 0.05 },
        { path: 'images/g.png', confidence: 0.25, source: source(0) },
      ],
    );
    heartbeats.length = 0;
    const ref = await openLabelingJob(deps, { runId, stage: colours, data, workflowId: `${runId}-colours` });
    expect(ref).toMatchObject({ items: 3, labeled: 0, completed: false });
    expect(heartbeats.at(-1)).toEqual({ done: 3, total: 3 });
    const items = await itemsOf(ref.jobId);
    expect(items.map((item) => [item.path, item.labels, item.prelabel?.labels, item.prelabel?.source])).toEqual([
      ['images/r.png', null, { class: 'red' }, 'model'],
      ['images/g.png', null, undefined, undefined],
      ['images/b.png', null, { class: 'blue' }, 'model'],
    ]);
    const [red, green, blue] = items;
    // The model's probability is the item's confidence; without a prediction, the hint's.
    expect(red!.confidence).toBe(red!.prelabel!.confidence);
    expect(red!.confidence).toBeGreaterThan(0.05);
    expect(red!.confidence).toBeLessThanOrEqual(1);
    expect(blue!.confidence).toBe(blue!.prelabel!.confidence);
    expect(green!.confidence).toBe(0.25);
    expect(green!.source).toEqual(source(0));
    // The prediction's scratch folder is gone.
    expect(existsSync(path.join(deps.config.workDir, 'runs', runId, 'colours', 'prelabel'))).toBe(false);
  });
});
