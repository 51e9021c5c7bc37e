import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, newId, openBlobStore, openDatabase, schema, stageDuration, stageFailures, type OpenedDatabase } from '@aip/platform';
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

  it('measures each finished stage attempt once, by task and executor, and counts failures by whose they are', async () => {
    const plannedRun = newId('run');
    const [owner] = await opened.db.select({ id: schema.users.id }).from(schema.users);
    await opened.db.insert(schema.runs).values({
      id: plannedRun,
      ownerId: owner!.id,
      flowchartRevision: 1,
      graph: {},
      plan: { version: 1, stages: [{ nodeId: 'seg', task: 'segmentation', executor: 'batch' }] },
      workflowId: plannedRun,
    });
    const observed = async () => {
      const durations = (await stageDuration.get()).values.filter((v) => v.metricName === 'aip_stage_duration_seconds_count' && v.labels.task === 'segmentation');
      const failures = (await stageFailures.get()).values.filter((v) => v.labels.task === 'segmentation');
      return {
        durations: Object.fromEntries(durations.map((v) => [`${v.labels.executor}/${v.labels.outcome}`, v.value])),
        failures: Object.fromEntries(failures.map((v) => [`${v.labels.executor}/${v.labels.outcome}`, v.value])),
      };
    };

    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'preparing' });
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'failed', message: 'bad polygons', failureType: 'UserError' });
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'failed', message: 'bad polygons', failureType: 'UserError' });
    expect(await observed()).toEqual({ durations: { 'batch/failed': 1 }, failures: { 'batch/user_error': 1 } });
    const whose = async () =>
      (await opened.db.select({ userError: schema.stageRuns.userError }).from(schema.stageRuns).where(and(eq(schema.stageRuns.runId, plannedRun), eq(schema.stageRuns.nodeId, 'seg'))))[0]?.userError;
    expect(await whose()).toBe(true); // the stage page asks the user to fix the data or settings

    // The retried attempt: its own duration, from its own first state.
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'preparing' });
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'training' });
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'failed', message: 'worker lost', failureType: 'Error' });
    expect(await whose()).toBe(false); // the platform's failure: retrying may help
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'preparing' });
    expect(await whose()).toBeNull();
    await recordStage(deps, { runId: plannedRun, nodeId: 'seg', state: 'succeeded' });
    expect(await observed()).toEqual({
      durations: { 'batch/failed': 2, 'batch/succeeded': 1 },
      failures: { 'batch/user_error': 1, 'batch/error': 1 },
    });

    // A stage the run never started, recorded cancelled when the run ended: nothing to measure.
    await recordStage(deps, { runId: plannedRun, nodeId: 'never', state: 'cancelled', message: 'Not run' });
    expect((await observed()).durations).toEqual({ 'batch/failed': 2, 'batch/succeeded': 1 });
  });
});
