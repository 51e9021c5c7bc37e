/**
 * The canonical manifest (docs/contracts.md): the one shape every consumer reads, whatever the
 * upload format was. Written by the importer and by components that derive datasets (crops).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export type DatasetFormat = 'unlabeled' | 'classification' | 'detection' | 'text_detection' | 'segmentation' | 'text_recognition' | 'enhancement' | 'refinery';
export const DATASET_FORMATS: readonly DatasetFormat[] = [
  'unlabeled',
  'classification',
  'detection',
  'text_detection',
  'segmentation',
  'text_recognition',
  'enhancement',
  'refinery',
];

export type DatasetEncoding = 'utf-8' | 'gb18030' | null;

/** Pixel coordinates, xyxy, `0 <= x1 < x2 <= width`, `0 <= y1 < y2 <= height`. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  label: string;
}

/**
 * A closed outline in pixel coordinates: at least 3 points, clockwise as seen on screen (image
 * coordinates, y down: positive shoelace area), the first point not repeated at the end, every
 * point inside the image (`0 <= x <= width`, `0 <= y <= height`).
 */
export interface Polygon {
  points: [number, number][];
  /** Segmentation: the class. Text detection: the text. */
  label: string;
}

export interface ManifestEntry {
  /** Relative to the dataset folder, '/'-separated, never '..' (e.g. `images/cat/001.png`). */
  path: string;
  width: number;
  height: number;
  split: Split;
  /** Classification datasets: the image's class. Enhancement: the pair's class, when its upload has class folders. */
  class?: string;
  /** Detection datasets: the objects; `[]` for an image without any. Text detection: rectangles, label = the text. */
  boxes?: Box[];
  /** Segmentation (label = class) and text detection (label = the text); `[]` for an image without any. */
  polygons?: Polygon[];
  /** Text recognition: the text the image shows, never empty. */
  text?: string;
  /** Enhancement: the manifest path of the target image paired with this input image (`path`). */
  target?: string;
}

export interface DatasetInfo {
  version: 1;
  format: DatasetFormat;
  /** Sorted. */
  classes: string[];
  images: number;
  splits: Record<Split, number>;
  /**
   * Classification: images per class. Detection: boxes per label. Segmentation: polygons per label.
   * Enhancement: pairs per class (when its pairs have classes). Empty for the other formats (their
   * labels are free text, or they have none).
   */
  classCounts: Record<string, number>;
  /** Encoding of the uploaded label file; null when there was none. */
  encoding: DatasetEncoding;
}

export const MANIFEST_FILE = 'manifest.jsonl';
export const DATASET_FILE = 'dataset.json';

/**
 * The deterministic split of an image without a train/test folder: FNV-1a 32-bit over the
 * UTF-8 bytes of its manifest path; `h % 10` 0..6 → train, 7 → val, 8..9 → test.
 */
export function splitOf(manifestPath: string): Split {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(manifestPath, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const bucket = hash % 10;
  return bucket <= 6 ? 'train' : bucket === 7 ? 'val' : 'test';
}

function pathProblem(p: unknown, name: string): string | null {
  if (typeof p !== 'string' || p === '' || p.startsWith('/') || p.includes('\\') || p.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    return `${name} ${JSON.stringify(p)} must be relative, '/'-separated, without '.' or '..' segments`;
  }
  return null;
}

/** Twice the signed area (shoelace); positive for a clockwise outline in image coordinates (y down). */
export function signedArea2(points: readonly (readonly [number, number])[]): number {
  let sum = 0;
  points.forEach(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length]!;
    sum += x * ny - nx * y;
  });
  return sum;
}

/** Which annotation fields each format's entries carry (the rest are dropped when written). */
const ANNOTATIONS: Record<DatasetFormat, readonly ('class' | 'boxes' | 'polygons' | 'text' | 'target')[]> = {
  unlabeled: [],
  classification: ['class'],
  detection: ['boxes'],
  text_detection: ['boxes', 'polygons'],
  segmentation: ['polygons'],
  text_recognition: ['text'],
  // A class when the upload's pairs sit in class folders (for a classifier below the enhancer).
  enhancement: ['target', 'class'],
  refinery: [],
};

/** Why this entry breaks the manifest contract, or null when it is fine. */
export function entryProblem(entry: ManifestEntry, format: DatasetFormat): string | null {
  const problem = pathProblem(entry.path, 'path');
  if (problem !== null) return problem;
  if (!Number.isInteger(entry.width) || entry.width <= 0 || !Number.isInteger(entry.height) || entry.height <= 0) {
    return `width and height must be positive whole numbers (got ${entry.width}x${entry.height})`;
  }
  if (!SPLITS.includes(entry.split)) return `split ${JSON.stringify(entry.split)} must be one of ${SPLITS.join(', ')}`;
  switch (format) {
    case 'classification':
      return typeof entry.class !== 'string' || entry.class === '' ? 'a classification entry needs a non-empty "class"' : null;
    case 'detection':
      if (!Array.isArray(entry.boxes)) return 'a detection entry needs "boxes" (an empty list when the image has no objects)';
      return boxesProblem(entry.boxes, entry);
    case 'text_detection':
      // Rectangles and polygons may be mixed; a missing list means none of that kind.
      if (entry.boxes === undefined && entry.polygons === undefined) return 'a text detection entry needs "boxes" or "polygons" (empty lists when the image has no text)';
      if (entry.boxes !== undefined && !Array.isArray(entry.boxes)) return '"boxes" must be a list';
      if (entry.polygons !== undefined && !Array.isArray(entry.polygons)) return '"polygons" must be a list';
      return boxesProblem(entry.boxes ?? [], entry) ?? polygonsProblem(entry.polygons ?? [], entry);
    case 'segmentation':
      if (!Array.isArray(entry.polygons)) return 'a segmentation entry needs "polygons" (an empty list when the image has no objects)';
      return polygonsProblem(entry.polygons, entry);
    case 'text_recognition':
      return typeof entry.text !== 'string' || entry.text === '' ? 'a text recognition entry needs a non-empty "text"' : null;
    case 'enhancement':
      if (entry.target === undefined) return 'an enhancement entry needs "target" (the path of its target image)';
      if (entry.class !== undefined && (typeof entry.class !== 'string' || entry.class === '')) return 'an enhancement entry\'s "class", when present, must be a non-empty string';
      return pathProblem(entry.target, 'target') ?? (entry.target === entry.path ? 'target must be another image than path' : null);
    case 'unlabeled':
    case 'refinery':
      return null;
  }
}

function boxesProblem(boxes: readonly Box[], entry: ManifestEntry): string | null {
  for (const box of boxes) {
    const { x1, y1, x2, y2, label } = box;
    if (![x1, y1, x2, y2].every((v) => typeof v === 'number' && Number.isFinite(v))) return `box ${JSON.stringify(box)} has a non-numeric coordinate`;
    if (!(0 <= x1 && x1 < x2 && x2 <= entry.width && 0 <= y1 && y1 < y2 && y2 <= entry.height)) {
      return `box ${JSON.stringify(box)} must satisfy 0 <= x1 < x2 <= ${entry.width} and 0 <= y1 < y2 <= ${entry.height}`;
    }
    if (typeof label !== 'string' || label === '') return `box ${JSON.stringify(box)} needs a non-empty label`;
  }
  return null;
}

function polygonsProblem(polygons: readonly Polygon[], entry: ManifestEntry): string | null {
  for (const polygon of polygons) {
    const shown = JSON.stringify(polygon);
    const points = polygon?.points;
    if (!Array.isArray(points) || points.length < 3) return `polygon ${shown} needs at least 3 points`;
    for (const point of points) {
      if (!Array.isArray(point) || point.length !== 2 || !point.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        return `polygon ${shown} has a point that is not [x, y] numbers`;
      }
      const [x, y] = point;
      if (!(0 <= x && x <= entry.width && 0 <= y && y <= entry.height)) return `polygon ${shown} must lie within 0,0 and ${entry.width},${entry.height}`;
    }
    const [fx, fy] = points[0]!;
    const [lx, ly] = points[points.length - 1]!;
    if (fx === lx && fy === ly) return `polygon ${shown} must not repeat its first point at the end`;
    if (!(signedArea2(points) > 0)) return `polygon ${shown} must go clockwise (positive area, y down)`;
    if (typeof polygon.label !== 'string' || polygon.label === '') return `polygon ${shown} needs a non-empty label`;
  }
  return null;
}

/** What a writer states about a dataset; the counts are always recomputed from the entries. */
export type DatasetInfoInput = Pick<DatasetInfo, 'format'> & Partial<Omit<DatasetInfo, 'format' | 'version'>>;

/**
 * Computes dataset.json from the entries. `classes` given by the caller are kept even when no
 * entry uses them (a derived dataset may lack examples of a class); labels in use are added.
 */
export function describeDataset(entries: readonly ManifestEntry[], input: DatasetInfoInput): DatasetInfo {
  const splits: Record<Split, number> = { train: 0, val: 0, test: 0 };
  const counts = new Map<string, number>();
  const bump = (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1);
  for (const entry of entries) {
    splits[entry.split]++;
    if ((input.format === 'classification' || input.format === 'enhancement') && entry.class !== undefined) bump(entry.class);
    if (input.format === 'detection') for (const box of entry.boxes ?? []) bump(box.label);
    if (input.format === 'segmentation') for (const polygon of entry.polygons ?? []) bump(polygon.label);
  }
  const classes = [...new Set([...(input.classes ?? []), ...counts.keys()])].sort(compareStrings);
  const classCounts: Record<string, number> = {};
  for (const name of classes) classCounts[name] = counts.get(name) ?? 0;
  return { version: 1, format: input.format, classes, images: entries.length, splits, classCounts, encoding: input.encoding ?? null };
}

/** Code-point order: the same on every machine and in every language (no locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Writes manifest.jsonl and dataset.json into `dir` (created if needed), each through a temporary
 * file and a rename so a reader never sees half a manifest. Throws when an entry breaks the
 * contract. Returns the dataset.json written.
 */
export async function writeManifest(dir: string, entries: readonly ManifestEntry[], info: DatasetInfoInput): Promise<DatasetInfo> {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const problem = entryProblem(entry, info.format);
    if (problem !== null) throw new Error(`Manifest entry ${index + 1} (${entry.path}): ${problem}.`);
    if (seen.has(entry.path)) throw new Error(`Manifest entry ${index + 1}: path ${entry.path} is listed twice.`);
    seen.add(entry.path);
  });
  // An enhancement target is an image of the dataset too: never shared, never also an input.
  entries.forEach((entry, index) => {
    if (entry.target === undefined || info.format !== 'enhancement') return;
    if (seen.has(entry.target)) throw new Error(`Manifest entry ${index + 1}: target ${entry.target} is also another entry's path or target.`);
    seen.add(entry.target);
  });
  const described = describeDataset(entries, info);
  await mkdir(dir, { recursive: true });
  const lines = entries.map((entry) => JSON.stringify(canonicalEntry(entry, info.format)));
  await writeAtomically(path.join(dir, MANIFEST_FILE), lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  await writeAtomically(path.join(dir, DATASET_FILE), `${JSON.stringify(described, null, 2)}\n`);
  return described;
}

/** Fixed key order, and only the annotations of the dataset's format (text detection: both lists, maybe empty). */
function canonicalEntry(entry: ManifestEntry, format: DatasetFormat): ManifestEntry {
  const canonical: ManifestEntry = { path: entry.path, width: entry.width, height: entry.height, split: entry.split };
  for (const field of ANNOTATIONS[format]) {
    // Always present for classification (entryProblem checks it), optional for enhancement.
    if (field === 'class' && entry.class !== undefined) canonical.class = entry.class;
    if (field === 'boxes') canonical.boxes = (entry.boxes ?? []).map(({ x1, y1, x2, y2, label }) => ({ x1, y1, x2, y2, label }));
    if (field === 'polygons') canonical.polygons = (entry.polygons ?? []).map(({ points, label }) => ({ points: points.map(([x, y]) => [x, y] as [number, number]), label }));
    if (field === 'text') canonical.text = entry.text!;
    if (field === 'target') canonical.target = entry.target!;
  }
  return canonical;
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}

/** Reads and checks a dataset folder's dataset.json and manifest.jsonl. */
export async function readManifest(dir: string): Promise<{ info: DatasetInfo; entries: ManifestEntry[] }> {
  const infoFile = path.join(dir, DATASET_FILE);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const info = parseJson(await readFile(infoFile, 'utf8'), infoFile) as DatasetInfo;
  if (info?.version !== 1 || !DATASET_FORMATS.includes(info.format)) {
    throw new Error(`${infoFile}: not a version 1 dataset.json (format must be one of ${DATASET_FORMATS.join(', ')}).`);
  }
  return { info, entries: parseManifest(await readFile(manifestFile, 'utf8'), info.format, manifestFile) };
}

/** Parses and checks manifest.jsonl text (`where` names it in errors), e.g. read from a blob store. */
export function parseManifest(text: string, format: DatasetFormat, where = MANIFEST_FILE): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const at = `${where}, line ${index + 1}`;
    const entry = parseJson(line, at) as ManifestEntry;
    const problem = entryProblem(entry, format);
    if (problem !== null) throw new Error(`${at}: ${problem}.`);
    entries.push(entry);
  });
  return entries;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: invalid JSON (${(err as Error).message}).`);
  }
}
