/**
 * Stage-data derivation: a stage fed by a detector trains on what that detector — trained, through
 * the serving runtime — actually cuts out of the source images, so training sees what the deployed
 * cascade will see. Each crop is matched to a labeled source object by IoU ≥ 0.5 (unmatched crops
 * are detector mistakes, dropped) and gets the labels of the consuming stage's task: the object's
 * class (classification), its text (text recognition), or the source's boxes or polygons inside
 * the crop (detection, segmentation). A text detector's lines are cut out upright for a text
 * recognizer, each taking the text of the labeled outline it overlaps.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DerivedDatasetWriter, entryProblem, labelsInRegion, matchByIou, matchPolygonsByIou, objectsOf, readManifest, writeManifest, type DerivedItem, type LabeledObject, type ManifestEntry, type Region } from '@aip/datasets-spec';
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
  /**
   * Images (crops) with labels for the stage. When some have none (the source is labeled only
   * coarsely, e.g. boxes of the parent class, or not at all), the dataset is written `unlabeled`
   * with `labeling-hints.jsonl` beside it, and people label it before the stage trains.
   */
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
    const unlabeledSource = entry.boxes === undefined && entry.polygons === undefined;
    let dropped = 0;
    for (const [k, object] of objects.entries()) {
      const truth = matches.has(k) ? truths[matches.get(k)!] : undefined;
      const region: Region = cropRegion(image, object.box);
      const labels = truth ? labeller.label(entry, truth, region) : null;
      // Without labels for this stage a crop is kept for people to label when its object is known
      // only by the parent class (a coarse label) or the image has no labels at all; otherwise it
      // is a detector mistake or another branch's object.
      const toLabel = labels === null && (truth ? truth.label === source.class : unlabeledSource);
      if (!labels && !toLabel) {
        dropped++;
        continue;
      }
      const crop = await cropImage(image, object.box);
      const hint = { confidence: object.score, source: { path: entry.path, box: boxOf(object.box) } };
      await writer.add({ name: `${index}_${k}`, image: { ...crop.image, channels: 3 }, split: entry.split, ...(labels ? { labels } : {}) }, hint);
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
    // An image without any text labels has its lines kept for people to transcribe.
    const unlabeledSource = entry.boxes === undefined && entry.polygons === undefined;
    let dropped = 0;
    for (const [k, line] of lines.entries()) {
      const truth = matches.has(k) ? truths[matches.get(k)!] : undefined;
      if (!truth && !unlabeledSource) {
        dropped++;
        continue;
      }
      const crop = rectifyTextLine(image, line.points);
      const hint = { confidence: line.score, source: { path: entry.path, box: boxOf(boundsOf(line.points)) } };
      await writer.add({ name: `${index}_${k}`, image: { ...crop, channels: 3 }, split: entry.split, ...(truth ? { labels: { text: truth.label } } : {}) }, hint);
    }
    return dropped;
  });
}

function boxOf({ x1, y1, x2, y2 }: { x1: number; y1: number; x2: number; y2: number }) {
  return { x1, y1, x2, y2 };
}

function boundsOf(points: readonly (readonly [number, number])[]) {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
}

/** A rectangle's corners, clockwise on screen. */
function corners({ x1, y1, x2, y2 }: LabeledObject): [number, number][] {
  return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
}

interface EntryStep {
  entry: ManifestEntry;
  index: number;
  pipeline: Pipeline;
  writer: HintedWriter;
}

/** What people labeling a derived item are told about it: how sure the upstream stage was, where it came from. */
export interface LabelingHint {
  path: string;
  /** The item's labels where the source had them for this stage. */
  labels?: DerivedItem['labels'];
  confidence?: number;
  source?: { path: string; box: { x1: number; y1: number; x2: number; y2: number } };
}

/** Beside the manifest of a derived dataset that needs labeling. */
export const LABELING_HINTS_FILE = 'labeling-hints.jsonl';

/** A derived item with its hint; its labels are optional until the dataset is finished. */
interface HintedWriter {
  add(item: DerivedItem, hint?: Omit<LabelingHint, 'path' | 'labels'>): Promise<void>;
}

/**
 * Runs `each` over every source entry with the upstream pipeline loaded and the derived dataset
 * open; all or nothing: a failure discards what was written. `each` returns how many of the
 * entry's outputs it dropped.
 */
async function deriveEach(options: DeriveOptions, classes: string[] | undefined, each: (step: EntryStep) => Promise<number>): Promise<DeriveResult> {
  const pipeline = await loadPipeline(options.pipelineDir);
  const { entries } = await readManifest(options.sourceDir);
  // Written unlabeled first (its labels kept aside, checked as they come): whether the dataset is
  // the stage's task or needs people is known only once every item is in.
  // (Enhancement pairs are never labeled by people: they are written as pairs from the start.)
  const format = options.stage.task;
  const writer = await DerivedDatasetWriter.create(options.outDir, { format: format === 'enhancement' ? 'enhancement' : 'unlabeled' });
  const written: LabelingHint[] = [];
  const hinted: HintedWriter = {
    async add(item, hint = {}) {
      const { labels, ...bare } = item;
      const entry = await writer.add(bare);
      if (labels) {
        const problem = entryProblem({ ...entry, ...labels }, format);
        if (problem !== null) throw new Error(`Derived image ${entry.path}: ${problem}.`);
      }
      written.push({ path: entry.path, ...(labels ? { labels } : {}), ...hint });
    },
  };
  let dropped = 0;
  try {
    for (const [index, entry] of entries.entries()) {
      dropped += await each({ entry, index, pipeline, writer: hinted });
      options.onProgress?.(index + 1, entries.length);
    }
  } catch (err) {
    await writer.discard();
    throw err;
  } finally {
    await pipeline.close();
  }
  await writer.finish();
  const labeled = written.filter((hint) => hint.labels !== undefined).length;
  if (written.length > 0 && labeled === written.length) {
    const { entries: bare } = await readManifest(options.outDir);
    await writeManifest(options.outDir, bare.map((entry, i) => ({ ...entry, ...written[i]!.labels })), { format, ...(classes ? { classes } : {}) });
  } else {
    await writeFile(path.join(options.outDir, LABELING_HINTS_FILE), written.map((hint) => `${JSON.stringify(hint)}\n`).join(''));
  }
  return { images: written.length, labeled, dropped };
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
    if (output.task === 'classification' && output.class !== source.class) return 1;
    // An image without labels for this stage is kept for people to label when it has none at all or
    // only the parent class (a coarse label); one labeled as another class is the classifier's mistake.
    if (labels === null && (options.stage.task === 'enhancement' || (entry.class !== undefined && entry.class !== source.class))) return 1;
    const target = entry.target === undefined ? {} : { target: { file: path.join(options.sourceDir, entry.target) } };
    // Routed images are the source's own pixels, copied as they are; an enhancer's replace them.
    const image = output.task === 'enhancement' ? { ...(await decodeImage(Buffer.from(output.image, 'base64'))), channels: 3 as const } : { file };
    const confidence = output.task === 'classification' ? { confidence: output.score } : {};
    await writer.add({ name: String(index), image, split: entry.split, ...(labels ? { labels } : {}), ...target }, confidence);
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
