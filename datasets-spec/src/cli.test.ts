import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValidationReport } from './validate.ts';
import { png, tempDir, writeZip, type ZipItem } from './testing/fixtures.ts';

const BIN = fileURLToPath(new URL('../bin/aip-dataset.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The temporary folders the CLI left behind (it must remove them). */
  leftovers: string[];
}

// The CLI's own TMPDIR, shared by the runs of this file so tsx keeps its compile cache there.
const TMP = await mkdtemp(path.join(tmpdir(), 'aip-cli-test-'));
afterAll(() => rm(TMP, { recursive: true, force: true }));

/** Runs the CLI as a user would, in `dir`. */
async function cli(dir: string, ...args: string[]): Promise<Run> {
  const { INIT_CWD: _, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, TMPDIR: TMP } }, async (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      if (code === null) return reject(error);
      const leftovers = (await readdir(TMP)).filter((name) => name.startsWith('aip-dataset-'));
      resolve({ code, stdout, stderr, leftovers });
    });
  });
}

async function detectionZip(dir: string, labelLines: string[], name = 'upload.zip'): Promise<string> {
  const items: ZipItem[] = [
    { name: 'shapes/label.txt', data: labelLines.join('\n') },
    { name: 'shapes/images/a.png', data: await png(16, 12) },
    { name: 'shapes/images/b.png', data: await png(20, 10) },
    { name: 'shapes/.DS_Store', data: 'x' },
  ];
  return writeZip(dir, items, name);
}

const VALID_LABELS = ['images/a.png,16,12', '2', '1,1,8,8,cat', '2,2,10,10,dog', 'images/b.png,20,10', '1', '0,0,20,10,cat'];

describe('aip-dataset validate', () => {
  it('reports a valid detection zip as JSON and exits 0', async () => {
    const dir = await tempDir();
    await detectionZip(dir, VALID_LABELS);
    const run = await cli(dir, 'validate', 'upload.zip', '--format', 'detection', '--json');
    expect(run.code).toBe(0);
    expect(run.leftovers).toEqual([]);
    const report = JSON.parse(run.stdout) as ValidationReport;
    expect(report).toEqual({
      ok: true,
      format: 'detection',
      encoding: 'utf-8',
      stats: { images: 2, splits: expect.any(Object), classes: { cat: 2, dog: 1 }, boxes: 3 },
      errors: [],
      warnings: [],
    });
    const { train, val, test } = report.stats!.splits;
    expect(train + val + test).toBe(2);
  });

  it('lists every error of an invalid zip with file, line and code, and exits 1', async () => {
    const dir = await tempDir();
    // Line 1: wrong size; line 4: box outside the image; images/b.png not listed at all.
    await detectionZip(dir, ['images/a.png,16,13', '2', '1,1,8,8,cat', '2,2,30,10,dog']);
    const run = await cli(dir, 'validate', 'upload.zip', '--format', 'detection', '--json');
    expect(run.code).toBe(1);
    expect(run.leftovers).toEqual([]);
    const report = JSON.parse(run.stdout) as ValidationReport;
    expect(report).toMatchObject({ ok: false, format: 'detection', stats: null });
    expect(report.errors.map(({ file, line, code }) => ({ file, line, code }))).toEqual(
      expect.arrayContaining([
        { file: 'shapes/label.txt', line: 1, code: 'label_size_mismatch' },
        { file: 'shapes/label.txt', line: 4, code: 'label_box_outside' },
        { file: 'shapes/images/b.png', line: null, code: 'image_not_listed' },
      ]),
    );
    expect(report.errors.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
  });

  it('lists at most 100 errors for people, then the total', async () => {
    const dir = await tempDir();
    const missing = Array.from({ length: 150 }, (_, i) => [`images/missing-${i}.png,4,4`, '0']).flat();
    await detectionZip(dir, [...VALID_LABELS, ...missing]);
    const run = await cli(dir, 'validate', 'upload.zip', '--format', 'detection');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('Errors: 150, the first 100 listed');
    expect(lines.filter((l) => l.startsWith('  shapes/label.txt:'))).toHaveLength(100);
    expect(lines).toContain('  shapes/label.txt:8: The image "images/missing-0.png" is listed here but is not in the zip.');
    expect(lines).toContain('  … and 50 more (150 errors in all; --json lists them all)');
    expect(lines.at(-2)).toBe('upload.zip: invalid, 150 errors; the upload would be refused.');
  });

  it('infers the format with --format auto and says why', async () => {
    const dir = await tempDir();
    await writeZip(dir, [
      { name: 'pets/cat/1.png', data: await png(8, 8) },
      { name: 'pets/cat/2.png', data: await png(8, 8) },
      { name: 'pets/dog/3.png', data: await png(8, 8) },
      { name: '__MACOSX/pets/._1.png', data: 'x' },
    ]);
    const json = await cli(dir, 'validate', 'upload.zip', '--format', 'auto', '--json');
    expect(json.code).toBe(0);
    expect(json.leftovers).toEqual([]);
    const report = JSON.parse(json.stdout) as ValidationReport;
    expect(report).toMatchObject({ ok: true, format: 'classification', encoding: null, stats: { images: 3, classes: { cat: 2, dog: 1 } } });
    expect(report.inferred?.format).toBe('classification');

    const human = await cli(dir, 'validate', 'upload.zip');
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      [
        'Format: classification (inferred)',
        ...report.inferred!.reasons.map((reason) => `  - ${reason}`),
        `Images: 3 (train ${report.stats!.splits.train}, val ${report.stats!.splits.val}, test ${report.stats!.splits.test})`,
        'Classes: 2 (cat ×2, dog ×1)',
        '',
        'upload.zip: valid classification dataset; the upload would be accepted.',
        '',
      ].join('\n'),
    );
    expect(report.inferred!.reasons).toContain('There is no label.txt and the images sit in 2 folders, taken as classes (images per class: cat ×2, dog ×1).');
  });

  it('exits 2 with the usage for a bad command line', async () => {
    const dir = await tempDir();
    await detectionZip(dir, VALID_LABELS);
    const runs = await Promise.all([
      cli(dir),
      cli(dir, 'check', 'upload.zip'),
      cli(dir, 'validate'),
      cli(dir, 'validate', 'upload.zip', '--format', 'pascal_voc'),
      cli(dir, 'validate', 'upload.zip', '--verbose'),
      cli(dir, 'validate', 'absent.zip'),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runs.every((r) => r.stdout === '')).toBe(true);
    expect(runs[3]!.stderr).toContain('Unknown format "pascal_voc"; use one of unlabeled, classification, detection');
    expect(runs[3]!.stderr).toContain('Usage: aip-dataset validate <zip>');
    expect(runs[5]!.stderr).toBe('aip-dataset: absent.zip: no such file.\n');
  });
});
