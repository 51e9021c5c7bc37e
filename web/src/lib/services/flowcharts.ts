/** Flowchart, architecture, model and run calls through the typed client. */
import type { Flowchart } from '@aip/workflows';
import { api, call } from './api.ts';

export const listFlowcharts = () => call(api.GET('/api/flowcharts'));
export const getFlowchart = (id: string) => call(api.GET('/api/flowcharts/{id}', { params: { path: { id } } }));
export const createFlowchart = (name: string, graph: Flowchart) => call(api.POST('/api/flowcharts', { body: { name, graph } }));
export const saveFlowchart = (id: string, name: string, graph: Flowchart) =>
  call(api.PUT('/api/flowcharts/{id}', { params: { path: { id } }, body: { name, graph } }));
export const startRun = (id: string) => call(api.POST('/api/flowcharts/{id}/runs', { params: { path: { id } } }));
export const listArchitectures = () => call(api.GET('/api/architectures'));
export const listModels = () => call(api.GET('/api/models'));

export type FlowchartSummary = Awaited<ReturnType<typeof listFlowcharts>>[number];
export type TaskArchitectures = Awaited<ReturnType<typeof listArchitectures>>[number];
export type RegistryModel = Awaited<ReturnType<typeof listModels>>[number];
