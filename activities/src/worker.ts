/**
 * Worker entry points. The orchestration worker runs the workflows and every light activity; the
 * GPU worker runs training, one job per slot. The embedded process runs both side by side.
 */
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { TASK_QUEUES, workflowsPath } from '@aip/workflows/temporal';
import type { PlatformActivities } from '@aip/workflows/temporal';

export type WorkerRole = 'orchestration' | 'gpu';

export interface WorkerSetOptions {
  address: string;
  namespace: string;
  activities: PlatformActivities;
  roles: WorkerRole[];
  /** Queue names (tests give each run its own). */
  taskQueues?: Partial<Record<WorkerRole, string>>;
  /** Concurrent training jobs on the GPU queue (one per GPU; CPU: one). */
  trainingSlots?: number;
  identity?: string;
}

export interface WorkerSet {
  /** Resolves when every worker has stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let bundled: Promise<WorkflowBundle> | undefined;

/** Workflow code is bundled once per process (several seconds) and shared by its workers. */
function workflowBundle(): Promise<WorkflowBundle> {
  bundled ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundled;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export async function startWorkers(options: WorkerSetOptions): Promise<WorkerSet> {
  const connection = await NativeConnection.connect({ address: options.address });
  const queues = { ...TASK_QUEUES, ...options.taskQueues };
  const identity = options.identity ? { identity: options.identity } : {};
  const workers: Worker[] = [];
  for (const role of options.roles) {
    if (role === 'orchestration') {
      workers.push(
        await Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: queues.orchestration,
          workflowBundle: await workflowBundle(),
          activities: options.activities,
          ...identity,
        }),
      );
    } else {
      // Only training runs on the GPU queue; one activity per slot so jobs never share a GPU.
      workers.push(
        await Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: queues.gpu,
          activities: { trainStage: options.activities.trainStage },
          maxConcurrentActivityTaskExecutions: options.trainingSlots ?? 1,
          ...identity,
        }),
      );
    }
  }
  const done = Promise.all(workers.map((worker) => worker.run())).then(async () => {
    await connection.close();
  });
  return {
    done,
    async shutdown() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await done;
    },
  };
}
