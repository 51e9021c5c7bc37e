/**
 * A new flowchart started from a model (the atlas's "Start a flowchart from this model",
 * `/flowcharts/new?initModel=<id>`): one stage of the model's task that trains from the model's
 * weights, as the side panel sets it up when initial weights are picked — the model's architecture
 * (when the platform still offers it for that task) and its classes.
 */
import { isTaskType, type Flowchart } from '@aip/workflows';
import { initialWeights, usableInFlowcharts, type ChoosableModel } from './model-choices.ts';

export interface SeedModel extends ChoosableModel {
  arch: string;
  classes: readonly string[];
}

/** The graph of a new flowchart seeded with `modelId`; empty when that model is unknown or unusable. */
export function seedFromModel(modelId: string | null, models: readonly SeedModel[], architectures: readonly { task: string; options: readonly { id: string }[] }[]): Flowchart {
  const model = modelId ? models.find((m) => m.id === modelId) : undefined;
  if (!model || !isTaskType(model.task) || !usableInFlowcharts(model)) return { nodes: [], edges: [] };
  const options = architectures.find((entry) => entry.task === model.task)?.options ?? [];
  const data = { classes: [...model.classes], ...initialWeights(model, options) };
  return { nodes: [{ id: 'stage-1', type: model.task, position: { x: 320, y: 120 }, data }], edges: [] } as Flowchart;
}
