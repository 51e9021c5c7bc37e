/**
 * Label Studio (labelstud.io) in and out of a labeling job.
 *
 * Out: tasks in Label Studio's JSON import format, `{data: {image, aip_item, aip_path},
 * annotations: [{result}], predictions: [{model_version, score, result}]}`, and the labeling
 * config (XML) whose control names the results use, so a project set up with labelStudioConfig
 * shows the current labels and the pre-labels, and its JSON export comes back through
 * readLabelStudioDelivery unchanged.
 *
 * In: a project's JSON export (a list of tasks). Per task the last annotation not cancelled
 * counts; a task without one is skipped (not labeled). Tasks are matched to items by
 * `data.aip_item`, else `data.aip_path`, else the file name of `data.image` (a value that names
 * an item that does not exist is refused rather than guessed around). Coordinates are percents
 * of the image, converted with the item's own size. Results read:
 *
 * - `choices` (`value.choices`): classification;
 * - `rectanglelabels` / `polygonlabels` (and their unlabeled `rectangle` / `polygon`): boxes and
 *   outlines; `x, y` is the top-left corner before `rotation` (degrees, clockwise, around that
 *   corner). A rotated rectangle is a 4-point outline; detection boxes must be upright;
 * - `textarea` (`value.text`): text recognition, and for text detection the text of the region
 *   with the same result `id` (Label Studio's per-region OCR: `perRegion` TextArea).
 */
import type { Box } from '../manifest.ts';
import { boxPolygon, describe, taskName, textOutlines } from './check.ts';
import { baseName, type DeliveryCollector, type ItemIndex } from './collect.ts';
import { isObject, type ExportItem, type ItemLabels, type LabelItemRef, type LabelingTarget } from './types.ts';

/** Names in the labeling config, and so in every result's `from_name` / `to_name`. */
const IMAGE = 'image';
const CONTROL = { classification: 'class', detection: 'label', segmentation: 'label', text_detection: 'outline', text_recognition: 'text' } as const;
/** Text detection: the rectangle tool beside the polygon one, and the per-region transcription. */
const TEXT_RECTANGLE = 'rectangle';
const TRANSCRIPTION = 'text';

/** The Label Studio labeling config (XML) for a job, to paste into the project's Labeling Interface. */
export function labelStudioConfig(target: LabelingTarget): string {
  const image = `  <Image name="${IMAGE}" value="$image" zoom="true"/>`;
  const labels = (tag: string) => target.classes.map((name) => `    <${tag} value="${xmlAttribute(name)}"/>`).join('\n');
  const control = CONTROL[target.task];
  const body = {
    classification: `  <Choices name="${control}" toName="${IMAGE}" choice="single" showInline="true" required="true">\n${labels('Choice')}\n  </Choices>`,
    // Detection boxes are upright: rotating one would make a box the model cannot learn.
    detection: `  <RectangleLabels name="${control}" toName="${IMAGE}" canRotate="false">\n${labels('Label')}\n  </RectangleLabels>`,
    segmentation: `  <PolygonLabels name="${control}" toName="${IMAGE}">\n${labels('Label')}\n  </PolygonLabels>`,
    text_detection: [
      `  <Polygon name="${control}" toName="${IMAGE}"/>`,
      `  <Rectangle name="${TEXT_RECTANGLE}" toName="${IMAGE}"/>`,
      `  <TextArea name="${TRANSCRIPTION}" toName="${IMAGE}" perRegion="true" editable="true" required="true" rows="1" displayMode="region-list" placeholder="The text inside this outline"/>`,
    ].join('\n'),
    text_recognition: `  <TextArea name="${control}" toName="${IMAGE}" editable="true" required="true" maxSubmissions="1" rows="1" placeholder="The text the image shows"/>`,
  }[target.task];
  return `<View>\n${image}\n${body}\n</View>\n`;
}

function xmlAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Label Studio tasks for the job's items: current labels as `annotations`, pre-labels as `predictions`. */
export function labelStudioTasks(items: readonly ExportItem[], target: LabelingTarget, imageUrl: (item: ExportItem) => string): unknown[] {
  return items.map((item) => ({
    data: { image: imageUrl(item), aip_item: item.id, aip_path: item.path },
    ...(item.labels !== null ? { annotations: [{ result: results(item.labels, item, target) }] } : {}),
    ...(item.prelabel !== null
      ? {
          predictions: [
            {
              model_version: 'aip',
              ...(item.prelabel.confidence !== null ? { score: item.prelabel.confidence } : {}),
              result: results(item.prelabel.labels, item, target),
            },
          ],
        }
      : {}),
  }));
}

function results(labels: ItemLabels, item: LabelItemRef, target: LabelingTarget): unknown[] {
  const control = CONTROL[target.task];
  const base = (id: string, fromName: string, type: string) => ({ id, from_name: fromName, to_name: IMAGE, type });
  const size = { original_width: item.width, original_height: item.height, image_rotation: 0 };
  const percent = (points: [number, number][]) => points.map(([x, y]) => [(x / item.width) * 100, (y / item.height) * 100]);
  switch (target.task) {
    case 'classification':
      return labels.class === undefined ? [] : [{ ...base('class', control, 'choices'), value: { choices: [labels.class] } }];
    case 'text_recognition':
      return labels.text === undefined ? [] : [{ ...base('text', control, 'textarea'), value: { text: [labels.text] } }];
    case 'detection':
      return (labels.boxes ?? []).map((box, i) => ({
        ...base(`r${i + 1}`, control, 'rectanglelabels'),
        ...size,
        value: {
          x: (box.x1 / item.width) * 100,
          y: (box.y1 / item.height) * 100,
          width: ((box.x2 - box.x1) / item.width) * 100,
          height: ((box.y2 - box.y1) / item.height) * 100,
          rotation: 0,
          rectanglelabels: [box.label],
        },
      }));
    case 'segmentation':
      return (labels.polygons ?? []).map((polygon, i) => ({
        ...base(`r${i + 1}`, control, 'polygonlabels'),
        ...size,
        value: { points: percent(polygon.points), closed: true, polygonlabels: [polygon.label] },
      }));
    case 'text_detection':
      // Label Studio's per-region OCR: the outline and its transcription share the region id.
      return textOutlines(labels).flatMap((polygon, i) => {
        const geometry = { points: percent(polygon.points), closed: true };
        return [
          { ...base(`r${i + 1}`, control, 'polygon'), ...size, value: geometry },
          { ...base(`r${i + 1}`, TRANSCRIPTION, 'textarea'), ...size, value: { ...geometry, text: [polygon.label] } },
        ];
      });
  }
}

/** One region of an annotation: its shape (in pixels), its labels and its texts, gathered by result id. */
interface Region {
  shape?: { kind: 'rectangle'; x: number; y: number; width: number; height: number; rotation: number } | { kind: 'polygon'; points: [number, number][] };
  labels: string[];
  texts: string[];
}

const SHAPES: Record<string, { kind: 'rectangle' | 'polygon'; labels?: string }> = {
  rectanglelabels: { kind: 'rectangle', labels: 'rectanglelabels' },
  rectangle: { kind: 'rectangle' },
  polygonlabels: { kind: 'polygon', labels: 'polygonlabels' },
  polygon: { kind: 'polygon' },
};

/** Reads a Label Studio JSON export into the collector (see the file comment). */
export function readLabelStudioDelivery(payload: unknown, items: ItemIndex, target: LabelingTarget, collector: DeliveryCollector): void {
  if (!Array.isArray(payload)) {
    collector.problem(`A Label Studio delivery must be a project's JSON export, a list of tasks, but it is ${describe(payload)}.`);
    return;
  }
  payload.forEach((task: unknown, index) => {
    const name = `Label Studio task ${isObject(task) && (typeof task.id === 'number' || typeof task.id === 'string') ? task.id : `number ${index + 1}`}`;
    if (!isObject(task) || !isObject(task.data)) return collector.problem(`${name} must be an object with "data" (got ${describe(task)}).`);
    if (task.annotations !== undefined && !Array.isArray(task.annotations)) return collector.problem(`${name}: "annotations" must be a list.`);
    const annotation = (task.annotations ?? []).filter((a: unknown) => !(isObject(a) && a.was_cancelled === true)).at(-1);
    if (annotation === undefined) return; // not labeled in Label Studio: the item stays as it is
    const item = matchTask(task.data, items, name, collector);
    if (item === undefined) return;
    const where = `${item.path} (${name})`;
    if (!isObject(annotation) || !Array.isArray(annotation.result)) return collector.problem(`${where}: its annotation must be an object with a "result" list.`, item.path);
    const labels = readResults(annotation.result, item, target, (message) => collector.problem(`${where}: ${message}`, item.path));
    if (labels !== null) collector.add(item, labels, name);
  });
}

function matchTask(data: Record<string, unknown>, items: ItemIndex, name: string, collector: DeliveryCollector): LabelItemRef | undefined {
  const { aip_item: id, aip_path: path, image } = data;
  if (typeof id === 'string') {
    const item = items.byId(id);
    if (item === undefined) collector.problem(`${name} is for item ${id}, which is not an item of this job (was it exported from another job?).`);
    return item;
  }
  if (typeof path === 'string') {
    const item = items.byPath(path);
    if (item === undefined) collector.problem(`${name} is for "${path}", which is not an item of this job.`, path);
    return item;
  }
  const file = typeof image === 'string' ? imageFileName(image) : '';
  // Label Studio renames uploaded files "<8 hex digits>-<name>".
  const item = items.byFileName(file) ?? items.byFileName(file.replace(/^[0-9a-f]{8}-/, ''));
  if (item === undefined) {
    collector.problem(`${name} shows the image ${describe(image)}, whose file name matches no single item of this job (tasks are matched by data.aip_item, data.aip_path, or the image's file name).`);
  }
  return item;
}

/** The file name an image URL points at: its path's last part, or for Label Studio local files (`?d=dir/a.png`) the `d` one's. */
export function imageFileName(url: string): string {
  try {
    const parsed = new URL(url, 'http://localhost/');
    return baseName(parsed.searchParams.get('d') ?? decodeURIComponent(parsed.pathname));
  } catch {
    return baseName(url.split('?')[0]!);
  }
}

/** The item's labels, unchecked (checkItemLabels does that), from one annotation's results; null when reported. */
function readResults(values: unknown[], item: LabelItemRef, target: LabelingTarget, problem: (message: string) => void): ItemLabels | null {
  const regions = new Map<unknown, Region>();
  const choices: string[] = [];
  const texts: string[] = [];
  let ok = true;
  values.forEach((result, index) => {
    const where = `result ${index + 1}`;
    if (!isObject(result) || typeof result.type !== 'string' || !isObject(result.value)) {
      ok = false;
      return problem(`${where} must be an object with a "type" and a "value".`);
    }
    const { type, value } = result;
    const region = (): Region => {
      const key = typeof result.id === 'string' || typeof result.id === 'number' ? result.id : Symbol(where);
      if (!regions.has(key)) regions.set(key, { labels: [], texts: [] });
      return regions.get(key)!;
    };
    const strings = (list: unknown, field: string): string[] => {
      if (Array.isArray(list) && list.every((s) => typeof s === 'string')) return list;
      ok = false;
      problem(`${where}: "value.${field}" must be a list of texts (got ${describe(list)}).`);
      return [];
    };
    if (type === 'choices' && target.task === 'classification') return void choices.push(...strings(value.choices, 'choices'));
    if (type === 'textarea' && target.task === 'text_recognition') return void texts.push(...strings(value.text, 'text'));
    if (type === 'textarea' && target.task === 'text_detection') {
      const r = region();
      r.texts.push(...strings(value.text, 'text'));
      // A per-region text carries its region's geometry too; the shape's own result wins when present.
      r.shape ??= readShape(value, 'points' in value ? 'polygon' : 'rectangle', item) ?? undefined;
      return;
    }
    if (type === 'labels' && target.task === 'text_detection') return; // the OCR template's region categories: not used
    const shape = SHAPES[type];
    if (shape === undefined || target.task === 'classification' || target.task === 'text_recognition') {
      ok = false;
      return problem(`${where} is a "${type}" result, which a ${taskName(target.task)} job cannot use (it expects ${EXPECTED[target.task]}).`);
    }
    const read = readShape(value, shape.kind, item);
    if (read === null) {
      ok = false;
      return problem(`${where}: ${shape.kind === 'rectangle' ? '"value" must have numeric x, y, width and height (percent of the image)' : '"value.points" must be a list of [x, y] percent positions'}.`);
    }
    const r = region();
    r.shape = read;
    if (shape.labels !== undefined) r.labels.push(...strings(value[shape.labels], shape.labels));
  });
  if (!ok) return null;

  switch (target.task) {
    case 'classification':
      if (new Set(choices).size <= 1) return { class: choices[0] };
      problem(`several classes are chosen (${choices.join(', ')}); choose one.`);
      return null;
    case 'text_recognition':
      // Several entries: the TextArea was submitted more than once; they read as one text.
      return { text: texts.length === 0 ? undefined : texts.join(' ') };
    case 'detection':
    case 'segmentation':
    case 'text_detection':
      return shapesOf([...regions.values()], target, problem);
  }
}

const EXPECTED = {
  classification: '"choices"',
  detection: '"rectanglelabels"',
  segmentation: '"polygonlabels"',
  text_detection: 'polygons or rectangles, each with a per-region "textarea"',
  text_recognition: 'a "textarea"',
} as const;

function shapesOf(regions: Region[], target: LabelingTarget, problem: (message: string) => void): ItemLabels | null {
  const boxes: Box[] = [];
  const polygons: { points: [number, number][]; label: string }[] = [];
  let ok = true;
  regions.forEach((region, index) => {
    const where = `region ${index + 1}`;
    if (region.shape === undefined) {
      ok = false;
      return problem(`${where} has a text but no outline.`);
    }
    if (target.task !== 'text_detection' && new Set(region.labels).size > 1) {
      ok = false;
      return problem(`${where} has several classes (${region.labels.join(', ')}); give it one.`);
    }
    // An unlabeled shape keeps an empty label, which checkItemLabels reports as missing.
    const label = target.task === 'text_detection' ? region.texts.join(' ') : (region.labels[0] ?? '');
    const shape = region.shape;
    if (target.task === 'detection') {
      if (shape.kind === 'polygon') {
        ok = false;
        return problem(`${where} is a polygon; a detection job takes rectangles.`);
      }
      const turn = ((shape.rotation % 360) + 360) % 360;
      if (turn > 0.01 && turn < 359.99) {
        ok = false;
        return problem(`${where} is rotated by ${shape.rotation}°; detection boxes must be upright (turn rotation off).`);
      }
      return void boxes.push({ x1: shape.x, y1: shape.y, x2: shape.x + shape.width, y2: shape.y + shape.height, label });
    }
    polygons.push(shape.kind === 'polygon' ? { points: shape.points, label } : rectanglePolygon(shape, label));
  });
  if (!ok) return null;
  return target.task === 'detection' ? { boxes } : { polygons };
}

/** A rectangle's 4 corners, clockwise on screen, turned by its rotation around its top-left corner. */
function rectanglePolygon(shape: { x: number; y: number; width: number; height: number; rotation: number }, label: string) {
  if (shape.rotation === 0) return boxPolygon({ x1: shape.x, y1: shape.y, x2: shape.x + shape.width, y2: shape.y + shape.height, label });
  const angle = (shape.rotation * Math.PI) / 180;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const corner = (along: number, down: number): [number, number] => [shape.x + along * cos - down * sin, shape.y + along * sin + down * cos];
  return { points: [corner(0, 0), corner(shape.width, 0), corner(shape.width, shape.height), corner(0, shape.height)], label };
}

/** A result value's shape in pixels of the item, or null when its numbers are missing. */
function readShape(value: Record<string, unknown>, kind: 'rectangle' | 'polygon', item: LabelItemRef): Region['shape'] | null {
  const number = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const [sx, sy] = [item.width / 100, item.height / 100];
  if (kind === 'polygon') {
    const points = value.points;
    if (!Array.isArray(points) || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every(number))) return null;
    return { kind, points: points.map(([x, y]) => [x * sx, y * sy] as [number, number]) };
  }
  const { x, y, width, height, rotation = 0 } = value;
  if (![x, y, width, height, rotation].every(number)) return null;
  return { kind, x: (x as number) * sx, y: (y as number) * sy, width: (width as number) * sx, height: (height as number) * sy, rotation: rotation as number };
}
