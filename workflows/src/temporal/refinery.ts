/**
 * The model refinery's workflows (docs/contracts.md "Model refinery"): one refinery task from its
 * teachers and dataset to a registered model, and the check of an uploaded model. Deterministic
 * like workflows.ts, which re-exports them so workers bundle one file.
 */
import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  isCancellation,
  proxyActivities,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import { DEFAULT_POOL, gpuTaskQueue } from '../pools.ts';
import type { Metrics, RefineryActivities, RefineryOutput, RefineryPhase } from './activity-contract.ts';
import { failureMessage, failureType } from './failures.ts';
import { TASK_QUEUES } from './task-queues.ts';

export interface RefineryTaskInput {
  taskId: string;
  /** 1 for the first attempt; each retry from the API starts a new workflow with the next. */
  attempt: number;
  /** Heartbeat timeout of `runRefineryJob` (default 60 s). */
  heartbeatTimeoutMs?: number;
  /** The GPU task queue base (default `TASK_QUEUES.gpu`); the job runs on the default pool's queue. */
  gpuTaskQueue?: string;
}

export interface RefineryTaskResult {
  modelId: string;
  metrics: Metrics;
}

const retry = (maximumAttempts?: number): RetryPolicy => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: ['UserError'],
  ...(maximumAttempts === undefined ? {} : { maximumAttempts }),
});

const QUICK: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retry() };
const LONG: ActivityOptions = { startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry: retry(5) };

const quick = proxyActivities<RefineryActivities>(QUICK);
const long = proxyActivities<RefineryActivities>(LONG);

/**
 * One refinery task: validate its inputs, run the refine job on a GPU worker (resuming from its
 * checkpoint when the activity is retried), evaluate the produced model against its teachers,
 * register it with its lineage. Each phase is recorded on the task's row; a failure is recorded
 * with its message and whose it is, a cancellation as cancelled.
 */
export async function refineryTaskWorkflow(input: RefineryTaskInput): Promise<RefineryTaskResult> {
  const { taskId, attempt } = input;
  const training = proxyActivities<RefineryActivities>({
    taskQueue: gpuTaskQueue(input.gpuTaskQueue ?? TASK_QUEUES.gpu, DEFAULT_POOL),
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 60_000,
    retry: retry(5),
  });
  // Following a job on AWS Batch needs no GPU: it stays on this workflow's queue, for as long as training takes.
  const following = proxyActivities<RefineryActivities>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 60_000,
    retry: retry(5),
  });
  let phase: RefineryPhase = 'queued';
  const record = (next: RefineryPhase, extra: { message?: string; metrics?: Metrics; outputModelId?: string; failureType?: string } = {}) => {
    phase = next;
    return quick.recordRefinery({ taskId, attempt, phase: next, ...extra });
  };
  try {
    await record('preparing');
    const job = await quick.validateRefineryInputs({ taskId, attempt });
    await record('training');
    const runner = job.executor === 'batch' ? following : training;
    const output: RefineryOutput = await runner.runRefineryJob({ job });
    await record('evaluating');
    const evaluation = await long.evaluateRefinery({ job, output });
    await record('registering');
    const metrics: Metrics = { ...output.metrics, evaluation };
    const { modelId } = await quick.registerRefineryModel({ job, output, metrics });
    await record('succeeded', { metrics, outputModelId: modelId });
    return { modelId, metrics };
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => quick.recordRefinery({ taskId, attempt, phase: 'cancelled', message: 'Cancelled.' }));
      throw err;
    }
    if (!(err instanceof TemporalFailure)) throw err; // a bug here: let the workflow task retry
    const message = failureMessage(err);
    const type = failureType(err) ?? 'RefineryFailed';
    await quick.recordRefinery({ taskId, attempt, phase: 'failed', message, failureType: type });
    throw ApplicationFailure.create({ type, nonRetryable: true, message: `${phaseWords(phase)}: ${message}`, cause: err });
  }
}

function phaseWords(phase: RefineryPhase): string {
  return phase === 'preparing' ? 'Checking the teachers and dataset failed' : `The refinery task failed while ${phase}`;
}

/** An uploaded model: the trainer loads it and checks it against what the uploader declared. */
export async function validateModelWorkflow(input: { modelId: string }): Promise<{ status: 'ready' | 'invalid' }> {
  return long.validateUploadedModel({ modelId: input.modelId });
}
