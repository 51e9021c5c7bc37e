/**
 * The model atlas end to end below the API: ready models in the registry, the atlas workflow woken
 * by its signal, the trainer's `atlas` job signing them and computing distances, the matrix stored.
 * Then one more model (and an ONNX upload it cannot place): only the new pairs are computed.
 * Needs the Temporal dev server (TEMPORAL_ADDRESS) and the trainer's Python (AIP_PYTHON); PGlite and
 * a local blob store are its own.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { and, eq, or } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, newId, openBlobStore, openDatabase, schema, type BlobStore, type OpenedDatabase } from '@aip/platform';
import { ATLAS_WORKFLOW, atlasModelsChangedSignal, atlasWorkflowId, type atlasWorkflow, type validateModelWorkflow } from '@aip/workflows/temporal';
import { createActivities } from './create-activities.ts';
import { startWorkers, type WorkerSet } from './worker.ts';

const trainerRoot = fileURLToPath(new URL('../../trainer', import.meta.url));
const SIDE = 32;

/** Writes platform model.pt files of randomly initialized `tiny_cnn`s (one per seed) and an ONNX export of the first. */
async function writeModels(dir: string, seeds: number[]): Promise<void> {
  const python = process.env.AIP_PYTHON;
  if (!python) throw new Error('AIP_PYTHON is not set: run this test through `npm test`');
  const snippet = `
import sys, torch
from pathlib import Path
from aip_trainer.artifacts import ModelFile, save_model_pt
from aip_trainer.models import build_network
out = Path(sys.argv[1])
for seed in sys.argv[2:]:
    torch.manual_seed(int(seed))
    net = build_network("tiny_cnn", 3, (${SIDE}, ${SIDE}))
    save_model_pt(out / f"m{seed}.pt", ModelFile("tiny_cnn", "classification", ["a", "b", "c"], (${SIDE}, ${SIDE}), net.state_dict()))
    if seed == sys.argv[2]:
        torch.onnx.export(net.eval(), torch.zeros(1, 3, ${SIDE}, ${SIDE}), str(out / "m.onnx"), dynamo=False)
        torch.save(net.state_dict(), out / "weights.pt")
`;
  await promisify(execFile)(python, ['-c', snippet, dir, ...seeds.map(String)], { timeout: 180_000, env: { ...process.env, PYTHONPATH: trainerRoot } });
}

describe('model atlas workflow (Temporal dev server, PGlite, local blobs, trainer subprocess)', () => {
  let opened: OpenedDatabase;
  let blobs: BlobStore;
  let tmp: string;
  let workers: WorkerSet;
  let connection: Connection;
  let client: Client;
  let userId: string;
  const queue = `atlas-test-${randomUUID()}`;

  beforeAll(async () => {
    const address = process.env.TEMPORAL_ADDRESS;
    if (!address) throw new Error('TEMPORAL_ADDRESS is not set: this test needs a Temporal server (npm test starts one).');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-atlas-test-'));
    opened = await openDatabase('pglite://memory');
    blobs = await openBlobStore(`file://${path.join(tmp, 'blobs')}`);
    const config = loadConfig({ ...process.env, AIP_WORK_DIR: path.join(tmp, 'work'), AIP_ORCHESTRATION_QUEUE: queue, AIP_GPU_QUEUE: `${queue}-gpu` });
    userId = newId('usr');
    await opened.db.insert(schema.users).values({ id: userId, email: 'atlas@example.com' });
    workers = await startWorkers({
      address,
      namespace: 'default',
      activities: createActivities({ config, db: opened.db, blobs, trainerRoot }),
      roles: ['orchestration'],
      taskQueues: { orchestration: queue },
      log: () => undefined,
    });
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: 'default' });
    await writeModels(tmp, [0, 1, 2]);
  }, 240_000);

  afterAll(async () => {
    await workers?.shutdown();
    await connection?.close();
    await opened?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function addModel(name: string, file: string, format: 'aip' | 'onnx' = 'aip'): Promise<string> {
    const id = newId('mdl');
    const prefix = `models/${id}`;
    const key = format === 'aip' ? `${prefix}/model.pt` : `${prefix}/upload/model.onnx`;
    await blobs.put(key, await readFile(path.join(tmp, file)));
    await opened.db.insert(schema.models).values({
      id,
      ownerId: userId,
      name,
      task: 'classification',
      arch: format === 'aip' ? 'tiny_cnn' : 'onnx',
      classes: ['a', 'b', 'c'],
      origin: format === 'aip' ? 'run' : 'upload',
      format,
      blobPrefix: `${prefix}/`,
      ...(format === 'onnx' ? { input: { size: [SIDE, SIDE], colorSpace: 'RGB', range: [0, 255], mean: null, std: null } } : {}),
    });
    return id;
  }

  /** Wakes the atlas (as a registered model does) and waits for the workflow to go quiet; its totals. */
  async function updateAtlas() {
    const handle = await client.workflow.signalWithStart<typeof atlasWorkflow>(ATLAS_WORKFLOW, {
      taskQueue: queue,
      workflowId: atlasWorkflowId(queue),
      signal: atlasModelsChangedSignal,
      // Ends one second after its last step, so the test can wait for its result.
      args: [{ idleMs: 1_000 }],
    });
    return client.workflow.getHandle<typeof atlasWorkflow>(handle.workflowId).result();
  }

  const distance = async (a: string, b: string) => {
    const [x, y] = a < b ? [a, b] : [b, a];
    const [row] = await opened.db
      .select()
      .from(schema.atlasDistances)
      .where(and(eq(schema.atlasDistances.modelA, x), eq(schema.atlasDistances.modelB, y)));
    return row!;
  };

  it('signs every ready model once and stores each pair; a new model costs one signature and N pairs', async () => {
    const first = await addModel('first', 'm0.pt');
    const copy = await addModel('copy of first', 'm0.pt');
    const other = await addModel('other', 'm1.pt');
    const round1 = await updateAtlas();
    expect(round1).toMatchObject({ signed: 3, unplaced: 0, pairs: 3 });
    const signatures = await opened.db.select().from(schema.atlasSignatures);
    expect(signatures.map((s) => [s.status, s.probeSet])).toEqual([
      ['ready', 'v1'],
      ['ready', 'v1'],
      ['ready', 'v1'],
    ]);
    for (const s of signatures) expect(await blobs.exists(s.blobKey!)).toBe(true);
    // The same weights attribute alike; a differently initialized network does not.
    const same = await distance(first, copy);
    expect(same.attribution).toBeLessThan(1e-3);
    expect(same.depara).toBeLessThan(1e-3);
    const apart = await distance(first, other);
    expect(apart.attribution).toBeGreaterThan(same.attribution + 0.05);
    expect(apart.depara).toBeGreaterThan(same.depara + 0.05);

    const newer = await addModel('newer', 'm2.pt');
    const onnx = await addModel('an ONNX upload', 'm.onnx', 'onnx');
    const round2 = await updateAtlas();
    // Only the new model's three pairs: none of the stored ones again; the ONNX upload cannot be attributed.
    expect(round2).toMatchObject({ signed: 1, unplaced: 1, pairs: 3 });
    const rows = await opened.db.select().from(schema.atlasDistances);
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.modelA === newer || r.modelB === newer)).toHaveLength(3);
    const [unplaced] = await opened.db.select().from(schema.atlasSignatures).where(eq(schema.atlasSignatures.modelId, onnx));
    expect(unplaced).toMatchObject({ status: 'unsupported', blobKey: null });
    expect(unplaced!.reason).toMatch(/ONNX/);
    expect(unplaced!.reason).not.toContain(tmp);
    expect(await opened.db.select().from(schema.atlasDistances).where(or(eq(schema.atlasDistances.modelA, onnx), eq(schema.atlasDistances.modelB, onnx)))).toEqual([]);

    // Nothing new: a wake-up computes nothing.
    expect(await updateAtlas()).toMatchObject({ signed: 0, unplaced: 0, pairs: 0 });
  }, 600_000);

  it('an upload that passes its check wakes the atlas by itself', async () => {
    const id = newId('mdl');
    await blobs.put(`models/${id}/upload/weights.pt`, await readFile(path.join(tmp, 'weights.pt')));
    await opened.db.insert(schema.models).values({
      id,
      ownerId: userId,
      name: 'uploaded weights',
      task: 'classification',
      arch: 'tiny_cnn',
      classes: ['a', 'b', 'c'],
      origin: 'upload',
      format: 'weights',
      status: 'validating',
      blobPrefix: `models/${id}/`,
      // The platform's own input convention (ImageNet statistics in 0..255 units), as model.pt files have.
      input: { size: [SIDE, SIDE], colorSpace: 'RGB', range: [0, 255], mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
    });
    await client.workflow.execute<typeof validateModelWorkflow>('validateModelWorkflow', { taskQueue: queue, workflowId: `validate-${id}`, args: [{ modelId: id }] });
    // Nobody signals the atlas here: the check's activity does when the model becomes ready.
    let row: typeof schema.atlasSignatures.$inferSelect | undefined;
    for (let i = 0; i < 240 && !row; i++) {
      [row] = await opened.db.select().from(schema.atlasSignatures).where(eq(schema.atlasSignatures.modelId, id));
      if (!row) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(row).toMatchObject({ status: 'ready' });
    // The same weights as the first model: the upload lands on top of it.
    const rows = await opened.db.select().from(schema.atlasDistances).where(or(eq(schema.atlasDistances.modelA, id), eq(schema.atlasDistances.modelB, id)));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...rows.map((r) => r.attribution))).toBeLessThan(1e-3);
    await client.workflow.getHandle(atlasWorkflowId(queue)).terminate('test over');
  }, 300_000);
});
