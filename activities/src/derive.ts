/**
 * Stage-data derivation: a stage fed by a detector trains on what that detector — trained, through
 * the serving runtime — actually cuts out of the source images, so training sees what the deployed
 * cascade will see. Each crop is matched to a labeled source object by IoU ≥ 0.5 (unmatched crops
 * are detector mistakes, dropped) and gets the labels of the consuming stage's task: the object's
 * class (classification), its text (text recognition), or the source's boxes or polygons inside
 * the crop (detection, segmentation).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DerivedDatasetWriter, labelsInRegion, matchByIou, objectsOf, readManifest, type DerivedItem, type LabeledObject, type ManifestEntry, type Region } from '@aip/datasets-spec';
import { collectObjects, cropImage, cropRegion, decodeImage, loadPipeline } from '@aip/serving';
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
  const labeller = cropLabeller(stage);
  const writer = await DerivedDatasetWriter.create(options.outDir, { format: stage.task, ...(labeller.classes ? { classes: labeller.classes } : {}) });
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
        const region: Region = cropRegion(image, object.box);
        const labels = truth ? labeller.label(entry, truth, region) : null;
        if (!labels) {
          dropped++;
          continue;
        }
        const crop = await cropImage(image, object.box);
        await writer.add({ name: `${index}_${k}`, image: { ...crop.image, channels: 3 }, split: entry.split, labels });
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

type CropLabels = NonNullable<DerivedItem['labels']>;

interface CropLabeller {
  /** The consuming stage's classes, kept in dataset.json even when no crop shows one; none for texts. */
  classes?: string[];
  /** A crop of `entry` matched to its object `truth`: its labels, or null to drop it (an object of no class of this stage). */
  label(entry: ManifestEntry, truth: LabeledObject, region: Region): CropLabels | null;
}

function cropLabeller(stage: PlanStage): CropLabeller {
  const classOf = (label: string): string | undefined => (stage.classes.includes(label) ? label : stage.labelMap[label]);
  const mapped = <T extends { label: string }>(items: T[] | undefined) =>
    (items ?? []).flatMap((item) => {
      const label = classOf(item.label);
      return label === undefined ? [] : [{ ...item, label }];
    });
  switch (stage.task) {
    case 'classification':
      return {
        classes: stage.classes,
        label: (_entry, truth) => {
          const label = classOf(truth.label);
          return label === undefined ? null : { class: label };
        },
      };
    case 'text_recognition':
      // The matched line's text is the crop's label (text detection labels are the texts).
      return { label: (_entry, truth) => ({ text: truth.label }) };
    case 'detection':
      return { classes: stage.classes, label: (entry, _truth, region) => ({ boxes: mapped(labelsInRegion(entry, region, 'detection').boxes) }) };
    case 'segmentation':
      return { classes: stage.classes, label: (entry, _truth, region) => ({ polygons: mapped(labelsInRegion(entry, region, 'segmentation').polygons) }) };
    default:
      throw new Error(`a ${stage.task} stage cannot be fed crops of a detector`);
  }
}
