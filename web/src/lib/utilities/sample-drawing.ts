/**
 * What AnnotatedImage draws for one sample image: its boxes (ground truth and predictions, in image
 * pixels) and a caption (the class of a classification image, or "truth · predicted" with whether
 * the model got it right). Two sample shapes come from the API:
 *
 * - a dataset image (GET /api/datasets/:id/samples, a manifest entry): `{class}` for classification,
 *   `{boxes: [{x1, y1, x2, y2, label}]}` for detection;
 * - a stage's sample prediction (GET /api/runs/:id/stages/:nodeId/samples): `{truth, prediction}`,
 *   `truth` shaped like a manifest entry's labels and `prediction` a `POST /aip` StageResult:
 *   `{task: 'classification', class, score}`, `{task: 'detection', objects: [{class, score, box,
 *   fineClass, fineScore}]}`, `{task: 'segmentation', regions: [{class, area, outlines: [{points,
 *   holes}]}]}` (each outline drawn as a polygon; holes are left out of the drawing) or
 *   `{task: 'text_detection', lines: [{points, score, children}]}` (rotated rectangles).
 *
 * The API types `truth` and `prediction` as free JSON, so everything here is read defensively:
 * whatever is malformed is left out rather than drawn wrong.
 */

import { formatPercent } from './format-percent.ts';

export type BoxKind = 'truth' | 'prediction';

export interface DrawnBox {
  /** [xmin, ymin, xmax, ymax] in pixels of the original image (a polygon's bounding box). */
  box: [number, number, number, number];
  /** A polygon (segmentation, text detection): its points, drawn instead of the rectangle. */
  points?: [number, number][];
  label: string;
  /** 0..1, predictions only. */
  score?: number;
  kind: BoxKind;
}

export interface ImageCaption {
  /** The labelled class of the image (classification). */
  truth: string | null;
  /** The model's class and its score 0..1 (classification). */
  prediction: { label: string; score: number } | null;
  /** Whether the prediction matches the truth; null unless both are known. */
  verdict: 'right' | 'wrong' | null;
}

export interface SampleDrawing {
  boxes: DrawnBox[];
  /** Null when the image has no class to show (detection). */
  caption: ImageCaption | null;
}

/** Either sample shape (see the file comment); extra properties (path, url, split …) are ignored. */
export interface SampleLike {
  class?: unknown;
  boxes?: unknown;
  polygons?: unknown;
  text?: unknown;
  truth?: unknown;
  prediction?: unknown;
}

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** `{x1, y1, x2, y2}` → [xmin, ymin, xmax, ymax], or null when it is not a box with an area. */
function corners(value: unknown): DrawnBox['box'] | null {
  if (!isObject(value)) return null;
  const { x1, y1, x2, y2 } = value;
  if (!isNumber(x1) || !isNumber(y1) || !isNumber(x2) || !isNumber(y2)) return null;
  const box: DrawnBox['box'] = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
  return box[2] > box[0] && box[3] > box[1] ? box : null;
}

function truthBoxes(boxes: unknown): DrawnBox[] {
  if (!Array.isArray(boxes)) return [];
  return boxes.flatMap((entry: unknown) => {
    const box = corners(entry);
    return box && isObject(entry) && isText(entry.label) ? [{ box, label: entry.label, kind: 'truth' as const }] : [];
  });
}

/** `[{points: [[x, y], …], label}]` (segmentation, text detection polygons) → shapes with their bounding box. */
function truthPolygons(polygons: unknown): DrawnBox[] {
  if (!Array.isArray(polygons)) return [];
  return polygons.flatMap((entry: unknown) => {
    if (!isObject(entry) || !isText(entry.label) || !Array.isArray(entry.points)) return [];
    const points = entry.points.filter(
      (point: unknown): point is [number, number] => Array.isArray(point) && point.length === 2 && isNumber(point[0]) && isNumber(point[1]),
    );
    if (points.length < 3 || points.length !== entry.points.length) return [];
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const box: DrawnBox['box'] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    return box[2] > box[0] && box[3] > box[1] ? [{ box, points, label: entry.label, kind: 'truth' as const }] : [];
  });
}

/**
 * A detection StageResult's objects. A box refined by a classifier below it (a whole cascade's
 * answer) is labelled "coarse › fine" with the fine score; a stage alone has fineClass = class.
 */
function predictedBoxes(objects: unknown): DrawnBox[] {
  if (!Array.isArray(objects)) return [];
  return objects.flatMap((entry: unknown) => {
    if (!isObject(entry) || !isText(entry.class)) return [];
    const box = corners(entry.box);
    if (!box) return [];
    const refined = isText(entry.fineClass) && entry.fineClass !== entry.class;
    const label = refined ? `${entry.class} › ${entry.fineClass as string}` : entry.class;
    const score = refined && isNumber(entry.fineScore) ? entry.fineScore : entry.score;
    return [{ box, label, ...(isNumber(score) ? { score } : {}), kind: 'prediction' as const }];
  });
}

/** A segmentation StageResult's regions: one predicted polygon per outline of each class. */
function predictedRegions(regions: unknown): DrawnBox[] {
  if (!Array.isArray(regions)) return [];
  return regions.flatMap((region: unknown) => {
    if (!isObject(region) || !isText(region.class) || !Array.isArray(region.outlines)) return [];
    const outlines = region.outlines.flatMap((outline: unknown) => (isObject(outline) ? [{ points: outline.points, label: region.class }] : []));
    return truthPolygons(outlines).map((shape) => ({ ...shape, kind: 'prediction' as const }));
  });
}

/**
 * A text detection StageResult's lines (rotated rectangles), each labelled with what a text
 * recognizer below read there — nothing when the stage ran alone (its score still shows).
 */
function predictedLines(lines: unknown): DrawnBox[] {
  if (!Array.isArray(lines)) return [];
  return lines.flatMap((line: unknown) => {
    if (!isObject(line)) return [];
    const reading = Object.values(isObject(line.children) ? line.children : {}).find((child) => isObject(child) && isText(child.text)) as Loose | undefined;
    const [shape] = truthPolygons([{ points: line.points, label: (reading?.text as string | undefined) ?? '·' }]);
    if (!shape) return [];
    return [{ ...shape, label: reading ? shape.label : '', ...(isNumber(line.score) ? { score: line.score } : {}), kind: 'prediction' as const }];
  });
}

function caption(truth: string | null, prediction: ImageCaption['prediction']): ImageCaption | null {
  if (truth === null && prediction === null) return null;
  const verdict = truth !== null && prediction !== null ? (truth === prediction.label ? 'right' : 'wrong') : null;
  return { truth, prediction, verdict };
}

/** The boxes and caption to draw over one sample image (a dataset image or a stage's sample prediction). */
export function sampleDrawing(sample: SampleLike): SampleDrawing {
  // A stage sample carries its labels under `truth`; a dataset image carries them at the top level.
  const labels: Loose = 'truth' in sample || 'prediction' in sample ? (isObject(sample.truth) ? sample.truth : {}) : (sample as Loose);
  // A recognized text reads like a class: it is the image's one label.
  const truthClass = isText(labels.class) ? labels.class : isText(labels.text) ? labels.text : null;
  const boxes = [...truthBoxes(labels.boxes), ...truthPolygons(labels.polygons)];

  let predictedClass: ImageCaption['prediction'] = null;
  const prediction = sample.prediction;
  if (isObject(prediction)) {
    if (prediction.task === 'detection' || Array.isArray(prediction.objects)) {
      boxes.push(...predictedBoxes(prediction.objects));
    } else if (prediction.task === 'segmentation') {
      boxes.push(...predictedRegions(prediction.regions));
    } else if (prediction.task === 'text_detection') {
      boxes.push(...predictedLines(prediction.lines));
    } else if (isText(prediction.class)) {
      predictedClass = { label: prediction.class, score: isNumber(prediction.score) ? prediction.score : 0 };
    }
  }
  return { boxes, caption: caption(truthClass, predictedClass) };
}

/** Characters that take about a full em (CJK, kana, hangul, full-width forms). */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

/** Roughly how wide `text` is at `fontSize` in a sans-serif font: enough to size a label's backing. */
export function estimateTextWidth(text: string, fontSize: number): number {
  let ems = 0;
  for (const char of text) ems += WIDE.test(char) ? 1 : 0.6;
  return ems * fontSize;
}

export interface LabelPlacement {
  /** The backing rectangle's top-left corner and size, in image pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The text baseline's start. */
  textX: number;
  textY: number;
}

/**
 * Where a box's label goes: on the box's upper edge (`top`), or under its lower edge (`bottom`: the
 * truth's labels when predictions are drawn too, so the two labels of one object do not cover each
 * other); just inside the box where the image ends; shifted left when it would run past the right edge.
 */
export function labelPlacement(
  box: DrawnBox['box'],
  text: string,
  fontSize: number,
  image: { width: number; height: number },
  edge: 'top' | 'bottom' = 'top',
): LabelPlacement {
  const padding = fontSize * 0.25;
  const height = fontSize + 2 * padding;
  const width = estimateTextWidth(text, fontSize) + 2 * padding;
  const x = Math.max(0, Math.min(box[0], image.width - width));
  const y =
    edge === 'top'
      ? box[1] - height >= 0
        ? box[1] - height
        : box[1]
      : box[3] + height <= image.height
        ? box[3]
        : box[3] - height;
  return { x, y, width, height, textX: x + padding, textY: y + padding + fontSize * 0.82 };
}

/**
 * A label's font size in image pixels so that it shows at `screenPx` on screen, whatever the
 * image's own size: the overlay scales with the image, so the size is divided back by that scale.
 * Before the image is laid out (`renderedWidth` 0) a twentieth of the image's longer side.
 */
export function labelFontSize(image: { width: number; height: number }, renderedWidth: number, screenPx = 11): number {
  if (!(renderedWidth > 0) || !(image.width > 0)) return Math.max(6, Math.max(image.width, image.height) / 20);
  return (screenPx * image.width) / renderedWidth;
}

/** The text on a box: its label, and a prediction's score as a whole percent ("round 91%"). */
export function boxText(box: DrawnBox): string {
  return [box.label, box.score === undefined ? '' : formatPercent(box.score)].filter((part) => part !== '').join(' ');
}
