/**
 * Canonical dataset folder → the formats users take to other tools: COCO JSON and YOLO txt for
 * object boxes and outlines, one folder per class for classification. All or nothing, like the
 * importer: everything is written into a work folder beside `outDir` and renamed into place.
 */
import { copyFile, link, mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { compareStrings, readManifest, SPLITS, type DatasetFormat, type DatasetInfo, type ManifestEntry, type Split } from '../manifest.ts';
import { cocoFile, type CocoImageInput } from './coco.ts';
import { classFolders, uniqueNames } from './names.ts';
import { dataYaml, yoloLabels } from './yolo.ts';

export type ExportTarget = 'coco' | 'yolo' | 'folders';
export const EXPORT_TARGETS: readonly ExportTarget[] = ['coco', 'yolo', 'folders'];

/** Which dataset formats each target can hold, and what it holds, for the refusal's message. */
const TARGETS: Record<ExportTarget, { title: string; formats: readonly DatasetFormat[]; holds: string }> = {
  coco: { title: 'COCO JSON', formats: ['detection', 'segmentation'], holds: 'object boxes and outlines (detection and segmentation datasets)' },
  yolo: { title: 'YOLO txt', formats: ['detection', 'segmentation'], holds: 'object boxes and outlines (detection and segmentation datasets)' },
  folders: { title: 'one folder per class', formats: ['classification'], holds: 'one class per image (classification datasets)' },
};

/** The targets a dataset of this format can be exported to (none for some formats). */
export function exportTargets(format: DatasetFormat): ExportTarget[] {
  return EXPORT_TARGETS.filter((target) => TARGETS[target].formats.includes(format));
}

/** A target that cannot hold the dataset, or an output folder that cannot be used. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
}

export interface ExportOptions {
  to: ExportTarget;
  /**
   * `link` (default): hard-link each image where the file system allows (instant, no extra
   * space; falls back to copying), `copy`: always copy.
   */
  images?: 'link' | 'copy';
  /** COCO `info.description`, e.g. the dataset's name. */
  description?: string;
  /** Called after each image: images written so far, images to write. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  to: ExportTarget;
  format: DatasetFormat;
  /** In class id order: COCO category `i + 1`, YOLO class `i`; for folders, the class of each folder. */
  classes: string[];
  images: number;
  /** Boxes or outlines written (0 for folders). */
  annotations: number;
  /** Images whose exported name differs from their own (another image had the same name). */
  renamed: number;
}

/**
 * Writes `datasetDir` (dataset.json + manifest.jsonl + images) to `outDir` in the `to` format:
 *
 * - `coco`: `annotations/instances_<split>.json` and `images/<split>/<file>`;
 * - `yolo`: `data.yaml`, `images/<split>/<file>` and `labels/<split>/<file stem>.txt`;
 * - `folders`: `<split>/<class>/<file>`.
 *
 * Only splits that have images are written. `outDir` must not exist or be empty.
 */
export async function exportDataset(datasetDir: string, outDir: string, options: ExportOptions): Promise<ExportResult> {
  const target = TARGETS[options.to] as (typeof TARGETS)[ExportTarget] | undefined;
  if (target === undefined) throw new ExportError(`Unknown export format "${String(options.to)}"; use one of ${EXPORT_TARGETS.join(', ')}.`);
  const { info, entries } = await readManifest(datasetDir);
  if (!target.formats.includes(info.format)) {
    const others = exportTargets(info.format).map((t) => TARGETS[t].title);
    const instead = others.length > 0 ? ` Export it as ${others.join(' or ')} instead.` : ' It cannot be exported to any of the formats offered.';
    throw new ExportError(`A ${info.format} dataset cannot be exported as ${target.title}: that format holds ${target.holds}.${instead}`);
  }
  const out = path.resolve(outDir);
  await ensureAbsentOrEmpty(out);
  await mkdir(path.dirname(out), { recursive: true });
  const work = path.join(path.dirname(out), `.${path.basename(out)}.export-${randomBytes(6).toString('hex')}`);
  try {
    const classes = classList(info, entries);
    const place = placer(datasetDir, work, options, entries.length);
    const written = options.to === 'folders' ? await writeFolders(entries, classes, place) : await writeObjects(options.to, info, entries, classes, place, options.description);
    await removeIfEmpty(out);
    await rename(work, out);
    return { to: options.to, format: info.format, classes, images: entries.length, ...written, renamed: place.renamed() };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** dataset.json's classes, plus any label an entry uses that it forgot (a hand-made manifest). */
function classList(info: DatasetInfo, entries: readonly ManifestEntry[]): string[] {
  const known = new Set(info.classes);
  const extra = new Set<string>();
  for (const entry of entries) {
    const labels = [entry.class, ...(entry.boxes ?? []).map((b) => b.label), ...(entry.polygons ?? []).map((p) => p.label)];
    for (const label of labels) if (label !== undefined && !known.has(label)) extra.add(label);
  }
  return [...info.classes, ...[...extra].sort(compareStrings)];
}

/** Entries of each split that has any, in manifest order. */
function bySplit(entries: readonly ManifestEntry[]): Map<Split, ManifestEntry[]> {
  const groups = new Map<Split, ManifestEntry[]>();
  for (const split of SPLITS) {
    const inSplit = entries.filter((entry) => entry.split === split);
    if (inSplit.length > 0) groups.set(split, inSplit);
  }
  return groups;
}

interface Placer {
  /** The export's work folder. */
  root: string;
  /** Puts the entry's image at `folder/name` of the export (folder relative to its root). */
  put(entry: ManifestEntry, folder: string, name: string): Promise<void>;
  renamed(): number;
}

function placer(datasetDir: string, work: string, options: ExportOptions, total: number): Placer {
  let done = 0;
  let renamed = 0;
  let canLink = (options.images ?? 'link') === 'link';
  return {
    root: work,
    async put(entry, folder, name) {
      const source = path.join(datasetDir, ...entry.path.split('/'));
      const target = path.join(work, ...folder.split('/'), name);
      await mkdir(path.dirname(target), { recursive: true });
      if (canLink) {
        // Another file system (EXDEV) or one without hard links: copy this and every later image.
        canLink = await link(source, target).then(
          () => true,
          () => false,
        );
      }
      if (!canLink) await copyFile(source, target);
      if (name !== path.posix.basename(entry.path)) renamed++;
      options.onProgress?.(++done, total);
    },
    renamed: () => renamed,
  };
}

async function writeFolders(entries: readonly ManifestEntry[], classes: readonly string[], place: Placer): Promise<{ annotations: number }> {
  const folderOf = classFolders(classes);
  for (const [split, inSplit] of bySplit(entries)) {
    for (const name of classes) {
      const inClass = inSplit.filter((entry) => entry.class === name);
      const names = uniqueNames(inClass.map((entry) => entry.path));
      for (const entry of inClass) await place.put(entry, `${split}/${folderOf.get(name)!}`, names.get(entry.path)!);
    }
  }
  return { annotations: 0 };
}

async function writeObjects(
  to: 'coco' | 'yolo',
  info: DatasetInfo,
  entries: readonly ManifestEntry[],
  classes: readonly string[],
  place: Placer,
  description = `${info.format} dataset exported by AIP`,
): Promise<{ annotations: number }> {
  const kind = info.format === 'segmentation' ? 'polygons' : 'boxes';
  const root = place.root;
  const ids = new Map(entries.map((entry, i) => [entry.path, i + 1]));
  const classId = new Map(classes.map((name, i) => [name, i]));
  let annotations = 0;
  const nextAnnotationId = () => ++annotations;
  const splits = bySplit(entries);
  for (const [split, inSplit] of splits) {
    const names = uniqueNames(inSplit.map((entry) => entry.path));
    const images: CocoImageInput[] = [];
    for (const entry of inSplit) {
      const fileName = names.get(entry.path)!;
      await place.put(entry, `images/${split}`, fileName);
      images.push({ entry, id: ids.get(entry.path)!, fileName });
      if (to === 'yolo') {
        const labelFile = path.join(root, 'labels', split, `${fileName.slice(0, fileName.length - path.posix.extname(fileName).length)}.txt`);
        await mkdir(path.dirname(labelFile), { recursive: true });
        const text = yoloLabels(entry, kind, classId);
        annotations += text === '' ? 0 : text.split('\n').length - 1;
        await writeFile(labelFile, text);
      }
    }
    if (to === 'coco') {
      const file = path.join(root, 'annotations', `instances_${split}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(cocoFile(images, kind, classes, nextAnnotationId, description))}\n`);
    }
  }
  if (to === 'yolo') await writeFile(path.join(root, 'data.yaml'), dataYaml(classes, [...splits.keys()], kind));
  return { annotations };
}

async function ensureAbsentOrEmpty(dir: string): Promise<void> {
  const content = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (content.length > 0) throw new ExportError(`The export folder ${dir} already holds files; give a new or empty folder.`);
}

async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
