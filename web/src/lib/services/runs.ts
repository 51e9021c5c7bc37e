/** Run and stage calls: status, cancel, retry, a stage's log and sample predictions, who is signed in. */
import { api, call } from './api.ts';
import { ApiFailure } from './api-failure.ts';
import { fetchFile } from './files.ts';

export const getRun = (id: string) => call(api.GET('/api/runs/{id}', { params: { path: { id } } }));
export const listRuns = () => call(api.GET('/api/runs'));
export const cancelRun = (id: string) => call(api.POST('/api/runs/{id}/cancel', { params: { path: { id } } }));
export const retryStage = (id: string, nodeId: string) =>
  call(api.POST('/api/runs/{id}/stages/{nodeId}/retry', { params: { path: { id, nodeId } } }));
export const getStageSamples = (id: string, nodeId: string) =>
  call(api.GET('/api/runs/{id}/stages/{nodeId}/samples', { params: { path: { id, nodeId } } }));
export const getBundleLink = (id: string) => call(api.GET('/api/runs/{id}/bundle/link', { params: { path: { id } } }));
export const getModel = (id: string) => call(api.GET('/api/models/{id}', { params: { path: { id } } }));
export const getMe = () => call(api.GET('/api/me'));

export type Run = Awaited<ReturnType<typeof getRun>>;
export type RunSummary = Awaited<ReturnType<typeof listRuns>>[number];
export type RunStage = Run['stages'][number];
export type StageSample = Awaited<ReturnType<typeof getStageSamples>>['items'][number];
export type Me = Awaited<ReturnType<typeof getMe>>;

/** A run that can no longer change. */
export const isRunFinished = (status: string) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

/**
 * The stage's training log as text, or null while there is none yet (the trainer has not started,
 * or the stage reuses a model). Any other failure is thrown.
 */
export async function getStageLog(id: string, nodeId: string): Promise<string | null> {
  try {
    const { blob } = await fetchFile(`/api/runs/${encodeURIComponent(id)}/stages/${encodeURIComponent(nodeId)}/log`);
    return await blob.text();
  } catch (error) {
    if (error instanceof ApiFailure && error.code === 'log_not_ready') return null;
    throw error;
  }
}
