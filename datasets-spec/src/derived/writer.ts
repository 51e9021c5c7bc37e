/**
 * Writes a derived dataset — crops a detector cut with their carried labels, or an enhancer's
 * output images — as a canonical dataset folder, all or nothing like an upload's import: images
 * and the manifest go into a work folder beside `outDir`, renamed into place by `finish()`.
 * Each entry is checked against the manifest contract as it is added, so a carried label that
 * breaks it fails at its image, naming it, not at the end.
 */
import { copyFile, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { probeImage } from '../images.ts';
import { entryProblem, writeManifest, type DatasetFormat, type DatasetInfo, type ManifestEntry, type Split } from '../manifest.ts';

/** Pixels as the serving runtime hands them over: 8-bit, interleaved, `channels` per pixel. */
export interface RawImage {
  data: Buffer | Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export interface DerivedItem {
  /** File name under `images/` without extension, '/'-separated folders allowed (`0007_2`, `cat/0007_2`). */
  name: string;
  /** Raw pixels are stored as PNG (lossless: the stage trains on exactly what was cut); a file is copied as it is. */
  image: RawImage | { file: string };
  split: Split;
  /** The entry's annotations for the dataset's format: class, boxes, polygons or text. */
  labels?: Pick<ManifestEntry, 'class' | 'boxes' | 'polygons' | 'text'>;
  /** Enhancement only: the target image paired with this one. */
  target?: RawImage | { file: string };
}

export interface DerivedDatasetOptions {
  format: DatasetFormat;
  /** Classes the dataset has even when no entry shows one (a stage's classes). */
  classes?: string[];
}

export class DerivedDatasetWriter {
  private readonly entries: ManifestEntry[] = [];
  private readonly paths = new Set<string>();
  private closed = false;

  private constructor(
    readonly outDir: string,
    private readonly work: string,
    private readonly options: DerivedDatasetOptions,
  ) {}

  /** `outDir` must not exist or be empty; it appears, whole, only when `finish()` succeeds. */
  static async create(outDir: string, options: DerivedDatasetOptions): Promise<DerivedDatasetWriter> {
    const target = path.resolve(outDir);
    const content = await readdir(target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    if (content.length > 0) throw new Error(`DerivedDatasetWriter: the output folder ${target} already holds files; give a new or empty folder.`);
    const work = path.join(path.dirname(target), `.${path.basename(target)}.derive-${randomBytes(6).toString('hex')}`);
    await mkdir(path.join(work, 'images'), { recursive: true });
    return new DerivedDatasetWriter(target, work, options);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Stores the image (and target) and records its entry; throws, naming the image, on a label the manifest refuses. */
  async add(item: DerivedItem): Promise<ManifestEntry> {
    if (this.closed) throw new Error('DerivedDatasetWriter: add() after finish() or discard()');
    const entryPath = this.claim(item.name, item.image);
    const size = await sizeOf(item.image);
    const entry: ManifestEntry = { path: entryPath, width: size.width, height: size.height, split: item.split, ...item.labels };
    if (this.options.format === 'enhancement') {
      if (item.target === undefined) throw new Error(`Derived image ${entryPath}: an enhancement dataset needs a target image.`);
      entry.target = this.claim(`${item.name}.target`, item.target);
    }
    const problem = entryProblem(entry, this.options.format);
    if (problem !== null) throw new Error(`Derived image ${entryPath}: ${problem}.`);
    await this.store(entry.path, item.image);
    if (entry.target !== undefined && item.target !== undefined) await this.store(entry.target, item.target);
    this.entries.push(entry);
    return entry;
  }

  /** Writes manifest.jsonl and dataset.json and moves the folder into place. */
  async finish(): Promise<DatasetInfo> {
    if (this.closed) throw new Error('DerivedDatasetWriter: finish() called twice');
    this.closed = true;
    try {
      const info = await writeManifest(this.work, this.entries, { format: this.options.format, classes: this.options.classes });
      await rmdir(this.outDir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await rename(this.work, this.outDir);
      return info;
    } catch (err) {
      await rm(this.work, { recursive: true, force: true });
      throw err;
    }
  }

  /** Drops everything written so far; `outDir` is left as it was. */
  async discard(): Promise<void> {
    this.closed = true;
    await rm(this.work, { recursive: true, force: true });
  }

  private claim(name: string, image: DerivedItem['image']): string {
    const extension = 'file' in image ? path.extname(image.file).toLowerCase() : '.png';
    const entryPath = `images/${name}${extension}`;
    if (this.paths.has(entryPath)) throw new Error(`Derived image ${entryPath} is added twice.`);
    this.paths.add(entryPath);
    return entryPath;
  }

  private async store(entryPath: string, image: DerivedItem['image']): Promise<void> {
    const target = path.join(this.work, ...entryPath.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    if ('file' in image) {
      await copyFile(image.file, target);
      return;
    }
    const { data, width, height, channels } = image;
    await sharp(data, { raw: { width, height, channels } }).png().toFile(target);
  }
}

async function sizeOf(image: DerivedItem['image']): Promise<{ width: number; height: number }> {
  if (!('file' in image)) {
    if (image.data.length !== image.width * image.height * image.channels) {
      throw new Error(`raw image of ${image.width}x${image.height}x${image.channels} needs ${image.width * image.height * image.channels} bytes, got ${image.data.length}`);
    }
    return image;
  }
  const probe = await probeImage(image.file);
  if (!probe.ok) throw new Error(`${image.file}: ${probe.reason}`);
  // Copied as they are, so they must already be what a dataset stores (import made them so).
  if (probe.info.format === 'bmp' || probe.info.orientation > 1) {
    throw new Error(`${image.file}: a derived dataset copies images as they are; store BMPs and EXIF-rotated images as imported datasets do (PNG, upright) first.`);
  }
  return probe.info;
}
