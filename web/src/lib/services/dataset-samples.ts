/** A page of a ready dataset's images with their labels, for the gallery. */
import { api, call } from './api.ts';

export type SampleSplit = 'train' | 'val' | 'test';

export const listDatasetSamples = (id: string, page: { offset: number; limit: number; split?: SampleSplit }) =>
  call(api.GET('/api/datasets/{id}/samples', { params: { path: { id }, query: page } }));

export type DatasetSamplePage = Awaited<ReturnType<typeof listDatasetSamples>>;
export type DatasetSample = DatasetSamplePage['items'][number];
