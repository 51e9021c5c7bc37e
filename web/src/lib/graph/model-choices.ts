/**
 * The registry models a stage can use (reuse as is, or start training from): those of the stage's
 * task, the user's own first, then public ones, each group by name. A model of another task could
 * neither replace the stage nor lend it weights; an upload still being checked (or refused) cannot
 * be used yet, and TorchScript / ONNX uploads are frozen refinery teachers only: the trainer can
 * neither train them further nor start from their weights.
 */
export interface ChoosableModel {
  id: string;
  name: string;
  task: string;
  owned: boolean;
  /** The API's own verdict, when it gives one (it also says why not: `unusableReason`). */
  usableInFlowcharts?: boolean;
  /** Absent from an API that predates model uploads: such models are ready platform models. */
  status?: string;
  format?: string;
}

/** Whether a flowchart may reuse the model or start from its weights (whatever its task). */
export function usableInFlowcharts(model: Pick<ChoosableModel, 'usableInFlowcharts' | 'status' | 'format'>): boolean {
  if (typeof model.usableInFlowcharts === 'boolean') return model.usableInFlowcharts;
  return (model.status ?? 'ready') === 'ready' && model.format !== 'torchscript' && model.format !== 'onnx';
}

export function modelChoices<T extends ChoosableModel>(models: readonly T[], task: string): T[] {
  return models
    .filter((model) => model.task === task && usableInFlowcharts(model))
    .sort((a, b) => Number(b.owned) - Number(a.owned) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * What choosing a model's weights to start from sets on a stage: the model, and its architecture
 * when the stage's task still offers it (weights only fit their own architecture).
 */
export function initialWeights(model: { id: string; arch: string }, archOptions: readonly { id: string }[]): { initModelId: string; arch?: string } {
  return { initModelId: model.id, ...(archOptions.some((option) => option.id === model.arch) ? { arch: model.arch } : {}) };
}
