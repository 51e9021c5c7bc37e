import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanStage } from '@aip/workflows';
import type { PlatformActivities } from '@aip/workflows/temporal';
import { currentTrainingEnv } from './training-slots.ts';
import { startWorkers } from './worker.ts';

function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: this test needs a Temporal server (npm test starts one).');
  return address;
}

/** Stand-ins for every activity a stage calls; `trainStage` is the test's. */
function stageActivities(trainStage: PlatformActivities['trainStage']): PlatformActivities {
  const done = async () => undefined;
  return new Proxy(
    {
      recordStage: done,
      recordRun: done,
      prepareStage: async ({ runId, stage }) => ({ prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 4, labeled: true, labelMap: {} }),
      trainStage,
      evaluateStage: async () => ({ accuracy: 1 }),
      registerModel: async ({ stage }) => ({ modelId: `model-${stage.nodeId}` }),
    } as Partial<PlatformActivities>,
    { get: (target, name: string) => target[name as keyof PlatformActivities] ?? (() => Promise.reject(new Error(`${name} is not part of this test`))) },
  ) as PlatformActivities;
}

function stage(nodeId: string, pool?: string): PlanStage {
  return {
    nodeId,
    name: nodeId,
    task: 'classification',
    input: { kind: 'dataset', datasetId: 'ds-1' },
    mode: 'train',
    arch: 'tiny_cnn',
    classes: ['a', 'b'],
    labelMap: {},
    hyper: {},
    visibility: 'private',
    executor: 'local',
    dependsOn: [],
    ...(pool ? { pool } : {}),
  };
}

describe('GPU worker: task queues per pool sharing its training slots (Temporal dev server)', () => {
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    client = new Client({ connection, namespace: 'default' });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('runs the stages of two pools on two GPUs, never more at once, each job on a GPU of its own', async () => {
    const unique = randomUUID().slice(0, 8);
    const queues = { orchestration: `aip-slots-orch-${unique}`, gpu: `aip-slots-gpu-${unique}` };
    let running = 0;
    let most = 0;
    const jobs: Array<{ nodeId: string; gpu: string | undefined; queue: string; overlapped: string[] }> = [];
    const active = new Map<string, string | undefined>();
    const lines: string[] = [];
    const workers = await startWorkers({
      address: temporalAddress(),
      namespace: 'default',
      roles: ['orchestration', 'gpu'],
      taskQueues: queues,
      gpus: [0, 1],
      gpuPools: ['default', 'blue'],
      log: (line) => lines.push(line),
      activities: stageActivities(async ({ runId, stage: { nodeId, pool } }) => {
        const gpu = currentTrainingEnv().CUDA_VISIBLE_DEVICES;
        running += 1;
        most = Math.max(most, running);
        jobs.push({ nodeId, gpu, queue: pool ?? 'default', overlapped: [...active.values()].filter((g): g is string => g !== undefined) });
        active.set(nodeId, gpu);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        active.delete(nodeId);
        running -= 1;
        return { prefix: `runs/${runId}/stages/${nodeId}/model` };
      }),
    });
    try {
      expect(lines).toEqual([`GPU worker: 2 GPUs (0,1), pools default,blue → queues ${queues.gpu}, ${queues.gpu}-blue`]);
      expect(workers.states().map((s) => [s.role, s.taskQueue, s.state])).toEqual([
        ['orchestration', queues.orchestration, 'RUNNING'],
        ['gpu', queues.gpu, 'RUNNING'],
        ['gpu', `${queues.gpu}-blue`, 'RUNNING'],
      ]);
      await workers.pingTemporal();

      const stages = [stage('a'), stage('b', 'blue'), stage('c', 'blue'), stage('d'), stage('e', 'blue')];
      const results = await Promise.all(
        stages.map((s) =>
          client.workflow.execute('stageWorkflow', {
            taskQueue: queues.orchestration,
            workflowId: `slots-${unique}/${s.nodeId}`,
            args: [{ runId: `run-${unique}`, stage: s, plan: { version: 1, stages }, upstreamModels: {}, gpuTaskQueue: queues.gpu }],
          }),
        ),
      );
      expect(results.map((r: { modelId: string }) => r.modelId)).toEqual(['model-a', 'model-b', 'model-c', 'model-d', 'model-e']);
      expect(jobs).toHaveLength(5);
      expect(most).toBe(2);
      for (const job of jobs) {
        expect(['0', '1']).toContain(job.gpu);
        expect(job.overlapped).not.toContain(job.gpu);
      }
      expect(workers.training?.busy).toBe(0);
    } finally {
      await workers.shutdown();
    }
  });

  it('stops promptly while a pool waits for the only slot, and refuses more slots than GPUs', async () => {
    const unique = randomUUID().slice(0, 8);
    const lines: string[] = [];
    const workers = await startWorkers({
      address: temporalAddress(),
      namespace: 'default',
      roles: ['gpu'],
      taskQueues: { gpu: `aip-slots-cpu-${unique}` },
      gpus: [],
      gpuPools: ['default', 'blue'],
      log: (line) => lines.push(line),
      activities: stageActivities(async () => ({ prefix: 'unused' })),
    });
    expect(lines).toEqual([`GPU worker: CPU only, 1 training slot, pools default,blue → queues aip-slots-cpu-${unique}, aip-slots-cpu-${unique}-blue`]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(workers.training?.reserved).toBe(1);
    const stopping = Date.now();
    await workers.shutdown();
    expect(Date.now() - stopping).toBeLessThan(15_000);

    await expect(
      startWorkers({ address: temporalAddress(), namespace: 'default', roles: ['gpu'], gpus: [0], trainingSlots: 2, activities: stageActivities(async () => ({ prefix: 'x' })) }),
    ).rejects.toThrow(/AIP_TRAINING_SLOTS=2 asks for more training jobs than this worker has GPUs \(1: 0\)/);
  });
});
