import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatTasks, importDataset } from './import.ts';
import { DatasetError } from './problems.ts';
import { png, tempDir, writeZip } from './testing/fixtures.ts';
import { importZip } from './testing/formats.ts';
import { DATASET_FORMATS } from './manifest.ts';

describe('formatTasks', () => {
  it('says which task types each format trains', () => {
    expect(Object.fromEntries(DATASET_FORMATS.map((f) => [f, formatTasks(f)]))).toEqual({
      unlabeled: [],
      classification: ['classification'],
      detection: ['detection'],
      text_detection: ['text_detection'],
      segmentation: ['segmentation'],
      text_recognition: ['text_recognition'],
      enhancement: ['enhancement'],
      refinery: [],
    });
  });
});

describe('importDataset without a format', () => {
  it('infers it from the layout and says why', async () => {
    const pixel = await png(4, 4);
    const enhancement = await importZip(
      ['train/input/a.png', 'train/target/a.png', 'test/input/b.png', 'test/target/b.png'].map((name) => ({ name, data: pixel })),
    );
    expect(enhancement.info.format).toBe('enhancement');
    expect(enhancement.report.inferred).toMatchObject({ format: 'enhancement', reasons: [expect.any(String)] });
    const classes = await importZip(['cat/a.png', 'cat/b.png', 'dog/c.png', 'dog/d.png'].map((name) => ({ name, data: pixel })));
    expect(classes.info.format).toBe('classification');
    expect(classes.report.inferred?.format).toBe('classification');
  });

  it('checks a layout that fits no format as the closest one, whose problems say what to fix', async () => {
    const pixel = await png(4, 4);
    const dir = await tempDir();
    const zipPath = await writeZip(dir, [{ name: 'a.png', data: pixel }, { name: 'cat/b.png', data: pixel }, { name: 'dog/c.png', data: pixel }]);
    const error = await importDataset({ zipPath, outDir: path.join(dir, 'out') }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    const refused = error as DatasetError;
    expect(refused.problems).toEqual([expect.objectContaining({ file: 'a.png', code: 'image_not_in_class_folder' })]);
    expect(refused.inferred?.format).toBeNull();
    expect(refused.inferred?.reasons.join(' ')).toContain('neither fits');
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });
});
