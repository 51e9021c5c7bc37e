/**
 * Pre-labels: a labeling job's items come pre-filled with what the stage's own model predicts —
 * the reused model, or the model its training starts from — so people correct rather than draw
 * from nothing. Predictions run through the serving runtime, like everything the platform infers.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { ManifestEntry } from '@aip/datasets-spec';
import { schema } from '@aip/platform';
import { loadPipeline, type StageResult } from '@aip/serving';
import type { PlanStage } from '@aip/workflows';
import type { ActivityDeps } from './deps.ts';
import { writePipelineFolder } from './pipeline-folder.ts';

export interface Prediction {
  labels: Record<string, unknown>;
  /** How sure the model is: its class probability, or its least sure object's score (0 when it found none). */
  confidence: number | null;
}

/** Path → the model's prediction, for a stage that has a model of its own task; empty otherwise. */
export async function predictPrelabels(
  deps: ActivityDeps,
  options: { runId: string; stage: PlanStage; dir: string; entries: ManifestEntry[]; onProgress?: (done: number, total: number) => void },
): Promise<Map<string, Prediction>> {
  const { stage } = options;
  const modelId = stage.mode === 'reuse' ? stage.modelId : stage.initModelId;
  const predictions = new Map<string, Prediction>();
  if (!modelId) return predictions;
  const [model] = await deps.db.select({ task: schema.models.task }).from(schema.models).where(eq(schema.models.id, modelId));
  if (model?.task !== stage.task) return predictions;

  const work = path.join(deps.config.workDir, 'runs', options.runId, stage.nodeId, 'prelabel');
  await rm(work, { recursive: true, force: true });
  // The stage alone, at the top of its own pipeline: it sees the prepared images as they are.
  const alone: PlanStage = { ...stage, input: { kind: 'dataset', datasetId: 'labeling' }, dependsOn: [] };
  await writePipelineFolder(deps, `${stage.name} pre-labels`, [alone], { [stage.nodeId]: modelId }, work);
  const pipeline = await loadPipeline(work);
  try {
    for (const [index, entry] of options.entries.entries()) {
      const result = (await pipeline.run(await readFile(path.join(options.dir, entry.path)))).results[stage.nodeId];
      const prediction = result ? predictionOf(result, stage.classes) : undefined;
      if (prediction) predictions.set(entry.path, prediction);
      options.onProgress?.(index + 1, options.entries.length);
    }
  } finally {
    await pipeline.close();
    await rm(work, { recursive: true, force: true });
  }
  return predictions;
}

/** A serving result as item labels (in the manifest's shapes), keeping only the stage's classes. */
export function predictionOf(result: StageResult, classes: string[]): Prediction | undefined {
  const known = (label: string) => classes.length === 0 || classes.includes(label);
  const leastSure = (scores: number[]) => (scores.length === 0 ? 0 : Math.min(...scores));
  switch (result.task) {
    case 'classification':
      return known(result.class) ? { labels: { class: result.class }, confidence: result.score } : undefined;
    case 'detection': {
      const objects = result.objects.filter((object) => known(object.class));
      const boxes = objects.map(({ box, class: label }) => ({ x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, label }));
      return { labels: { boxes }, confidence: leastSure(objects.map((object) => object.score)) };
    }
    case 'segmentation': {
      const polygons = result.regions.filter((region) => known(region.class)).flatMap((region) => region.outlines.map((outline) => ({ points: outline.points, label: region.class })));
      // A segmenter gives no per-region score; its pre-labels rank after those that do.
      return { labels: { polygons }, confidence: null };
    }
    case 'text_detection':
      // The text is for people to type: each found line comes as an outline with an empty text.
      return { labels: { polygons: result.lines.map((line) => ({ points: line.points, label: '' })) }, confidence: leastSure(result.lines.map((line) => line.score)) };
    case 'text_recognition':
      return { labels: { text: result.text }, confidence: result.score };
    case 'enhancement':
      return undefined;
  }
}
