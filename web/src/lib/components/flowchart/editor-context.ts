/**
 * What the canvas's boxes need from the editor around them (their problems, dataset and model
 * names, translated task titles). Svelte Flow renders custom nodes itself, so they reach the editor through context.
 */
import { getContext, setContext } from 'svelte';
import type { FlowchartProblem } from '@aip/workflows';

export interface EditorView {
  problemsOf(nodeId: string): FlowchartProblem[];
  datasetName(datasetId: string): string | undefined;
  /** A registry model's name, for a stage that reuses it; undefined when the user cannot see it. */
  modelName(modelId: string): string | undefined;
  taskTitle(type: string): string;
}

const KEY = Symbol('flowchart-editor');
export const setEditorView = (view: EditorView) => setContext(KEY, view);
export const getEditorView = () => getContext<EditorView>(KEY);
