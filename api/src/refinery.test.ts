import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { datasets, ID_PREFIX, modelParents, models, newId, refineryTasks, users, type ModelFormat } from '@aip/platform';
import { REFINERY_ALGORITHM_IDS } from '@aip/workflows';
import { AipOwner } from '@aip/workflows/temporal';
import { multipartBody, startedWorkflow, startHarness, type Harness } from './test-support.ts';

describe('API model refinery and model uploads (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  let other: string;
  let dataset: string;

  beforeAll(async () => {
    h = await startHarness();
    other = newId(ID_PREFIX.user);
    await h.db.insert(users).values({ id: other, email: `other-${other}@example.com` });
    dataset = await addDataset(h.userId, 'ready');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function addDataset(ownerId: string, status: 'ready' | 'validating', visibility: 'private' | 'public' = 'private') {
    const id = newId(ID_PREFIX.dataset);
    await h.db.insert(datasets).values({ id, ownerId, name: `images ${status}`, format: 'refinery', status, visibility, stats: { images: 12 }, blobPrefix: `datasets/${id}/` });
    return id;
  }

  async function addModel(over: { ownerId?: string; format?: ModelFormat; arch?: string; visibility?: 'private' | 'public'; status?: 'ready' | 'validating' } = {}) {
    const id = newId(ID_PREFIX.model);
    await h.db.insert(models).values({
      id,
      ownerId: over.ownerId ?? h.userId,
      name: `model ${id.slice(-4)}`,
      task: 'classification',
      arch: over.arch ?? 'tiny_cnn',
      classes: ['a', 'b'],
      origin: 'upload',
      blobPrefix: `models/${id}/`,
      format: over.format ?? 'aip',
      status: over.status ?? 'ready',
      visibility: over.visibility ?? 'private',
      input: { size: [32, 32], colorSpace: 'RGB', range: [0, 255], mean: null, std: null },
    });
    return id;
  }

  const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: h.auth, payload: payload as object });

  it('lists the algorithm catalogue', async () => {
    const res = await h.app.inject({ url: '/api/refinery/algorithms', headers: h.auth });
    expect(res.statusCode).toBe(200);
    const { algorithms } = res.json() as { algorithms: Array<{ id: string; params: Array<{ name: string; default: number | null }>; student: { kind: string } }> };
    expect(algorithms.map((a) => a.id)).toEqual([...REFINERY_ALGORITHM_IDS]);
    expect(algorithms.find((a) => a.id === 'task_branch')!.student).toEqual({ kind: 'fixed', arch: 'branch_unet_tiny', task: 'multi_task' });
    expect(algorithms[0]!.params.find((p) => p.name === 'imageSize')!.default).toBeNull();
  });

  it('refuses a task with every problem named by field', async () => {
    const onnx = await addModel({ format: 'onnx', arch: 'onnx' });
    const mine = await addModel();
    const theirsPrivate = await addModel({ ownerId: other });
    const busy = await addDataset(h.userId, 'validating');
    const res = await post('/api/refinery/tasks', { name: '', algorithm: 'amalgamate', teacherIds: [onnx, mine, theirsPrivate], datasetId: busy, params: { epochs: 0 } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as {
      error: { code: string; message: string; problems: Array<{ field: string; code: string; params: Record<string, unknown>; message: string }> };
    };
    expect(error.code).toBe('invalid_refinery_task');
    expect(error.problems.map((p) => p.field)).toEqual(['name', 'datasetId', 'teacherIds', 'teacherIds', 'teacherIds', 'params.epochs']);
    // Each problem carries its code and values, for a client to word it in its own language.
    expect(error.problems.map((p) => p.code)).toEqual([
      'name_missing',
      'dataset_not_ready',
      'teacher_wrong_format',
      'teacher_not_found',
      'teacher_arch_mismatch',
      'param_out_of_range',
    ]);
    expect(error.problems[3]!.params).toEqual({ modelId: theirsPrivate });
    expect(error.problems[2]!.message).toMatch(/is ONNX and cannot be a teacher here\. This algorithm reaches inside the teacher network/);
    // Someone else's private model is as absent as one that does not exist.
    expect(error.problems[3]!.message).toBe(`Model ${theirsPrivate} was not found (or is not shared with you).`);
    expect(error.problems[4]!.message).toContain('needs teachers of the same architecture');
    expect(error.message).toContain('The task has 6 problems');
  });

  it('creates a task, starts its workflow, shows it, cancels and retries it', async () => {
    const teacher = await addModel({ ownerId: other, visibility: 'public', format: 'weights' });
    const publicData = await addDataset(other, 'ready', 'public');
    const res = await post('/api/refinery/tasks', { name: ' Smaller ', algorithm: 'distill', teacherIds: [teacher], datasetId: publicData, params: { epochs: 2 }, visibility: 'public' });
    expect(res.statusCode, res.body).toBe(201);
    const { task } = res.json() as { task: Record<string, unknown> & { id: string } };
    h.started.add(`refinery-${task.id}-1`);
    expect(task).toMatchObject({
      name: 'Smaller',
      algorithm: 'distill',
      state: 'queued',
      progress: 0,
      attempt: 1,
      workflowId: `refinery-${task.id}-1`,
      studentArch: 'tiny_cnn',
      visibility: 'public',
      teachers: [{ id: teacher, arch: 'tiny_cnn', task: 'classification' }],
      dataset: { id: publicData, name: 'images ready' },
      params: { epochs: 2, temperature: 4, ceWeight: 0, learningRate: 0.003, batchSize: 32, imageSize: 32 },
      outputModel: null,
      epochs: [],
    });
    const started = await startedWorkflow(h.temporal, `refinery-${task.id}-1`);
    expect(started.type).toBe('refineryTaskWorkflow');
    expect(started.taskQueue).toBe(h.taskQueue);
    expect(started.args).toEqual([{ taskId: task.id, attempt: 1, heartbeatTimeoutMs: 12_345, gpuTaskQueue: `${h.taskQueue}-gpu` }]);
    const described = await h.temporal.workflow.getHandle(`refinery-${task.id}-1`).describe();
    expect(described.typedSearchAttributes.get(AipOwner)).toBe(h.userId);

    const list = await h.app.inject({ url: '/api/refinery/tasks', headers: h.auth });
    expect(list.json().tasks[0]).toMatchObject({ id: task.id, name: 'Smaller', state: 'queued', outputModelId: null, error: null });
    expect((await h.app.inject({ url: `/api/refinery/tasks/${task.id}/log`, headers: h.auth })).statusCode).toBe(404);

    // Running: it cannot be retried, only cancelled.
    expect((await post(`/api/refinery/tasks/${task.id}/retry`, {})).statusCode).toBe(409);
    const cancel = await post(`/api/refinery/tasks/${task.id}/cancel`, {});
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json()).toEqual({ id: task.id, state: 'cancelling' });

    // As the workflow records it once it has been cancelled (no worker polls this test's queue).
    await h.db.update(refineryTasks).set({ state: 'cancelled', error: null, finishedAt: new Date() }).where(eq(refineryTasks.id, task.id));
    expect((await post(`/api/refinery/tasks/${task.id}/cancel`, {})).statusCode).toBe(409);
    const retry = await post(`/api/refinery/tasks/${task.id}/retry`, {});
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toEqual({ id: task.id, attempt: 2, workflowId: `refinery-${task.id}-2`, state: 'queued' });
    h.started.add(`refinery-${task.id}-2`);
    expect((await startedWorkflow(h.temporal, `refinery-${task.id}-2`)).args[0]).toMatchObject({ taskId: task.id, attempt: 2 });
    const detail = (await h.app.inject({ url: `/api/refinery/tasks/${task.id}`, headers: h.auth })).json().task;
    expect(detail).toMatchObject({ state: 'queued', attempt: 2, finishedAt: null });
    expect(detail.timeline.at(-1)).toMatchObject({ state: 'pending', message: 'Attempt 2' });

    // Someone else does not see it.
    const [row] = await h.db.select().from(refineryTasks).where(eq(refineryTasks.id, task.id));
    expect(row!.ownerId).toBe(h.userId);
  });

  it('shows a model status, format and lineage, and whether flowcharts can use it', async () => {
    const teacherA = await addModel();
    const teacherB = await addModel({ format: 'onnx', arch: 'onnx' });
    const hidden = await addModel({ ownerId: other });
    const student = await addModel();
    await h.db.insert(modelParents).values([
      { modelId: student, parentModelId: teacherA, role: 'teacher', position: 0 },
      { modelId: student, parentModelId: teacherB, role: 'teacher', position: 1 },
      { modelId: student, parentModelId: hidden, role: 'teacher', position: 2 },
    ]);
    const detail = (await h.app.inject({ url: `/api/models/${student}`, headers: h.auth })).json();
    expect(detail.parents).toEqual([
      { id: teacherA, name: expect.any(String), role: 'teacher' },
      { id: teacherB, name: expect.any(String), role: 'teacher' },
    ]);
    expect(detail.children).toEqual([]);
    const parent = (await h.app.inject({ url: `/api/models/${teacherB}`, headers: h.auth })).json();
    expect(parent).toMatchObject({ format: 'onnx', status: 'ready', usableInFlowcharts: false, children: [{ id: student, role: 'teacher' }] });
    expect(parent.unusableReason).toContain('can only be a teacher in the model refinery');
    const list = (await h.app.inject({ url: '/api/models', headers: h.auth })).json() as Array<{ id: string; usableInFlowcharts: boolean; input: unknown }>;
    expect(list.find((m) => m.id === teacherA)).toMatchObject({ usableInFlowcharts: true, input: { size: [32, 32] } });
  });

  it('refuses to start a run that reuses a model flowcharts cannot use', async () => {
    const onnx = await addModel({ format: 'onnx', arch: 'onnx' });
    const images = newId(ID_PREFIX.dataset);
    await h.db.insert(datasets).values({ id: images, ownerId: h.userId, name: 'pets', format: 'classification', status: 'ready', stats: { classes: ['a', 'b'], images: 8 }, blobPrefix: `datasets/${images}/` });
    const graph = {
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: images } },
        { id: 'pets', type: 'classification', position: { x: 200, y: 0 }, data: { mode: 'reuse', modelId: onnx, classes: ['a', 'b'] } },
      ],
      edges: [{ id: 'e1', source: 'data', target: 'pets' }],
    };
    const saved = await post('/api/flowcharts', { name: 'reuse onnx', graph });
    expect(saved.statusCode, saved.body).toBe(201);
    const run = await post(`/api/flowcharts/${saved.json().id}/runs`, {});
    expect(run.statusCode, run.body).toBe(400);
    expect(run.json().error).toMatchObject({
      code: 'model_not_usable',
      problems: [{ code: 'model_not_usable', nodeId: 'pets', message: expect.stringContaining('is an ONNX upload: it can only be a teacher in the model refinery') }],
    });
  });

  it('stores an upload, marks it validating and starts its check', async () => {
    const fields = {
      name: 'My classifier',
      format: 'weights',
      task: 'classification',
      arch: 'tiny_cnn',
      classes: 'cat\ndog',
      inputHeight: '32',
      inputWidth: '32',
      colorSpace: 'RGB',
      valueRange: '0-255',
      mean: '',
      std: '',
    };
    const body = multipartBody(fields, { filename: 'weights.pth', bytes: 1000 });
    const res = await h.app.inject({ method: 'POST', url: '/api/models', headers: { ...h.auth, ...body.headers }, payload: body.payload });
    expect(res.statusCode, res.body).toBe(202);
    const { model } = res.json() as { model: { id: string } & Record<string, unknown> };
    h.started.add(`validate-model-${model.id}`);
    expect(model).toMatchObject({
      name: 'My classifier',
      status: 'validating',
      format: 'weights',
      arch: 'tiny_cnn',
      classes: ['cat', 'dog'],
      input: { size: [32, 32], colorSpace: 'RGB', range: [0, 255], mean: null, std: null },
      origin: { kind: 'upload' },
      usableInFlowcharts: false,
    });
    expect((await h.blobs.getBuffer(`models/${model.id}/upload/weights.pth`)).length).toBe(1000);
    const started = await startedWorkflow(h.temporal, `validate-model-${model.id}`);
    expect(started).toMatchObject({ type: 'validateModelWorkflow', args: [{ modelId: model.id }] });
  });

  it('refuses bad upload fields, naming each, and files that would run code', async () => {
    const upload = async (fields: Record<string, string>, filename = 'm.onnx') => {
      const body = multipartBody(fields, { filename, bytes: 10 });
      const res = await h.app.inject({ method: 'POST', url: '/api/models', headers: { ...h.auth, ...body.headers }, payload: body.payload });
      return { status: res.statusCode, error: res.json().error as { code: string; message: string; problems: Array<{ field: string; message: string }> } };
    };
    const before = (await h.db.select().from(models)).length;
    const bad = await upload({ name: 'x', format: 'pickle', task: 'detection', classes: '[1', inputHeight: '4', inputWidth: 'wide', colorSpace: 'HSV', mean: '1,2', std: '0,1,1' });
    expect(bad.status).toBe(400);
    expect(bad.error.code).toBe('invalid_model_upload');
    expect(bad.error.problems.map((p) => p.field)).toEqual(['format', 'task', 'classes', 'inputHeight', 'inputWidth', 'colorSpace', 'mean', 'std']);
    expect(bad.error.problems[0]!.message).toContain("would run the uploader's Python");

    const arch = await upload({ name: 'x', format: 'weights', task: 'segmentation', arch: 'tiny_cnn', classes: 'road', inputHeight: '64', inputWidth: '64' }, 'w.pt');
    expect(arch.error.problems).toEqual([{ field: 'arch', message: expect.stringContaining('"tiny_cnn" is not a segmentation architecture') }]);
    expect(arch.error.message).toMatch(/^arch: /);

    const pickled = await upload({ name: 'x', format: 'torchscript', task: 'depth', inputHeight: '64', inputWidth: '64' }, 'model.pkl');
    expect(pickled.status).toBe(400);
    expect(pickled.error.problems).toEqual([{ field: 'file', message: expect.stringContaining('"model.pkl" cannot be uploaded') }]);
    const wrongEnding = await upload({ name: 'x', format: 'onnx', task: 'depth', inputHeight: '64', inputWidth: '64' }, 'model.pt');
    expect(wrongEnding.error.message).toBe('An ONNX file must end in .onnx; "model.pt" does not.');

    const fieldsOnly = multipartBody({ name: 'x', format: 'onnx', task: 'depth', inputHeight: '64', inputWidth: '64' });
    const noFile = await h.app.inject({ method: 'POST', url: '/api/models', headers: { ...h.auth, ...fieldsOnly.headers }, payload: fieldsOnly.payload });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().error.code).toBe('missing_file');
    expect((await h.db.select().from(models)).length).toBe(before);
  });
});
