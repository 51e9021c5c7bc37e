/**
 * The models page's pure logic: which models a tab and the task filter show, which tasks the filter
 * offers, and which of a model's evaluation metrics to show (what the trainer's evaluation writes,
 * docs/contracts.md `metrics.json`).
 */

export type ModelScope = 'all' | 'mine' | 'public';

export interface ListedModel {
  task: string;
  owned: boolean;
  visibility: string;
}

/**
 * "all": every model the caller may use (theirs and the shared ones); "mine": the caller's models
 * (private or shared); "public": every shared model, the caller's included.
 */
export function filterModels<T extends ListedModel>(models: readonly T[], scope: ModelScope, task: string | null): T[] {
  const inScope = (model: T) => (scope === 'all' ? true : scope === 'mine' ? model.owned : model.visibility === 'public');
  return models.filter((model) => inScope(model) && (task === null || model.task === task));
}

/** The tasks of `models`, each once, sorted: what the task filter offers. */
export function modelTasks(models: readonly ListedModel[]): string[] {
  return [...new Set(models.map((model) => model.task))].sort();
}

export type MetricName =
  | 'accuracy'
  | 'macroF1'
  | 'mAP50'
  | 'mAP50_95'
  | 'mIoU'
  | 'pixelAccuracy'
  | 'hmean'
  | 'precision'
  | 'recall'
  | 'wordAccuracy'
  | 'cer'
  | 'psnr'
  | 'ssim';

/** The headline metrics per task, the one the trainer selects checkpoints by first. */
const KEY_METRICS: Record<string, readonly MetricName[]> = {
  classification: ['accuracy', 'macroF1'],
  detection: ['mAP50', 'mAP50_95'],
  segmentation: ['mIoU', 'pixelAccuracy'],
  text_detection: ['hmean', 'precision', 'recall'],
  text_recognition: ['wordAccuracy', 'cer'],
  enhancement: ['psnr', 'ssim'],
};

/** The key metrics of a model that has them, as 0..1 fractions; metrics not (yet) measured are left out. */
export function keyMetrics(task: string, metrics: unknown): { name: MetricName; value: number }[] {
  if (typeof metrics !== 'object' || metrics === null) return [];
  const values = metrics as Record<string, unknown>;
  return (KEY_METRICS[task] ?? []).flatMap((name) => {
    const value = values[name];
    return typeof value === 'number' && Number.isFinite(value) ? [{ name, value }] : [];
  });
}
