/**
 * The labels of one labeling item, by the stage's task (docs/contracts.md, "Labeling"; the same
 * shapes as the canonical manifest's annotations):
 *
 * | task             | labels                                             |
 * | ---------------- | -------------------------------------------------- |
 * | classification   | `{class}`                                          |
 * | detection        | `{boxes: [{x1, y1, x2, y2, label}]}` (`[]`: none)  |
 * | segmentation     | `{polygons: [{points: [[x, y], …], label}]}`       |
 * | text_detection   | `{polygons: [{points, label: <the text>}]}`        |
 * | text_recognition | `{text}`                                           |
 *
 * An item's `labels` are null until someone labels it; a **pre-label** (a model's prediction with its
 * confidence) fills the labeler so people correct it rather than draw from nothing. Everything here
 * reads labels defensively: the API types them as free JSON.
 */

export const LABELING_TASKS = ['classification', 'detection', 'segmentation', 'text_detection', 'text_recognition'] as const;
export type LabelingTask = (typeof LABELING_TASKS)[number];

export type Point = [number, number];

export interface ImageSize {
  width: number;
  height: number;
}

export interface LabelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  label: string;
}

export interface LabelPolygon {
  points: Point[];
  /** The class (segmentation) or the text the line shows (text detection). */
  label: string;
}

export type ItemLabels = { class: string } | { boxes: LabelBox[] } | { polygons: LabelPolygon[] } | { text: string };

export interface Prelabel {
  labels: ItemLabels;
  /** 0..1. */
  confidence: number;
  /** `model`: the stage's reused model; `upstream`: the trained stage before it. */
  source: 'model' | 'upstream';
}

/** What the labelers need of an item (the API's item carries more). */
export interface LabelingItemLike {
  id: string;
  index: number;
  labels: unknown;
  prelabel: unknown;
  confidence: number | null;
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export const isLabelingTask = (task: string): task is LabelingTask => (LABELING_TASKS as readonly string[]).includes(task);

/** The boxes of detection labels (whatever is not a box is left out). */
export function readBoxes(labels: unknown): LabelBox[] {
  if (!isObject(labels) || !Array.isArray(labels.boxes)) return [];
  return labels.boxes.flatMap((box: unknown) => {
    if (!isObject(box) || !isNumber(box.x1) || !isNumber(box.y1) || !isNumber(box.x2) || !isNumber(box.y2)) return [];
    return [{ x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, label: typeof box.label === 'string' ? box.label : '' }];
  });
}

/** The polygons of segmentation or text detection labels. */
export function readPolygons(labels: unknown): LabelPolygon[] {
  if (!isObject(labels) || !Array.isArray(labels.polygons)) return [];
  return labels.polygons.flatMap((polygon: unknown) => {
    if (!isObject(polygon) || !Array.isArray(polygon.points)) return [];
    const points = polygon.points.filter(
      (point: unknown): point is Point => Array.isArray(point) && point.length === 2 && isNumber(point[0]) && isNumber(point[1]),
    );
    return points.length === polygon.points.length ? [{ points: points.map(([x, y]) => [x, y] as Point), label: typeof polygon.label === 'string' ? polygon.label : '' }] : [];
  });
}

/** The class of classification labels, or null. */
export const readClass = (labels: unknown): string | null => (isObject(labels) && typeof labels.class === 'string' ? labels.class : null);

/** The text of text recognition labels ('' when there is none). */
export const readText = (labels: unknown): string => (isObject(labels) && typeof labels.text === 'string' ? labels.text : '');

/** An item's pre-label, or null when it has none or it is malformed. */
export function readPrelabel(prelabel: unknown): Prelabel | null {
  if (!isObject(prelabel) || !isObject(prelabel.labels)) return null;
  return {
    labels: prelabel.labels as ItemLabels,
    confidence: isNumber(prelabel.confidence) ? prelabel.confidence : 0,
    source: prelabel.source === 'model' ? 'model' : 'upstream',
  };
}

/** Labels that say "nothing here yet" for a task whose labeler starts from an empty drawing; null for a class. */
export function emptyLabels(task: LabelingTask): ItemLabels | null {
  switch (task) {
    case 'detection':
      return { boxes: [] };
    case 'segmentation':
    case 'text_detection':
      return { polygons: [] };
    case 'text_recognition':
      return { text: '' };
    case 'classification':
      return null;
  }
}

export interface StartingLabels {
  /** What the labeler shows: the item's labels, else its pre-label, else an empty drawing. */
  labels: ItemLabels | null;
  /** The labels shown are a model's suggestion nobody has accepted yet (drawn dashed). */
  prelabeled: boolean;
}

/** What an item's labeler starts from. */
export function startingLabels(item: Pick<LabelingItemLike, 'labels' | 'prelabel'>, task: LabelingTask): StartingLabels {
  if (isObject(item.labels)) return { labels: item.labels as ItemLabels, prelabeled: false };
  const prelabel = readPrelabel(item.prelabel);
  if (prelabel) return { labels: prelabel.labels, prelabeled: true };
  return { labels: emptyLabels(task), prelabeled: false };
}

/** Whether an item has labels of its own (a pre-label does not count). */
export const isLabeled = (item: Pick<LabelingItemLike, 'labels'>): boolean => isObject(item.labels);

/**
 * Items lowest confidence first (the doubtful ones before the sure ones), as the API serves them:
 * items without a prediction after those with one, ties in the job's order.
 */
export function byConfidence<T extends Pick<LabelingItemLike, 'confidence' | 'index'>>(items: readonly T[]): T[] {
  const rank = (item: T) => (isNumber(item.confidence) ? item.confidence : Infinity);
  return [...items].sort((a, b) => (rank(a) === rank(b) ? a.index - b.index : rank(a) - rank(b)));
}

export type LabelProblem =
  | { code: 'no_class' }
  | { code: 'unknown_class'; label: string }
  | { code: 'box_too_small'; index: number }
  | { code: 'box_outside'; index: number }
  | { code: 'too_few_points'; index: number }
  | { code: 'point_outside'; index: number }
  | { code: 'empty_text'; index: number | null };

/**
 * What keeps labels from being saved (the API would refuse them with `400 invalid_labels`): a class
 * the stage does not know, a box or polygon outside the image or too small, a line without its text.
 * `classes` empty: the task has no classes (text tasks), so any label goes.
 */
export function labelsProblems(task: LabelingTask, labels: ItemLabels | null, classes: readonly string[], image: ImageSize): LabelProblem[] {
  const problems: LabelProblem[] = [];
  const knownClass = (label: string) => classes.length === 0 || classes.includes(label);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x <= image.width && y <= image.height;
  switch (task) {
    case 'classification': {
      const label = readClass(labels);
      if (label === null) problems.push({ code: 'no_class' });
      else if (!knownClass(label)) problems.push({ code: 'unknown_class', label });
      break;
    }
    case 'detection':
      readBoxes(labels).forEach((box, index) => {
        if (!knownClass(box.label)) problems.push({ code: 'unknown_class', label: box.label });
        if (!inside(box.x1, box.y1) || !inside(box.x2, box.y2)) problems.push({ code: 'box_outside', index });
        else if (box.x2 - box.x1 < 1 || box.y2 - box.y1 < 1) problems.push({ code: 'box_too_small', index });
      });
      break;
    case 'segmentation':
    case 'text_detection':
      readPolygons(labels).forEach((polygon, index) => {
        if (task === 'text_detection' && polygon.label.trim() === '') problems.push({ code: 'empty_text', index });
        if (task === 'segmentation' && !knownClass(polygon.label)) problems.push({ code: 'unknown_class', label: polygon.label });
        if (polygon.points.length < 3) problems.push({ code: 'too_few_points', index });
        if (polygon.points.some(([x, y]) => !inside(x, y))) problems.push({ code: 'point_outside', index });
      });
      break;
    case 'text_recognition':
      if (readText(labels).trim() === '') problems.push({ code: 'empty_text', index: null });
      break;
  }
  return problems;
}

/** A coordinate as saved: one decimal is far finer than anyone draws. */
export const roundCoordinate = (value: number): number => Math.round(value * 10) / 10;

/** Distinct colours for up to ten classes, readable on photos with a dark halo under them. */
const PALETTE = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#db2777', '#0891b2', '#ca8a04', '#4f46e5', '#dc2626', '#059669'];

/** The colour of a class (by its place in the stage's classes); grey for a label that is not a class. */
export function classColor(classes: readonly string[], label: string): string {
  const index = classes.indexOf(label);
  return index < 0 ? '#6b7280' : PALETTE[index % PALETTE.length]!;
}
