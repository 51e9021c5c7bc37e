/**
 * Worker entry points. The orchestration worker runs the workflows and every activity (training
 * too, for stages trained on AWS Batch: following a Batch job needs no GPU); the GPU worker runs
 * only `trainStage` and `runRefineryJob` (a refinery task's training), one job per training slot
 * (one slot per GPU), on the task queue of every GPU pool it serves. The embedded process runs both side by side.
 */
import { NativeConnection, Worker, bundleWorkflowCode, type State, type WorkflowBundle } from '@temporalio/worker';
import { DEFAULT_POOL, gpuTaskQueue } from '@aip/workflows';
import { TASK_QUEUES, ensureSearchAttributes, workflowsPath } from '@aip/workflows/temporal';
import { observeTrainingSlots, type Tracing } from '@aip/platform';
import type { PlatformActivities, RefineryActivities } from '@aip/workflows/temporal';
import { describeDevices, detectGpus, trainingDevices } from './gpus.ts';
import { TrainingSlots } from './training-slots.ts';
import { observedWorkerOptions, workflowInterceptorModules } from './observability.ts';

export type WorkerRole = 'orchestration' | 'gpu';

export interface WorkerSetOptions {
  address: string;
  namespace: string;
  /** The refinery's activities are optional (test stand-ins may leave them out); the GPU worker also runs `runRefineryJob`. */
  activities: PlatformActivities & Partial<RefineryActivities>;
  roles: WorkerRole[];
  /** Queue names (tests give each run its own). */
  taskQueues?: Partial<Record<WorkerRole, string>>;
  /**
   * GPU worker: the GPU indices it trains on, one training slot each (AIP_GPUS; `[]`: none, train
   * on the CPU). Undefined: whatever `nvidia-smi` lists at start (none found: the CPU).
   */
  gpus?: number[];
  /** GPU worker: concurrent training jobs (AIP_TRAINING_SLOTS; default one per GPU, CPU: one). */
  trainingSlots?: number;
  /** GPU worker: the pools it serves, one task queue each (AIP_GPU_POOLS; default `default`). */
  gpuPools?: string[];
  identity?: string;
  /** Where the worker says what it found and polls (default console.log). */
  log?: (line: string) => void;
  /** Where it warns (default console.warn): search attributes it could not register. */
  warn?: (line: string) => void;
  /** OpenTelemetry tracing of workflows and activities (platform's tracingFromConfig); off when absent. */
  tracing?: Tracing;
}

export interface WorkerSet {
  /** Resolves when every worker has stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
  /** Each Temporal worker: its role, task queue and state (`RUNNING` while it polls). */
  states(): Array<{ role: WorkerRole; taskQueue: string; state: State }>;
  /** Resolves when Temporal answers on the workers' connection (readiness probes). */
  pingTemporal(): Promise<void>;
  /** The GPU worker's training slots (absent without the gpu role). */
  training?: TrainingSlots;
}

const bundled = new Map<boolean, Promise<WorkflowBundle>>();

/**
 * Workflow code is bundled once per process (several seconds) and shared by its workers; with
 * tracing, together with the OpenTelemetry workflow interceptors.
 */
function workflowBundle(tracing: Tracing | undefined): Promise<WorkflowBundle> {
  const traced = tracing !== undefined;
  let bundle = bundled.get(traced);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      logger: quietBundlerLogger,
      ...(traced ? { workflowInterceptorModules: workflowInterceptorModules(tracing) } : {}),
    });
    bundled.set(traced, bundle);
  }
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** The worker slots of the task types a GPU worker does not poll (it runs no workflows). */
const UNUSED_SLOTS = { type: 'fixed-size', numSlots: 10 } as const;

export async function startWorkers(options: WorkerSetOptions): Promise<WorkerSet> {
  const log = options.log ?? ((line: string) => console.log(line));
  // The GPU set-up first: a refused AIP_TRAINING_SLOTS fails the start before anything connects.
  let training: TrainingSlots | undefined;
  let found: Awaited<ReturnType<typeof detectGpus>> | undefined;
  if (options.roles.includes('gpu')) {
    found = options.gpus === undefined ? await detectGpus() : { gpus: options.gpus };
    const hideGpus = options.gpus !== undefined && options.gpus.length === 0;
    training = new TrainingSlots(trainingDevices(found.gpus, { slots: options.trainingSlots, hideGpus }));
  }

  const connection = await NativeConnection.connect({ address: options.address });
  await ensureSearchAttributes(connection, options.namespace, { warn: options.warn ?? ((line) => console.warn(line)) }).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const queues = { ...TASK_QUEUES, ...options.taskQueues };
  const identity = options.identity ? { identity: options.identity } : {};
  const workers: Array<{ role: WorkerRole; taskQueue: string; worker: Worker }> = [];
  try {
    for (const role of options.roles) {
      if (role === 'orchestration') {
        const worker = await Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: queues.orchestration,
          workflowBundle: await workflowBundle(options.tracing),
          activities: options.activities,
          ...observedWorkerOptions(options.tracing, true),
          ...identity,
        });
        workers.push({ role, taskQueue: queues.orchestration, worker });
      } else {
        // One Worker per pool's queue, all sharing the training slots (training-slots.ts says why
        // this and not a limit per Worker): never more jobs than slots, each on a GPU of its own.
        const slots = training!;
        const slotSupplier = slots.slotSupplier();
        const trainStage: PlatformActivities['trainStage'] = (input) => slots.withDevice(() => options.activities.trainStage(input));
        // A refinery job trains like a stage: in a training slot, on its GPU.
        const refine = options.activities.runRefineryJob;
        const gpuActivities = refine
          ? { trainStage, runRefineryJob: ((input) => slots.withDevice(() => refine(input))) satisfies RefineryActivities['runRefineryJob'] }
          : { trainStage };
        const pools = options.gpuPools?.length ? options.gpuPools : [DEFAULT_POOL];
        const gpuQueues = pools.map((pool) => gpuTaskQueue(queues.gpu, pool));
        for (const taskQueue of gpuQueues) {
          const worker = await Worker.create({
            connection,
            namespace: options.namespace,
            taskQueue,
            activities: gpuActivities,
            ...observedWorkerOptions(options.tracing, false),
            tuner: {
              activityTaskSlotSupplier: slotSupplier,
              workflowTaskSlotSupplier: UNUSED_SLOTS,
              localActivityTaskSlotSupplier: UNUSED_SLOTS,
              nexusTaskSlotSupplier: UNUSED_SLOTS,
            },
            // One poll per queue at a time, so no queue's polls hold every free slot.
            activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 1 },
            ...identity,
          });
          workers.push({ role, taskQueue, worker });
        }
        log(`GPU worker: ${describeDevices(slots.devices, found!)}, pools ${pools.join(',')} → queues ${gpuQueues.join(', ')}`);
      }
    }
  } catch (error) {
    await connection.close();
    throw error;
  }
  const unobserve = training ? observeTrainingSlots(training) : () => undefined;
  const done = Promise.all(workers.map(({ worker }) => worker.run()))
    .then(async () => {
      await connection.close();
    })
    .finally(unobserve);
  return {
    done,
    async shutdown() {
      for (const { worker } of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await done;
    },
    states: () => workers.map(({ role, taskQueue, worker }) => ({ role, taskQueue, state: worker.getState() })),
    async pingTemporal() {
      await connection.workflowService.getSystemInfo({});
    },
    ...(training ? { training } : {}),
  };
}
