/** Flowchart, architecture, model and run calls through the typed client. */
import type { Flowchart } from '@aip/workflows';
import { api, call } from './api.ts';
import type { Scope, Visibility } from '../utilities/sharing.ts';

/** `scope` (default mine): the caller's flowcharts, the public templates (anyone's), or both. */
export const listFlowcharts = (scope?: Scope) => call(api.GET('/api/flowcharts', { params: { query: scope ? { scope } : {} } }));
export const getFlowchart = (id: string) => call(api.GET('/api/flowcharts/{id}', { params: { path: { id } } }));
export const createFlowchart = (name: string, graph: Flowchart) => call(api.POST('/api/flowcharts', { body: { name, graph } }));
export const saveFlowchart = (id: string, name: string, graph: Flowchart) =>
  call(api.PUT('/api/flowcharts/{id}', { params: { path: { id } }, body: { name, graph } }));
/** Rename a flowchart or share it as a public template (its owner only); not a new revision. */
export const updateFlowchart = (id: string, patch: { name?: string; visibility?: Visibility }) =>
  call(api.PATCH('/api/flowcharts/{id}', { params: { path: { id } }, body: patch }));
/** Deletes a flowchart; its runs, models and bundles stay. */
export const deleteFlowchart = (id: string) => call(api.DELETE('/api/flowcharts/{id}', { params: { path: { id } } }));
export const startRun = (id: string) => call(api.POST('/api/flowcharts/{id}/runs', { params: { path: { id } } }));
export const listArchitectures = () => call(api.GET('/api/architectures'));
export const listModels = () => call(api.GET('/api/models'));
/** Rename a model or make it public (everyone can reuse it or start from its weights), its owner only. */
export const updateModel = (id: string, patch: { name?: string; visibility?: Visibility }) =>
  call(api.PATCH('/api/models/{id}', { params: { path: { id } }, body: patch }));

export type FlowchartSummary = Awaited<ReturnType<typeof listFlowcharts>>[number];
export type FlowchartDetail = Awaited<ReturnType<typeof getFlowchart>>;
export type TaskArchitectures = Awaited<ReturnType<typeof listArchitectures>>[number];
export type RegistryModel = Awaited<ReturnType<typeof listModels>>[number];
