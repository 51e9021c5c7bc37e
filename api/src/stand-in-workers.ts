/**
 * For API tests that need a run to really execute: stand-ins for the platform's activities (they
 * exercise the workflows and the API, not training) and workers polling the harness's task queues.
 */
import { eq } from 'drizzle-orm';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { datasets, newId, runs, stageRuns } from '@aip/platform';
import { workflowsPath, type PlatformActivities } from '@aip/workflows/temporal';
import { temporalAddress, type Harness } from './test-support.ts';

/**
 * Every activity with a plausible result; `recordRun` and `recordStage` write the run's status and
 * the stage's state (and labeling job) where the API reads them. Tests override what they exercise.
 */
export function standInActivities(h: Harness, overrides: Partial<PlatformActivities> = {}): PlatformActivities {
  return {
    async ingestDataset() {
      return { status: 'ready' };
    },
    async recordRun({ runId, status, error }) {
      await h.db.update(runs).set({ status, ...(error === undefined ? {} : { error }) }).where(eq(runs.id, runId));
    },
    async recordStage({ runId, nodeId, state, labelingJobId }) {
      const values = { state, ...(labelingJobId ? { labelingJobId } : {}) };
      await h.db.insert(stageRuns).values({ id: newId('sr'), runId, nodeId, ...values }).onConflictDoUpdate({ target: [stageRuns.runId, stageRuns.nodeId], set: values });
    },
    async prepareStage({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 4, labeled: true, labelMap: {} };
    },
    async openLabelingJob() {
      throw new Error('this test gives every stage labelled data');
    },
    async importLabels() {
      throw new Error('this test gives every stage labelled data');
    },
    async trainStage({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/out` };
    },
    async evaluateStage() {
      return { accuracy: 0.9 };
    },
    async registerModel({ stage }) {
      return { modelId: `mdl-${stage.nodeId}` };
    },
    async resolveModel({ modelId }) {
      return { prefix: `models/${modelId}` };
    },
    async packageBundle({ runId }) {
      return { bundleKey: `bundles/${runId}.zip`, size: 1, sha256: '0'.repeat(64) };
    },
    async evaluateCascade() {
      return { accuracy: 0.9 };
    },
    ...overrides,
  };
}

/** An orchestration worker (workflows + activities) and a GPU worker (trainStage) on the harness's queues. */
export async function startStandInWorkers(h: Harness, activities: PlatformActivities): Promise<{ stop(): Promise<void> }> {
  // The SDK reports every expected failure (a failing stage) at WARN.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const { trainStage, ...orchestration } = activities;
  const common = { connection, namespace: 'default', shutdownGraceTime: '5s' } as const;
  const workers = [
    await Worker.create({
      ...common,
      taskQueue: h.taskQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') }),
      activities: orchestration,
    }),
    await Worker.create({ ...common, taskQueue: `${h.taskQueue}-gpu`, activities: { trainStage } }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** dataset → detector (round, angular) → classifier of the round objects. */
function cascade(datasetId: string) {
  return {
    nodes: [
      { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
      { id: 'detect', type: 'detection', position: { x: 200, y: 0 }, data: { classes: ['round', 'angular'] } },
      { id: 'round-kind', type: 'classification', position: { x: 400, y: 0 }, data: { classes: ['circle', 'ring'], parentClass: 'round' } },
    ],
    edges: [
      { id: 'e1', source: 'data', target: 'detect' },
      { id: 'e2', source: 'detect', target: 'round-kind' },
    ],
  };
}

/**
 * Saves that flowchart on a ready detection dataset (angular, circle, ring) of the harness's user,
 * through the API; resolves with the flowchart's id.
 */
export async function saveCascadeFlowchart(h: Harness): Promise<string> {
  const datasetId = newId('ds');
  await h.db.insert(datasets).values({
    id: datasetId,
    ownerId: h.userId,
    name: 'shapes',
    format: 'detection',
    status: 'ready',
    stats: { classes: ['angular', 'circle', 'ring'], images: 40 },
    blobPrefix: `datasets/${datasetId}/`,
  });
  const saved = await h.app.inject({ method: 'POST', url: '/api/flowcharts', headers: h.auth, payload: { name: 'shapes', graph: cascade(datasetId) } });
  if (saved.statusCode !== 201) throw new Error(`saving the flowchart failed: ${saved.statusCode} ${saved.body}`);
  return saved.json().id as string;
}

/** Polls `read` every 100 ms until `done` holds. */
export async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
