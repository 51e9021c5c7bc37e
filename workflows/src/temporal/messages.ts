/**
 * Queries and signals of the AIP workflows, shared by the workflows and their callers (API, UI).
 *
 * Status is tracked at two levels: the run workflow knows each stage's coarse state (`pending`,
 * `running`, then how its child workflow ended) and answers `statusQuery`; each stage workflow
 * knows its own fine state (`preparing`, `training`, …) and answers `stageStatusQuery` on its own
 * workflow id (`${runId}/${nodeId}`). Training progress within a state comes from activity
 * heartbeats, which the activities mirror into the database via `recordStage`; workflows never see it.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Metrics, RunStatus, StageState } from './activity-contract.ts';

export interface StageView {
  /** `running` (run-level only): its child workflow has started; ask the child for detail. */
  state: StageState | 'running';
  /** 0..1, coarse: by state. */
  progress: number;
  message?: string;
  metrics?: Metrics;
  modelId?: string;
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

/** On a run workflow. */
export const statusQuery = defineQuery<RunStatusView>('status');
/** On a stage workflow (same query name, the stage's own view). */
export const stageStatusQuery = defineQuery<StageView>('status');
/** Sent to a stage workflow when its labeling job is finished (UI button or external webhook). */
export const labelingCompleteSignal = defineSignal<[LabelingComplete]>('labelingComplete');
