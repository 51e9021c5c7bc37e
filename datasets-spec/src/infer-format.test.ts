import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { inferFormat, labelHeadFormat, readTextHead } from './infer-format.ts';
import { tempDir } from './testing/fixtures.ts';

/** A readLabelHead that serves label.txt from memory and remembers which file it was asked for. */
function labelReader(text: string) {
  const asked: string[] = [];
  const read = async (file: string) => {
    asked.push(file);
    return text.split('\n');
  };
  return { read, asked };
}

const noLabel = async (file: string): Promise<string[]> => {
  throw new Error(`no label file expected, asked for ${file}`);
};

describe('inferFormat: folders', () => {
  it('takes input/ and target/ under train/ and test/ for enhancement', async () => {
    const files = ['train/input/1.png', 'train/target/1.png', 'test/input/2.png', 'test/target/2.png', 'readme.txt'];
    const result = await inferFormat(files, noLabel);
    expect(result.format).toBe('enhancement');
    expect(result.reasons.join(' ')).toContain('train/input/ 1');
  });

  it('takes bare input/ and target/ (train/ stripped as a wrapper) for enhancement, and says when one side is missing', async () => {
    expect((await inferFormat(['train/input/1.png', 'train/target/1.png'], noLabel)).format).toBe('enhancement');
    const oneSide = await inferFormat(['data/train/input/1.png', 'data/test/input/2.png'], noLabel);
    expect(oneSide.format).toBe('enhancement');
    expect(oneSide.reasons.join(' ')).toContain('no target/ folder');
  });

  it('takes two folders of images for classification, also inside train/ and test/', async () => {
    const plain = await inferFormat(['pets/cat/1.jpg', 'pets/cat/2019/2.jpg', 'pets/dog/3.png'], noLabel);
    expect(plain).toEqual({
      format: 'classification',
      reasons: ['Everything sits in one folder, pets/, which is ignored.', 'There is no label.txt and the images sit in 2 folders, taken as classes (images per class: cat ×2, dog ×1).'],
    });
    const split = await inferFormat(['train/cat/1.jpg', 'train/dog/2.jpg', 'test/cat/3.jpg', 'TEST/dog/4.jpg'], noLabel);
    expect(split.format).toBe('classification');
    expect(split.reasons.join(' ')).toContain('inside train/ and test/');
  });

  it('takes images at the top, or in one folder, for unlabeled', async () => {
    expect((await inferFormat(['a.jpg', 'b.png', 'notes.txt'], noLabel)).format).toBe('unlabeled');
    const oneFolder = await inferFormat(['images/a.jpg', 'images/b.png', 'notes.txt'], noLabel);
    expect(oneFolder.format).toBe('unlabeled');
    expect(oneFolder.reasons.join(' ')).toContain('one folder (images/)');
  });

  it('ignores system clutter and the wrapping folder as the importer does', async () => {
    const files = ['__MACOSX/shapes/._a.jpg', 'shapes/.DS_Store', 'shapes/cat/Thumbs.db', 'shapes/a.jpg', 'shapes/b.jpg'];
    const result = await inferFormat(files, noLabel);
    expect(result.format).toBe('unlabeled');
    expect(result.reasons[0]).toBe('3 system files (__MACOSX/, .DS_Store, Thumbs.db, …) are ignored.');
    expect(result.reasons[1]).toBe('Everything sits in one folder, shapes/, which is ignored.');
  });

  it('cannot decide between images at the top and images in folders, or without images', async () => {
    const mixed = await inferFormat(['a.jpg', 'cat/b.jpg', 'dog/c.jpg'], noLabel);
    expect(mixed.format).toBeNull();
    expect(mixed.reasons.join(' ')).toContain('1 image sits at the top and 2 images in folders (cat/, dog/)');
    const none = await inferFormat(['notes.txt', 'data.csv'], noLabel);
    expect(none.format).toBeNull();
    expect(none.reasons[0]).toContain('No images were found among the 2 files');
  });

  it('cannot decide between several label.txt with none at the top', async () => {
    const result = await inferFormat(['a/label.txt', 'b/label.txt', 'a/1.jpg', 'b/2.jpg'], noLabel);
    expect(result.format).toBeNull();
    expect(result.reasons.join(' ')).toContain('a/label.txt, b/label.txt');
  });
});

describe('inferFormat: label.txt', () => {
  it('reads the label file named as in the zip (wrapper folder and letter case kept)', async () => {
    const reader = labelReader('images/a.jpg,16,12\n1\n1,1,5,5,cat\nimages/b.jpg,16,12\n1\n2,2,6,6,cat\n');
    const result = await inferFormat(['shapes/LABEL.TXT', 'shapes/images/a.jpg', 'shapes/images/b.jpg'], reader.read);
    expect(reader.asked).toEqual(['shapes/LABEL.TXT']);
    expect(result.format).toBe('detection');
    expect(result.reasons).toEqual([
      'Everything sits in one folder, shapes/, which is ignored.',
      'shapes/LABEL.TXT is the label file; its first records decide.',
      'The first 2 records of label.txt are image records: "path,width,height", the number of objects, then one line per object.',
      '2 of their object lines are rectangles "xmin,ymin,xmax,ymax,label".',
      'Their labels look like class names (1 distinct for 2 boxes: cat ×2): detection.',
    ]);
  });

  it('prefers the input/target layout over a label.txt', async () => {
    expect((await inferFormat(['train/input/1.png', 'train/target/1.png', 'label.txt'], noLabel)).format).toBe('enhancement');
  });
});

describe('labelHeadFormat', () => {
  it('reads "path,text" lines as text recognition, digits-only text included', () => {
    const result = labelHeadFormat(['\uFEFFcrops/001.jpg,你好，世界', 'crops/002.jpg,Hello world', 'crops/003.jpg,12345', '']);
    expect(result.format).toBe('text_recognition');
    expect(result.reasons[0]).toContain('3 of the first 3 lines');
  });

  it('reads rectangles with full-width commas and class labels as detection', () => {
    expect(labelHeadFormat(['a.jpg，640，480', '2', '13，13，28，29，猫', '1,1,5,5,狗', 'b.jpg,640,480', '1', '1,1,5,5,猫']).format).toBe('detection');
  });

  it('reads rectangles whose labels are mostly unique text with spaces or CJK as text detection', () => {
    const result = labelHeadFormat(['a.jpg,640,480', '3', '1,1,50,20,OPEN 24 HOURS', '1,30,50,50,欢迎光临', '1,60,50,80,No parking, ever', 'b.jpg,640,480', '0']);
    expect(result.format).toBe('text_detection');
    expect(result.reasons.at(-1)).toContain('3 of 3 contain spaces or CJK characters');
  });

  it('takes too few text-looking rectangle labels as classes, and says so', () => {
    const result = labelHeadFormat(['a.jpg,640,480', '1', '1,1,50,20,red car']);
    expect(result.format).toBe('detection');
    expect(result.reasons.at(-1)).toContain('too few to tell');
  });

  it('reads polygons with repeated labels as segmentation, unique ones as text detection', () => {
    const square = '(1,1),(9,1),(9,9),(1,9)';
    const segmentation = labelHeadFormat(['a.png,10,10', '2', `${square},cat`, `${square}，dog`, 'b.png,10,10', '2', `${square},cat`, `(2,2) (8,2) (5,8),cat`]);
    expect(segmentation.format).toBe('segmentation');
    expect(segmentation.reasons.at(-1)).toContain('2 distinct for 4 polygons: cat ×3, dog ×1');
    const text = labelHeadFormat(['a.png,10,10', '2', `${square},EXIT`, `${square},出口`, 'b.png,10,10', '1', `${square},Platform 3`]);
    expect(text.format).toBe('text_detection');
    expect(text.reasons.at(-1)).toContain('Labels used at least twice on average would mean segmentation classes');
  });

  it('takes rectangles mixed with polygons for text detection, the only format with both', () => {
    const result = labelHeadFormat(['a.png,10,10', '3', '(1,1),(9,1),(9,9),cat', '(1,1),(9,1),(9,9),cat', '1,1,5,5,cat']);
    expect(result.format).toBe('text_detection');
    expect(result.reasons.at(-1)).toBe('Their object lines mix 1 rectangle and 2 polygons; only text detection takes both.');
  });

  it('says what it saw when it cannot decide', () => {
    expect(labelHeadFormat(['', '  ']).reasons).toEqual(['label.txt is empty, so it says nothing about the format.']);
    const noObjects = labelHeadFormat(['a.jpg,10,10', '0', 'b.jpg,10,10', '0']);
    expect(noObjects.format).toBeNull();
    expect(noObjects.reasons.at(-1)).toContain('None of them lists an object');
    const strange = labelHeadFormat(['a.jpg,10,10', '1', 'cat at 1 1 5 5']);
    expect(strange.format).toBeNull();
    expect(strange.reasons.at(-1)).toContain('line 3: "cat at 1 1 5 5"');
    const garbage = labelHeadFormat(['hello', 'world']);
    expect(garbage).toEqual({
      format: null,
      reasons: ['label.txt begins with "hello" (line 1), which is neither an image record ("path,width,height", then the number of objects) nor a "path,text" pair.'],
    });
  });

  it('decides on a head cut in the middle of a record', () => {
    expect(labelHeadFormat(['a.jpg,10,10', '3', '1,1,5,5,cat', '2,2,6,6,cat']).format).toBe('detection');
  });
});

describe('readTextHead', () => {
  it('decodes GBK like the importer, and cuts a long file at a line end so UTF-8 stays UTF-8', async () => {
    const dir = await tempDir();
    const gbk = path.join(dir, 'gbk.txt');
    await writeFile(gbk, iconv.encode('a.jpg,猫咪\r\nb.jpg,狗\r\n', 'gbk'));
    expect(await readTextHead(gbk)).toEqual(['a.jpg,猫咪', 'b.jpg,狗', '']);

    const long = path.join(dir, 'long.txt');
    // 3-byte characters, so the 64 KiB cut falls inside one of them.
    await writeFile(long, Array.from({ length: 5000 }, (_, i) => `images/${i}.jpg,文字识别`).join('\n'));
    const head = await readTextHead(long, 300);
    expect(head).toHaveLength(300);
    expect(head[299]).toBe('images/299.jpg,文字识别');
    expect(labelHeadFormat(head).format).toBe('text_recognition');
  });
});
