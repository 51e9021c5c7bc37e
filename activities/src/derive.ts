/**
 * Stage-data derivation: a stage fed by a detector trains on what that detector — trained, through
 * the serving runtime — actually cuts out of the source images, so training sees what the deployed
 * cascade will see. Each crop is matched to a labeled source object by IoU ≥ 0.5 (unmatched crops
 * are detector mistakes, dropped) and gets the labels of the consuming stage's task: the object's
 * class (classification), its text (text recognition), or the source's boxes or polygons inside
 * the crop (detection, segmentation). A text detector's lines are cut out upright for a text
 * recognizer, each taking the text of the labeled outline it overlaps.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DerivedDatasetWriter, labelsInRegion, matchByIou, matchPolygonsByIou, objectsOf, readManifest, type DerivedItem, type LabeledObject, type ManifestEntry, type Region } from '@aip/datasets-spec';
import { collectObjects, collectTextLines, cropImage, cropRegion, decodeImage, loadPipeline, rectifyTextLine, type Pipeline, type PipelineResult, type StageResult } from '@aip/serving';
import type { PlanStage, TaskType } from '@aip/workflows';
import { userError } from './failures.ts';

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
  /** Images (crops) with labels for the stage: all of them, since those without are dropped. */
  labeled: number;
  /**
   * Outputs left out: crops that matched no source object or one of another branch's class
   * (detector mistakes), images routed to another class, images without labels for this task.
   */
  dropped: number;
}

/**
 * The consuming stage's training data from what its input stage outputs: crops of a detector's
 * boxes, the images a classifier puts in the stage's parent class, or an enhancer's images.
 */
export function deriveStageData(options: DeriveOptions & { sourceTask: TaskType }): Promise<DeriveResult> {
  const { input } = options.stage;
  if (input.kind !== 'stage') throw new Error(`stage ${options.stage.nodeId} is not fed by a stage`);
  switch (options.sourceTask) {
    case 'detection':
      return deriveCrops(options, input);
    case 'classification':
    case 'enhancement':
      return deriveWholeImages(options, input);
    case 'text_detection':
      return deriveTextLines(options, input);
    default:
      throw new Error(`a ${options.sourceTask} stage cannot feed another stage`);
  }
}

async function deriveCrops(options: DeriveOptions, source: { nodeId: string; class?: string }): Promise<DeriveResult> {
  const labeller = cropLabeller(options.stage);
  return deriveEach(options, labeller.classes, async ({ entry, index, pipeline, writer }) => {
    // Decoded once, by the serving runtime, and cut with its crop function: the crops are the
    // very pixels the deployed cascade hands to this stage.
    const image = await decodeImage(await readFile(path.join(options.sourceDir, entry.path)));
    const result = await pipeline.run(image, { stages: [source.nodeId] });
    const objects = collectObjects(result, source.nodeId, source.class);
    const truths = objectsOf(entry);
    const matches = matchByIou(objects.map((object) => object.box), truths, 0.5);
    let dropped = 0;
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
    return dropped;
  });
}

/**
 * A text recognizer below a text detector trains on the lines the detector finds, cut out upright
 * as the deployed cascade cuts them (`rectifyTextLine`); each line takes the text of the labeled
 * outline it overlaps (polygon IoU ≥ 0.5, one to one). Lines that overlap none are detector
 * mistakes, dropped.
 */
async function deriveTextLines(options: DeriveOptions, source: { nodeId: string }): Promise<DeriveResult> {
  if (options.stage.task !== 'text_recognition') throw new Error(`a ${options.stage.task} stage cannot be fed text lines`);
  return deriveEach(options, undefined, async ({ entry, index, pipeline, writer }) => {
    const image = await decodeImage(await readFile(path.join(options.sourceDir, entry.path)));
    const lines = collectTextLines(await pipeline.run(image, { stages: [source.nodeId] }), source.nodeId);
    const truths = objectsOf(entry);
    const matches = matchPolygonsByIou(
      lines.map((line) => line.points),
      truths.map((truth) => truth.points ?? corners(truth)),
      0.5,
    );
    for (const [k, line] of lines.entries()) {
      const truth = matches.has(k) ? truths[matches.get(k)!] : undefined;
      if (!truth) continue;
      const crop = rectifyTextLine(image, line.points);
      await writer.add({ name: `${index}_${k}`, image: { ...crop, channels: 3 }, split: entry.split, labels: { text: truth.label } });
    }
    return lines.length - matches.size;
  });
}

/** A rectangle's corners, clockwise on screen. */
function corners({ x1, y1, x2, y2 }: LabeledObject): [number, number][] {
  return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
}

interface EntryStep {
  entry: ManifestEntry;
  index: number;
  pipeline: Pipeline;
  writer: DerivedDatasetWriter;
}

/**
 * Runs `each` over every source entry with the upstream pipeline loaded and the derived dataset
 * open; all or nothing: a failure discards what was written. `each` returns how many of the
 * entry's outputs it dropped.
 */
async function deriveEach(options: DeriveOptions, classes: string[] | undefined, each: (step: EntryStep) => Promise<number>): Promise<DeriveResult> {
  const pipeline = await loadPipeline(options.pipelineDir);
  const { entries } = await readManifest(options.sourceDir);
  const writer = await DerivedDatasetWriter.create(options.outDir, { format: options.stage.task, ...(classes ? { classes } : {}) });
  let dropped = 0;
  try {
    for (const [index, entry] of entries.entries()) {
      dropped += await each({ entry, index, pipeline, writer });
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
  const { classOf, mapped } = stageLabels(stage);
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

/**
 * Whole images through a classifier (kept when it predicts the stage's parent class: the images the
 * deployed cascade routes to this stage) or through an enhancer (its output replaces the image,
 * same size, so the labels stay where they are). Labels are the source entry's own, in the
 * consuming stage's task and classes.
 */
async function deriveWholeImages(options: DeriveOptions, source: { nodeId: string; class?: string }): Promise<DeriveResult> {
  const labeller = entryLabeller(options.stage);
  return deriveEach(options, labeller.classes, async ({ entry, index, pipeline, writer }) => {
    const file = path.join(options.sourceDir, entry.path);
    const output = wholeImageResult(await pipeline.run(await readFile(file), { stages: [source.nodeId] }), source.nodeId);
    const labels = labeller.label(entry);
    if (labels === null || (output.task === 'classification' && output.class !== source.class)) return 1;
    const target = entry.target === undefined ? {} : { target: { file: path.join(options.sourceDir, entry.target) } };
    // Routed images are the source's own pixels, copied as they are; an enhancer's replace them.
    const image = output.task === 'enhancement' ? { ...(await decodeImage(Buffer.from(output.image, 'base64'))), channels: 3 as const } : { file };
    await writer.add({ name: String(index), image, split: entry.split, labels, ...target });
    return 0;
  });
}

/** The result of `stageId` for the whole image: a root stage, or one below classifiers and enhancers only. */
function wholeImageResult(result: PipelineResult, stageId: string): StageResult {
  const search = (results: Record<string, StageResult>): StageResult | undefined => {
    for (const [id, stageResult] of Object.entries(results)) {
      if (id === stageId) return stageResult;
      if (stageResult.task === 'classification' || stageResult.task === 'enhancement') {
        const found = search(stageResult.children ?? {});
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = search(result.results);
  if (!found) {
    throw userError(
      `The stage "${stageId}" works on the crops of a detector above it, so it cannot hand whole images on; ` +
        'connect this stage to a detector, or move the classifier or enhancer to the top of the flowchart.',
    );
  }
  return found;
}

interface EntryLabeller {
  classes?: string[];
  /** The entry's labels in the consuming stage's task and classes, or null when it has none for it. */
  label(entry: ManifestEntry): CropLabels | null;
}

function entryLabeller(stage: PlanStage): EntryLabeller {
  const { classOf, mapped } = stageLabels(stage);
  switch (stage.task) {
    case 'classification':
      return {
        classes: stage.classes,
        label: (entry) => {
          const label = entry.class === undefined ? undefined : classOf(entry.class);
          return label === undefined ? null : { class: label };
        },
      };
    case 'detection':
      return { classes: stage.classes, label: (entry) => (entry.boxes ? { boxes: mapped(entry.boxes) } : null) };
    case 'segmentation':
      return { classes: stage.classes, label: (entry) => (entry.polygons ? { polygons: mapped(entry.polygons) } : null) };
    case 'text_detection':
      return { label: (entry) => (entry.boxes || entry.polygons ? { boxes: entry.boxes ?? [], polygons: entry.polygons ?? [] } : null) };
    case 'text_recognition':
      return { label: (entry) => (entry.text ? { text: entry.text } : null) };
    case 'enhancement':
      return { label: (entry) => (entry.target ? {} : null) };
  }
}

/** A source label in the stage's own classes (mapped by its label map), and labeled items kept only when theirs maps. */
function stageLabels(stage: PlanStage) {
  const classOf = (label: string): string | undefined => (stage.classes.includes(label) ? label : stage.labelMap[label]);
  const mapped = <T extends { label: string }>(items: T[] | undefined): T[] =>
    (items ?? []).flatMap((item) => {
      const label = classOf(item.label);
      return label === undefined ? [] : [{ ...item, label }];
    });
  return { classOf, mapped };
}
