import sharp from 'sharp';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitOf } from '../manifest.ts';
import { bmp, jpeg, png, type ZipItem } from '../testing/fixtures.ts';
import { importZip, refusedProblems, summary } from '../testing/formats.ts';
import { isEnhancementLayout } from './enhancement.ts';

async function pairs(names: string[]): Promise<ZipItem[]> {
  return Promise.all(names.map(async (name) => ({ name, data: name.includes('/target/') ? await png(16, 16) : await jpeg(8, 8) })));
}

describe('importDataset: enhancement', () => {
  it('pairs inputs and targets by name (extensions and sizes may differ), train/ and test/ as splits', async () => {
    const items = await pairs(['pairs/Train/Input/a.jpg', 'pairs/Train/Target/a.png', 'pairs/train/input/sub/b.jpg', 'pairs/train/target/sub/b.png', 'pairs/test/input/c.jpg', 'pairs/test/target/c.png']);
    const { info, entries, outDir } = await importZip([...items, { name: 'pairs/readme.md', data: 'x' }], 'enhancement');
    expect(info).toMatchObject({ format: 'enhancement', images: 3, classes: [], splits: { train: 2, val: 0, test: 1 } });
    expect(entries).toEqual([
      { path: 'images/Train/Input/a.jpg', width: 8, height: 8, split: 'train', target: 'images/Train/Target/a.png' },
      { path: 'images/test/input/c.jpg', width: 8, height: 8, split: 'test', target: 'images/test/target/c.png' },
      { path: 'images/train/input/sub/b.jpg', width: 8, height: 8, split: 'train', target: 'images/train/target/sub/b.png' },
    ]);
    expect(await sharp(path.join(outDir, 'images/test/target/c.png')).metadata()).toMatchObject({ width: 16, height: 16 });
  });

  it('gives pairs the class of their top sub-folder when every pair sits in one of two or more', async () => {
    const items = await pairs(['train/input/cat/a.jpg', 'train/target/cat/a.png', 'train/input/dog/2019/b.jpg', 'train/target/dog/2019/b.png', 'test/input/cat/c.jpg', 'test/target/cat/c.png']);
    const { info, entries } = await importZip(items, 'enhancement');
    expect(info).toMatchObject({ classes: ['cat', 'dog'], classCounts: { cat: 2, dog: 1 } });
    expect(entries.map((e) => [e.path, e.class])).toEqual([
      ['images/test/input/cat/c.jpg', 'cat'],
      ['images/train/input/cat/a.jpg', 'cat'],
      ['images/train/input/dog/2019/b.jpg', 'dog'],
    ]);
  });

  it.each([
    ['one folder for all pairs', ['train/input/photos/a.jpg', 'train/target/photos/a.png', 'train/input/photos/b.jpg', 'train/target/photos/b.png']],
    ['some pairs outside folders', ['train/input/cat/a.jpg', 'train/target/cat/a.png', 'train/input/dog/b.jpg', 'train/target/dog/b.png', 'train/input/c.jpg', 'train/target/c.png']],
  ])('gives no classes with %s', async (_case, names) => {
    const { info, entries } = await importZip(await pairs(names), 'enhancement');
    expect(info).toMatchObject({ classes: [], classCounts: {} });
    expect(entries.every((e) => e.class === undefined)).toBe(true);
  });

  it('uses the hash rule without test/, and stores BMP targets as PNG', async () => {
    const { entries, report } = await importZip([{ name: 'train/input/a.jpg', data: await jpeg(8, 8) }, { name: 'train/target/a.bmp', data: bmp(8, 8) }], 'enhancement');
    // The zip's single folder, train/, was stripped as a wrapper: input/ and target/ at the root are training pairs.
    expect(entries).toEqual([{ path: 'images/input/a.jpg', width: 8, height: 8, split: splitOf('images/input/a.jpg'), target: 'images/target/a.bmp.png' }]);
    expect(summary(report.warnings).map((w) => [w[0], w[2]])).toEqual([['train/target/a.bmp', 'bmp_converted']]);
  });

  it('refuses unpaired images, naming them and the folder their partner is missing from', async () => {
    const problems = await refusedProblems(await pairs(['train/input/a.jpg', 'train/target/a.png', 'train/input/b.jpg', 'train/target/c.png']), 'enhancement');
    expect(summary(problems)).toEqual([
      ['train/input/b.jpg', undefined, 'enhancement_unpaired', { name: 'b', folder: 'train/target/' }],
      ['train/target/c.png', undefined, 'enhancement_unpaired', { name: 'c', folder: 'train/input/' }],
    ]);
  });

  it('refuses two images whose names differ only by extension', async () => {
    const problems = await refusedProblems(await pairs(['train/input/a.jpg', 'train/input/a.jpeg', 'train/target/a.png']), 'enhancement');
    expect(summary(problems)).toEqual([['train/input/a.jpg', undefined, 'enhancement_name_ambiguous', { other: 'train/input/a.jpeg' }]]);
  });

  it('refuses images outside the four folders', async () => {
    const problems = await refusedProblems(await pairs(['train/input/a.jpg', 'train/target/a.png', 'train/a.jpg', 'val/input/b.jpg']), 'enhancement');
    expect(summary(problems)).toEqual([
      ['train/a.jpg', undefined, 'enhancement_image_outside', undefined],
      ['val/input/b.jpg', undefined, 'enhancement_image_outside', undefined],
    ]);
  });

  it('refuses an upload without training pairs', async () => {
    const problems = await refusedProblems(await pairs(['test/input/a.jpg', 'test/target/a.png']), 'enhancement');
    expect(summary(problems)).toEqual([['', undefined, 'enhancement_no_training_pairs', undefined]]);
  });

  it('refuses an unreadable image of a pair', async () => {
    const problems = await refusedProblems([{ name: 'train/input/a.jpg', data: await jpeg(8, 8) }, { name: 'train/target/a.png', data: 'not a png' }], 'enhancement');
    expect(summary(problems).map((p) => [p[0], p[2]])).toEqual([['train/target/a.png', 'image_unreadable']]);
  });
});

describe('isEnhancementLayout', () => {
  it('holds when every image is in [train|test/]input|target and training pairs exist', () => {
    expect(isEnhancementLayout(['train/input/a.jpg', 'train/target/a.png', 'readme.txt'])).toBe(true);
    expect(isEnhancementLayout(['input/a.jpg', 'target/a.png'])).toBe(true);
    expect(isEnhancementLayout(['train/input/a.jpg', 'train/target/a.png', 'train/other/a.png'])).toBe(false);
    expect(isEnhancementLayout(['test/input/a.jpg', 'test/target/a.png'])).toBe(false);
    expect(isEnhancementLayout(['train/cat/a.jpg', 'train/dog/a.png'])).toBe(false);
  });
});
