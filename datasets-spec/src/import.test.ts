import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { formatTasks, importDataset, type ImportProgress } from './import.ts';
import { readManifest, splitOf } from './manifest.ts';
import { DatasetError, type Problem } from './problems.ts';
import { bmp, jpeg, patchEntry, png, tempDir, writeZip, zipBuffer, type ZipItem } from './testing/fixtures.ts';

/** The label.txt of the valid detection upload, lines numbered in comments for the tests below. */
const LABEL_LINES = [
  'images/a.PNG，16，12', // 1
  '1', // 2
  '2，3，10，9，猫', // 3
  'images/b.jpg, 20 , 10', // 4
  '2', // 5
  ' 0 , 0 , 20 , 10 , dog', // 6
  '1,1,5,5,text, with comma', // 7
  'images/c.bmp,8,6', // 8
  '0', // 9
  'images/r.jpg,10,20', // 10: stored 20x10 with EXIF orientation 6, shown 10x20
  '1', // 11
  '0,0,10,20,dog', // 12
  '', // trailing blank lines
  '',
];

async function detectionItems(encoding: 'utf-8-bom' | 'gbk', labelLines = LABEL_LINES): Promise<ZipItem[]> {
  const text = labelLines.join('\r\n');
  const label = encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  return [
    { name: 'shapes/label.txt', data: label },
    { name: 'shapes/images/a.PNG', data: await png(16, 12) },
    { name: 'shapes/images/b.jpg', data: await jpeg(20, 10) },
    { name: 'shapes/images/c.bmp', data: bmp(8, 6) },
    { name: 'shapes/images/r.jpg', data: await jpeg(20, 10, 6) },
    { name: 'shapes/readme.txt', data: 'notes' },
    { name: 'shapes/.DS_Store', data: 'x' },
  ];
}

async function expectRefused(dir: string, zipPath: string, format?: 'classification' | 'detection'): Promise<Problem[]> {
  const outDir = path.join(dir, 'out');
  const error = await importDataset({ zipPath, outDir, ...(format ? { format } : {}) }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DatasetError);
  // Nothing left behind: no output folder, no work folder.
  expect(await readdir(dir)).toEqual([path.basename(zipPath)]);
  return (error as DatasetError).problems;
}

/** The valid label.txt with records added after line 12. */
function withRecords(...lines: string[]): string[] {
  return [...LABEL_LINES.slice(0, 12), ...lines];
}

/** Replaces one line (1-based) of the valid label.txt. */
function withLine(line: number, content: string): string[] {
  return LABEL_LINES.map((l, i) => (i === line - 1 ? content : l));
}

describe('importDataset: detection', () => {
  it.each(['utf-8-bom', 'gbk'] as const)('imports a valid upload with a %s label.txt', async (encoding) => {
    const dir = await tempDir();
    const zipPath = await writeZip(dir, await detectionItems(encoding));
    const outDir = path.join(dir, 'out');
    const progress: ImportProgress[] = [];
    const result = await importDataset({ zipPath, outDir, onProgress: (p) => progress.push(p) });

    expect(result.info).toMatchObject({
      version: 1,
      format: 'detection',
      classes: ['dog', 'text, with comma', '猫'],
      images: 4,
      classCounts: { dog: 2, 'text, with comma': 1, 猫: 1 },
      encoding: encoding === 'gbk' ? 'gb18030' : 'utf-8',
    });
    expect(result.report.encoding).toBe(result.info.encoding);
    expect(result.report.ignored.sort()).toEqual(['shapes/.DS_Store', 'shapes/readme.txt']);
    expect(result.report.warnings.map((w) => [w.file, w.code]).sort()).toEqual([
      ['shapes/images/c.bmp', 'bmp_converted'],
      ['shapes/images/r.jpg', 'exif_rotated'],
    ]);

    const { entries, info } = await readManifest(outDir);
    expect(info).toEqual(result.info);
    expect(entries).toEqual(
      [
        { path: 'images/images/a.PNG', width: 16, height: 12, boxes: [{ x1: 2, y1: 3, x2: 10, y2: 9, label: '猫' }] },
        {
          path: 'images/images/b.jpg',
          width: 20,
          height: 10,
          boxes: [
            { x1: 0, y1: 0, x2: 20, y2: 10, label: 'dog' },
            { x1: 1, y1: 1, x2: 5, y2: 5, label: 'text, with comma' },
          ],
        },
        { path: 'images/images/c.bmp.png', width: 8, height: 6, boxes: [] },
        { path: 'images/images/r.jpg', width: 10, height: 20, boxes: [{ x1: 0, y1: 0, x2: 10, y2: 20, label: 'dog' }] },
      ].map((e) => ({ ...e, split: splitOf(e.path) })),
    );
    // The BMP became a real PNG; the rotated JPEG is stored upright without an orientation tag.
    // Stored under images/ + the path in the upload (which has its own images/ folder here).
    expect(await sharp(path.join(outDir, 'images/images/c.bmp.png')).metadata()).toMatchObject({ format: 'png', width: 8, height: 6 });
    const upright = await sharp(path.join(outDir, 'images/images/r.jpg')).metadata();
    expect(upright).toMatchObject({ format: 'jpeg', width: 10, height: 20 });
    expect(upright.orientation).toBeUndefined();
    expect((await readdir(path.join(outDir, 'images/images'))).sort()).toEqual(['a.PNG', 'b.jpg', 'c.bmp.png', 'r.jpg']);
    expect((await readdir(dir)).sort()).toEqual(['out', 'upload.zip']);
    expect(progress.filter((p) => p.phase === 'store').at(-1)).toEqual({ phase: 'store', done: 4, total: 4 });
  });

  it('reports every problem at once, with label.txt lines, and imports nothing', async () => {
    const dir = await tempDir();
    const lines = withRecords('images/broken.png,4,4', '0');
    lines[0] = 'images/a.PNG，16，13'; // wrong height
    lines[2] = '2，3，17，9，猫'; // xmax 17 > width 16
    lines[4] = '3'; // only 2 object lines follow
    lines[7] = 'images/missing.png,8,6';
    lines[9] = 'images/r.jpg,20,10'; // the stored size, not the displayed one
    const items = await detectionItems('gbk', lines);
    items.push({ name: 'shapes/images/extra.png', data: await png(4, 4) });
    items.push({ name: 'shapes/images/broken.png', data: Buffer.from('not really a png') });
    const problems = await expectRefused(dir, await writeZip(dir, items));
    const where = (p: Problem) => `${p.file}${p.line ? `:${p.line}` : ''}`;
    expect(problems.map(where).sort()).toEqual(
      [
        'shapes/label.txt:1',
        'shapes/label.txt:3',
        'shapes/label.txt:5',
        'shapes/label.txt:8',
        'shapes/label.txt:10',
        'shapes/images/c.bmp',
        'shapes/images/extra.png',
        'shapes/images/broken.png',
      ].sort(),
    );
    const message = (w: string) => problems.find((p) => where(p) === w)!.message;
    const code = (w: string) => problems.find((p) => where(p) === w)!.code;
    expect(message('shapes/label.txt:1')).toBe('images/a.PNG is declared as 16x13 (width x height) but the image is 16x12.');
    expect(message('shapes/label.txt:3')).toMatch(/box 2,3,17,9 reaches outside the image, which is 16x12/);
    expect(message('shapes/label.txt:5')).toMatch(/given as 3, but 2 object lines follow/);
    expect(message('shapes/label.txt:8')).toMatch(/"images\/missing.png" is listed here but is not in the zip/);
    expect(message('shapes/label.txt:10')).toMatch(/EXIF orientation shows it as 10x20/);
    expect(message('shapes/images/c.bmp')).toMatch(/not listed in label.txt/);
    expect(message('shapes/images/extra.png')).toMatch(/not listed in label.txt/);
    expect(message('shapes/images/broken.png')).toMatch(/This image cannot be read/);
    expect(problems.find((p) => where(p) === 'shapes/label.txt:1')!.params).toEqual({
      image: 'images/a.PNG',
      declaredWidth: 16,
      declaredHeight: 13,
      width: 16,
      height: 12,
    });
    expect(
      ['shapes/label.txt:1', 'shapes/label.txt:3', 'shapes/label.txt:5', 'shapes/label.txt:8', 'shapes/label.txt:10', 'shapes/images/c.bmp', 'shapes/images/broken.png'].map(code),
    ).toEqual(['label_size_mismatch', 'label_box_outside', 'label_count_mismatch', 'label_image_missing', 'label_size_exif', 'image_not_listed', 'image_unreadable']);
  });

  it('forgives how tools write paths: letter case, backslashes, ./, the top folder, absolute paths', async () => {
    const dir = await tempDir();
    const label = [
      'IMAGES\\A.png,4,4', '0',
      './images/b.png,4,4', '0',
      'set/images/c.png,4,4', '1', '0,0,4,4,x',
      'D:\\labelling\\d.png,4,4', '0',
    ].join('\n');
    const zipPath = await writeZip(dir, [
      { name: 'set/label.txt', data: label },
      ...(await Promise.all(['a', 'b', 'c', 'd'].map(async (n) => ({ name: `set/images/${n}.png`, data: await png(4, 4) })))),
    ]);
    const result = await importDataset({ zipPath, outDir: path.join(dir, 'out') });
    expect(result.info.images).toBe(4);
    expect(result.report.warnings).toEqual([
      {
        file: 'set/label.txt',
        line: 1,
        code: 'label_path_matched_loosely',
        params: { image: 'IMAGES\\A.png', match: 'images/a.png' },
        message: expect.stringMatching(/ignoring letter case/),
      },
      {
        file: 'set/label.txt',
        line: 8,
        code: 'label_path_matched_by_name',
        params: { image: 'D:\\labelling\\d.png', match: 'images/d.png' },
        message: expect.stringMatching(/matched by file name only/),
      },
    ]);
  });

  it.each([
    ['missing image', withRecords('images/nothere.bmp,8,6', '0'), 13, 'label_image_missing', /not in the zip/],
    ['wrong declared size', withLine(4, 'images/b.jpg,21,10'), 4, 'label_size_mismatch', /declared as 21x10 .* the image is 20x10/],
    ['box outside the image', withLine(12, '0,0,10,21,dog'), 12, 'label_box_outside', /reaches outside the image/],
    ['inverted box', withLine(12, '5,0,5,20,dog'), 12, 'label_box_x_order', /xmin \(5\) must be smaller than xmax \(5\)/],
    ['wrong count', withLine(11, '2'), 11, 'label_count_mismatch', /given as 2, but 1 object line follows/],
    ['unparsable number', withLine(3, '2，3，ten，9，猫'), 3, 'label_coordinate_not_number', /xmax "ten" is not a number/],
  ])('refuses a %s with its label.txt line', async (_name, lines, line, code, message) => {
    const dir = await tempDir();
    const problems = await expectRefused(dir, await writeZip(dir, await detectionItems('utf-8-bom', lines)));
    expect(problems).toEqual([{ file: 'shapes/label.txt', line, code, params: expect.any(Object), message: expect.stringMatching(message) }]);
  });

  it('refuses a detection upload without label.txt, or without images', async () => {
    const dir = await tempDir();
    const noLabel = await expectRefused(dir, await writeZip(dir, [{ name: 'a.png', data: await png(4, 4) }]), 'detection');
    expect(noLabel).toEqual([{ file: '', code: 'label_file_missing', message: expect.stringMatching(/No label.txt was found/) }]);
    const dir2 = await tempDir();
    const noImages = await expectRefused(dir2, await writeZip(dir2, [{ name: 'label.txt', data: '' }]));
    expect(noImages.map((p) => p.message)).toEqual([expect.stringMatching(/holds no images/), 'label.txt lists no images.']);
    expect(noImages.map((p) => p.code)).toEqual(['no_images', 'label_empty']);
  });
});

describe('importDataset: classification', () => {
  it('imports train/ and test/ class folders', async () => {
    const dir = await tempDir();
    const zipPath = await writeZip(dir, [
      { name: 'pets/train/cat/1.png', data: await png(6, 4) },
      { name: 'pets/train/cat/more/2.JPEG', data: await jpeg(5, 5) },
      { name: 'pets/train/dog/1.bmp', data: bmp(3, 2) },
      { name: 'pets/test/cat/3.png', data: await png(6, 4) },
      { name: 'pets/test/dog/4.webp', data: await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).webp().toBuffer() },
      { name: 'pets/train/dog/notes.txt', data: 'x' },
      { name: '__MACOSX/pets/._x', data: 'x' },
    ]);
    const outDir = path.join(dir, 'out');
    const result = await importDataset({ zipPath, outDir });
    expect(result.info).toEqual({
      version: 1,
      format: 'classification',
      classes: ['cat', 'dog'],
      images: 5,
      splits: { train: 3, val: 0, test: 2 },
      classCounts: { cat: 3, dog: 2 },
      encoding: null,
    });
    expect(result.report).toMatchObject({ encoding: null, ignored: ['__MACOSX/pets/._x', 'pets/train/dog/notes.txt'] });
    const { entries } = await readManifest(outDir);
    expect(entries.map((e) => [e.path, e.class, e.split, e.width, e.height])).toEqual([
      ['images/test/cat/3.png', 'cat', 'test', 6, 4],
      ['images/test/dog/4.webp', 'dog', 'test', 2, 2],
      ['images/train/cat/1.png', 'cat', 'train', 6, 4],
      ['images/train/cat/more/2.JPEG', 'cat', 'train', 5, 5],
      ['images/train/dog/1.bmp.png', 'dog', 'train', 3, 2],
    ]);
    expect(await readFile(path.join(outDir, 'images/train/cat/1.png'))).toEqual(await png(6, 4));
  });

  it('splits by path hash without train/ and test/', async () => {
    const dir = await tempDir();
    const names = ['cat/0.png', 'cat/1.png', 'dog/2.png', 'dog/3.png'];
    const zipPath = await writeZip(dir, await Promise.all(names.map(async (name) => ({ name, data: await png(2, 2) }))));
    const result = await importDataset({ zipPath, outDir: path.join(dir, 'out') });
    const { entries } = await readManifest(path.join(dir, 'out'));
    expect(entries.map((e) => e.split)).toEqual(names.map((n) => splitOf(`images/${n}`)));
    expect(result.info.classes).toEqual(['cat', 'dog']);
  });

  it('refuses empty class folders, loose images, unreadable images and a single class', async () => {
    const dir = await tempDir();
    const problems = await expectRefused(
      dir,
      await writeZip(dir, [
        { name: 'cat/1.png', data: await png(2, 2) },
        { name: 'cat/2.png', data: (await png(40, 40)).subarray(0, 60) }, // truncated
        { name: 'dog/', folder: true },
        { name: 'dog/readme.txt', data: 'no images here' },
        { name: 'loose.png', data: await png(2, 2) },
      ]),
    );
    expect(problems).toEqual([
      { file: 'loose.png', code: 'image_not_in_class_folder', message: expect.stringMatching(/not inside a class folder/) },
      { file: 'dog/', code: 'empty_class_folder', message: expect.stringMatching(/holds no images/) },
      { file: 'cat/2.png', code: 'image_unreadable', params: { reason: expect.any(String) }, message: expect.stringMatching(/cannot be read/) },
      { file: '', code: 'single_class', params: { class: 'cat' }, message: expect.stringMatching(/Only one class/) },
    ]);
  });

  it('explains a zip holding one folder of images, as classification (without a format it is unlabeled)', async () => {
    const dir = await tempDir();
    const items = [
      { name: 'cats/1.png', data: await png(2, 2) },
      { name: 'cats/2.png', data: await png(2, 2) },
    ];
    const problems = await expectRefused(dir, await writeZip(dir, items), 'classification');
    const inferred = await importDataset({ zipPath: await writeZip(dir, items, 'again.zip'), outDir: path.join(dir, 'out') });
    expect(inferred.info.format).toBe('unlabeled');
    expect(inferred.report.inferred?.format).toBe('unlabeled');
    expect(problems).toEqual([{ file: '', code: 'single_folder', params: { folder: 'cats' }, message: expect.stringMatching(/single folder \(cats\)/) }]);
  });
});

describe('importDataset: unsafe or broken archives', () => {
  const cases: [string, () => Promise<Buffer>, Problem][] = [
    [
      'zip slip',
      async () => patchEntry(await zipBuffer([{ name: 'cat/1.png', data: await png(2, 2) }, { name: 'xx/x.png', data: 'x' }]), 'xx/x.png', { name: Buffer.from('../x.png') }),
      { file: '../x.png', code: 'zip_slip', message: expect.stringMatching(/outside the dataset folder/) },
    ],
    [
      'symlink',
      async () => zipBuffer([{ name: 'cat/1.png', data: await png(2, 2) }, { name: 'cat/2.png', data: '/etc/passwd', mode: 0o120777 }]),
      { file: 'cat/2.png', code: 'entry_symlink', message: expect.stringMatching(/symbolic link/) },
    ],
    [
      'encrypted entry',
      async () => patchEntry(await zipBuffer([{ name: 'cat/1.png', data: await png(2, 2) }]), 'cat/1.png', { setFlags: 1 }),
      { file: 'cat/1.png', code: 'entry_encrypted', message: expect.stringMatching(/password-protected/) },
    ],
    ['zip bomb', async () => zipBuffer([{ name: 'cat/1.png', data: Buffer.alloc(4 * 1024 * 1024) }]), { file: 'cat/1.png', code: 'zip_bomb', params: expect.any(Object), message: expect.stringMatching(/zip bomb/) }],
    ['corrupt archive', async () => (await zipBuffer([{ name: 'cat/1.png', data: await png(2, 2) }])).subarray(0, 40), { file: '', code: 'zip_unreadable', params: expect.any(Object), message: expect.stringMatching(/damaged/) }],
    ['empty archive', async () => zipBuffer([]), { file: '', code: 'zip_empty', message: expect.stringMatching(/holds no files/) }],
  ];
  it.each(cases)('refuses a %s and leaves nothing behind', async (_name, build, problem) => {
    const dir = await tempDir();
    const zipPath = path.join(dir, 'upload.zip');
    await writeFile(zipPath, await build());
    expect(await expectRefused(dir, zipPath)).toEqual([problem]);
  });

  it('refuses to write into a folder that already holds files', async () => {
    const dir = await tempDir();
    const zipPath = await writeZip(dir, [{ name: 'cat/1.png', data: await png(2, 2) }]);
    await writeFile(path.join(dir, 'keep.txt'), 'x');
    await expect(importDataset({ zipPath, outDir: dir })).rejects.toThrow(/already holds files/);
  });
});

describe('formatTasks', () => {
  it('says which task each format feeds', () => {
    expect(formatTasks('detection')).toEqual(['detection']);
    expect(formatTasks('classification')).toEqual(['classification']);
  });
});
