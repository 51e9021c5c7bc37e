import { access, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../manifest.ts';
import { jpeg, png, tempDir } from '../testing/fixtures.ts';
import { DerivedDatasetWriter, type RawImage } from './writer.ts';

function raw(width: number, height: number): RawImage {
  return { data: Buffer.alloc(width * height * 3, 200), width, height, channels: 3 };
}

describe('DerivedDatasetWriter', () => {
  it('writes crops with their carried labels as a canonical dataset that readManifest accepts', async () => {
    const dir = await tempDir();
    const outDir = path.join(dir, 'crops');
    const writer = await DerivedDatasetWriter.create(outDir, { format: 'classification', classes: ['cat', 'dog', 'fox'] });
    await writer.add({ name: '0_0', image: raw(12, 8), split: 'train', labels: { class: 'cat' } });
    await writer.add({ name: '0_1', image: raw(5, 5), split: 'test', labels: { class: 'dog' } });
    await expect(access(outDir)).rejects.toThrow(); // nothing visible before finish()
    const info = await writer.finish();
    expect(info).toMatchObject({ format: 'classification', images: 2, classes: ['cat', 'dog', 'fox'], classCounts: { cat: 1, dog: 1, fox: 0 } });
    const { entries } = await readManifest(outDir);
    expect(entries).toEqual([
      { path: 'images/0_0.png', width: 12, height: 8, split: 'train', class: 'cat' },
      { path: 'images/0_1.png', width: 5, height: 5, split: 'test', class: 'dog' },
    ]);
    expect(await readdir(dir)).toEqual(['crops']); // no work folder left behind
  });

  it('refuses a carried label the manifest contract refuses, naming the image, and writes nothing', async () => {
    const dir = await tempDir();
    const writer = await DerivedDatasetWriter.create(path.join(dir, 'out'), { format: 'detection' });
    await expect(writer.add({ name: 'a', image: raw(10, 10), split: 'train', labels: { boxes: [{ x1: 0, y1: 0, x2: 11, y2: 5, label: 'car' }] } })).rejects.toThrow(
      /images\/a\.png: box .* must satisfy 0 <= x1 < x2 <= 10/,
    );
    await expect(writer.add({ name: 'b', image: { data: Buffer.alloc(5), width: 10, height: 10, channels: 3 }, split: 'train', labels: { boxes: [] } })).rejects.toThrow(/needs 300 bytes/);
    await writer.add({ name: 'c', image: raw(10, 10), split: 'train', labels: { boxes: [] } });
    await expect(writer.add({ name: 'c', image: raw(10, 10), split: 'train', labels: { boxes: [] } })).rejects.toThrow(/added twice/);
    await writer.discard();
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes enhanced images paired with their targets, and copies image files as they are', async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'input.jpg');
    await writeFile(input, await jpeg(16, 12));
    const writer = await DerivedDatasetWriter.create(path.join(dir, 'out'), { format: 'enhancement' });
    await expect(writer.add({ name: 'lonely', image: raw(4, 4), split: 'train' })).rejects.toThrow(/needs a target/);
    await writer.add({ name: 'x/0', image: { file: input }, target: raw(16, 12), split: 'val' });
    await writer.finish();
    const { entries } = await readManifest(path.join(dir, 'out'));
    expect(entries).toEqual([{ path: 'images/x/0.jpg', width: 16, height: 12, split: 'val', target: 'images/x/0.target.png' }]);
  });

  it('refuses an output folder that already holds files', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'keep.png'), await png(2, 2));
    await expect(DerivedDatasetWriter.create(dir, { format: 'unlabeled' })).rejects.toThrow(/already holds files/);
  });
});
