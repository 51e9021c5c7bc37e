/**
 * How a stage's (or a run's) state looks: the ten stage states collapse into a few visual kinds
 * that every page colours the same way — the flowchart list's thumbnails, the run page, the stage
 * page. Colours are plain values (not CSS variables) because SVG thumbnails and canvas-like
 * drawings use them as fills.
 */

import { RUN_STATUSES, STAGE_STATES, type RunStatus, type StageState } from '@aip/workflows';

export { RUN_STATUSES, STAGE_STATES, type RunStatus, type StageState };

/**
 * - `pending`: not started yet (blue);
 * - `running`: working on it — preparing data, training, evaluating, registering (amber, with progress);
 * - `attention`: the user must act — it failed, or it waits for labels (red);
 * - `done`: succeeded (green);
 * - `stopped`: cancelled or skipped (grey).
 */
export const STAGE_KINDS = ['pending', 'running', 'attention', 'done', 'stopped'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

const KIND_OF_STATE: Record<StageState, StageKind> = {
  pending: 'pending',
  preparing: 'running',
  awaiting_labels: 'attention',
  training: 'running',
  evaluating: 'running',
  registering: 'running',
  succeeded: 'done',
  failed: 'attention',
  cancelled: 'stopped',
  skipped: 'stopped',
};

const KIND_OF_RUN_STATUS: Record<RunStatus, StageKind> = {
  queued: 'pending',
  running: 'running',
  attention: 'attention',
  succeeded: 'done',
  failed: 'attention',
  cancelled: 'stopped',
};

/** The visual kind of a stage state; a state this version does not know counts as `pending`. */
export function stageKind(state: string): StageKind {
  return Object.hasOwn(KIND_OF_STATE, state) ? KIND_OF_STATE[state as StageState] : 'pending';
}

/** The visual kind of a whole run's status (a failed run needs the user like a failed stage). */
export function runStatusKind(status: string): StageKind {
  return Object.hasOwn(KIND_OF_RUN_STATUS, status) ? KIND_OF_RUN_STATUS[status as RunStatus] : 'pending';
}

export interface KindColors {
  /** Box background. */
  fill: string;
  /** Box border and the progress bar of a running stage. */
  stroke: string;
  /** Text on `fill`. */
  text: string;
}

export const KIND_COLORS: Readonly<Record<StageKind, KindColors>> = {
  pending: { fill: '#e6edfb', stroke: '#2457c5', text: '#1e3a8a' },
  running: { fill: '#fff4d6', stroke: '#d97706', text: '#8a5a00' },
  attention: { fill: '#fdecea', stroke: '#b42318', text: '#b42318' },
  done: { fill: '#e3f4ea', stroke: '#1d7a46', text: '#1d7a46' },
  stopped: { fill: '#eef1f4', stroke: '#9aa5b1', text: '#616e7c' },
};

/** A box with no state to show (never run, or not part of the run): neither good nor bad. */
export const NEUTRAL_COLORS: Readonly<KindColors> = { fill: '#ffffff', stroke: '#9aa5b1', text: '#616e7c' };

/** The colours of a stage state, or the neutral ones when there is no state (`null`/`undefined`). */
export function stageColors(state: string | null | undefined): KindColors {
  return state == null ? NEUTRAL_COLORS : KIND_COLORS[stageKind(state)];
}
