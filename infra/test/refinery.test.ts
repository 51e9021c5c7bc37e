/**
 * The model refinery end to end on the embedded platform (Temporal dev server, PGlite, local blobs,
 * the trainer): a teacher uploaded as PyTorch weights is checked and becomes ready; a file that is
 * no ONNX model becomes invalid with a report saying so; a distillation task on a small refinery
 * dataset trains a student, which is registered with its lineage, metrics, curves and log; and an
 * amalgamation asking for the ONNX upload as a teacher is refused, naming the rule.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';
import { drawShapeImages, PlatformApi, startEmbeddedPlatform, waitFor, type EmbeddedPlatform, type Json } from '../src/testing/index.ts';

const CLASSES = ['round', 'angular'];
const SIZE = 32;
const IMAGES = 48;
const FINISHED = ['succeeded', 'failed', 'cancelled'];

/** A random tiny_cnn state_dict (as someone would save one with torch.save(net.state_dict())). */
const WRITE_WEIGHTS = `
import sys, torch
from aip_trainer.models import build_network
torch.manual_seed(0)
net = build_network("tiny_cnn", ${CLASSES.length}, (${SIZE}, ${SIZE}))
torch.save(net.state_dict(), sys.argv[1])
`;

describe('model refinery end to end (Temporal, PGlite, local blobs, trainer)', () => {
  let platform: EmbeddedPlatform | undefined;
  let api: PlatformApi;

  beforeAll(async () => {
    if (!process.env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test`');
    platform = await startEmbeddedPlatform();
    api = new PlatformApi(platform.base, platform.token);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function uploadModel(fields: Record<string, string>, file: string): Promise<{ status: number; body: Json }> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    form.set('file', await openAsBlob(file), path.basename(file));
    const res = await fetch(`${platform!.base}/api/models`, { method: 'POST', headers: { authorization: `Bearer ${platform!.token}` }, body: form });
    return { status: res.status, body: await res.json() };
  }

  const checked = (id: string) =>
    waitFor(
      () => api.call('GET', `/api/models/${id}`),
      ({ body }) => body.status !== 'validating',
      3 * 60_000,
    );

  it('checks uploads, distills a teacher into a registered student, and refuses an ONNX teacher for amalgamation', async () => {
    const { home } = platform!;
    const started = Date.now();
    const python = process.env.AIP_PYTHON ?? 'python3';
    const weights = path.join(home, 'teacher.pth');
    await promisify(execFile)(python, ['-c', WRITE_WEIGHTS, weights], {
      env: { ...process.env, PYTHONPATH: [path.join(repoRoot, 'trainer'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) },
    });
    const input = { inputHeight: String(SIZE), inputWidth: String(SIZE), colorSpace: 'RGB', valueRange: '0-255' };
    const upload = await uploadModel({ name: 'shape teacher', format: 'weights', task: 'classification', arch: 'tiny_cnn', classes: CLASSES.join('\n'), ...input }, weights);
    expect(upload.status, JSON.stringify(upload.body)).toBe(202);
    expect(upload.body.model.status).toBe('validating');
    const teacher = (await checked(upload.body.model.id)).body;
    expect(teacher.status, JSON.stringify(teacher.report)).toBe('ready');
    expect(teacher).toMatchObject({ format: 'weights', classes: CLASSES, usableInFlowcharts: true, input: { size: [SIZE, SIZE] } });
    expect(teacher.parameters).toBeGreaterThan(1000);

    // Not an ONNX file at all: refused by the check, which says what is wrong.
    const junk = path.join(home, 'junk.onnx');
    await writeFile(junk, Buffer.from('this is not a model'.repeat(20)));
    const bad = await uploadModel({ name: 'junk', format: 'onnx', task: 'classification', classes: CLASSES.join('\n'), ...input }, junk);
    expect(bad.status).toBe(202);
    const invalid = (await checked(bad.body.model.id)).body;
    expect(invalid.status).toBe('invalid');
    console.log('invalid upload report:', invalid.report.message);
    expect(invalid.report.message).toMatch(/onnx/i);
    // It names the uploaded file, not where a worker keeps it.
    expect(invalid.report.message).not.toContain(home);
    expect(invalid.usableInFlowcharts).toBe(false);

    // A small refinery dataset: images only, no labels.
    const zipPath = path.join(home, 'shapes-refinery.zip');
    await mkdir(path.dirname(zipPath), { recursive: true });
    const zip = new yazl.ZipFile();
    for (const image of await drawShapeImages(IMAGES, 5)) zip.addBuffer(image.png, `shapes/${image.name}`);
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(zipPath));
    const dataset = await api.uploadDataset(zipPath, { name: 'shapes for the refinery', format: 'refinery' });

    // Amalgamation reaches into the teachers' layers: an ONNX teacher is refused, naming why.
    const refused = await api.call('POST', '/api/refinery/tasks', {
      name: 'merged',
      algorithm: 'amalgamate',
      teacherIds: [teacher.id, invalid.id],
      datasetId: dataset.id,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_refinery_task');
    expect(refused.body.error.problems).toContainEqual({
      field: 'teacherIds',
      code: 'teacher_wrong_format',
      params: { model: 'junk', format: 'onnx', algorithm: 'amalgamate' },
      message: expect.stringMatching(/^Model "junk" is ONNX and cannot be a teacher here\. This algorithm reaches inside the teacher network/),
    });

    const created = await api.call('POST', '/api/refinery/tasks', {
      name: 'small student',
      algorithm: 'distill',
      teacherIds: [teacher.id],
      datasetId: dataset.id,
      params: { epochs: 2, batchSize: 16, imageSize: SIZE },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const taskId = created.body.task.id as string;
    const { body: done } = await waitFor(
      () => api.call('GET', `/api/refinery/tasks/${taskId}`),
      ({ body }) => FINISHED.includes(body.task.state),
      8 * 60_000,
    );
    const task = done.task;
    expect(task.state, task.error).toBe('succeeded');
    console.log('distill task metrics:', JSON.stringify(task.metrics));
    expect(task.progress).toBe(1);
    expect(task.epochs.map((e: Json) => e.epoch)).toEqual([1, 2]);
    expect(task.timeline.map((e: Json) => e.state)).toEqual(['pending', 'preparing', 'training', 'evaluating', 'registering', 'succeeded']);
    expect(task.metrics.evaluation).toBeDefined();
    expect(task.outputModel).not.toBeNull();
    const log = await api.download(`/api/refinery/tasks/${taskId}/log`);
    expect(log.toString('utf8').length).toBeGreaterThan(0);

    const student = (await api.call('GET', `/api/models/${task.outputModel.id}`)).body;
    expect(student).toMatchObject({
      name: 'small student',
      task: 'classification',
      arch: 'tiny_cnn',
      classes: CLASSES,
      status: 'ready',
      format: 'aip',
      origin: { kind: 'refinery', refineryTaskId: taskId },
      refineryTaskId: taskId,
      usableInFlowcharts: true,
      parents: [{ id: teacher.id, name: 'shape teacher', role: 'teacher' }],
    });
    expect(student.metrics.evaluation).toBeDefined();
    const teacherNow = (await api.call('GET', `/api/models/${teacher.id}`)).body;
    expect(teacherNow.children).toEqual([{ id: student.id, name: 'small student', role: 'teacher' }]);
    // The student is a platform model: its ONNX downloads like any other.
    expect((await api.download(`/api/models/${student.id}/onnx`)).length).toBeGreaterThan(1000);
    console.log(`refinery end to end took ${Math.round((Date.now() - started) / 1000)} s`);
  }, 15 * 60_000);
});
