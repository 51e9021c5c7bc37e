/**
 * The states a run and its stages go through, as runtime lists: the API's response schemas and the
 * web app's colours are built from these, so a new state is added in one place.
 */

/** `attention`: a stage has failed and the run waits for the user to retry it (or cancel the run). */
export const RUN_STATUSES = ['queued', 'running', 'attention', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** `skipped`: the stage did not run because the run ended before it (the workers never report it). */
export const STAGE_STATES = [
  'pending',
  'preparing',
  'awaiting_labels',
  'training',
  'evaluating',
  'registering',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;
export type StageState = (typeof STAGE_STATES)[number];
