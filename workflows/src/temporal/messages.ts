/**
 * Queries and signals of the AIP workflows, shared by the workflows and their callers (API, UI).
 *
 * Status is tracked at two levels: the run workflow knows each stage's coarse state (`pending`,
 * `running`, then how its child workflow ended) and answers `statusQuery`; each stage workflow
 * knows its own fine state (`preparing`, `training`, …) and answers `stageStatusQuery` on its own
 * workflow id (`${runId}/${nodeId}`). Training progress within a state comes from activity
 * heartbeats, which the activities mirror into the database via `recordStage`; workflows never see it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Metrics, RunStatus, StageState } from './activity-contract.ts';

export interface StageView {
  /** `running` (run-level only): its child workflow has started; ask the child for detail. */
  state: StageState | 'running';
  /** 0..1, coarse: by state. */
  progress: number;
  message?: string;
  metrics?: Metrics;
  modelId?: string;
  /** The labeling job the stage waits for, while `awaiting_labels`. */
  labelingJobId?: string;
  /**
   * How many times the user has retried this stage (absent before the first retry). Retry `n` runs
   * as the child workflow `${runId}/${nodeId}/retry-${n}`; the first attempt is `${runId}/${nodeId}`.
   */
  retries?: number;
}

export interface RunStatusView {
  status: RunStatus;
  stages: Record<string, StageView>;
  bundleKey?: string;
  /** End-to-end cascade metrics once the run succeeded. */
  metrics?: Metrics;
  error?: string;
}

export interface LabelingComplete {
  /** The labeling job that finished, when the sender knows it. */
  labelingJobId?: string;
}

export interface RetryStageRequest {
  nodeId: string;
}

export interface RetryStageResult {
  nodeId: string;
  /** The child workflow that runs the stage again. */
  workflowId: string;
}

/** On a run workflow. */
export const statusQuery = defineQuery<RunStatusView>('status');
/** On a stage workflow (same query name, the stage's own view). */
export const stageStatusQuery = defineQuery<StageView>('status');
/** Sent to a stage workflow when its labeling job is finished (UI button or external webhook). */
export const labelingCompleteSignal = defineSignal<[LabelingComplete]>('labelingComplete');
/**
 * On a run workflow whose status is `attention`: runs a failed stage again (as a new child
 * workflow). Rejected, with a sentence saying why, unless that stage has failed and the run waits
 * for it. Completes once the run is recorded `running` again (or still `attention` while other
 * failed stages wait).
 */
export const retryStageUpdate = defineUpdate<RetryStageResult, [RetryStageRequest]>('retryStage');

/**
 * Models became ready (or the atlas was asked to look again): the atlas workflow runs one more
 * update. Sent with signal-with-start, so it also starts the workflow when none runs.
 */
export const atlasModelsChangedSignal = defineSignal('atlasModelsChanged');
export const ATLAS_WORKFLOW = 'atlasWorkflow';
/** One atlas workflow per deployment, named after its orchestration queue (deployments may share a namespace). */
export const atlasWorkflowId = (orchestrationQueue: string) => `model-atlas/${orchestrationQueue}`;
/** The probe set the atlas's signatures are computed over; a new one means new signatures for every model. */
export const ATLAS_PROBE_SET = 'v1';
