/**
 * Upload zip → canonical dataset folder, all or nothing. Everything happens in a work folder next
 * to `outDir` (same file system, so the final rename is atomic); `outDir` appears only when the
 * whole upload was accepted and written.
 */
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { checkClassification } from './formats/classification.ts';
import { checkDetection, findLabelFile } from './formats/detection.ts';
import { checkEnhancement } from './formats/enhancement.ts';
import { checkSegmentation, checkTextDetection } from './formats/shapes.ts';
import { checkTextRecognition } from './formats/text-recognition.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './formats/types.ts';
import { checkRefinery, checkUnlabeled } from './formats/unlabeled.ts';
import { storedPath, storeImage } from './images.ts';
import { compareStrings, splitOf, writeManifest, type DatasetFormat, type DatasetInfo, type ManifestEntry } from './manifest.ts';
import { DatasetError, type Problem } from './problems.ts';
import { inferFormat, readTextHead, type FormatInference } from './infer-format.ts';
import type { TextEncoding } from './text.ts';
import { extractZip, type ZipLimits } from './zip.ts';

export type ImportPhase = 'extract' | 'check' | 'store';

export interface ImportProgress {
  phase: ImportPhase;
  /** Files (extract, store) or images (check) done so far in this phase. */
  done: number;
  total: number;
}

export interface ImportOptions {
  zipPath: string;
  /** Must not exist, or be an empty folder. */
  outDir: string;
  /** Inferred from the layout when absent (infer-format.ts); a layout that fits no format is checked as the closest one. */
  format?: DatasetFormat;
  limits?: Partial<ZipLimits>;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  /** Encoding of label.txt; null when the format has no label file. */
  encoding: TextEncoding | null;
  /** Accepted, but worth showing the user (paths as in the zip). */
  warnings: Problem[];
  /** Files of the zip that were not imported: system clutter and files the format does not use. */
  ignored: string[];
  /** When no format was given: the format the layout showed, and why. */
  inferred?: FormatInference;
}

export interface ImportResult {
  info: DatasetInfo;
  report: ImportReport;
}

/** Which task types a dataset of this format can train (unlabeled and refinery images train none by themselves). */
export function formatTasks(format: DatasetFormat): DatasetFormat[] {
  switch (format) {
    case 'unlabeled':
    case 'refinery':
      return [];
    default:
      return [format];
  }
}

type Checker = (upload: Awaited<ReturnType<typeof extractZip>>, options: CheckOptions) => Promise<FormatCheck>;

const CHECKERS: Record<DatasetFormat, Checker> = {
  unlabeled: checkUnlabeled,
  classification: checkClassification,
  detection: checkDetection,
  text_detection: checkTextDetection,
  segmentation: checkSegmentation,
  text_recognition: checkTextRecognition,
  enhancement: checkEnhancement,
  refinery: checkRefinery,
};

export async function importDataset(options: ImportOptions): Promise<ImportResult> {
  const outDir = path.resolve(options.outDir);
  await ensureAbsentOrEmpty(outDir);
  const work = path.join(path.dirname(outDir), `.${path.basename(outDir)}.import-${randomBytes(6).toString('hex')}`);
  const report = (phase: ImportPhase) => (done: number, total: number) => options.onProgress?.({ phase, done, total });
  try {
    await mkdir(path.dirname(outDir), { recursive: true });
    const upload = await extractZip(options.zipPath, path.join(work, 'upload'), { limits: options.limits, onProgress: report('extract') });
    // Problems name files as the user sees them in the zip, top folder included.
    const inZip = (file: string) => (file === '' || upload.topFolder === null ? file : `${upload.topFolder}/${file}`);
    const asInZip = (problems: Problem[]) => problems.map((p) => ({ ...p, file: inZip(p.file) }));

    // Without a format, the layout decides (and the report says why). A layout that fits no format
    // is checked as the closest one — a label.txt means detection, else class folders — whose
    // problems then say precisely what to fix.
    const inferred = options.format ? undefined : await inferUploadFormat(upload);
    const format = options.format ?? inferred?.format ?? (findLabelFile(upload.files).file !== null ? 'detection' : 'classification');
    const check = await CHECKERS[format](upload, { onProgress: report('check') });
    if (check.problems.length > 0) throw new DatasetError(asInZip(check.problems), inferred);

    const staged = path.join(work, 'dataset');
    const entries = await storeItems(check, upload.root, staged, report('store'));
    const info = await writeManifest(staged, entries, { format, encoding: check.encoding });
    await removeIfEmpty(outDir);
    await rename(staged, outDir);
    return {
      info,
      report: {
        encoding: check.encoding,
        warnings: asInZip([...check.warnings, ...conversionNotes(check)]),
        ignored: [...upload.ignored, ...check.unused.map(inZip)],
        ...(inferred ? { inferred } : {}),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The format the extracted upload's layout shows, judged on the names as they are in the zip. */
async function inferUploadFormat(upload: Awaited<ReturnType<typeof extractZip>>): Promise<FormatInference> {
  const inZip = new Map(upload.files.map((file) => [upload.topFolder === null ? file : `${upload.topFolder}/${file}`, file]));
  return inferFormat([...inZip.keys(), ...upload.ignored], (file) => readTextHead(path.join(upload.root, ...inZip.get(file)!.split('/'))));
}

async function ensureAbsentOrEmpty(dir: string): Promise<void> {
  const content = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (content.length > 0) throw new Error(`importDataset: the output folder ${dir} already holds files; give a new or empty folder.`);
}

async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Moves every accepted image (and enhancement target) under `images/` and builds its manifest entry. */
async function storeItems(check: FormatCheck, uploadRoot: string, staged: string, onProgress: (done: number, total: number) => void): Promise<ManifestEntry[]> {
  const items = [...check.items].sort((a, b) => compareStrings(a.source, b.source));
  const entries: ManifestEntry[] = [];
  const taken = new Set(storedImages(items).map((image) => `images/${image.source}`));
  const store = async (source: string, image: DatasetItem['image']): Promise<string> => {
    const manifestPath = `images/${storedPath(source, image)}`;
    if (manifestPath !== `images/${source}` && taken.has(manifestPath)) {
      throw new DatasetError([
        {
          file: source,
          code: 'bmp_name_clash',
          params: { path: manifestPath },
          message: `This BMP image is stored as PNG under ${manifestPath}, a name another image already has. Rename one of them.`,
        },
      ]);
    }
    taken.add(manifestPath);
    const target = path.join(staged, ...manifestPath.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await storeImage(path.join(uploadRoot, ...source.split('/')), target, image);
    return manifestPath;
  };
  let done = 0;
  for (const item of items) {
    const manifestPath = await store(item.source, item.image);
    const entry: ManifestEntry = { path: manifestPath, width: item.image.width, height: item.image.height, split: item.split ?? splitOf(manifestPath) };
    if (item.class !== undefined) entry.class = item.class;
    if (item.boxes !== undefined) entry.boxes = item.boxes;
    if (item.polygons !== undefined) entry.polygons = item.polygons;
    if (item.text !== undefined) entry.text = item.text;
    if (item.target !== undefined) entry.target = await store(item.target.source, item.target.image);
    entries.push(entry);
    onProgress(++done, items.length);
  }
  return entries;
}

/** Every image file an item brings: itself, and its target for enhancement. */
function storedImages(items: readonly DatasetItem[]): { source: string; image: DatasetItem['image'] }[] {
  return items.flatMap((item) => [{ source: item.source, image: item.image }, ...(item.target ? [item.target] : [])]);
}

/** Tells the user which images were re-encoded, so differing files in the dataset are no surprise. */
function conversionNotes(check: FormatCheck): Problem[] {
  const notes: Problem[] = [];
  for (const item of storedImages(check.items)) {
    if (item.image.format === 'bmp') {
      const stored = `${item.source}.png`;
      notes.push({ file: item.source, code: 'bmp_converted', params: { path: stored }, message: `BMP image stored as PNG (${stored}) so every tool can read it.` });
    } else if (item.image.orientation > 1) {
      notes.push({ file: item.source, code: 'exif_rotated', message: 'Image stored upright: its EXIF orientation tag was applied to the pixels.' });
    }
  }
  return notes;
}
