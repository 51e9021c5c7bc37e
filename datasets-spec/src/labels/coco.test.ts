import { describe, expect, it } from 'vitest';
import { labelingCoco } from './coco.ts';
import { parseLabelDelivery } from './delivery.ts';
import { exportItems, ITEMS, SAMPLES, TARGETS } from './testing.ts';
import type { LabelTask } from './types.ts';

const image = (id: number, file_name: string, width: number, height: number) => ({ id, file_name, width, height });
const categories = [
  { id: 1, name: 'cat' },
  { id: 2, name: 'dog' },
];

describe('labelingCoco', () => {
  it('writes the labeled items only, file_name = item path, categories in the job\'s order', () => {
    const coco = labelingCoco(exportItems('detection'), TARGETS.detection);
    expect(coco.images).toEqual([image(1, 'images/cat/a.png', 200, 100), image(2, 'images/dog/b.png', 64, 48)]);
    expect(coco.categories).toEqual(categories);
    expect(coco.annotations[0]).toEqual({ id: 1, image_id: 1, category_id: 1, bbox: [10, 20.5, 189.99, 79.5], area: 189.99 * 79.5, segmentation: [], iscrowd: 0 });
  });

  it('writes a class as an image-level annotation and a text in attributes.text', () => {
    expect(labelingCoco(exportItems('classification'), TARGETS.classification).annotations).toEqual([
      { id: 1, image_id: 1, category_id: 1, iscrowd: 0 },
      { id: 2, image_id: 2, category_id: 2, iscrowd: 0 },
    ]);
    const text = labelingCoco(exportItems('text_detection'), TARGETS.text_detection);
    expect(text.categories).toEqual([{ id: 1, name: 'text' }]);
    expect(text.annotations.map((a) => ('attributes' in a ? a.attributes : null))).toEqual([{ text: 'Hello, world' }, { text: '猫 A1' }]);
  });

  it('writes text rectangles (as a model may pre-label them) as outlines', () => {
    const item = { ...ITEMS[0]!, labels: { boxes: [{ x1: 20, y1: 10, x2: 100, y2: 30, label: 'EXIT' }] }, prelabel: null };
    expect(labelingCoco([item], TARGETS.text_detection).annotations).toEqual([
      { id: 1, image_id: 1, category_id: 1, bbox: [20, 10, 80, 20], area: 1600, segmentation: [[20, 10, 100, 10, 100, 30, 20, 30]], iscrowd: 0, attributes: { text: 'EXIT' } },
    ]);
  });

  it('throws for text recognition, which COCO cannot hold', () => {
    expect(() => labelingCoco(exportItems('text_recognition'), TARGETS.text_recognition)).toThrow(/COCO has no place for text recognition/);
  });

  it.each(['classification', 'detection', 'segmentation', 'text_detection'] as LabelTask[])('round-trips %s labels through parseLabelDelivery', (task) => {
    const coco = JSON.parse(JSON.stringify(labelingCoco(exportItems(task), TARGETS[task])));
    expect(parseLabelDelivery('coco', coco, ITEMS, TARGETS[task])).toEqual({
      labels: new Map([
        ['i1', SAMPLES[task][0]],
        ['i2', SAMPLES[task][1]],
      ]),
      problems: [],
    });
  });
});

describe('parseLabelDelivery, coco', () => {
  const parse = (payload: unknown, task: LabelTask = 'detection') => parseLabelDelivery('coco', payload, ITEMS, TARGETS[task]);

  it('matches images by path, else by a file name only one item has; an image without annotations has no objects', () => {
    const coco = {
      images: [image(7, 'b.png', 64, 48), image(8, 'images/cat/same.png', 10, 10)],
      annotations: [{ id: 1, image_id: 7, category_id: 2, bbox: [1, 2, 3, 4] }],
      categories,
    };
    expect(parse(coco)).toEqual({
      labels: new Map([
        ['i2', { boxes: [{ x1: 1, y1: 2, x2: 4, y2: 6, label: 'dog' }] }],
        ['i3', { boxes: [] }],
      ]),
      problems: [],
    });
    const ambiguous = parse({ images: [image(1, 'same.png', 10, 10), image(2, 'elsewhere/zzz.png', 10, 10)], annotations: [], categories });
    expect(ambiguous.problems.map((p) => p.message)).toEqual([
      'The COCO image "same.png" is not an item of this job (none has this path, or this file name alone).',
      'The COCO image "elsewhere/zzz.png" is not an item of this job (none has this path, or this file name alone).',
    ]);
  });

  it('refuses another image size, unknown categories, bad boxes and dangling references', () => {
    const coco = {
      images: [image(1, 'images/cat/a.png', 100, 100), image(2, 'images/dog/b.png', 64, 48)],
      annotations: [
        { id: 10, image_id: 2, category_id: 3, bbox: [1, 2, 3, 4] },
        { id: 11, image_id: 2, category_id: 1, bbox: [1, 2, 3] },
        { id: 12, image_id: 2, category_id: 9, bbox: [1, 2, 3, 4] },
        { id: 13, image_id: 5, category_id: 1, bbox: [1, 2, 3, 4] },
        { id: 14, image_id: 2, category_id: 1, bbox: [60, 2, 10, 4] },
      ],
      categories: [...categories, { id: 3, name: 'bird' }],
    };
    const { labels, problems } = parse(coco);
    expect(labels.size).toBe(0);
    expect(problems).toEqual([
      {
        item: 'images/cat/a.png',
        message: 'images/cat/a.png: the COCO file says the image is 100x100 pixels, but the item is 200x100; are these labels for another image?',
      },
      { message: 'The COCO category "bird" is not one of this job\'s classes ("cat", "dog").' },
      { item: 'images/dog/b.png', message: 'images/dog/b.png, COCO annotation id 11: "bbox" must be [x, y, width, height] in pixels (got a list).' },
      { item: 'images/dog/b.png', message: 'images/dog/b.png, COCO annotation id 12: its category_id 9 is not in "categories".' },
      { message: 'COCO annotation id 13 refers to image_id 5, which is not in "images".' },
      {
        item: 'images/dog/b.png',
        message: 'images/dog/b.png, box 1: the box 60,2,70,6 reaches outside the image, which is 64x48 (coordinates must be between 0,0 and 64,48).',
      },
    ]);
  });

  it('reads several outlines of one annotation, a bbox without outline as a rectangle, and refuses RLE masks', () => {
    const coco = {
      images: [image(1, 'images/dog/b.png', 64, 48)],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 10, 0, 10, 10, 0, 0], [20, 20, 30, 20, 30, 30]] },
        { id: 2, image_id: 1, category_id: 2, bbox: [1, 1, 2, 2], segmentation: [] },
      ],
      categories,
    };
    expect(parse(coco, 'segmentation').labels.get('i2')).toEqual({
      polygons: [
        { points: [[0, 0], [10, 0], [10, 10]], label: 'cat' },
        { points: [[20, 20], [30, 20], [30, 30]], label: 'cat' },
        { points: [[1, 1], [3, 1], [3, 3], [1, 3]], label: 'dog' },
      ],
    });
    const rle = { ...coco, annotations: [{ id: 1, image_id: 1, category_id: 1, iscrowd: 1, segmentation: { counts: [1, 2], size: [48, 64] } }] };
    expect(parse(rle, 'segmentation').problems[0]!.message).toMatch(/"segmentation" must be a list of polygons.*masks are not supported/);
  });

  it('reads texts from attributes.text or utf8_string, and refuses an outline without text', () => {
    const coco = {
      images: [image(1, 'images/dog/b.png', 64, 48)],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2], attributes: { text: 'A' } },
        { id: 2, image_id: 1, category_id: 1, bbox: [5, 5, 2, 2], utf8_string: 'B' },
      ],
      categories: [{ id: 1, name: 'anything' }],
    };
    expect(parse(coco, 'text_detection').labels.get('i2')!.polygons!.map((p) => p.label)).toEqual(['A', 'B']);
    const noText = { ...coco, annotations: [{ id: 3, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }] };
    expect(parse(noText, 'text_detection').problems).toEqual([
      { item: 'images/dog/b.png', message: 'images/dog/b.png, COCO annotation id 3: the text of the outline is missing; put it in "attributes": {"text": "…"}.' },
    ]);
  });

  it('gives a classification item the one class of its annotations, and refuses several', () => {
    const coco = {
      images: [image(1, 'images/cat/a.png', 200, 100), image(2, 'images/dog/b.png', 64, 48), image(3, 'images/cat/same.png', 10, 10)],
      annotations: [
        { id: 1, image_id: 1, category_id: 1 },
        { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 5, 5] },
        { id: 3, image_id: 2, category_id: 1 },
        { id: 4, image_id: 2, category_id: 2 },
      ],
      categories,
    };
    expect(parse(coco, 'classification').problems).toEqual([
      { item: 'images/dog/b.png', message: 'images/dog/b.png: the COCO file gives it several classes (cat, dog); a classification item has one.' },
    ]);
    const fine = { ...coco, annotations: coco.annotations.slice(0, 2) };
    // Image 3 has no annotation: no class, so not labeled.
    expect(parse(fine, 'classification').labels).toEqual(new Map([['i1', { class: 'cat' }]]));
  });

  it('refuses a payload that is not a COCO instances file, and text recognition', () => {
    for (const payload of [[], null, { images: [] }, { images: [], annotations: 'x', categories: [] }]) {
      expect(parse(payload).problems).toEqual([{ message: expect.stringMatching(/^A COCO delivery must be a COCO instances file/) }]);
    }
    expect(parse({ images: [{ id: '1', file_name: 3 }], annotations: [], categories: [{ id: 1 }] }).problems.map((p) => p.message)).toEqual([
      'COCO category 1 must be an object with a numeric "id" and a "name".',
      'COCO image 1 must be an object with a numeric "id" and a "file_name".',
    ]);
    expect(parse({ images: [], annotations: [], categories: [] }, 'text_recognition').problems[0]!.message).toMatch(/cannot carry text recognition labels/);
  });
});
