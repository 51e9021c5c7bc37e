/**
 * The AIP workflows. This file is what workers bundle (`workflowsPath`): deterministic code only —
 * no I/O, no clocks, no randomness; everything that touches the world is an activity
 * (activity-contract.ts).
 *
 * Changing what these functions do (which activities, in which order, with which options) changes
 * the commands they emit and breaks the replay of running workflows: put such changes behind
 * `patched('<change-name>')` and record a new history fixture (see scripts/record-histories.ts);
 * the replay test replays the committed histories.
 */
import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { Plan, PlanStage } from '../plan.ts';
import { gpuTaskQueue } from '../pools.ts';
import type { Metrics, PlatformActivities, StageState, TrainedModel } from './activity-contract.ts';
import { failureMessage, failureType } from './failures.ts';
import {
  labelingCompleteSignal,
  retryStageUpdate,
  stageStatusQuery,
  statusQuery,
  type RetryStageRequest,
  type RetryStageResult,
  type RunStatusView,
  type StageView,
} from './messages.ts';
import { AipFlowchartId, AipNodeId, AipOwner, AipRunId, AipStageState } from './search-attributes.ts';
import { TASK_QUEUES } from './task-queues.ts';

/** Options every stage-running workflow accepts; the run passes its own down to its stages. */
export interface ExecutionOptions {
  /** Heartbeat timeout of `trainStage` (default 60 s): how soon a dead trainer is noticed. */
  heartbeatTimeoutMs?: number;
  /** The GPU task queue (default `TASK_QUEUES.gpu`): `trainStage` runs on its pool's queue (`gpuTaskQueue`). */
  gpuTaskQueue?: string;
}

export interface IngestDatasetInput {
  datasetId: string;
}

export interface RunFlowchartInput extends ExecutionOptions {
  runId: string;
  plan: Plan;
  /** The dataset the run was started from (informational: shown in the Temporal UI input). */
  rootDatasetId?: string;
}

export interface RunFlowchartResult {
  bundleKey: string;
  size: number;
  sha256: string;
  /** nodeId → registry model id. */
  models: Record<string, string>;
  metrics: Metrics;
}

export interface StageWorkflowInput extends ExecutionOptions {
  runId: string;
  stage: PlanStage;
  plan: Plan;
  /** nodeId → model id of every stage above this one. */
  upstreamModels: Record<string, string>;
}

export interface StageResult {
  nodeId: string;
  modelId: string;
  metrics: Metrics;
}

const DEFAULT_HEARTBEAT_TIMEOUT_MS = 60_000;

/** Infra failures retry with backoff; `UserError` (bad data or config) never does. */
const retry = (maximumAttempts?: number): RetryPolicy => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: ['UserError'],
  ...(maximumAttempts === undefined ? {} : { maximumAttempts }),
});

/** Bookkeeping and registry look-ups: quick and idempotent, so retried until they get through. */
const QUICK: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retry() };
/** Data work (ingest, prepare, evaluate, package): must heartbeat at least every 2 minutes. */
const LONG: ActivityOptions = { startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry: retry(5) };

function activitiesFor(options: ExecutionOptions) {
  return {
    quick: proxyActivities<PlatformActivities>(QUICK),
    long: proxyActivities<PlatformActivities>(LONG),
    // Training resumes from its checkpoint when retried, so a lost GPU worker costs one epoch.
    train: (stage: PlanStage) =>
      proxyActivities<PlatformActivities>({
        ...trainingQueue(options, stage),
        startToCloseTimeout: '24 hours',
        heartbeatTimeout: options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
        retry: retry(5),
      }),
  };
}

/**
 * Where a stage's `trainStage` runs. A Batch stage: on the workflow's own (orchestration) queue —
 * submitting a job and polling it needs no GPU, and orchestration workers register every activity
 * (behind a patch: such stages went to the GPU queue before). Any other: the GPU queue of the
 * stage's pool. A plan compiled before pools existed has none, so its queue is the plain GPU queue
 * it always was.
 */
function trainingQueue(options: ExecutionOptions, stage: PlanStage): { taskQueue?: string } {
  if (stage.executor === 'batch' && patched('batch-trains-from-orchestration')) return {};
  return { taskQueue: gpuTaskQueue(options.gpuTaskQueue ?? TASK_QUEUES.gpu, stage.pool) };
}

export async function ingestDatasetWorkflow(input: IngestDatasetInput): Promise<{ status: 'ready' | 'invalid' }> {
  return activitiesFor({}).long.ingestDataset({ datasetId: input.datasetId });
}

/**
 * Runs a compiled plan: each stage as a child workflow `${runId}/${nodeId}`, started as soon as
 * the stage it depends on has succeeded, so independent branches run in parallel.
 *
 * When a stage fails, the run waits for the user (status `attention`): the stages below the failed
 * one wait, independent branches carry on, and `retryStageUpdate` runs the failed stage again as
 * `${runId}/${nodeId}/retry-${n}`; the run goes on once it succeeds. It waits for as long as it
 * takes. Runs started before this change (no `retry-failed-stage` marker) end at their first failed
 * stage instead: stages already running finish, stages not started are recorded cancelled, and
 * the run fails with the stage's message.
 *
 * Cancelling the run (also while it waits) cancels the running children (and through them their
 * activities) and waits for them to record it.
 */
export async function runFlowchartWorkflow(input: RunFlowchartInput): Promise<RunFlowchartResult> {
  const { runId, plan } = input;
  const activities = activitiesFor(input);
  // Decided once, at the start: a run keeps the failure handling it started with.
  const retryable = patched('retry-failed-stage');
  const searchable = hasSearchAttributes();
  const view: RunStatusView = {
    status: 'running',
    stages: Object.fromEntries(plan.stages.map((s) => [s.nodeId, { state: 'pending', progress: 0 } satisfies StageView])),
  };
  setHandler(statusQuery, () => view);
  const retries = new StageRetries(runId, plan, view, (status) => activities.quick.recordRun({ runId, status }));
  setHandler(retryStageUpdate, (request) => retries.retry(request), { validator: (request) => retries.validate(request) });

  try {
    if (plan.version !== 1) {
      throw ApplicationFailure.create({ type: 'UserError', nonRetryable: true, message: `This run's plan has version ${String(plan.version)}, which this worker does not know; compile the flowchart again.` });
    }
    await activities.quick.recordRun({ runId, status: 'running' });
    const models = await runStages(input, view, retryable ? retries : undefined, searchable);
    const bundle = await activities.long.packageBundle({ runId, plan, models });
    view.bundleKey = bundle.bundleKey;
    const metrics = await activities.long.evaluateCascade({ runId, plan, models, bundleKey: bundle.bundleKey });
    await activities.quick.recordRun({ runId, status: 'succeeded', metrics });
    view.status = 'succeeded';
    view.metrics = metrics;
    return { ...bundle, models, metrics };
  } catch (err) {
    if (isCancellation(err)) {
      view.status = 'cancelled';
      await CancellationScope.nonCancellable(() => activities.quick.recordRun({ runId, status: 'cancelled' }));
      throw err;
    }
    // Anything else is a bug in this code: fail the workflow task so a fixed worker can resume it.
    if (!(err instanceof TemporalFailure)) throw err;
    const message = failureMessage(err);
    view.status = 'failed';
    view.error = message;
    await activities.quick.recordRun({ runId, status: 'failed', error: message });
    throw ApplicationFailure.create({ type: failureType(err) ?? 'RunFailed', nonRetryable: true, message, cause: err });
  }
}

/**
 * The failed stages waiting for the user's retry, and the run status that follows from them:
 * `attention` while any waits, `running` otherwise. Status changes are recorded one after the
 * other, so the database ends with the latest even when a retry comes while `attention` is still
 * being recorded.
 */
class StageRetries {
  /** nodeId → how to resume the stage's wait, and the workflow id its next attempt gets. */
  private readonly waiting = new Map<string, { resume: () => void; nextWorkflowId: string }>();
  private readonly retried = new Map<string, number>();
  private recorded: Promise<void> = Promise.resolve();

  constructor(
    private readonly runId: string,
    private readonly plan: Plan,
    private readonly view: RunStatusView,
    private readonly recordStatus: (status: 'running' | 'attention') => Promise<void>,
  ) {}

  /** The child workflow id of the stage's next attempt. */
  workflowIdOf(nodeId: string): string {
    const n = this.retried.get(nodeId) ?? 0;
    return n === 0 ? `${this.runId}/${nodeId}` : `${this.runId}/${nodeId}/retry-${n}`;
  }

  retriesOf(nodeId: string): number {
    return this.retried.get(nodeId) ?? 0;
  }

  /** Waits (durably, indefinitely) until the user retries the failed stage; throws when the run is cancelled. */
  async waitForRetry(nodeId: string): Promise<void> {
    let resumed = false;
    const next = (this.retried.get(nodeId) ?? 0) + 1;
    this.waiting.set(nodeId, { resume: () => (resumed = true), nextWorkflowId: `${this.runId}/${nodeId}/retry-${next}` });
    try {
      await this.settleStatus();
      await condition(() => resumed);
      this.retried.set(nodeId, next);
    } finally {
      this.waiting.delete(nodeId);
    }
  }

  /** Update validator: runs before anything is written to history, so a rejection leaves no trace. */
  validate({ nodeId }: RetryStageRequest): void {
    if (this.waiting.has(nodeId)) return;
    const stage = this.plan.stages.find((s) => s.nodeId === nodeId);
    if (!stage) throw new Error(`Run ${this.runId} has no stage "${nodeId}".`);
    const state = this.view.stages[nodeId]?.state ?? 'pending';
    const now = state === 'failed' ? 'has failed but the run no longer waits for it (it has ended)' : `is ${state}`;
    throw new Error(`The stage "${stage.name}" of run ${this.runId} ${now}: only a failed stage the run waits for can be retried.`);
  }

  async retry({ nodeId }: RetryStageRequest): Promise<RetryStageResult> {
    const waiting = this.waiting.get(nodeId);
    // The validator let it through in this same activation, so it is still waiting.
    if (!waiting) throw ApplicationFailure.create({ type: 'StageNotWaiting', nonRetryable: true, message: `The stage "${nodeId}" no longer waits for a retry.` });
    this.waiting.delete(nodeId);
    waiting.resume();
    this.view.stages[nodeId] = { state: 'running', progress: 0, retries: (this.retried.get(nodeId) ?? 0) + 1 };
    await this.settleStatus();
    return { nodeId, workflowId: waiting.nextWorkflowId };
  }

  private settleStatus(): Promise<void> {
    const status = this.waiting.size > 0 ? 'attention' : 'running';
    if (this.view.status !== status) {
      this.view.status = status;
      this.recorded = this.recorded.then(() => this.recordStatus(status));
    }
    return this.recorded;
  }
}

/**
 * Starts every stage when its dependency is done; returns nodeId → model id of every stage.
 * With `retries`, a failed stage waits for the user's retry; without (runs started before
 * retries existed), the first failure ends the run.
 */
async function runStages(
  input: RunFlowchartInput,
  view: RunStatusView,
  retries: StageRetries | undefined,
  searchable: boolean,
): Promise<Record<string, string>> {
  const { runId, plan } = input;
  const activities = activitiesFor(input);
  const models: Record<string, string> = {};
  const byId = new Map(plan.stages.map((s) => [s.nodeId, s]));
  // Resolves true when the stage succeeded; never rejects (failures are kept in `failure`).
  const finished = new Map<string, Promise<boolean>>();
  let failure: { stage: PlanStage; err: unknown } | undefined;
  const notStarted: PlanStage[] = [];

  const upstreamModelsOf = (stage: PlanStage): Record<string, string> => {
    const upstream: Record<string, string> = {};
    const pending = [...stage.dependsOn];
    for (let id = pending.shift(); id !== undefined; id = pending.shift()) {
      const modelId = models[id];
      if (modelId !== undefined) upstream[id] = modelId;
      pending.push(...(byId.get(id)?.dependsOn ?? []));
    }
    return upstream;
  };

  /** One attempt of the stage as a child workflow: undefined when it succeeded, else its failure. */
  const attempt = async (stage: PlanStage): Promise<unknown> => {
    const retried = retries?.retriesOf(stage.nodeId) ?? 0;
    const tries = retried > 0 ? { retries: retried } : {};
    view.stages[stage.nodeId] = { state: 'running', progress: 0, ...tries };
    try {
      const result = await executeChild(stageWorkflow, {
        workflowId: retries?.workflowIdOf(stage.nodeId) ?? `${runId}/${stage.nodeId}`,
        ...(searchable ? { typedSearchAttributes: stageSearchAttributes(stage.nodeId) } : {}),
        args: [
          {
            runId,
            stage,
            plan,
            upstreamModels: upstreamModelsOf(stage),
            heartbeatTimeoutMs: input.heartbeatTimeoutMs,
            gpuTaskQueue: input.gpuTaskQueue,
          },
        ],
      });
      models[stage.nodeId] = result.modelId;
      view.stages[stage.nodeId] = { state: 'succeeded', progress: 1, metrics: result.metrics, modelId: result.modelId, ...tries };
      return undefined;
    } catch (err) {
      view.stages[stage.nodeId] = {
        state: isCancellation(err) ? 'cancelled' : 'failed',
        progress: 0,
        message: failureMessage(err),
        ...tries,
      };
      return err;
    }
  };

  const runStage = async (stage: PlanStage): Promise<boolean> => {
    // The plan is in topological order, so every dependency already has its promise.
    const ready = await Promise.all(stage.dependsOn.map((id) => finished.get(id) ?? Promise.resolve(false)));
    if (failure !== undefined || !ready.every(Boolean)) {
      notStarted.push(stage);
      return false;
    }
    for (;;) {
      const err = await attempt(stage);
      if (err === undefined) return true;
      if (retries === undefined || isCancellation(err)) {
        failure ??= { stage, err };
        return false;
      }
      try {
        await retries.waitForRetry(stage.nodeId);
      } catch (waitErr) {
        if (!isCancellation(waitErr)) throw waitErr; // a bug here: let the workflow task retry
        failure ??= { stage, err: waitErr };
        return false;
      }
    }
  };

  for (const stage of plan.stages) finished.set(stage.nodeId, runStage(stage));
  await Promise.all(finished.values());
  if (failure === undefined) return models;

  // Stages that never started get a final state too, so no stage page says "pending" forever.
  const { stage: failedStage, err } = failure;
  const cancelled = isCancellation(err);
  const message = cancelled ? 'Not run: the run was cancelled.' : `Not run: the stage "${failedStage.name}" failed.`;
  await CancellationScope.nonCancellable(() =>
    Promise.all(
      notStarted.map((stage) => {
        view.stages[stage.nodeId] = { state: 'cancelled', progress: 0, message };
        return activities.quick.recordStage({ runId, nodeId: stage.nodeId, state: 'cancelled', message });
      }),
    ),
  );
  if (cancelled) throw err;
  // No `cause`: this message is the one the run records (failureMessage would dig past it); the
  // full chain stays on the stage's own child workflow.
  throw ApplicationFailure.create({
    type: failureType(err) ?? 'StageFailed',
    nonRetryable: true,
    message: `The stage "${failedStage.name}" failed: ${failureMessage(err)}`,
  });
}

/**
 * Whether this workflow keeps its search attributes (search-attributes.ts) up to date: those
 * started with them (the API sets them on runs where the namespace has them registered; runs pass
 * theirs on to their stages) and not started before this change (no marker: their histories carry
 * no search attribute commands).
 */
function hasSearchAttributes(): boolean {
  return patched('search-attributes') && workflowInfo().typedSearchAttributes.get(AipRunId) !== undefined;
}

/** A stage workflow's search attributes: its run's (run, flowchart, owner), its node, its state. */
function stageSearchAttributes(nodeId: string): SearchAttributePair[] {
  const run = workflowInfo().typedSearchAttributes;
  const pairs: SearchAttributePair[] = [];
  for (const key of [AipRunId, AipFlowchartId, AipOwner]) {
    const value = run.get(key);
    if (value !== undefined) pairs.push({ key, value });
  }
  pairs.push({ key: AipNodeId, value: nodeId }, { key: AipStageState, value: 'pending' });
  return pairs;
}

/** What a `labelingComplete` signal without a job id completes: the job the stage waits for. */
const ANY_JOB = '*';

/** Coarse progress shown for each state (training progress itself comes from heartbeats). */
const STATE_PROGRESS: Partial<Record<StageState, number>> = {
  preparing: 0,
  awaiting_labels: 0.1,
  training: 0.1,
  evaluating: 0.8,
  registering: 0.95,
  succeeded: 1,
};

/**
 * One stage: prepare its data, train (or resolve the reused model), evaluate, register. Every
 * state change is recorded; a failure is recorded with its message and fails the stage.
 */
export async function stageWorkflow(input: StageWorkflowInput): Promise<StageResult> {
  const { runId, stage, plan, upstreamModels } = input;
  const { nodeId } = stage;
  const activities = activitiesFor(input);
  const view: StageView = { state: 'pending', progress: 0 };
  setHandler(stageStatusQuery, () => view);
  // Completions that arrive before the wait starts are kept, so none is lost.
  const completedJobs = new Set<string>();
  setHandler(labelingCompleteSignal, ({ labelingJobId }) => {
    completedJobs.add(labelingJobId ?? ANY_JOB);
  });

  // Started with search attributes: `AipStageState` follows every recorded state.
  const searchable = hasSearchAttributes();
  const showState = (state: StageState) => {
    if (searchable) upsertSearchAttributes([{ key: AipStageState, value: state }]);
  };

  const record = async (
    state: StageState,
    extra: { message?: string; metrics?: Metrics; modelId?: string; labelingJobId?: string; failureType?: string } = {},
  ) => {
    const progress = STATE_PROGRESS[state] ?? view.progress;
    const { failureType: _type, ...shown } = extra;
    Object.assign(view, { state, progress, ...shown });
    showState(state);
    await activities.quick.recordStage({ runId, nodeId, state, progress, ...extra });
  };

  try {
    await record('preparing');
    let data = await activities.long.prepareStage({ runId, stage, upstreamModels, plan });
    // A reused model runs without labels: people label only what a stage trains on. Without
    // labels it cannot be scored, and says so.
    let unscored: string | undefined;
    if (!data.labeled && stage.mode === 'reuse' && patched('labeling-in-aip')) {
      unscored = `The images of "${stage.name}" have no labels, so the reused model was not scored on them.`;
    } else if (!data.labeled) {
      // Stages started before labeling existed (no marker) fail here as they always did.
      if (!patched('labeling-in-aip')) {
        const message = `The images for "${stage.name}" have no labels for this task. Labeling inside AIP arrives in a later version; for now upload a dataset that is already labelled.`;
        await record('awaiting_labels', { message });
        throw ApplicationFailure.nonRetryable(message, 'LabelsRequired');
      }
      const job = await activities.long.openLabelingJob({ runId, stage, data, workflowId: workflowInfo().workflowId });
      if (!job.completed) {
        const message = `Waiting for labels: ${job.items - job.labeled} of ${job.items} images still need them.`;
        await record('awaiting_labels', { message, labelingJobId: job.jobId });
        // Durable: the wait lives in the workflow's history, for as long as people take.
        await condition(() => completedJobs.has(job.jobId) || completedJobs.has(ANY_JOB));
      }
      await record('preparing', { message: 'Importing the labels.' });
      data = await activities.long.importLabels({ runId, stage, jobId: job.jobId });
    }

    let model: TrainedModel;
    if (stage.mode === 'train') {
      await record('training');
      model = await activities.train(stage).trainStage({ runId, stage, data });
    } else {
      model = await activities.quick.resolveModel({ modelId: requireModelId(stage) });
    }

    let metrics: Metrics = {};
    if (unscored === undefined) {
      await record('evaluating');
      metrics = await activities.long.evaluateStage({ runId, stage, data, model });
    }

    // A reused model is already in the registry: registering it again would only duplicate it.
    let modelId: string;
    if (stage.mode === 'train') {
      await record('registering');
      ({ modelId } = await activities.quick.registerModel({ runId, stage, model, metrics }));
    } else {
      modelId = requireModelId(stage);
    }
    await record('succeeded', { metrics, modelId, ...(unscored === undefined ? {} : { message: unscored }) });
    return { nodeId, modelId, metrics };
  } catch (err) {
    if (isCancellation(err)) {
      view.state = 'cancelled';
      showState('cancelled');
      await CancellationScope.nonCancellable(() =>
        activities.quick.recordStage({ runId, nodeId, state: 'cancelled', progress: view.progress, message: 'Cancelled.' }),
      );
      throw err;
    }
    if (!(err instanceof TemporalFailure)) throw err; // a bug here: let the workflow task retry
    const message = failureMessage(err);
    await record('failed', { message, failureType: failureType(err) ?? 'StageFailed' });
    throw ApplicationFailure.create({ type: failureType(err) ?? 'StageFailed', nonRetryable: true, message, cause: err });
  }
}

function requireModelId(stage: PlanStage): string {
  if (!stage.modelId) {
    throw ApplicationFailure.create({ type: 'UserError', nonRetryable: true, message: `The stage "${stage.name}" reuses a model but its plan names none; compile the flowchart again.` });
  }
  return stage.modelId;
}

// The model refinery's workflows live in their own file; workers bundle this one.
export { refineryTaskWorkflow, validateModelWorkflow, type RefineryTaskInput, type RefineryTaskResult } from './refinery.ts';
export { atlasWorkflow, type AtlasTotals, type AtlasWorkflowInput } from './atlas.ts';
