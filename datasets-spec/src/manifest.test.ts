import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import schema from '../manifest.schema.json' with { type: 'json' };
import { DATASET_FORMATS, describeDataset, readManifest, splitOf, writeManifest, type DatasetFormat, type ManifestEntry } from './manifest.ts';
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

/** One valid entry per format, as writeManifest writes it. */
const samples: Record<DatasetFormat, ManifestEntry[]> = {
  unlabeled: [{ path: 'images/x/1.png', width: 4, height: 3, split: 'train' }],
  refinery: [{ path: 'images/1.jpg', width: 4, height: 3, split: 'test' }],
  classification: [{ path: 'images/cat/1.png', width: 4, height: 4, split: 'train', class: 'cat' }],
  detection: detectionEntries,
  text_detection: [
    {
      path: 'images/sign.png',
      width: 40,
      height: 20,
      split: 'train',
      boxes: [{ x1: 1, y1: 1, x2: 10, y2: 5, label: 'EXIT, left' }],
      polygons: [{ points: [[0, 0], [40, 0], [40, 20]], label: '出口' }],
    },
    { path: 'images/blank.png', width: 40, height: 20, split: 'val', boxes: [], polygons: [] },
  ],
  segmentation: [
    {
      path: 'images/a.png',
      width: 10,
      height: 10,
      split: 'train',
      polygons: [
        { points: [[1, 1], [9, 1], [9, 9], [1, 9]], label: 'road' },
        { points: [[0, 0], [2.5, 0], [2.5, 2]], label: 'car' },
      ],
    },
    { path: 'images/b.png', width: 10, height: 10, split: 'test', polygons: [{ points: [[0, 0], [10, 0], [10, 10]], label: 'road' }] },
  ],
  text_recognition: [{ path: 'images/w1.png', width: 30, height: 8, split: 'train', text: 'Hello, world，你好' }],
  enhancement: [{ path: 'images/train/input/a.jpg', width: 8, height: 8, split: 'train', target: 'images/train/target/a.png' }],
};

describe('every format', () => {
  const ajv = new Ajv({ allErrors: true });
  ajv.addSchema(schema, 'manifest');

  it.each(DATASET_FORMATS)('%s: round-trips, and every written line matches manifest.schema.json', async (format) => {
    const dir = await tempDir();
    const info = await writeManifest(dir, samples[format], { format });
    expect(await readManifest(dir)).toEqual({ info, entries: samples[format] });
    const lines = (await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    for (const line of lines) {
      expect(ajv.validate('manifest', line), ajv.errorsText()).toBe(true);
      expect(ajv.validate(`manifest#/definitions/${format}`, line), ajv.errorsText()).toBe(true);
    }
    // A line of another format does not match this format's definition (unlabeled and refinery look alike).
    const other = format === 'classification' ? 'detection' : 'classification';
    expect(ajv.validate(`manifest#/definitions/${format}`, JSON.parse(JSON.stringify(await firstLine(other))))).toBe(false);
  });

  async function firstLine(format: DatasetFormat): Promise<unknown> {
    const dir = await tempDir();
    await writeManifest(dir, samples[format], { format });
    return JSON.parse((await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).split('\n')[0]!);
  }

  it('the schema refuses what breaks the contract in a line', () => {
    const base = { path: 'images/a.png', width: 4, height: 4, split: 'train' };
    for (const bad of [
      { ...base, path: '../a.png' },
      { ...base, path: 'images//a.png' },
      { ...base, path: 'images\\a.png' },
      { ...base, width: 0 },
      { ...base, split: 'dev' },
      { ...base, extra: 1 },
      { ...base, text: '' },
      { ...base, polygons: [{ points: [[0, 0], [1, 1]], label: 'a' }] },
      { ...base, boxes: [{ x1: 0, y1: 0, x2: 1, y2: 1 }] },
    ]) {
      expect(ajv.validate('manifest', bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('writes only the annotations of the format, text detection with both lists', async () => {
    const dir = await tempDir();
    await writeManifest(dir, [{ path: 'images/a.png', width: 4, height: 4, split: 'train', polygons: [{ points: [[0, 0], [4, 0], [4, 4]], label: 'hi' }], class: 'x' }], {
      format: 'text_detection',
    });
    expect(JSON.parse(await readFile(path.join(dir, 'manifest.jsonl'), 'utf8'))).toEqual({
      path: 'images/a.png',
      width: 4,
      height: 4,
      split: 'train',
      boxes: [],
      polygons: [{ points: [[0, 0], [4, 0], [4, 4]], label: 'hi' }],
    });
  });

  it('counts polygons per label for segmentation, and no classes for text, enhancement and unlabeled data', () => {
    expect(describeDataset(samples.segmentation, { format: 'segmentation' })).toMatchObject({ classes: ['car', 'road'], classCounts: { car: 1, road: 2 } });
    for (const format of ['text_detection', 'text_recognition', 'enhancement', 'unlabeled', 'refinery'] as const) {
      expect(describeDataset(samples[format], { format })).toMatchObject({ classes: [], classCounts: {} });
    }
  });

  it('keeps the class of enhancement pairs that have one, counts them, and matches the schema', async () => {
    const dir = await tempDir();
    const entries: ManifestEntry[] = [
      { path: 'images/input/cat/a.png', width: 8, height: 8, split: 'train', target: 'images/target/cat/a.png', class: 'cat' },
      { path: 'images/input/dog/b.png', width: 8, height: 8, split: 'test', target: 'images/target/dog/b.png', class: 'dog' },
    ];
    const info = await writeManifest(dir, entries, { format: 'enhancement' });
    expect(info).toMatchObject({ classes: ['cat', 'dog'], classCounts: { cat: 1, dog: 1 } });
    expect(await readManifest(dir)).toEqual({ info, entries });
    const line = JSON.parse((await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).split('\n')[0]!) as unknown;
    expect(ajv.validate('manifest#/definitions/enhancement', line), ajv.errorsText()).toBe(true);
  });

  const square = { path: 'images/a.png', width: 10, height: 10, split: 'train' } as const;
  it.each([
    ['segmentation', { polygons: undefined }, /needs "polygons"/],
    ['segmentation', { polygons: [{ points: [[0, 0], [5, 0]], label: 'a' }] }, /at least 3 points/],
    ['segmentation', { polygons: [{ points: [[0, 0], [5, 0], ['5', 5]], label: 'a' }] }, /not \[x, y\] numbers/],
    ['segmentation', { polygons: [{ points: [[0, 0], [11, 0], [5, 5]], label: 'a' }] }, /within 0,0 and 10,10/],
    ['segmentation', { polygons: [{ points: [[0, 0], [5, 0], [5, 5], [0, 0]], label: 'a' }] }, /repeat its first point/],
    ['segmentation', { polygons: [{ points: [[0, 0], [5, 5], [5, 0]], label: 'a' }] }, /clockwise/],
    ['segmentation', { polygons: [{ points: [[0, 0], [5, 5], [9, 9]], label: 'a' }] }, /clockwise/],
    ['segmentation', { polygons: [{ points: [[0, 0], [5, 0], [5, 5]], label: '' }] }, /non-empty label/],
    ['text_detection', {}, /needs "boxes" or "polygons"/],
    ['text_detection', { boxes: [{ x1: 0, y1: 0, x2: 11, y2: 1, label: 'a' }] }, /x2 <= 10/],
    ['text_detection', { polygons: [{ points: [[0, 0], [5, 5], [5, 0]], label: 'a' }] }, /clockwise/],
    ['text_recognition', {}, /non-empty "text"/],
    ['text_recognition', { text: '' }, /non-empty "text"/],
    ['enhancement', {}, /needs "target"/],
    ['enhancement', { target: '../t.png' }, /target "..\/t.png" must be relative/],
    ['enhancement', { target: 'images/a.png' }, /another image/],
    ['enhancement', { target: 'images/t.png', class: '' }, /"class", when present, must be a non-empty string/],
  ] as const)('%s: refuses an entry with %o', async (format, change, message) => {
    const dir = await tempDir();
    await expect(writeManifest(dir, [{ ...square, ...change } as ManifestEntry], { format })).rejects.toThrow(message);
  });

  it('refuses an enhancement target shared by two entries', async () => {
    const dir = await tempDir();
    const entries: ManifestEntry[] = [
      { ...square, target: 'images/t.png' },
      { ...square, path: 'images/b.png', target: 'images/t.png' },
    ];
    await expect(writeManifest(dir, entries, { format: 'enhancement' })).rejects.toThrow(/target images\/t.png is also/);
  });

  it('refuses a dataset.json of an unknown format', async () => {
    const dir = await tempDir();
    await writeManifest(dir, samples.unlabeled, { format: 'unlabeled' });
    await writeFile(path.join(dir, 'dataset.json'), JSON.stringify({ version: 1, format: 'keypoints' }));
    await expect(readManifest(dir)).rejects.toThrow(/format must be one of unlabeled, classification/);
  });
});
