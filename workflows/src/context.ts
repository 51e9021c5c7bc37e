/**
 * What the validator and compiler need to know about the world outside the graph: the datasets
 * and registry models the nodes name. The API fills it from the database; the editor from the
 * API's lists.
 */
import type { TaskType } from './plan.ts';

export interface DatasetInfo {
  /** Canonical dataset format (`dataset.json` `format`), e.g. `classification`, `detection`. */
  format: string;
  /** The dataset's own labels (possibly finer than a node's classes). */
  classes: string[];
  /** Dataset row status; only `ready` datasets can run. */
  status: string;
  /** Shown in messages when present. */
  name?: string;
}

export interface ModelInfo {
  task: TaskType;
  classes: string[];
  /** The model's architecture; a reusing stage's plan names it. */
  arch?: string;
  name?: string;
}

export interface FlowchartContext {
  datasets: Record<string, DatasetInfo>;
  models: Record<string, ModelInfo>;
  /** Which tasks a dataset format can feed directly; defaults to `DEFAULT_FORMAT_TASKS`. */
  formatTasks?: Record<string, readonly TaskType[]>;
  /**
   * The executor of a node that names none: the platform's EXECUTOR (the API fills it in);
   * default `local`.
   */
  defaultExecutor?: 'local' | 'batch';
}

/** Labels of a format are usable by these tasks (datasets-spec's rule for the formats it parses). */
export const DEFAULT_FORMAT_TASKS: Readonly<Record<string, readonly TaskType[]>> = {
  classification: ['classification'],
  detection: ['detection'],
  text_detection: ['text_detection'],
  segmentation: ['segmentation'],
  text_recognition: ['text_recognition'],
  enhancement: ['enhancement'],
};

export function lookup<T>(record: Record<string, T>, key: string): T | undefined {
  // Own properties only: ids such as "constructor" must not find Object.prototype members.
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
