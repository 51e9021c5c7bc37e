import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, newId, openBlobStore, openDatabase, schema, type OpenedDatabase } from '@aip/platform';
import type { RefineryJobInput } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import {
  recordRefinery,
  recordRefineryProgress,
  refineJobSpec,
  refineProgressOf,
  refineryModelId,
  registerRefineryModel,
  validateRefineryInputs,
} from './refinery.ts';

describe('refinery activities (PGlite, local blobs)', () => {
  let opened: OpenedDatabase;
  let deps: ActivityDeps;
  let blobDir: string;
  let userId: string;
  let otherId: string;
  let datasetId: string;

  beforeAll(async () => {
    opened = await openDatabase('pglite://memory');
    blobDir = await mkdtemp(path.join(os.tmpdir(), 'aip-refinery-test-'));
    deps = { config: loadConfig({}), db: opened.db, blobs: await openBlobStore(`file://${blobDir}`), trainerRoot: '' };
    userId = newId('usr');
    otherId = newId('usr');
    await opened.db.insert(schema.users).values([
      { id: userId, email: 'a@example.com' },
      { id: otherId, email: 'b@example.com' },
    ]);
    datasetId = newId('ds');
    await opened.db.insert(schema.datasets).values({ id: datasetId, ownerId: userId, name: 'images', format: 'refinery', status: 'ready', stats: { images: 10 }, blobPrefix: `datasets/${datasetId}/` });
  });
  afterAll(async () => {
    await opened.close();
    await rm(blobDir, { recursive: true, force: true });
  });

  async function addModel(over: Partial<typeof schema.models.$inferInsert> = {}) {
    const id = newId('mdl');
    await opened.db.insert(schema.models).values({
      id,
      ownerId: userId,
      name: `teacher ${id.slice(-4)}`,
      task: 'classification',
      arch: 'tiny_cnn',
      classes: ['a', 'b'],
      origin: 'run',
      blobPrefix: `models/${id}/`,
      input: { size: [48, 48], colorSpace: 'RGB', range: [0, 255], mean: null, std: null },
      ...over,
    });
    return id;
  }

  async function addTask(algorithm: string, teacherIds: string[], over: Partial<typeof schema.refineryTasks.$inferInsert> = {}) {
    const id = newId('rt');
    await opened.db.insert(schema.refineryTasks).values({
      id,
      ownerId: userId,
      name: 'smaller',
      algorithm,
      inputs: { teacherIds, datasetId },
      datasetId,
      params: {},
      ...over,
    });
    return id;
  }

  const task = async (id: string) => (await opened.db.select().from(schema.refineryTasks).where(eq(schema.refineryTasks.id, id)))[0]!;

  it('resolves teachers and dataset into a job: files, complete params, the student', async () => {
    const aip = await addModel();
    const uploaded = await addModel({ format: 'onnx', arch: 'onnx', blobPrefix: 'models/up/' });
    await deps.blobs.put(`models/${uploaded}/upload/teacher.onnx`, Buffer.from('onnx'));
    const distill = await validateRefineryInputs(deps, { taskId: await addTask('distill', [uploaded]), attempt: 2 });
    expect(distill).toMatchObject({
      attempt: 2,
      algorithm: 'distill',
      studentArch: 'tiny_cnn',
      dataPrefix: `datasets/${datasetId}/normalized`,
      executor: 'local',
      teachers: [{ modelId: uploaded, fileKey: `models/${uploaded}/upload/teacher.onnx`, format: 'onnx', classes: ['a', 'b'] }],
    });
    expect(distill.params).toEqual({ epochs: 20, temperature: 4, ceWeight: 0, learningRate: 0.003, batchSize: 32, imageSize: 48 });
    const prune = await validateRefineryInputs(deps, { taskId: await addTask('auto_prune', [aip]), attempt: 1 });
    expect(prune.studentArch).toBeNull();
    expect(prune.teachers[0]).toMatchObject({ fileKey: `models/${aip}/model.pt`, format: 'aip' });
    // The trainer job: ONNX teachers carry no arch; the input metadata goes along.
    const spec = refineJobSpec(distill, { teachers: ['/t.onnx'], manifest: '/d/manifest.jsonl', imageRoot: '/d', output: '/o' });
    expect(spec.teachers[0]).toEqual({ file: '/t.onnx', format: 'onnx', task: 'classification', arch: null, classes: ['a', 'b'], input: { size: [48, 48], colorSpace: 'RGB', range: [0, 255], mean: null, std: null }, name: expect.any(String) });
    expect(spec.student).toEqual({ arch: 'tiny_cnn' });
  });

  it('refuses, as the user\'s error, teachers that no longer qualify or are no longer shared', async () => {
    const onnx = await addModel({ format: 'onnx', arch: 'onnx' });
    const theirs = await addModel({ ownerId: otherId });
    const error = await validateRefineryInputs(deps, { taskId: await addTask('amalgamate', [onnx, theirs]), attempt: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'UserError', nonRetryable: true });
    expect((error as Error).message).toContain('is ONNX and cannot be a teacher here');
    expect((error as Error).message).toContain(`Model ${theirs} was not found`);
  });

  it('records phases once each, failures with whose they are, and progress with its curve', async () => {
    const id = await addTask('distill', []);
    await recordRefinery(deps, { taskId: id, phase: 'preparing' });
    await recordRefinery(deps, { taskId: id, phase: 'training' });
    await recordRefinery(deps, { taskId: id, phase: 'training' });
    expect(await task(id)).toMatchObject({ state: 'running', progressDetail: { phase: 'training' } });
    expect((await task(id)).startedAt).toBeInstanceOf(Date);
    await recordRefineryProgress(deps, id, 0.5, { event: 'epoch', epoch: 1, epochs: 2, loss: 1.5 });
    await recordRefineryProgress(deps, id, 0.7, { event: 'progress', epoch: 2, epochs: 2, step: 1, steps: 3 });
    await recordRefineryProgress(deps, id, 1, { event: 'epoch', epoch: 2, epochs: 2, loss: 1.1 });
    // A resumed job that repeats epoch 2 replaces it.
    await recordRefineryProgress(deps, id, 1, { event: 'epoch', epoch: 2, epochs: 2, loss: 1.0 });
    const trained = await task(id);
    expect(trained.epochs.map((e) => [e.epoch, e.loss])).toEqual([
      [1, 1.5],
      [2, 1.0],
    ]);
    expect(trained.progress).toBe(1);
    await recordRefinery(deps, { taskId: id, phase: 'failed', message: 'No images.', failureType: 'UserError' });
    const failed = await task(id);
    expect(failed).toMatchObject({ state: 'failed', error: 'No images.', userError: true });
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(failed.timeline.map((e) => e.state)).toEqual(['preparing', 'training', 'failed']);
    await recordRefinery(deps, { taskId: id, phase: 'failed', message: 'Worker lost.', failureType: 'RefineryFailed' });
    expect(await task(id)).toMatchObject({ userError: false, error: 'Worker lost.' });
    // Retried (attempt 2): a late write of attempt 1 changes nothing.
    await opened.db.update(schema.refineryTasks).set({ attempt: 2, state: 'queued', error: null }).where(eq(schema.refineryTasks.id, id));
    await recordRefinery(deps, { taskId: id, attempt: 1, phase: 'cancelled' });
    await recordRefineryProgress(deps, id, 0.9, { event: 'epoch', epoch: 1, epochs: 2 }, 1);
    expect(await task(id)).toMatchObject({ state: 'queued', error: null, progress: 1 });
    await recordRefinery(deps, { taskId: id, attempt: 2, phase: 'preparing' });
    expect(await task(id)).toMatchObject({ state: 'running' });
  });

  it('registers the produced model once, with its lineage, whatever the repeats', async () => {
    const teacher = await addModel();
    const id = await addTask('auto_prune', [teacher], { visibility: 'public', name: 'half size' });
    const job: RefineryJobInput = {
      taskId: id,
      attempt: 1,
      algorithm: 'auto_prune',
      teachers: [{ modelId: teacher, name: 't', fileKey: `models/${teacher}/model.pt`, format: 'aip', task: 'classification', arch: 'tiny_cnn', classes: ['a', 'b'], input: null }],
      studentArch: null,
      dataPrefix: `datasets/${datasetId}/normalized`,
      params: { imageSize: 48 },
      executor: 'local',
    };
    const prefix = `refinery/${id}/attempt-1/model`;
    await deps.blobs.put(`${prefix}/model.json`, JSON.stringify({ task: 'classification', arch: 'tiny_cnn', classes: ['a', 'b'], inputSize: [48, 48] }));
    const output = { prefix, metrics: { parameters: { before: 1000, after: 500 } } };
    const first = await registerRefineryModel(deps, { job, output, metrics: { ...output.metrics, evaluation: { agreement: 0.9 } } });
    const again = await registerRefineryModel(deps, { job, output, metrics: { ...output.metrics, evaluation: { agreement: 0.95 } } });
    expect(first).toEqual(again);
    expect(first.modelId).toBe(refineryModelId(id));
    const [model] = await opened.db.select().from(schema.models).where(eq(schema.models.id, first.modelId));
    expect(model).toMatchObject({
      name: 'half size',
      ownerId: userId,
      visibility: 'public',
      origin: 'refinery',
      refineryTaskId: id,
      status: 'ready',
      format: 'aip',
      arch: 'tiny_cnn',
      parameters: 500,
      blobPrefix: `${prefix}/`,
      input: { size: [48, 48], colorSpace: 'RGB', range: [0, 255], mean: null, std: null },
      metrics: { evaluation: { agreement: 0.95 } },
    });
    const parents = await opened.db.select().from(schema.modelParents).where(eq(schema.modelParents.modelId, first.modelId));
    expect(parents.map((p) => [p.parentModelId, p.role]).sort()).toEqual([
      [teacher, 'pruned_from'],
      [teacher, 'teacher'],
    ]);
  });

  it('takes a refine event\'s own overall fraction when it gives one', () => {
    expect(refineProgressOf({ event: 'epoch', epoch: 1, epochs: 4, fraction: 0.6 } as never)).toBe(0.6);
    expect(refineProgressOf({ event: 'epoch', epoch: 1, epochs: 4 })).toBe(0.25);
    expect(refineProgressOf({ event: 'start', epochs: 4, device: 'cpu' })).toBeUndefined();
  });
});
