/** Dataset calls: list, one, delete through the typed client; the upload through XMLHttpRequest. */
import { api, call, expireSession, sessionHeaders, type Dataset } from './api.ts';
import { ApiFailure } from './api-failure.ts';
import type { Scope, Visibility } from '../utilities/sharing.ts';

export type { Dataset };
export type DatasetStatus = Dataset['status'];

/** `scope` (default all): the caller's datasets, the public ones, or both. */
export const listDatasets = (scope?: Scope) => call(api.GET('/api/datasets', { params: { query: scope ? { scope } : {} } }));

export const getDataset = (id: string) => call(api.GET('/api/datasets/{id}', { params: { path: { id } } }));

export const deleteDataset = (id: string) => call(api.DELETE('/api/datasets/{id}', { params: { path: { id } } }));

/** Rename a dataset or change who sees it (its owner only). */
export const updateDataset = (id: string, patch: { name?: string; visibility?: Visibility }) =>
  call(api.PATCH('/api/datasets/{id}', { params: { path: { id } }, body: patch }));

/** Done checking: the ingest workflow accepted or refused the upload. */
export const isSettled = (status: DatasetStatus) => status === 'ready' || status === 'invalid';

export interface UploadProgress {
  sent: number;
  total: number;
}

/**
 * POSTs the zip as multipart/form-data (fields before the file, as the API reads them first) and
 * reports bytes sent as they go: fetch() has no upload progress, XMLHttpRequest does.
 * Resolves with the new dataset's id once the server stored the zip (it then validates it).
 */
export function uploadDataset(
  file: File,
  name: string,
  onProgress: (progress: UploadProgress) => void,
  /** null: the server infers it from the layout. */
  format: string | null = null,
): Promise<{ id: string }> {
  const form = new FormData();
  if (name.trim() !== '') form.set('name', name.trim());
  if (format) form.set('format', format);
  form.set('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/datasets');
    for (const [header, value] of Object.entries(sessionHeaders('POST'))) xhr.setRequestHeader(header, value);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : file.size });
    xhr.onload = () => {
      if (xhr.status === 202) return resolve(xhr.response as { id: string });
      if (xhr.status === 401) expireSession();
      reject(ApiFailure.fromBody(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(ApiFailure.network(new Error('the upload connection failed')));
    xhr.send(form);
  });
}
