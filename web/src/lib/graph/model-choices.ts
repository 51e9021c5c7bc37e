/**
 * The registry models a stage can use (reuse as is, or start training from): those of the stage's
 * task, the user's own first, then public ones, each group by name. A model of another task could
 * neither replace the stage nor lend it weights.
 */
export interface ChoosableModel {
  id: string;
  name: string;
  task: string;
  owned: boolean;
}

export function modelChoices<T extends ChoosableModel>(models: readonly T[], task: string): T[] {
  return models
    .filter((model) => model.task === task)
    .sort((a, b) => Number(b.owned) - Number(a.owned) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
