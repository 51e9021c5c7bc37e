/**
 * The model atlas's calls: the map of the models the caller can see (each model with its nearest
 * neighbours by transferability distance, the kNN links and the lineage), one model's neighbours,
 * and asking the platform to look for new models now.
 */
import { api, call } from './api.ts';
import type { AtlasMetric } from '../utilities/atlas-view.ts';
import type { Scope } from '../utilities/sharing.ts';

export interface AtlasQuery {
  scope: Scope;
  metric: AtlasMetric;
  /** Only the models trained or refined on this dataset (their nearest models among those too). */
  datasetId?: string | null;
  /** Nearest models per model (the API's default: 5). */
  k?: number;
}

export const getAtlas = (query: AtlasQuery) =>
  call(
    api.GET('/api/atlas', {
      params: {
        query: {
          scope: query.scope,
          metric: query.metric,
          ...(query.datasetId ? { datasetId: query.datasetId } : {}),
          ...(query.k !== undefined ? { k: query.k } : {}),
        },
      },
    }),
  );

export type Atlas = Awaited<ReturnType<typeof getAtlas>>;
export type AtlasNode = Atlas['nodes'][number];
export type AtlasLink = Atlas['links'][number];
export type AtlasLineage = Atlas['lineage'][number];

/** A model's nearest models (among everything the caller can see), and whether it is placed. */
export const getNeighbours = (id: string, metric: AtlasMetric, k = 5) =>
  call(api.GET('/api/models/{id}/neighbours', { params: { path: { id }, query: { metric, k } } }));

export type ModelNeighbours = Awaited<ReturnType<typeof getNeighbours>>;
