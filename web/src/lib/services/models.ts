/**
 * Model calls beyond the flowchart editor's list: one model with its lineage, and the upload of a
 * model file through XMLHttpRequest (fetch() reports no upload progress).
 */
import { api, call, expireSession, sessionHeaders } from './api.ts';
import { ApiFailure } from './api-failure.ts';
import { listModels } from './flowcharts.ts';
import { uploadFormData, type ModelUploadFields } from '../utilities/model-upload.ts';
import type { UploadProgress } from './datasets.ts';

/** A listed model, with its status (uploads are checked first), format, input metadata and size. */
export type CatalogModel = Awaited<ReturnType<typeof listModels>>[number];
export type ModelDetail = Awaited<ReturnType<typeof getModelDetail>>;
export type ModelStatus = CatalogModel['status'];
export type ModelFormat = CatalogModel['format'];
/** A parent (teacher, the model it was pruned from, initial weights) or a child of a model. */
export type LineageLink = ModelDetail['parents'][number];

/** Every model the caller may use (what the refinery's teacher picker filters). */
export const listCatalogModels = listModels;

/** A model with its status, format, input metadata, validation report and lineage. */
export const getModelDetail = (id: string) => call(api.GET('/api/models/{id}', { params: { path: { id } } }));

/** Done checking: the validation accepted or refused the upload. */
export const isModelSettled = (status: ModelStatus) => status === 'ready' || status === 'invalid';

/**
 * POSTs the model file with its metadata as multipart/form-data and reports bytes sent; resolves
 * with the new model's id (status `validating`) once the server stored the file and started checking it.
 */
export function uploadModel(fields: ModelUploadFields, file: File, onProgress: (progress: UploadProgress) => void): Promise<{ id: string }> {
  const form = uploadFormData(fields, file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/models');
    for (const [header, value] of Object.entries(sessionHeaders('POST'))) xhr.setRequestHeader(header, value);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : file.size });
    xhr.onload = () => {
      const id = (xhr.response as { model?: { id?: unknown } } | null)?.model?.id;
      if (xhr.status === 202 && typeof id === 'string') return resolve({ id });
      if (xhr.status === 401) expireSession();
      reject(ApiFailure.fromBody(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(ApiFailure.network(new Error('the upload connection failed')));
    xhr.send(form);
  });
}
