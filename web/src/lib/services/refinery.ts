/**
 * Refinery calls: a user's tasks, one task with its curves and metrics, its log, creating,
 * cancelling and retrying a task. The algorithm catalogue is not fetched: the web imports the same
 * catalogue (@aip/workflows) the API validates with.
 */
import { api, call } from './api.ts';
import { ApiFailure } from './api-failure.ts';
import { fetchFile } from './files.ts';
import type { paths } from './api-types.ts';

export const listRefineryTasks = () => call(api.GET('/api/refinery/tasks')).then((r) => r.tasks);
export const getRefineryTask = (id: string) => call(api.GET('/api/refinery/tasks/{id}', { params: { path: { id } } })).then((r) => r.task);
export const createRefineryTask = (body: NewRefineryTask) => call(api.POST('/api/refinery/tasks', { body })).then((r) => r.task);
export const cancelRefineryTask = (id: string) => call(api.POST('/api/refinery/tasks/{id}/cancel', { params: { path: { id } } }));
export const retryRefineryTask = (id: string) => call(api.POST('/api/refinery/tasks/{id}/retry', { params: { path: { id } } }));

export type NewRefineryTask = paths['/api/refinery/tasks']['post']['requestBody']['content']['application/json'];
export type RefineryTaskSummary = Awaited<ReturnType<typeof listRefineryTasks>>[number];
export type RefineryTask = Awaited<ReturnType<typeof getRefineryTask>>;
export type RefineryState = RefineryTaskSummary['state'];

/** Where the job is (`progressDetail`, free JSON from the trainer's progress events). */
export interface RefineryProgressDetail {
  epoch?: number;
  epochs?: number;
  etaSeconds?: number;
  step?: number;
  steps?: number;
}

/** The numbers of a task's progress detail that the page shows; anything else is ignored. */
export function progressDetail(detail: unknown): RefineryProgressDetail {
  const record = (typeof detail === 'object' && detail !== null ? detail : {}) as Record<string, unknown>;
  const out: RefineryProgressDetail = {};
  for (const key of ['epoch', 'epochs', 'etaSeconds', 'step', 'steps'] as const) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** A task that can no longer change by itself. */
export const isRefineryFinished = (state: string) => state === 'succeeded' || state === 'failed' || state === 'cancelled';

/** The job's log as text, or null while there is none yet (404 before the job wrote one). */
export async function getRefineryLog(id: string): Promise<string | null> {
  try {
    const { blob } = await fetchFile(`/api/refinery/tasks/${encodeURIComponent(id)}/log`);
    return await blob.text();
  } catch (error) {
    if (error instanceof ApiFailure && (error.code === 'no_log' || error.status === 404)) return null;
    throw error;
  }
}
