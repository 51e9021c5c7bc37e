import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlowchart } from '../compile.ts';
import type { Plan } from '../plan.ts';
import { headlineContext, headlineFlowchart } from '../test-support/headline.ts';
import { callsOf, defaultActivities, recordingActivities, type ActivityCall } from '../test-support/recording-activities.ts';
import { bundleWorkflows, connectHarness, type TaskQueues, type TemporalHarness } from '../test-support/temporal-harness.ts';
import { labelingCompleteSignal, retryStageUpdate, statusQuery, stageStatusQuery } from './messages.ts';
import { ingestDatasetWorkflow, runFlowchartWorkflow, type RunFlowchartInput } from './workflows.ts';

const CHILDREN = ['round-kind', 'angular-kind'];

function headlinePlan(): Plan {
  return compileFlowchart(headlineFlowchart(), headlineContext());
}

/** The headline plan plus an independent branch: a pets classifier on a dataset of its own. */
function twoBranchPlan(): Plan {
  const graph = headlineFlowchart();
  graph.nodes.push(
    { id: 'pets-data', type: 'dataset', position: { x: 0, y: 300 }, data: { datasetId: 'ds-pets' } },
    { id: 'pets', type: 'classification', position: { x: 200, y: 300 }, data: { classes: ['cat', 'dog'] } },
  );
  graph.edges.push({ id: 'e-pets', source: 'pets-data', target: 'pets' });
  return compileFlowchart(graph, headlineContext());
}

async function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const stateLog = (calls: ActivityCall[], nodeId: string) =>
  callsOf(calls, 'recordStage', nodeId).map((c) => c.input.state);
const runLog = (calls: ActivityCall[]) => callsOf(calls, 'recordRun').map((c) => c.input.status);

describe('AIP workflows on the Temporal server (TEMPORAL_ADDRESS)', () => {
  let bundle: WorkflowBundle;
  let harness: TemporalHarness;

  beforeAll(async () => {
    bundle = await bundleWorkflows();
    harness = await connectHarness(bundle);
  });
  afterAll(async () => {
    await harness?.close();
  });

  const start = (queues: TaskQueues, plan: Plan, extra: Partial<RunFlowchartInput> = {}) => {
    const runId = `run-${randomUUID()}`;
    return harness.client.workflow.start(runFlowchartWorkflow, {
      taskQueue: queues.orchestration,
      workflowId: runId,
      args: [{ runId, plan, heartbeatTimeoutMs: 2_000, gpuTaskQueue: queues.gpu, ...extra }],
    });
  };

  it('runs the headline plan in dependency order, the two classifiers in parallel, then packages', async () => {
    // Each classifier's training waits until the other one is training too: sequential
    // execution would fail the run instead of passing slowly.
    const training = new Set<string>();
    let bothTraining!: () => void;
    const together = new Promise<void>((resolve) => (bothTraining = resolve));
    const { activities, calls } = recordingActivities({
      async trainStage({ runId, stage }) {
        if (CHILDREN.includes(stage.nodeId)) {
          training.add(stage.nodeId);
          if (training.size === 2) bothTraining();
          const timeout = new Promise((_, reject) =>
            setTimeout(() => reject(ApplicationFailure.create({ type: 'UserError', message: `${stage.nodeId} trained alone` })), 15_000),
          );
          await Promise.race([together, timeout]);
        }
        return { prefix: `runs/${runId}/stages/${stage.nodeId}/out` };
      },
    });

    const { runId, result, status, childStatus, childDescription } = await harness.withWorkers(activities, async (queues) => {
      const handle = await start(queues, headlinePlan(), { rootDatasetId: 'ds-shapes' });
      const result = await handle.result();
      const child = harness.client.workflow.getHandle(`${handle.workflowId}/round-kind`);
      return {
        runId: handle.workflowId,
        result,
        status: await handle.query(statusQuery),
        childStatus: await child.query(stageStatusQuery),
        childDescription: await child.describe(),
      };
    });

    expect(result).toEqual({
      bundleKey: `bundles/${runId}.zip`,
      size: 1234,
      sha256: 'f'.repeat(64),
      models: { detect: 'model-detect', 'round-kind': 'model-round-kind', 'angular-kind': 'model-angular-kind' },
      metrics: { images: 6, accuracy: 0.9 },
    });

    // Dependency order: the classifiers start preparing only once the detector is registered.
    const detectRegistered = callsOf(calls, 'registerModel', 'detect')[0]!.end!;
    for (const child of CHILDREN) expect(callsOf(calls, 'prepareStage', child)[0]!.start).toBeGreaterThan(detectRegistered);
    // Parallel: the two trainings overlap.
    const [a, b] = CHILDREN.map((child) => callsOf(calls, 'trainStage', child)[0]!);
    expect(a!.start < b!.end! && b!.start < a!.end!).toBe(true);
    // Upstream models: the ancestors' model ids.
    expect(callsOf(calls, 'prepareStage', 'detect')[0]!.input.upstreamModels).toEqual({});
    for (const child of CHILDREN) expect(callsOf(calls, 'prepareStage', child)[0]!.input.upstreamModels).toEqual({ detect: 'model-detect' });

    // Package after every stage, then the end-to-end evaluation, then the run is recorded.
    const packaged = callsOf(calls, 'packageBundle')[0]!;
    const lastStageDone = Math.max(...callsOf(calls, 'recordStage').map((c) => c.end!));
    expect(packaged.start).toBeGreaterThan(lastStageDone);
    expect(packaged.input.models).toEqual(result.models);
    expect(callsOf(calls, 'evaluateCascade')[0]!.start).toBeGreaterThan(packaged.end!);
    expect(runLog(calls)).toEqual(['running', 'succeeded']);
    expect(callsOf(calls, 'recordRun')[1]!.input.metrics).toEqual({ images: 6, accuracy: 0.9 });

    for (const nodeId of ['detect', ...CHILDREN]) {
      expect(stateLog(calls, nodeId)).toEqual(['preparing', 'training', 'evaluating', 'registering', 'succeeded']);
    }
    expect(callsOf(calls, 'recordStage', 'detect').at(-1)!.input).toMatchObject({ progress: 1, modelId: 'model-detect', metrics: { mAP50: 0.9 } });

    expect(status).toEqual({
      status: 'succeeded',
      bundleKey: `bundles/${runId}.zip`,
      metrics: { images: 6, accuracy: 0.9 },
      stages: {
        detect: { state: 'succeeded', progress: 1, modelId: 'model-detect', metrics: { mAP50: 0.9 } },
        'round-kind': { state: 'succeeded', progress: 1, modelId: 'model-round-kind', metrics: { accuracy: 0.95 } },
        'angular-kind': { state: 'succeeded', progress: 1, modelId: 'model-angular-kind', metrics: { accuracy: 0.95 } },
      },
    });
    expect(childStatus).toEqual({ state: 'succeeded', progress: 1, modelId: 'model-round-kind', metrics: { accuracy: 0.95 } });
    expect(childDescription.type).toBe('stageWorkflow');
    expect(childDescription.parentExecution?.workflowId).toBe(runId);
  });

  it('waits for the user when a stage fails, runs it again on retry, then finishes and packages', async () => {
    let detectTries = 0;
    let attentionRecorded!: () => void;
    const attention = new Promise<void>((resolve) => (attentionRecorded = resolve));
    const { activities, calls } = recordingActivities({
      async recordRun({ status }) {
        if (status === 'attention') attentionRecorded();
      },
      async prepareStage(input) {
        if (input.stage.nodeId === 'detect' && detectTries++ === 0) {
          throw ApplicationFailure.create({ type: 'UserError', message: 'No image of "Shapes" could be read.' });
        }
        return defaultActivities().prepareStage(input);
      },
      async trainStage(input) {
        // The independent branch is still training when the detector fails, and finishes while
        // the run waits for the user.
        if (input.stage.nodeId === 'pets') await withTimeout(attention, 'the run to record "attention"');
        return defaultActivities().trainStage(input);
      },
    });

    const out = await harness.withWorkers(activities, async (queues) => {
      const handle = await start(queues, twoBranchPlan());
      let waiting = await handle.query(statusQuery);
      const deadline = Date.now() + 15_000;
      while (waiting.stages.pets?.state !== 'succeeded' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        waiting = await handle.query(statusQuery);
      }
      const rejected = await Promise.all(
        ['pets', 'round-kind', 'nope'].map((nodeId) =>
          handle.executeUpdate(retryStageUpdate, { args: [{ nodeId }] }).then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
      const retried = await handle.executeUpdate(retryStageUpdate, { args: [{ nodeId: 'detect' }] });
      const result = await handle.result();
      const attempts = await Promise.all(
        [`${handle.workflowId}/detect`, `${handle.workflowId}/detect/retry-1`].map(async (id) => (await harness.client.workflow.getHandle(id).describe()).status.name),
      );
      return { runId: handle.workflowId, waiting, rejected, retried, result, attempts, status: await handle.query(statusQuery) };
    });
    const { runId } = out;

    expect(out.waiting).toMatchObject({
      status: 'attention',
      stages: {
        detect: { state: 'failed', message: 'No image of "Shapes" could be read.' },
        'round-kind': { state: 'pending' },
        'angular-kind': { state: 'pending' },
        pets: { state: 'succeeded' },
      },
    });
    for (const e of out.rejected) expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(out.rejected.map((e) => (e as WorkflowUpdateFailedError).cause?.message)).toEqual([
      `The stage "pets" of run ${runId} is succeeded: only a failed stage the run waits for can be retried.`,
      `The stage "round-kind" of run ${runId} is pending: only a failed stage the run waits for can be retried.`,
      `Run ${runId} has no stage "nope".`,
    ]);
    expect(out.retried).toEqual({ nodeId: 'detect', workflowId: `${runId}/detect/retry-1` });
    expect(out.attempts).toEqual(['FAILED', 'COMPLETED']);

    expect(runLog(calls)).toEqual(['running', 'attention', 'running', 'succeeded']);
    expect(stateLog(calls, 'detect')).toEqual(['preparing', 'failed', 'preparing', 'training', 'evaluating', 'registering', 'succeeded']);
    // The stages below the detector started only after its retry succeeded.
    const detectRegistered = callsOf(calls, 'registerModel', 'detect')[0]!.end!;
    for (const child of CHILDREN) expect(callsOf(calls, 'prepareStage', child)[0]!.start).toBeGreaterThan(detectRegistered);
    expect(callsOf(calls, 'trainStage', 'pets')[0]!.end).toBeLessThan(callsOf(calls, 'prepareStage', 'detect')[1]!.start);
    expect(callsOf(calls, 'packageBundle')).toHaveLength(1);
    expect(Object.keys(out.result.models).sort()).toEqual(['angular-kind', 'detect', 'pets', 'round-kind']);
    expect(out.status).toMatchObject({
      status: 'succeeded',
      stages: { detect: { state: 'succeeded', retries: 1, modelId: 'model-detect' }, pets: { state: 'succeeded' } },
    });
  });

  it('waits for labels when a stage\'s data has none, then imports them and trains on them', async () => {
    const { activities, calls } = recordingActivities({
      async prepareStage({ runId, stage }) {
        const labeled = stage.nodeId !== 'detect';
        return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 12, labeled, labelMap: {} };
      },
    });
    const out = await harness.withWorkers(activities, async (queues) => {
      const handle = await start(queues, headlinePlan());
      await waitFor('the detector to wait for labels', () => stateLog(calls, 'detect').includes('awaiting_labels'));
      const stage = harness.client.workflow.getHandle(`${handle.workflowId}/detect`);
      const waiting = await stage.query(stageStatusQuery);
      // Another job's completion does not end this wait.
      await stage.signal(labelingCompleteSignal, { labelingJobId: 'job-elsewhere' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stillWaiting = await stage.query(stageStatusQuery);
      await stage.signal(labelingCompleteSignal, { labelingJobId: 'job-detect' });
      return { waiting, stillWaiting, result: await handle.result() };
    });
    expect(out.waiting).toMatchObject({ state: 'awaiting_labels', labelingJobId: 'job-detect', message: 'Waiting for labels: 12 of 12 images still need them.' });
    expect(out.stillWaiting.state).toBe('awaiting_labels');
    expect(stateLog(calls, 'detect')).toEqual(['preparing', 'awaiting_labels', 'preparing', 'training', 'evaluating', 'registering', 'succeeded']);
    const opened = callsOf(calls, 'openLabelingJob', 'detect');
    expect(opened.map((c) => c.input.workflowId)).toEqual([expect.stringMatching(/\/detect$/)]);
    expect(callsOf(calls, 'importLabels', 'detect').map((c) => c.input.jobId)).toEqual(['job-detect']);
    // Training reads the imported, labeled data, not the prepared images.
    expect((callsOf(calls, 'trainStage', 'detect')[0]!.input.data as { prefix: string }).prefix).toMatch(/\/detect\/labeled$/);
    for (const child of CHILDREN) expect(callsOf(calls, 'openLabelingJob', child)).toHaveLength(0);
    expect(Object.keys(out.result.models).sort()).toEqual(['angular-kind', 'detect', 'round-kind']);
  });

  it('does not wait again for a labeling job an earlier attempt completed', async () => {
    const { activities, calls } = recordingActivities({
      async prepareStage({ runId, stage }) {
        return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 12, labeled: stage.nodeId !== 'detect', labelMap: {} };
      },
      async openLabelingJob() {
        return { jobId: 'job-done', items: 12, labeled: 12, completed: true };
      },
    });
    await harness.withWorkers(activities, async (queues) => (await start(queues, headlinePlan())).result());
    expect(stateLog(calls, 'detect')).toEqual(['preparing', 'preparing', 'training', 'evaluating', 'registering', 'succeeded']);
    expect(callsOf(calls, 'importLabels', 'detect').map((c) => c.input.jobId)).toEqual(['job-done']);
  });

  it('cancels a stage waiting for labels when the run is cancelled', async () => {
    const { activities, calls } = recordingActivities({
      async prepareStage({ runId, stage }) {
        return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 12, labeled: false, labelMap: {} };
      },
    });
    const { error, status } = await harness.withWorkers(activities, async (queues) => {
      const handle = await start(queues, headlinePlan());
      await waitFor('the detector to wait for labels', () => stateLog(calls, 'detect').includes('awaiting_labels'));
      await handle.cancel();
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error, status: await handle.query(statusQuery) };
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(runLog(calls)).toEqual(['running', 'cancelled']);
    expect(stateLog(calls, 'detect')).toEqual(['preparing', 'awaiting_labels', 'cancelled']);
    expect(callsOf(calls, 'trainStage')).toHaveLength(0);
    for (const child of CHILDREN) {
      expect(callsOf(calls, 'recordStage', child).map((c) => [c.input.state, c.input.message])).toEqual([
        ['cancelled', 'Not run: the run was cancelled.'],
      ]);
    }
    expect(status).toMatchObject({ status: 'cancelled', stages: { detect: { state: 'cancelled' }, 'round-kind': { state: 'cancelled' } } });
  });

  it('cancels running children and their activities when the run is cancelled', async () => {
    const cancelledActivities: string[] = [];
    const { activities, calls } = recordingActivities({
      async trainStage({ runId, stage }) {
        if (!CHILDREN.includes(stage.nodeId)) return { prefix: `runs/${runId}/stages/${stage.nodeId}/out` };
        const context = Context.current();
        try {
          // Train "forever", heartbeating: cancellation reaches an activity through its heartbeats.
          for (;;) {
            context.heartbeat({ epoch: 1 });
            await context.sleep(100);
          }
        } catch (err) {
          if (err instanceof CancelledFailure) cancelledActivities.push(stage.nodeId);
          throw err;
        }
      },
    });
    const { error, during, children } = await harness.withWorkers(activities, async (queues) => {
      const handle = await start(queues, headlinePlan());
      await waitFor('both classifiers to train', () => CHILDREN.every((c) => callsOf(calls, 'trainStage', c).length === 1));
      const during = await handle.query(statusQuery);
      await handle.cancel();
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      await waitFor('the trainings to see the cancellation', () => cancelledActivities.length === 2);
      const children = await Promise.all(CHILDREN.map((c) => harness.client.workflow.getHandle(`${handle.workflowId}/${c}`).describe()));
      return { error, during, children };
    });

    expect(during).toMatchObject({
      status: 'running',
      stages: { detect: { state: 'succeeded' }, 'round-kind': { state: 'running' }, 'angular-kind': { state: 'running' } },
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(children.map((c) => c.status.name)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(cancelledActivities.sort()).toEqual([...CHILDREN].sort());
    for (const child of CHILDREN) expect(stateLog(calls, child)).toEqual(['preparing', 'training', 'cancelled']);
    expect(runLog(calls)).toEqual(['running', 'cancelled']);
    expect(callsOf(calls, 'packageBundle')).toHaveLength(0);
  });

  it('retries an activity that fails once, then carries on', async () => {
    let failures = 0;
    const { activities, calls } = recordingActivities({
      async evaluateStage({ stage }) {
        if (stage.nodeId === 'detect' && failures++ === 0) throw new Error('blob store hiccup');
        return { accuracy: 0.9 };
      },
    });
    const result = await harness.withWorkers(activities, async (queues) => (await start(queues, headlinePlan())).result());
    expect(Object.keys(result.models).sort()).toEqual(['angular-kind', 'detect', 'round-kind']);
    expect(callsOf(calls, 'evaluateStage', 'detect').map((c) => c.outcome)).toEqual(['error', 'ok']);
    expect(stateLog(calls, 'detect')).not.toContain('failed');
  });

  it('reuses a registry model without training or registering it again', async () => {
    const graph = headlineFlowchart();
    Object.assign(graph.nodes[1]!, { data: { mode: 'reuse', modelId: 'm-det' } });
    const plan = compileFlowchart(graph, headlineContext());
    const { activities, calls } = recordingActivities();
    const result = await harness.withWorkers(activities, async (queues) => (await start(queues, plan)).result());
    expect(result.models.detect).toBe('m-det');
    expect(callsOf(calls, 'resolveModel').map((c) => c.input)).toEqual([{ modelId: 'm-det' }]);
    expect(callsOf(calls, 'trainStage', 'detect')).toHaveLength(0);
    expect(callsOf(calls, 'registerModel', 'detect')).toHaveLength(0);
    expect(callsOf(calls, 'evaluateStage', 'detect')[0]!.input.model).toEqual({ prefix: 'models/m-det' });
    expect(stateLog(calls, 'detect')).toEqual(['preparing', 'evaluating', 'succeeded']);
    expect(callsOf(calls, 'prepareStage', 'round-kind')[0]!.input.upstreamModels).toEqual({ detect: 'm-det' });
  });

  it('runs a reused model on images without labels, unscored, without asking people for labels', async () => {
    const graph = headlineFlowchart();
    Object.assign(graph.nodes[1]!, { data: { mode: 'reuse', modelId: 'm-det' } });
    const plan = compileFlowchart(graph, headlineContext());
    const { activities, calls } = recordingActivities({
      async prepareStage({ runId, stage }) {
        return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 12, labeled: stage.nodeId !== 'detect', labelMap: {} };
      },
    });
    const result = await harness.withWorkers(activities, async (queues) => (await start(queues, plan)).result());
    expect(result.models.detect).toBe('m-det');
    expect(callsOf(calls, 'openLabelingJob')).toHaveLength(0);
    expect(callsOf(calls, 'evaluateStage', 'detect')).toHaveLength(0);
    expect(stateLog(calls, 'detect')).toEqual(['preparing', 'succeeded']);
    expect(callsOf(calls, 'recordStage', 'detect').at(-1)!.input).toMatchObject({ metrics: {}, message: 'The images of "detect" have no labels, so the reused model was not scored on them.' });
  });

  it('trains each stage on its GPU pool\'s queue, and a Batch stage from the orchestration queue', async () => {
    const graph = headlineFlowchart();
    const data = (id: string) => graph.nodes.find((n) => n.id === id)!.data;
    Object.assign(data('detect'), { pool: 'blue' });
    Object.assign(data('round-kind'), { executor: 'batch', pool: 'blue' });
    const plan = compileFlowchart(graph, headlineContext());
    const queues: Record<string, string> = {};
    const { activities } = recordingActivities({
      async trainStage({ runId, stage }) {
        queues[stage.nodeId] = Context.current().info.taskQueue;
        return { prefix: `runs/${runId}/stages/${stage.nodeId}/out` };
      },
    });
    const taskQueues = await harness.withWorkers(
      activities,
      async (taskQueues) => {
        await (await start(taskQueues, plan)).result();
        return taskQueues;
      },
      { pools: ['blue'], orchestrationTrains: true },
    );
    expect(queues).toEqual({
      detect: `${taskQueues.gpu}-blue`,
      'round-kind': taskQueues.orchestration,
      'angular-kind': taskQueues.gpu,
    });
  });

  it('ingests a dataset', async () => {
    const { activities, calls } = recordingActivities();
    const result = await harness.withWorkers(activities, async (queues) =>
      harness.client.workflow.execute(ingestDatasetWorkflow, {
        taskQueue: queues.orchestration,
        workflowId: `ingest-${randomUUID()}`,
        args: [{ datasetId: 'ds-1' }],
      }),
    );
    expect(result).toEqual({ status: 'ready' });
    expect(calls.map((c) => [c.name, c.input])).toEqual([['ingestDataset', { datasetId: 'ds-1' }]]);
  });
});
