/**
 * Runs the real workflow code against the Temporal server at TEMPORAL_ADDRESS with test-local
 * activities: one orchestration worker (workflows + activities) and one GPU worker (trainStage
 * only), each on a task queue unique to the caller, so tests never steal each other's tasks.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { gpuTaskQueue } from '../pools.ts';
import type { PlatformActivities } from '../temporal/activity-contract.ts';
import { ensureSearchAttributes } from '../temporal/register-search-attributes.ts';
import { workflowsPath } from '../temporal/workflows-path.ts';

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error('TEMPORAL_ADDRESS is not set: the workflow tests need a Temporal server (e.g. TEMPORAL_ADDRESS=127.0.0.1:7233, namespace "default").');
  }
  return address;
}

let quietRuntime = false;
/**
 * SDK and core logs at ERROR: they report every expected failure (retries, failing stages, the
 * replay test's deliberate nondeterminism) at WARN, which would bury test output.
 */
export function installQuietRuntime(): void {
  if (quietRuntime) return;
  quietRuntime = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}

export async function bundleWorkflows(): Promise<WorkflowBundle> {
  // Silence webpack's progress output; errors still throw.
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
}

export interface TaskQueues {
  orchestration: string;
  gpu: string;
}

export interface WorkerOptions {
  /** GPU pools served besides the default one: a GPU worker each, on `gpuTaskQueue(gpu, pool)`. */
  pools?: string[];
  /** The orchestration worker runs trainStage too (as production's does, for Batch stages). */
  orchestrationTrains?: boolean;
}

export interface TemporalHarness {
  client: Client;
  /**
   * Runs `fn` while an orchestration worker (workflows + every activity but trainStage) and a GPU
   * worker (trainStage only) poll fresh task queues; shuts both down afterwards.
   */
  withWorkers<T>(activities: PlatformActivities, fn: (taskQueues: TaskQueues) => Promise<T>, options?: WorkerOptions): Promise<T>;
  /** Runs `fn` while one worker (workflows + the given activities) polls a fresh task queue. */
  withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function connectHarness(bundle: WorkflowBundle): Promise<TemporalHarness> {
  const address = temporalAddress();
  installQuietRuntime();
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  // Runs started with AIP's search attributes need them registered (the dev server of `npm test` has them already).
  await ensureSearchAttributes(connection, 'default');
  return {
    client,
    async withWorkers(activities, fn, options = {}) {
      const unique = randomUUID().slice(0, 8);
      const taskQueues = { orchestration: `aip-test-orch-${unique}`, gpu: `aip-test-gpu-${unique}` };
      const { trainStage, ...orchestrationActivities } = activities;
      const common = { connection: nativeConnection, namespace: 'default', shutdownGraceTime: '5s' } as const;
      const orchestration = await Worker.create({
        ...common,
        taskQueue: taskQueues.orchestration,
        workflowBundle: bundle,
        activities: options.orchestrationTrains ? activities : orchestrationActivities,
      });
      const gpuQueues = [taskQueues.gpu, ...(options.pools ?? []).map((pool) => gpuTaskQueue(taskQueues.gpu, pool))];
      const gpus = await Promise.all(gpuQueues.map((taskQueue) => Worker.create({ ...common, taskQueue, activities: { trainStage } })));
      const work = fn(taskQueues);
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      await Promise.all([orchestration, ...gpus].map((worker) => worker.runUntil(settled)));
      return work;
    },
    async withWorker(activities, fn) {
      const taskQueue = `aip-test-${randomUUID().slice(0, 8)}`;
      const worker = await Worker.create({ connection: nativeConnection, namespace: 'default', shutdownGraceTime: '5s', taskQueue, workflowBundle: bundle, activities });
      const work = fn(taskQueue);
      await worker.runUntil(
        work.then(
          () => undefined,
          () => undefined,
        ),
      );
      return work;
    },
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
