/**
 * Checks one item's labels, whoever wrote them (the built-in labeler's autosave, an external
 * tool's delivery), and brings them to the canonical manifest's shapes, so a completed job's items
 * become a dataset without a second check. Every problem is found (not just the first) and says,
 * in words a person who labels can act on, which item, which box or polygon, and what is wrong.
 *
 * The geometry rules are the upload's: boxes go through checkBox (formats/detection.ts), polygons
 * through checkPolygon (formats/shapes.ts), which also normalizes them (repeated points merged,
 * a closing repeat dropped, counter-clockwise outlines reversed), and the result is finally held to
 * the manifest contract (entryProblem). Coordinates are rounded to 2 decimals: tools deliver
 * percentages or floats with noise far below a pixel, and rounding makes round trips exact.
 */
import type { ImageInfo } from '../images.ts';
import { entryProblem, type Box, type Polygon } from '../manifest.ts';
import { checkBox } from '../formats/detection.ts';
import { checkPolygon } from '../formats/shapes.ts';
import type { Report } from '../formats/records.ts';
import { isObject, type ItemLabels, type LabelItemRef, type LabelProblem, type LabelTask, type LabelingTarget } from './types.ts';

/** The label fields each task's items may carry; text detection takes rectangles as boxes too. */
const FIELDS: Record<LabelTask, readonly (keyof ItemLabels)[]> = {
  classification: ['class'],
  detection: ['boxes'],
  segmentation: ['polygons'],
  text_detection: ['polygons', 'boxes'],
  text_recognition: ['text'],
};

const EXAMPLES: Record<LabelTask, string> = {
  classification: '{"class": "cat"}',
  detection: '{"boxes": [{"x1": 10, "y1": 20, "x2": 50, "y2": 60, "label": "cat"}]}',
  segmentation: '{"polygons": [{"points": [[10, 20], [50, 20], [30, 60]], "label": "cat"}]}',
  text_detection: '{"polygons": [{"points": [[10, 20], [90, 20], [90, 40], [10, 40]], "label": "the text"}]}',
  text_recognition: '{"text": "the text"}',
};

export type CheckedLabels = { labels: ItemLabels; problems: [] } | { labels?: undefined; problems: LabelProblem[] };

/** Validates and normalizes one item's labels for the job's task (see the file comment). */
export function checkItemLabels(labels: unknown, item: LabelItemRef, target: LabelingTarget): CheckedLabels {
  const problems: LabelProblem[] = [];
  const fail = (where: string, message: string) => problems.push({ item: item.path, message: `${where}: ${message}` });
  const task = target.task;
  if (!isObject(labels)) {
    fail(item.path, `the labels must be an object such as ${EXAMPLES[task]} (got ${describe(labels)}).`);
    return { problems };
  }
  for (const key of Object.keys(labels)) {
    if (!(FIELDS[task] as readonly string[]).includes(key)) {
      fail(item.path, `"${key}" is not a label of a ${taskName(task)} item, which looks like ${EXAMPLES[task]}.`);
    }
  }
  const shapes = new ShapeReader(item, target, fail);
  const result: ItemLabels = {};
  switch (task) {
    case 'classification':
      if (typeof labels.class !== 'string' || labels.class === '') fail(item.path, `the item needs a "class", one of ${listClasses(target.classes)}.`);
      else if (!target.classes.includes(labels.class)) fail(item.path, `the class "${labels.class}" is not one of this job's classes (${listClasses(target.classes)}).`);
      else result.class = labels.class;
      break;
    case 'text_recognition':
      if (typeof labels.text !== 'string' || labels.text.trim() === '') fail(item.path, 'the item needs the "text" it shows, and it must not be empty.');
      else result.text = labels.text;
      break;
    case 'detection':
      if (!Array.isArray(labels.boxes)) fail(item.path, 'the item needs "boxes", a list of boxes (an empty list when the image shows no object).');
      else result.boxes = shapes.boxes(labels.boxes);
      break;
    case 'segmentation':
      if (!Array.isArray(labels.polygons)) fail(item.path, 'the item needs "polygons", a list of outlines (an empty list when the image shows no object).');
      else result.polygons = shapes.polygons(labels.polygons, 'polygon');
      break;
    case 'text_detection': {
      const { polygons, boxes } = labels;
      if (polygons === undefined && boxes === undefined) fail(item.path, 'the item needs "polygons", a list of text outlines (an empty list when the image shows no text).');
      if (polygons !== undefined && !Array.isArray(polygons)) fail(item.path, '"polygons" must be a list of text outlines.');
      if (boxes !== undefined && !Array.isArray(boxes)) fail(item.path, '"boxes" must be a list of text rectangles.');
      // Rectangles are outlines with 4 corners: the model and the manifest only need polygons.
      result.polygons = [
        ...(Array.isArray(polygons) ? shapes.polygons(polygons, 'polygon') : []),
        ...(Array.isArray(boxes) ? shapes.boxes(boxes).map(boxPolygon) : []),
      ];
      break;
    }
  }
  if (problems.length > 0) return { problems };
  // The checks above are the manifest's own; this makes sure nothing slipped between them.
  const contract = entryProblem({ path: item.path, width: item.width, height: item.height, split: 'train', ...result }, task);
  if (contract !== null) {
    fail(item.path, `${contract}.`);
    return { problems };
  }
  return { labels: result, problems: [] };
}

/** The 4 corners of a rectangle, clockwise on screen from its top-left corner (the manifest's orientation). */
export function boxPolygon({ x1, y1, x2, y2, label }: Box): Polygon {
  return { points: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], label };
}

/**
 * A text detection item's outlines, its rectangles (if any) as 4-point polygons: what exports
 * write. checkItemLabels already leaves none as boxes, but a model's pre-label may still have some.
 */
export function textOutlines(labels: ItemLabels): Polygon[] {
  return [...(labels.polygons ?? []), ...(labels.boxes ?? []).map(boxPolygon)];
}

/** Two decimals: far below a pixel, and enough to undo a percent conversion exactly. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function taskName(task: LabelTask): string {
  return task.replace('_', ' ');
}

function listClasses(classes: readonly string[]): string {
  return classes.length === 0 ? 'none defined' : classes.map((c) => `"${c}"`).join(', ');
}

/** What a value is, for a message: `a list`, `the number 3`, `"abc"`, `nothing`. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Reads the boxes and polygons of one item, reporting each problem with the shape's 1-based number. */
class ShapeReader {
  private readonly image: ImageInfo;

  constructor(
    private readonly item: LabelItemRef,
    private readonly target: LabelingTarget,
    private readonly fail: (where: string, message: string) => void,
  ) {
    this.image = { width: item.width, height: item.height, fileWidth: item.width, fileHeight: item.height, format: 'png', orientation: 1 };
  }

  boxes(values: unknown[]): Box[] {
    const boxes: Box[] = [];
    values.forEach((value, index) => {
      const where = `${this.item.path}, box ${index + 1}`;
      if (!this.fields(value, ['x1', 'y1', 'x2', 'y2', 'label'], where, '{"x1", "y1", "x2", "y2", "label"}')) return;
      let ok = true;
      for (const name of ['x1', 'y1', 'x2', 'y2'] as const) {
        if (!isFiniteNumber(value[name])) {
          this.fail(where, `${name} must be a number of pixels (got ${describe(value[name])}).`);
          ok = false;
        }
      }
      const label = this.label(value.label, where);
      if (!ok) return;
      const box = { line: 0, x1: round2(value.x1 as number), y1: round2(value.y1 as number), x2: round2(value.x2 as number), y2: round2(value.y2 as number), label: label ?? '' };
      if (!checkBox(box, this.image, this.report(where)) || label === null) return;
      boxes.push({ x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, label });
    });
    return boxes;
  }

  polygons(values: unknown[], noun: string): Polygon[] {
    const polygons: Polygon[] = [];
    values.forEach((value, index) => {
      const where = `${this.item.path}, ${noun} ${index + 1}`;
      if (!this.fields(value, ['points', 'label'], where, '{"points": [[x, y], …], "label"}')) return;
      const label = this.label(value.label, where);
      const points = value.points;
      if (!Array.isArray(points) || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every(isFiniteNumber))) {
        this.fail(where, `"points" must be a list of [x, y] pixel positions, such as [[10, 20], [50, 20], [30, 60]].`);
        return;
      }
      const polygon = { line: 0, points: points.map(([x, y]) => [round2(x as number), round2(y as number)] as [number, number]), label: label ?? '' };
      // Warnings are normalizations already applied (a reversed or closed outline): nothing to report.
      if (!checkPolygon(polygon, this.image, this.report(where), () => {}) || label === null) return;
      polygons.push({ points: polygon.points, label });
    });
    return polygons;
  }

  /** True when `value` is an object of exactly these fields (the missing ones are reported by their checks). */
  private fields(value: unknown, allowed: readonly string[], where: string, shape: string): value is Record<string, unknown> {
    if (!isObject(value)) {
      this.fail(where, `must be an object ${shape} (got ${describe(value)}).`);
      return false;
    }
    const extra = Object.keys(value).filter((key) => !allowed.includes(key));
    if (extra.length > 0) this.fail(where, `${extra.map((k) => `"${k}"`).join(', ')} ${extra.length === 1 ? 'is' : 'are'} not part of ${shape}.`);
    return extra.length === 0;
  }

  /** The class (class tasks) or the text (text detection) of a shape; null when reported. */
  private label(value: unknown, where: string): string | null {
    if (this.target.task === 'text_detection') {
      if (typeof value === 'string' && value.trim() !== '') return value;
      this.fail(where, `the text it outlines ("label") must not be empty.`);
      return null;
    }
    if (typeof value !== 'string' || value === '') {
      this.fail(where, `it needs a "label", one of ${listClasses(this.target.classes)}.`);
      return null;
    }
    if (!this.target.classes.includes(value)) {
      this.fail(where, `the class "${value}" is not one of this job's classes (${listClasses(this.target.classes)}).`);
      return null;
    }
    return value;
  }

  /** checkBox/checkPolygon speak of lines of a label file; here the place is the shape's number. */
  private report(where: string): Report {
    return (_line, _code, message) => this.fail(where, lowerFirst(message));
  }
}

/** "The box … reaches outside" continues "images/a.png, box 2: " in lower case; "xmin (5) …" or "RLE" stay. */
function lowerFirst(message: string): string {
  return /^[A-Z](?![A-Z])/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message;
}
