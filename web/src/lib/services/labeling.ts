/**
 * Labeling job calls (docs/contracts.md, "Labeling"): the caller's jobs, one job, its items (lowest
 * confidence first), claiming items to label, the autosave of one item, finishing the job, and its
 * export for Label Studio or COCO (fetched with the session cookie, like every API file).
 */
import type { ItemLabels } from '../utilities/labels.ts';
import { api, call } from './api.ts';
import { ApiFailure } from './api-failure.ts';

const job = (jobId: string) => ({ params: { path: { jobId } } });
const item = (jobId: string, itemId: string) => ({ params: { path: { jobId, itemId } } });

export const listLabelingJobs = () => call(api.GET('/api/labeling/jobs')).then((answer) => answer.items);
export const getLabelingJob = (jobId: string) => call(api.GET('/api/labeling/jobs/{jobId}', job(jobId)));

export type ItemFilter = 'all' | 'unlabeled' | 'labeled';
export type ExportFormat = 'label-studio' | 'coco';

/** The job's items, lowest confidence first (`filter` all, unlabeled or labeled; up to 500 a page). */
export const listLabelingItems = (jobId: string, query: { filter?: ItemFilter; offset?: number; limit?: number } = {}) =>
  call(
    api.GET('/api/labeling/jobs/{jobId}/items', {
      params: { path: { jobId }, query: { offset: query.offset ?? 0, limit: query.limit ?? 50, ...(query.filter ? { filter: query.filter } : {}) } },
    }),
  );

export const getLabelingItem = (jobId: string, itemId: string) => call(api.GET('/api/labeling/jobs/{jobId}/items/{itemId}', item(jobId, itemId)));

/** Leases up to `count` (at most 200) unlabeled items to the caller for 30 minutes: theirs first, then lowest confidence first. */
export const claimLabelingItems = (jobId: string, count?: number) =>
  call(
    api.POST('/api/labeling/jobs/{jobId}/claim', { ...job(jobId), body: count === undefined ? {} : { count: Math.min(200, Math.max(1, count)) } }),
  ).then((answer) => answer.items);

/** Gives back the items the caller holds, so others can take them at once (leaving the labeler). */
export const releaseLabelingItems = (jobId: string) => call(api.POST('/api/labeling/jobs/{jobId}/release', job(jobId)));

/** Autosaves one item's labels (null: unlabeled again); `409 item_changed` when `version` is not the item's. */
export const saveLabelingItem = (jobId: string, itemId: string, labels: ItemLabels | null, version: number) =>
  call(api.PUT('/api/labeling/jobs/{jobId}/items/{itemId}', { ...item(jobId, itemId), body: { labels, version } }));

/** Declares the labeling finished; `409 unlabeled_items_left` without `force` while items are left. */
export const completeLabelingJob = (jobId: string, force = false) =>
  call(api.POST('/api/labeling/jobs/{jobId}/complete', { ...job(jobId), body: force ? { force } : {} }));

export type LabelingJob = Awaited<ReturnType<typeof getLabelingJob>>;
export type LabelingItem = Awaited<ReturnType<typeof getLabelingItem>>;

/** Where the job downloads for an external tool (fetch it with the session cookie, e.g. DownloadButton). */
export const labelingExportUrl = (jobId: string, format: ExportFormat) => `/api/labeling/jobs/${encodeURIComponent(jobId)}/export?format=${format}`;

/**
 * The item as the server has it now, after a save refused with `409 item_changed` (the answer names
 * no item: it is fetched again); null when it is gone.
 */
export async function currentLabelingItem(jobId: string, itemId: string): Promise<LabelingItem | null> {
  try {
    return await getLabelingItem(jobId, itemId);
  } catch (failure) {
    if (failure instanceof ApiFailure && failure.status === 404) return null;
    throw failure;
  }
}
