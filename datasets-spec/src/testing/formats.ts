/** Helpers for the format tests: import a zip of a given format, or get the problems that refused it. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { importDataset, type ImportResult } from '../import.ts';
import { readManifest, type DatasetFormat, type ManifestEntry } from '../manifest.ts';
import { DatasetError, type Problem } from '../problems.ts';
import { tempDir, writeZip, type ZipItem } from './fixtures.ts';

export async function importZip(items: ZipItem[], format?: DatasetFormat): Promise<ImportResult & { entries: ManifestEntry[]; outDir: string }> {
  const dir = await tempDir();
  const zipPath = await writeZip(dir, items);
  const outDir = path.join(dir, 'out');
  const result = await importDataset({ zipPath, outDir, ...(format ? { format } : {}) });
  const { entries } = await readManifest(outDir);
  return { ...result, entries, outDir };
}

/** The problems of a refused upload; checks nothing was left behind. */
export async function refusedProblems(items: ZipItem[], format: DatasetFormat): Promise<Problem[]> {
  const dir = await tempDir();
  const zipPath = await writeZip(dir, items);
  const error = await importDataset({ zipPath, outDir: path.join(dir, 'out'), format }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DatasetError);
  expect(await readdir(dir)).toEqual([path.basename(zipPath)]);
  return (error as DatasetError).problems;
}

/** `[file, line, code, params]` of each problem, for compact expectations. */
export function summary(problems: Problem[]): [string, number | undefined, string, Problem['params']][] {
  return problems.map((p) => [p.file, p.line, p.code, p.params]);
}
