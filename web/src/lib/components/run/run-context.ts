/**
 * What the run canvas's boxes need from the page around them: Svelte Flow renders custom nodes
 * itself, so they reach the run (to open a stage page) through context.
 */
import { getContext, setContext } from 'svelte';

export interface RunView {
  /** Opens the stage page of the box `nodeId` (a double-click on a stage box). */
  openStage(nodeId: string): void;
}

const KEY = Symbol('run-view');
export const setRunView = (view: RunView) => setContext(KEY, view);
export const getRunView = () => getContext<RunView>(KEY);
