import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDataset, readManifest, splitOf, writeManifest, type ManifestEntry } from './manifest.ts';
import { tempDir } from './testing/fixtures.ts';

describe('splitOf', () => {
  // Expected values computed independently (FNV-1a 32-bit over UTF-8 bytes, h % 10).
  it.each([
    ['images/0.png', 'test'], // 0x97489741 % 10 = 9
    ['images/6.png', 'val'], // 0x4dc5aba7 % 10 = 7
    ['images/9.png', 'test'], // 0x0adc7376 % 10 = 8
    ['images/3.png', 'train'], // 0xc5a46f68 % 10 = 6
    ['images/5.png', 'train'], // 0xa8e1f43a % 10 = 0
    ['images/猫/1.png', 'train'], // 0xcfc0a065 % 10 = 5
  ] as const)('%s → %s', (p, split) => {
    expect(splitOf(p)).toBe(split);
  });
});

const detectionEntries: ManifestEntry[] = [
  { path: 'images/a.png', width: 20, height: 10, split: 'train', boxes: [{ x1: 0, y1: 0, x2: 20, y2: 10, label: 'cat' }] },
  { path: 'images/b.png', width: 20, height: 10, split: 'test', boxes: [] },
  { path: 'images/c.png', width: 20, height: 10, split: 'val', boxes: [{ x1: 1, y1: 1, x2: 2, y2: 2, label: 'cat' }, { x1: 1, y1: 1, x2: 5, y2: 5, label: 'ant' }] },
];

describe('writeManifest / readManifest', () => {
  it('round-trips a detection dataset and computes dataset.json from the entries', async () => {
    const dir = await tempDir();
    const info = await writeManifest(dir, detectionEntries, { format: 'detection', encoding: 'gb18030', classes: ['zebra'] });
    expect(info).toEqual({
      version: 1,
      format: 'detection',
      classes: ['ant', 'cat', 'zebra'],
      images: 3,
      splits: { train: 1, val: 1, test: 1 },
      classCounts: { ant: 1, cat: 2, zebra: 0 },
      encoding: 'gb18030',
    });
    const lines = (await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines[1]!)).toEqual({ path: 'images/b.png', width: 20, height: 10, split: 'test', boxes: [] });
    expect(await readManifest(dir)).toEqual({ info, entries: detectionEntries });
  });

  it('counts images per class for classification', () => {
    const entries: ManifestEntry[] = [
      { path: 'images/cat/1.png', width: 4, height: 4, split: 'train', class: 'cat' },
      { path: 'images/cat/2.png', width: 4, height: 4, split: 'train', class: 'cat' },
      { path: 'images/dog/1.png', width: 4, height: 4, split: 'test', class: 'dog' },
    ];
    expect(describeDataset(entries, { format: 'classification' })).toMatchObject({ classes: ['cat', 'dog'], classCounts: { cat: 2, dog: 1 }, encoding: null });
  });

  it.each([
    [{ path: '../x.png' }, /relative/],
    [{ path: 'images\\x.png' }, /relative/],
    [{ path: '/abs.png' }, /relative/],
    [{ width: 0 }, /positive whole numbers/],
    [{ split: 'dev' }, /split/],
    [{ boxes: [{ x1: 5, y1: 0, x2: 5, y2: 1, label: 'a' }] }, /x1 < x2/],
    [{ boxes: [{ x1: 0, y1: 0, x2: 21, y2: 1, label: 'a' }] }, /x2 <= 20/],
    [{ boxes: [{ x1: 0, y1: 0, x2: 1, y2: 1, label: '' }] }, /label/],
    [{ boxes: undefined }, /needs "boxes"/],
  ])('refuses an entry with %o', async (change, message) => {
    const dir = await tempDir();
    const entry = { ...detectionEntries[0]!, ...change } as ManifestEntry;
    await expect(writeManifest(dir, [entry], { format: 'detection' })).rejects.toThrow(message);
  });

  it('refuses duplicate paths, and reports the line of a broken manifest', async () => {
    const dir = await tempDir();
    await expect(writeManifest(dir, [detectionEntries[0]!, detectionEntries[0]!], { format: 'detection' })).rejects.toThrow(/listed twice/);
    await writeManifest(dir, detectionEntries, { format: 'detection' });
    const file = path.join(dir, 'manifest.jsonl');
    await writeFile(file, `${(await readFile(file, 'utf8')).trimEnd()}\n{"path": "images/d.png", "width": 2\n`);
    await expect(readManifest(dir)).rejects.toThrow(/line 4: invalid JSON/);
  });
});
