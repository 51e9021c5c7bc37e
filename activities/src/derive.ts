/**
 * Stage-data derivation: a stage fed by a detector trains on what that detector — trained, through
 * the serving runtime — actually cuts out of the source images, so training sees what the deployed
 * cascade will see. Ground truth is carried over from the source boxes by IoU ≥ 0.5.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DerivedDatasetWriter, matchByIou, objectsOf, readManifest } from '@aip/datasets-spec';
import { collectObjects, cropImage, decodeImage, loadPipeline } from '@aip/serving';
import type { PlanStage } from '@aip/workflows';

export interface DeriveOptions {
  /** A folder with pipeline.json + models/ for the stages from the root down to the input stage. */
  pipelineDir: string;
  /** The source dataset (canonical manifest folder). */
  sourceDir: string;
  /** The consuming stage; its input must be a stage. */
  stage: PlanStage;
  outDir: string;
  onProgress?: (done: number, total: number) => void;
}

export interface DeriveResult {
  images: number;
  /** Crops whose ground truth is one of the stage's classes. */
  labeled: number;
  /** Crops that matched no source box, or a box of another branch's class: detector mistakes. */
  dropped: number;
}

export async function deriveCrops(options: DeriveOptions): Promise<DeriveResult> {
  const { stage } = options;
  if (stage.input.kind !== 'stage') throw new Error(`stage ${stage.nodeId} is not fed by a stage`);
  const { nodeId: sourceStage, class: sourceClass } = stage.input;
  const pipeline = await loadPipeline(options.pipelineDir);
  const { entries } = await readManifest(options.sourceDir);
  const classOf = (label: string): string | undefined =>
    stage.classes.includes(label) ? label : stage.labelMap[label];

  const writer = await DerivedDatasetWriter.create(options.outDir, { format: 'classification', classes: stage.classes });
  let dropped = 0;
  try {
    for (const [index, entry] of entries.entries()) {
      // Decoded once, by the serving runtime, and cut with its crop function: the crops are the
      // very pixels the deployed cascade hands to this stage.
      const image = await decodeImage(await readFile(path.join(options.sourceDir, entry.path)));
      const result = await pipeline.run(image, { stages: [sourceStage] });
      const objects = collectObjects(result, sourceStage, sourceClass);
      const truths = objectsOf(entry);
      const matches = matchByIou(objects.map((object) => object.box), truths, 0.5);
      for (const [k, object] of objects.entries()) {
        const truth = matches.has(k) ? truths[matches.get(k)!] : undefined;
        const label = truth ? classOf(truth.label) : undefined;
        if (!label) {
          dropped++;
          continue;
        }
        const crop = await cropImage(image, object.box);
        await writer.add({ name: `${index}_${k}`, image: { ...crop.image, channels: 3 }, split: entry.split, labels: { class: label } });
      }
      options.onProgress?.(index + 1, entries.length);
    }
  } catch (err) {
    await writer.discard();
    throw err;
  } finally {
    await pipeline.close();
  }
  const images = writer.size;
  await writer.finish();
  return { images, labeled: images, dropped };
}
