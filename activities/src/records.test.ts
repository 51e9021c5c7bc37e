import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, newId, openBlobStore, openDatabase, schema, type OpenedDatabase } from '@aip/platform';
import type { ActivityDeps } from './deps.ts';
import { recordRun, recordStage, recordStageProgress } from './records.ts';

describe('status mirroring (PGlite)', () => {
  let opened: OpenedDatabase;
  let deps: ActivityDeps;
  const runId = newId('run');

  beforeAll(async () => {
    opened = await openDatabase('pglite://memory');
    const config = loadConfig({});
    deps = { config, db: opened.db, blobs: await openBlobStore(`file://${path.join(os.tmpdir(), 'aip-records-test')}`), trainerRoot: '' };
    const userId = newId('usr');
    await opened.db.insert(schema.users).values({ id: userId, email: 'a@example.com' });
    await opened.db.insert(schema.runs).values({
      id: runId,
      ownerId: userId,
      flowchartRevision: 1,
      graph: {},
      plan: { version: 1, stages: [] },
      workflowId: runId,
    });
  });
  afterAll(() => opened.close());

  const stage = async () =>
    (await opened.db.select().from(schema.stageRuns).where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, 'detect'))))[0]!;

  it('upserts a stage once per run and node, with timestamps for finished states', async () => {
    await recordStage(deps, { runId, nodeId: 'detect', state: 'preparing' });
    await recordStage(deps, { runId, nodeId: 'detect', state: 'training', message: 'training' });
    expect(await stage()).toMatchObject({ state: 'training', finishedAt: null, progressDetail: { message: 'training' } });
    await recordRun(deps, { runId, status: 'running' });
    const [run] = await opened.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
    expect(run!.startedAt).toBeInstanceOf(Date);
  });

  it('adds a timeline entry per change of state, none for a repeated write', async () => {
    const nodeId = 'classify';
    await recordStage(deps, { runId, nodeId, state: 'preparing' });
    await recordStage(deps, { runId, nodeId, state: 'training', message: 'epoch 1' });
    await recordStage(deps, { runId, nodeId, state: 'training', message: 'epoch 2' });
    await recordStage(deps, { runId, nodeId, state: 'failed', message: 'out of memory' });
    await recordStage(deps, { runId, nodeId, state: 'failed', message: 'out of memory' });
    await recordStage(deps, { runId, nodeId, state: 'training' });
    const [row] = await opened.db.select().from(schema.stageRuns).where(eq(schema.stageRuns.nodeId, nodeId));
    expect(row!.timeline.map((e) => [e.state, e.message])).toEqual([
      ['preparing', undefined],
      ['training', undefined],
      ['failed', 'out of memory'],
      ['training', undefined],
    ]);
    const times = row!.timeline.map((e) => Date.parse(e.at));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('keeps one curve point per epoch, replacing what a restarted attempt redoes', async () => {
    for (const epoch of [1, 2, 3]) {
      await recordStageProgress(deps, runId, 'detect', epoch / 4, { event: 'epoch', epoch, epochs: 4, loss: 1 / epoch });
      await recordStageProgress(deps, runId, 'detect', epoch / 4 + 0.1, { event: 'progress', epoch: epoch + 1, epochs: 4 });
    }
    expect((await stage()).epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    // An attempt that resumed from the epoch-1 checkpoint redoes epoch 2.
    await recordStageProgress(deps, runId, 'detect', 0.5, { event: 'epoch', epoch: 2, epochs: 4, loss: 0.4 });
    const { epochs, progress } = await stage();
    expect(epochs).toEqual([
      { event: 'epoch', epoch: 1, epochs: 4, loss: 1 },
      { event: 'epoch', epoch: 2, epochs: 4, loss: 0.4 },
    ]);
    expect(progress).toBe(0.5);
  });
});
