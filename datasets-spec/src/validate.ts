/**
 * Checks an upload zip the way the upload endpoint does — the real import, into a temporary
 * folder that is removed afterwards — and reports what the endpoint would: the format, the
 * encoding, the counts, every problem and warning. The CLI (cli.ts) prints it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FormatInference } from './infer-format.ts';
import { importDataset, type ImportProgress } from './import.ts';
import { readManifest, type DatasetEncoding, type DatasetFormat, type DatasetInfo, type ManifestEntry, type Split } from './manifest.ts';
import { DatasetError, type Problem, type ProblemCode, type ProblemParams } from './problems.ts';
import type { ZipLimits } from './zip.ts';

export interface ValidationStats {
  images: number;
  splits: Record<Split, number>;
  /** Images per class (classification), boxes or polygons per label (detection, segmentation); empty when labels are free text. */
  classes: Record<string, number>;
  /** Present when the format has them. */
  boxes?: number;
  polygons?: number;
  /** Images labelled with a text (text recognition). */
  texts?: number;
  /** Input/target image pairs (enhancement). */
  pairs?: number;
}

/** A Problem with `line` always present (null outside text files), for machine readers. */
export interface ReportedProblem {
  file: string;
  line: number | null;
  code: ProblemCode;
  message: string;
  params?: ProblemParams;
}

export interface ValidationReport {
  ok: boolean;
  /** The format checked; null when the zip itself was refused before any format could be chosen. */
  format: DatasetFormat | null;
  encoding: DatasetEncoding;
  /** null when the upload was refused. */
  stats: ValidationStats | null;
  errors: ReportedProblem[];
  warnings: ReportedProblem[];
  /** With format 'auto': what the layout showed, and why. */
  inferred?: FormatInference;
}

export interface ValidateOptions {
  limits?: Partial<ZipLimits>;
  onProgress?: (progress: ImportProgress) => void;
}

/**
 * Validates `zipPath` as `format`. With 'auto' the importer infers the format from the layout (as
 * for an upload without a format) and the report says why.
 */
export async function validateZip(zipPath: string, format: DatasetFormat | 'auto', options: ValidateOptions = {}): Promise<ValidationReport> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'aip-dataset-'));
  const chosen = format === 'auto' ? undefined : format;
  try {
    const outDir = path.join(scratch, 'dataset');
    try {
      const result = await importDataset({
        zipPath,
        outDir,
        ...(options.limits ? { limits: options.limits } : {}),
        ...(chosen ? { format: chosen } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      const { entries } = await readManifest(outDir);
      return {
        ok: true,
        format: result.info.format,
        encoding: result.report.encoding,
        stats: statsOf(result.info, entries),
        errors: [],
        warnings: result.report.warnings.map(reported),
        ...(result.report.inferred ? { inferred: result.report.inferred } : {}),
      };
    } catch (err) {
      if (!(err instanceof DatasetError)) throw err;
      const report = refused(chosen ?? err.inferred?.format ?? null, err);
      return err.inferred ? { ...report, inferred: err.inferred } : report;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function refused(format: DatasetFormat | null, error: DatasetError): ValidationReport {
  return { ok: false, format, encoding: null, stats: null, errors: error.problems.map(reported), warnings: [] };
}

function reported({ file, line, code, message, params }: Problem): ReportedProblem {
  return { file, line: line ?? null, code, message, ...(params ? { params } : {}) };
}

/** dataset.json's counts, plus the totals of each kind of annotation the entries carry. */
function statsOf(info: DatasetInfo, entries: readonly ManifestEntry[]): ValidationStats {
  const stats: ValidationStats = { images: info.images, splits: info.splits, classes: info.classCounts };
  const total = (count: (entry: ManifestEntry) => number | undefined) => {
    const counts = entries.map(count).filter((n) => n !== undefined);
    return counts.length === 0 ? undefined : counts.reduce((a, b) => a + b, 0);
  };
  const boxes = total((e) => e.boxes?.length);
  const polygons = total((e) => e.polygons?.length);
  const texts = total((e) => (e.text === undefined ? undefined : 1));
  const pairs = total((e) => (e.target === undefined ? undefined : 1));
  if (boxes !== undefined) stats.boxes = boxes;
  if (polygons !== undefined) stats.polygons = polygons;
  if (texts !== undefined) stats.texts = texts;
  if (pairs !== undefined) stats.pairs = pairs;
  return stats;
}
