import { describe, expect, it } from 'vitest';
import { splitOf } from '../manifest.ts';
import { bmp, jpeg, png } from '../testing/fixtures.ts';
import { importZip, refusedProblems, summary } from '../testing/formats.ts';

describe('importDataset: unlabeled', () => {
  it('imports images anywhere, without annotations, split by the hash rule (even under test/)', async () => {
    const items = [
      { name: 'a.png', data: await png(4, 4) },
      { name: 'deep/er/b.jpg', data: await jpeg(6, 4) },
      { name: 'test/c.bmp', data: bmp(2, 2) },
      { name: 'label.txt', data: 'ignored' },
    ];
    const { info, entries, report } = await importZip(items, 'unlabeled');
    expect(info).toMatchObject({ format: 'unlabeled', images: 3, classes: [], classCounts: {}, encoding: null });
    expect(entries).toEqual(
      [
        { path: 'images/a.png', width: 4, height: 4 },
        { path: 'images/deep/er/b.jpg', width: 6, height: 4 },
        { path: 'images/test/c.bmp.png', width: 2, height: 2 },
      ].map((e) => ({ ...e, split: splitOf(e.path) })),
    );
    expect(report.ignored).toEqual(['label.txt']);
  });

  it('refuses an upload without images', async () => {
    expect(summary(await refusedProblems([{ name: 'notes.txt', data: 'x' }], 'unlabeled'))).toEqual([['', undefined, 'no_images', undefined]]);
  });

  it('refuses an unreadable image', async () => {
    const problems = await refusedProblems([{ name: 'a.png', data: await png(4, 4) }, { name: 'b.png', data: 'nope' }], 'unlabeled');
    expect(summary(problems).map((p) => [p[0], p[2]])).toEqual([['b.png', 'image_unreadable']]);
  });
});

describe('importDataset: refinery', () => {
  it('imports JPEG and PNG images; a test/ folder is the test split', async () => {
    const items = [
      { name: 'pool/x/a.png', data: await png(4, 4) },
      { name: 'pool/b.JPEG', data: await jpeg(6, 4) },
      { name: 'pool/TEST/c.jpg', data: await jpeg(2, 2) },
    ];
    const { info, entries } = await importZip(items, 'refinery');
    expect(info).toMatchObject({ format: 'refinery', images: 3, classes: [], splits: { train: 2, val: 0, test: 1 } });
    expect(entries.map((e) => [e.path, e.split])).toEqual([
      ['images/TEST/c.jpg', 'test'],
      ['images/b.JPEG', 'train'],
      ['images/x/a.png', 'train'],
    ]);
  });

  it('uses the hash rule without a test/ folder', async () => {
    const { entries } = await importZip([{ name: 'a.png', data: await png(4, 4) }, { name: 'b.jpg', data: await jpeg(4, 4) }], 'refinery');
    expect(entries.map((e) => e.split)).toEqual([splitOf('images/a.png'), splitOf('images/b.jpg')]);
  });

  it('refuses other image types, naming them', async () => {
    const problems = await refusedProblems([{ name: 'a.png', data: await png(4, 4) }, { name: 'b.bmp', data: bmp(2, 2) }], 'refinery');
    expect(summary(problems)).toEqual([['b.bmp', undefined, 'refinery_image_type', { format: 'BMP' }]]);
  });

  it('refuses an upload without images', async () => {
    expect(summary(await refusedProblems([{ name: 'notes.txt', data: 'x' }], 'refinery'))).toEqual([['', undefined, 'no_images', undefined]]);
  });
});
