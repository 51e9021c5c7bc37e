/**
 * COCO instances files in and out of a labeling job (the format most labeling tools export:
 * CVAT, Roboflow, makesense, Label Studio's "COCO" export …).
 *
 * - Images are matched to items by `file_name` (the item's path), else by its file name when only
 *   one item has it; an image's size must be the item's.
 * - Detection: `bbox` `[x, y, width, height]` in pixels. Segmentation and text detection: the
 *   `segmentation` polygons (flat `[x1, y1, x2, y2, …]` lists; an annotation with several becomes
 *   several polygons); an annotation without one counts as the rectangle of its `bbox`. RLE masks
 *   are refused (a mask is not an outline).
 * - Text detection: one category (its name does not matter); the text of each outline in
 *   `attributes.text` (CVAT's and Datumaro's place for per-annotation attributes), or
 *   `utf8_string` (COCO-Text).
 * - Classification: COCO has no image label, so, like Datumaro's COCO "labels" task, the class is
 *   an image-level annotation: `{id, image_id, category_id}` without `bbox` or `segmentation`. On
 *   import an image's annotations must all name one category (their boxes, if any, are ignored).
 * - An image without annotations is labeled with nothing in it (`[]`); for classification, where
 *   "nothing" is no class, it stays unlabeled.
 * - Text recognition has no place in COCO: exporting throws, a delivery is refused.
 */
import { cocoFile, type CocoAnnotation, type CocoFile } from '../export/coco.ts';
import type { Box, ManifestEntry, Polygon } from '../manifest.ts';
import { describe, taskName, textOutlines } from './check.ts';
import { baseName, type DeliveryCollector, type ItemIndex } from './collect.ts';
import { isObject, type ExportItem, type LabelItemRef, type LabelTask, type LabelingTarget } from './types.ts';

/** The category of text detection exports: the outline's text is an attribute, not a class. */
export const COCO_TEXT_CATEGORY = 'text';

/** A COCO annotation as this module writes it: a box/outline (with the text, for text detection) or an image label. */
export type LabelingCocoAnnotation =
  | (CocoAnnotation & { attributes?: { text: string } })
  | { id: number; image_id: number; category_id: number; iscrowd: 0 };

export interface LabelingCocoFile extends Omit<CocoFile, 'annotations'> {
  annotations: LabelingCocoAnnotation[];
}

/** The COCO instances file of the job's labeled items (`file_name` = item path); see the file comment. */
export function labelingCoco(items: readonly ExportItem[], target: LabelingTarget): LabelingCocoFile {
  if (target.task === 'text_recognition') {
    throw new Error('COCO has no place for text recognition labels (the text of a whole image); export the job as Label Studio tasks instead.');
  }
  const labeled = items.filter((item) => item.labels !== null);
  const inputs = labeled.map((item, index) => ({ id: index + 1, fileName: item.path, entry: manifestEntry(item, target.task) }));
  let next = 0;
  const nextId = () => ++next;
  const description = `AIP labeling job (${taskName(target.task)})`;
  if (target.task === 'classification') {
    // cocoFile writes the images and categories; the annotations are image labels, not boxes.
    const file = cocoFile(inputs, 'boxes', target.classes, nextId, description);
    const categoryId = new Map(target.classes.map((name, i) => [name, i + 1]));
    const annotations = inputs.map(({ id, entry }) => ({ id: nextId(), image_id: id, category_id: categoryId.get(entry.class!)!, iscrowd: 0 as const }));
    return { ...file, annotations };
  }
  if (target.task === 'detection') return cocoFile(inputs, 'boxes', target.classes, nextId, description);
  if (target.task === 'segmentation') return cocoFile(inputs, 'polygons', target.classes, nextId, description);
  // Text detection: one category; cocoFile writes the outlines in order, so the texts follow in the same order.
  const texts = inputs.flatMap(({ entry }) => (entry.polygons ?? []).map((p) => p.label));
  const asText = inputs.map((input) => ({ ...input, entry: { ...input.entry, polygons: (input.entry.polygons ?? []).map((p) => ({ ...p, label: COCO_TEXT_CATEGORY })) } }));
  const file = cocoFile(asText, 'polygons', [COCO_TEXT_CATEGORY], nextId, description);
  return { ...file, annotations: file.annotations.map((annotation, i) => ({ ...annotation, attributes: { text: texts[i]! } })) };
}

function manifestEntry(item: ExportItem, task: LabelTask): ManifestEntry {
  const entry: ManifestEntry = { path: item.path, width: item.width, height: item.height, split: 'train', ...item.labels };
  return task === 'text_detection' ? { ...entry, boxes: undefined, polygons: textOutlines(item.labels!) } : entry;
}

/** Reads a COCO delivery into the collector (see the file comment for the rules). */
export function readCocoDelivery(payload: unknown, items: ItemIndex, target: LabelingTarget, collector: DeliveryCollector): void {
  const task = target.task;
  if (task === 'text_recognition') {
    collector.problem('A COCO file cannot carry text recognition labels (the text of a whole image); deliver them as "aip" or "label-studio".');
    return;
  }
  if (!isObject(payload) || !Array.isArray(payload.images) || !Array.isArray(payload.annotations) || !Array.isArray(payload.categories)) {
    collector.problem(`A COCO delivery must be a COCO instances file: an object with "images", "annotations" and "categories" lists (got ${describe(payload)}${isObject(payload) ? ' without them' : ''}).`);
    return;
  }
  const listed = { images: payload.images as unknown[], annotations: payload.annotations as unknown[], categories: payload.categories as unknown[] };
  const problem = (message: string, item?: string) => collector.problem(message, item);

  const categories = new Map<unknown, string>();
  listed.categories.forEach((category: unknown, index) => {
    if (!isObject(category) || typeof category.id !== 'number' || typeof category.name !== 'string') problem(`COCO category ${index + 1} must be an object with a numeric "id" and a "name".`);
    else categories.set(category.id, category.name);
  });

  interface Image {
    item: LabelItemRef;
    fileName: string;
    boxes: Box[];
    polygons: Polygon[];
    classes: Set<string>;
  }
  const images = new Map<unknown, Image>();
  listed.images.forEach((image: unknown, index) => {
    if (!isObject(image) || typeof image.file_name !== 'string' || typeof image.id !== 'number') {
      problem(`COCO image ${index + 1} must be an object with a numeric "id" and a "file_name".`);
      return;
    }
    const fileName = image.file_name;
    const item = items.byPath(fileName) ?? items.byFileName(baseName(fileName));
    if (item === undefined) {
      problem(`The COCO image "${fileName}" is not an item of this job (none has this path, or this file name alone).`, fileName);
      return;
    }
    if (image.width !== item.width || image.height !== item.height) {
      problem(`${item.path}: the COCO file says the image is ${json(image.width)}x${json(image.height)} pixels, but the item is ${item.width}x${item.height}; are these labels for another image?`, item.path);
      return;
    }
    if (images.has(image.id)) problem(`COCO image id ${image.id} is used twice ("${images.get(image.id)!.fileName}" and "${fileName}").`);
    else images.set(image.id, { item, fileName, boxes: [], polygons: [], classes: new Set() });
  });

  // A category the job does not know would fail every shape using it: say it once, by name.
  if (task !== 'text_detection') {
    const used = new Set(listed.annotations.map((a: unknown) => (isObject(a) ? categories.get(a.category_id) : undefined)));
    for (const name of used) {
      if (name !== undefined && !target.classes.includes(name)) problem(`The COCO category "${name}" is not one of this job's classes (${target.classes.map((c) => `"${c}"`).join(', ')}).`);
    }
  }

  listed.annotations.forEach((annotation: unknown, index) => {
    const where = `COCO annotation ${isObject(annotation) && annotation.id !== undefined ? `id ${String(annotation.id)}` : index + 1}`;
    if (!isObject(annotation)) return problem(`${where} must be an object (got ${describe(annotation)}).`);
    const image = images.get(annotation.image_id);
    const label = categories.get(annotation.category_id);
    if (image === undefined) {
      // Images that did not match an item are reported already.
      if (!listed.images.some((i: unknown) => isObject(i) && i.id === annotation.image_id)) problem(`${where} refers to image_id ${json(annotation.image_id)}, which is not in "images".`);
      return;
    }
    const at = `${image.item.path}, ${where}`;
    if (label === undefined) return problem(`${at}: its category_id ${json(annotation.category_id)} is not in "categories".`, image.item.path);
    if (task !== 'text_detection' && !target.classes.includes(label)) return; // reported once above
    if (task === 'classification') return void image.classes.add(label);
    const bbox = readBbox(annotation.bbox);
    if (task === 'detection') {
      if (bbox === null) return problem(`${at}: "bbox" must be [x, y, width, height] in pixels (got ${describe(annotation.bbox)}).`, image.item.path);
      return void image.boxes.push({ ...bbox, label });
    }
    let text = label;
    if (task === 'text_detection') {
      const found = (isObject(annotation.attributes) ? annotation.attributes.text : undefined) ?? annotation.utf8_string;
      if (typeof found !== 'string' || found.trim() === '') return problem(`${at}: the text of the outline is missing; put it in "attributes": {"text": "…"}.`, image.item.path);
      text = found;
    }
    const outlines = readSegmentation(annotation.segmentation);
    if (outlines === null) return problem(`${at}: "segmentation" must be a list of polygons, each a flat list [x1, y1, x2, y2, …] of pixel positions (masks are not supported).`, image.item.path);
    if (outlines.length === 0) {
      if (bbox === null) return problem(`${at}: it has neither a "segmentation" polygon nor a "bbox".`, image.item.path);
      const { x1, y1, x2, y2 } = bbox;
      outlines.push([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]);
    }
    for (const points of outlines) image.polygons.push({ points, label: text });
  });

  for (const image of images.values()) {
    const source = `COCO image "${image.fileName}"`;
    if (task === 'classification') {
      const classes = [...image.classes];
      if (classes.length > 1) problem(`${image.item.path}: the COCO file gives it several classes (${classes.join(', ')}); a classification item has one.`, image.item.path);
      else if (classes.length === 1) collector.add(image.item, { class: classes[0] }, source);
    } else {
      collector.add(image.item, task === 'detection' ? { boxes: image.boxes } : { polygons: image.polygons }, source);
    }
  }
}

/** A value as the COCO file wrote it. */
function json(value: unknown): string {
  return JSON.stringify(value) ?? 'nothing';
}

function readBbox(value: unknown): Omit<Box, 'label'> | null {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
  const [x, y, width, height] = value as [number, number, number, number];
  return { x1: x, y1: y, x2: x + width, y2: y + height };
}

/** The outlines of an annotation: `[]` when it has none, null when they are not flat lists of numbers (e.g. RLE). */
function readSegmentation(value: unknown): [number, number][][] | null {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return null;
  const outlines: [number, number][][] = [];
  for (const flat of value) {
    if (!Array.isArray(flat) || flat.length % 2 !== 0 || !flat.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
    const points: [number, number][] = [];
    for (let i = 0; i < flat.length; i += 2) points.push([flat[i] as number, flat[i + 1] as number]);
    outlines.push(points);
  }
  return outlines;
}
