import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDataset } from '../import.ts';
import { readManifest, writeManifest, type ManifestEntry } from '../manifest.ts';
import { png, jpeg, tempDir, writeZip } from '../testing/fixtures.ts';
import type { CocoFile } from './coco.ts';
import { ExportError, exportDataset, exportTargets } from './export.ts';
import { classFolders, uniqueNames } from './names.ts';

/** Every file under `dir`, relative, '/'-separated, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** A detection upload: two training images named x, decimal coordinates, a test image without objects. */
async function detectionDataset(): Promise<{ dir: string; dataset: string }> {
  const dir = await tempDir();
  const label = ['a/x.png,16,12', '1', '2,3,10,9,cat', 'b/x.jpg,20,10', '2', '0,0,20,10,dog', '1.5,1,5,5.25,cat', 'test/y.png,8,6', '0'].join('\n');
  const zipPath = await writeZip(dir, [
    { name: 'label.txt', data: label },
    { name: 'a/x.png', data: await png(16, 12) },
    { name: 'b/x.jpg', data: await jpeg(20, 10) },
    { name: 'test/y.png', data: await png(8, 6) },
  ]);
  const dataset = path.join(dir, 'dataset');
  await importDataset({ zipPath, outDir: dataset });
  return { dir, dataset };
}

/** A segmentation dataset written by hand (manifest entries with polygons, clockwise in image coordinates). */
async function segmentationDataset(): Promise<{ dir: string; dataset: string; entries: ManifestEntry[] }> {
  const dir = await tempDir();
  const dataset = path.join(dir, 'dataset');
  const entries: ManifestEntry[] = [
    {
      path: 'images/s/p.png',
      width: 10,
      height: 8,
      split: 'train',
      polygons: [
        { points: [[1, 1], [9, 1], [9, 7]], label: 'road' },
        { points: [[0, 0], [4, 0], [4, 4], [0, 4]], label: 'car' },
      ],
    },
    { path: 'images/t/p.png', width: 10, height: 8, split: 'train', polygons: [] },
    { path: 'images/v.png', width: 10, height: 8, split: 'val', polygons: [{ points: [[2.5, 1], [7, 3], [3, 6.5]], label: 'car' }] },
  ];
  for (const entry of entries) {
    await mkdir(path.dirname(path.join(dataset, entry.path)), { recursive: true });
    await writeFile(path.join(dataset, entry.path), await png(10, 8));
  }
  await writeManifest(dataset, entries, { format: 'segmentation' });
  return { dir, dataset, entries };
}

/** The numbers of a YOLO label file, line by line. */
async function yoloLines(file: string): Promise<number[][]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ').map(Number));
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.map((line) => line.length)).toEqual(expected.map((line) => line.length));
  actual.forEach((line, i) => line.forEach((value, k) => expect(Math.abs(value - expected[i]![k]!)).toBeLessThan(1e-6)));
}

describe('exportDataset: detection', () => {
  it('writes COCO: a file per split, bbox [x, y, w, h] from the manifest boxes, unique image names', async () => {
    const { dir, dataset } = await detectionDataset();
    const out = path.join(dir, 'coco');
    const progress: number[] = [];
    const result = await exportDataset(dataset, out, { to: 'coco', onProgress: (done) => progress.push(done) });
    expect(result).toEqual({ to: 'coco', format: 'detection', classes: ['cat', 'dog'], images: 3, annotations: 3, renamed: 2 });
    expect(progress).toEqual([1, 2, 3]);
    expect(await files(out)).toEqual([
      'annotations/instances_test.json',
      'annotations/instances_train.json',
      'images/test/y.png',
      'images/train/a_x.png',
      'images/train/b_x.jpg',
    ]);
    // Nothing left beside the export: no work folder.
    expect((await readdir(dir)).sort()).toEqual(['coco', 'dataset', 'upload.zip']);

    const { entries } = await readManifest(dataset);
    const train = JSON.parse(await readFile(path.join(out, 'annotations/instances_train.json'), 'utf8')) as CocoFile;
    const test = JSON.parse(await readFile(path.join(out, 'annotations/instances_test.json'), 'utf8')) as CocoFile;
    expect(train.categories).toEqual([
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ]);
    expect(test.categories).toEqual(train.categories);
    expect(train.images).toEqual([
      { id: 1, file_name: 'a_x.png', width: 16, height: 12 },
      { id: 2, file_name: 'b_x.jpg', width: 20, height: 10 },
    ]);
    expect(test).toMatchObject({ images: [{ id: 3, file_name: 'y.png', width: 8, height: 6 }], annotations: [] });
    expect(train.info.description).toBe('detection dataset exported by AIP');

    // Each annotation is a manifest box: same image, same label, [x1, y1, x2 - x1, y2 - y1].
    const category = new Map(train.categories.map((c) => [c.id, c.name]));
    const fileOf = new Map(train.images.map((image) => [image.id, image.file_name]));
    const expected = entries.flatMap((entry, i) =>
      (entry.boxes ?? []).map((b) => ({ image: ['a_x.png', 'b_x.jpg', 'y.png'][i], label: b.label, bbox: [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1], area: (b.x2 - b.x1) * (b.y2 - b.y1) })),
    );
    expect(train.annotations.map((a) => ({ image: fileOf.get(a.image_id), label: category.get(a.category_id), bbox: a.bbox, area: a.area }))).toEqual(expected);
    expect(expected.map((e) => e.bbox)).toEqual([
      [2, 3, 8, 6],
      [0, 0, 20, 10],
      [1.5, 1, 3.5, 4.25],
    ]);
    expect(train.annotations.map((a) => [a.id, a.iscrowd, a.segmentation])).toEqual([
      [1, 0, []],
      [2, 0, []],
      [3, 0, []],
    ]);
    // The images themselves, hard-linked (same file) where the file system allows.
    expect(await readFile(path.join(out, 'images/train/b_x.jpg'))).toEqual(await readFile(path.join(dataset, 'images/b/x.jpg')));
    expect((await stat(path.join(out, 'images/train/a_x.png'))).ino).toBe((await stat(path.join(dataset, 'images/a/x.png'))).ino);
  });

  it('writes YOLO: normalized class cx cy w h, an empty label file for an image without objects, data.yaml', async () => {
    const { dir, dataset } = await detectionDataset();
    const out = path.join(dir, 'yolo');
    const result = await exportDataset(dataset, out, { to: 'yolo', images: 'copy' });
    expect(result).toMatchObject({ classes: ['cat', 'dog'], images: 3, annotations: 3 });
    expect(await files(out)).toEqual([
      'data.yaml',
      'images/test/y.png',
      'images/train/a_x.png',
      'images/train/b_x.jpg',
      'labels/test/y.txt',
      'labels/train/a_x.txt',
      'labels/train/b_x.txt',
    ]);
    // Copied, not linked.
    expect((await stat(path.join(out, 'images/train/a_x.png'))).ino).not.toBe((await stat(path.join(dataset, 'images/a/x.png'))).ino);
    expect(await readFile(path.join(out, 'data.yaml'), 'utf8')).toBe(
      [
        '# YOLO detection dataset exported by AIP. Paths are relative to this file.',
        'train: images/train',
        'test: images/test',
        '# This dataset has no val split (it came with train/ and test/ folders). Training needs one:',
        '# move some images and their labels into images/val and labels/val, and add "val: images/val".',
        'nc: 2',
        'names:',
        '  0: "cat"',
        '  1: "dog"',
        '',
      ].join('\n'),
    );
    // cat = 0, dog = 1; 2,3,10,9 in 16x12 → centre (6, 6), size 8x6.
    expectClose(await yoloLines(path.join(out, 'labels/train/a_x.txt')), [[0, 6 / 16, 6 / 12, 8 / 16, 6 / 12]]);
    expectClose(await yoloLines(path.join(out, 'labels/train/b_x.txt')), [
      [1, 0.5, 0.5, 1, 1],
      [0, 3.25 / 20, 3.125 / 10, 3.5 / 20, 4.25 / 10],
    ]);
    expect(await readFile(path.join(out, 'labels/test/y.txt'), 'utf8')).toBe('');
  });

  it('refuses a target that cannot hold the dataset, and a folder that is not empty, leaving nothing behind', async () => {
    const { dir, dataset } = await detectionDataset();
    await expect(exportDataset(dataset, path.join(dir, 'out'), { to: 'folders' })).rejects.toThrow(
      new ExportError('A detection dataset cannot be exported as one folder per class: that format holds one class per image (classification datasets). Export it as COCO JSON or YOLO txt instead.'),
    );
    await expect(exportDataset(dataset, path.join(dir, 'out'), { to: 'voc' as 'coco' })).rejects.toThrow(/Unknown export format "voc"/);
    await mkdir(path.join(dir, 'full'));
    await writeFile(path.join(dir, 'full', 'keep.txt'), 'x');
    await expect(exportDataset(dataset, path.join(dir, 'full'), { to: 'coco' })).rejects.toThrow(/already holds files/);
    expect((await readdir(dir)).sort()).toEqual(['dataset', 'full', 'upload.zip']);
  });
});

describe('exportDataset: classification', () => {
  it('writes <split>/<class>/<file>, keeping names unique', async () => {
    const dir = await tempDir();
    const zipPath = await writeZip(dir, [
      { name: 'pets/train/cat/1.png', data: await png(4, 4) },
      { name: 'pets/train/cat/more/1.png', data: await png(5, 5) },
      { name: 'pets/train/dog/2.jpg', data: await jpeg(4, 4) },
      { name: 'pets/test/cat/3.png', data: await png(4, 4) },
      { name: 'pets/test/dog/4.png', data: await png(4, 4) },
    ]);
    const dataset = path.join(dir, 'dataset');
    await importDataset({ zipPath, outDir: dataset });
    const out = path.join(dir, 'folders');
    expect(await exportDataset(dataset, out, { to: 'folders' })).toEqual({
      to: 'folders',
      format: 'classification',
      classes: ['cat', 'dog'],
      images: 5,
      annotations: 0,
      renamed: 1,
    });
    expect(await files(out)).toEqual(['test/cat/3.png', 'test/dog/4.png', 'train/cat/1.png', 'train/cat/more_1.png', 'train/dog/2.jpg']);
    expect(await readFile(path.join(out, 'train/cat/more_1.png'))).toEqual(await png(5, 5));
  });

  it.each(['coco', 'yolo'] as const)('refuses %s, which has no place for image classes', async (to) => {
    const dir = await tempDir();
    const zipPath = await writeZip(dir, [
      { name: 'cat/1.png', data: await png(4, 4) },
      { name: 'dog/2.png', data: await png(4, 4) },
    ]);
    await importDataset({ zipPath, outDir: path.join(dir, 'dataset') });
    const error = await exportDataset(path.join(dir, 'dataset'), path.join(dir, 'out'), { to }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as Error).message).toMatch(/^A classification dataset cannot be exported as (COCO JSON|YOLO txt): .* Export it as one folder per class instead\.$/);
    expect((await readdir(dir)).sort()).toEqual(['dataset', 'upload.zip']);
  });
});

describe('exportDataset: segmentation', () => {
  it('writes COCO polygons with their area and bounding box', async () => {
    const { dir, dataset } = await segmentationDataset();
    const out = path.join(dir, 'coco');
    expect(await exportDataset(dataset, out, { to: 'coco', description: 'roads' })).toEqual({
      to: 'coco',
      format: 'segmentation',
      classes: ['car', 'road'],
      images: 3,
      annotations: 3,
      renamed: 2,
    });
    expect(await files(out)).toEqual(['annotations/instances_train.json', 'annotations/instances_val.json', 'images/train/s_p.png', 'images/train/t_p.png', 'images/val/v.png']);
    const train = JSON.parse(await readFile(path.join(out, 'annotations/instances_train.json'), 'utf8')) as CocoFile;
    const val = JSON.parse(await readFile(path.join(out, 'annotations/instances_val.json'), 'utf8')) as CocoFile;
    expect(train.info.description).toBe('roads');
    expect(train.categories).toEqual([
      { id: 1, name: 'car' },
      { id: 2, name: 'road' },
    ]);
    expect(train.images.map((i) => [i.id, i.file_name])).toEqual([
      [1, 's_p.png'],
      [2, 't_p.png'],
    ]);
    expect(train.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 2, bbox: [1, 1, 8, 6], area: 24, segmentation: [[1, 1, 9, 1, 9, 7]], iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 4, 4], area: 16, segmentation: [[0, 0, 4, 0, 4, 4, 0, 4]], iscrowd: 0 },
    ]);
    expect(val.annotations).toEqual([{ id: 3, image_id: 3, category_id: 1, bbox: [2.5, 1, 4.5, 5.5], area: 11.875, segmentation: [[2.5, 1, 7, 3, 3, 6.5]], iscrowd: 0 }]);
  });

  it('writes YOLO-seg: class then the normalized outline', async () => {
    const { dir, dataset } = await segmentationDataset();
    const out = path.join(dir, 'yolo');
    await exportDataset(dataset, out, { to: 'yolo' });
    expect(await files(out)).toEqual(['data.yaml', 'images/train/s_p.png', 'images/train/t_p.png', 'images/val/v.png', 'labels/train/s_p.txt', 'labels/train/t_p.txt', 'labels/val/v.txt']);
    expectClose(await yoloLines(path.join(out, 'labels/train/s_p.txt')), [
      [1, 0.1, 0.125, 0.9, 0.125, 0.9, 0.875],
      [0, 0, 0, 0.4, 0, 0.4, 0.5, 0, 0.5],
    ]);
    expect(await readFile(path.join(out, 'labels/train/t_p.txt'), 'utf8')).toBe('');
    expectClose(await yoloLines(path.join(out, 'labels/val/v.txt')), [[0, 0.25, 0.125, 0.7, 0.375, 0.3, 0.8125]]);
    expect(await readFile(path.join(out, 'data.yaml'), 'utf8')).toBe(
      ['# YOLO segmentation dataset exported by AIP. Paths are relative to this file.', 'train: images/train', 'val: images/val', 'nc: 2', 'names:', '  0: "car"', '  1: "road"', ''].join('\n'),
    );
  });
});

describe('exportTargets', () => {
  it('lists the targets each format can go to', () => {
    expect(exportTargets('classification')).toEqual(['folders']);
    expect(exportTargets('detection')).toEqual(['coco', 'yolo']);
    expect(exportTargets('segmentation')).toEqual(['coco', 'yolo']);
    expect(exportTargets('unlabeled')).toEqual([]);
  });
});

describe('uniqueNames', () => {
  it('keeps unique names, prefixes clashing ones with their folders, numbers what still clashes', () => {
    const names = uniqueNames(['images/x/a.png', 'images/y/A.jpg', 'images/x_a.png', 'images/b.png', 'images/x/a.bmp.png']);
    expect(Object.fromEntries(names)).toEqual({
      // a.png and A.jpg would both need labels a.txt (and clash on macOS and Windows).
      'images/x/a.png': 'x_a_2.png',
      'images/y/A.jpg': 'y_A.jpg',
      // Unique names are kept first, so x/a.png cannot take x_a.png.
      'images/x_a.png': 'x_a.png',
      'images/b.png': 'b.png',
      'images/x/a.bmp.png': 'a.bmp.png',
    });
  });

  it('keeps names short enough for every file system', () => {
    const long = `${'n'.repeat(230)}.png`;
    const names = uniqueNames([`images/${'f'.repeat(100)}/${long}`, `images/g/${long}`]);
    for (const name of names.values()) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(new Set(names.values()).size).toBe(2);
  });
});

describe('classFolders', () => {
  it('makes safe folder names, unique ignoring case', () => {
    expect(Object.fromEntries(classFolders(['Cat', 'cat', 'a/b', 'a_b', '..', '猫', 'x:y*']))).toEqual({
      Cat: 'Cat',
      cat: 'cat_2',
      'a/b': 'a_b',
      a_b: 'a_b_2',
      '..': 'class___',
      猫: '猫',
      'x:y*': 'x_y_',
    });
  });
});
