import { describe, expect, it } from 'vitest';
import { parseLabelDelivery } from './delivery.ts';
import { imageFileName, labelStudioConfig, labelStudioTasks } from './label-studio.ts';
import { exportItems, ITEMS, SAMPLES, TARGETS } from './testing.ts';
import type { ItemLabels, LabelTask } from './types.ts';

const TASKS = Object.keys(TARGETS) as LabelTask[];
const url = (item: { id: string }) => `https://aip.example/api/labeling/jobs/j1/items/${item.id}/image`;

interface Result {
  id: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
}
interface Task {
  data: Record<string, string>;
  annotations?: { result: Result[] }[];
  predictions?: { model_version: string; score?: number; result: Result[] }[];
}

const parse = (payload: unknown, task: LabelTask) => parseLabelDelivery('label-studio', payload, ITEMS, TARGETS[task]);
/** One task for item i1 (200x100) with one annotation of these results. */
const taskOf = (result: unknown[], data: Record<string, unknown> = { image: 'x.png', aip_item: 'i1' }) => [{ id: 5, data, annotations: [{ result }] }];
const labelsOf = (result: unknown[], task: LabelTask): ItemLabels | undefined => {
  const parsed = parse(taskOf(result), task);
  expect(parsed.problems).toEqual([]);
  return parsed.labels.get('i1');
};

describe('labelStudioTasks', () => {
  it('carries the item, its labels as an annotation and its pre-label as a scored prediction', () => {
    const tasks = labelStudioTasks(exportItems('detection'), TARGETS.detection, url) as Task[];
    expect(tasks.map((t) => t.data)).toEqual(ITEMS.slice(0, 3).map((item) => ({ image: url(item), aip_item: item.id, aip_path: item.path })));
    expect(tasks[0]!.annotations![0]!.result[0]).toEqual({
      id: 'r1',
      from_name: 'label',
      to_name: 'image',
      type: 'rectanglelabels',
      original_width: 200,
      original_height: 100,
      image_rotation: 0,
      value: { x: 5, y: 20.5, width: 94.995, height: 79.5, rotation: 0, rectanglelabels: ['cat'] },
    });
    expect(tasks[0]!.predictions).toBeUndefined();
    expect(tasks[1]!.predictions).toEqual([{ model_version: 'aip', score: 0.42, result: [] }]);
    expect(tasks[2]!.annotations).toBeUndefined();
    expect(tasks[2]!.predictions).toEqual([{ model_version: 'aip', result: [] }]);
  });

  it.each(TASKS)('uses the control names of labelStudioConfig for %s', (task) => {
    const config = labelStudioConfig(TARGETS[task]);
    const tag = { choices: 'Choices', rectanglelabels: 'RectangleLabels', polygonlabels: 'PolygonLabels', polygon: 'Polygon', textarea: 'TextArea' } as Record<string, string>;
    expect(config).toContain('<Image name="image" value="$image"');
    const results = (labelStudioTasks(exportItems(task), TARGETS[task], url) as Task[]).flatMap((t) => [...(t.annotations ?? []), ...(t.predictions ?? [])].flatMap((a) => a.result));
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      expect(result.to_name).toBe('image');
      expect(config).toContain(`<${tag[result.type]} name="${result.from_name}" toName="image"`);
    }
    for (const name of TARGETS[task].classes) expect(config).toMatch(new RegExp(`<(Label|Choice) value="${name}"/>`));
  });

  it('escapes class names in the config', () => {
    expect(labelStudioConfig({ task: 'detection', classes: ['a "b" & <c>'] })).toContain('<Label value="a &quot;b&quot; &amp; &lt;c&gt;"/>');
  });

  it.each(TASKS)('round-trips %s labels through parseLabelDelivery', (task) => {
    const tasks = JSON.parse(JSON.stringify(labelStudioTasks(exportItems(task), TARGETS[task], url)));
    expect(parse(tasks, task)).toEqual({
      labels: new Map([
        ['i1', SAMPLES[task][0]],
        ['i2', SAMPLES[task][1]],
      ]),
      problems: [],
    });
  });

  it('writes text rectangles (as a model may pre-label them) as outlines', () => {
    const item = { ...ITEMS[0]!, labels: { boxes: [{ x1: 20, y1: 10, x2: 100, y2: 30, label: 'EXIT' }] }, prelabel: null };
    const tasks = JSON.parse(JSON.stringify(labelStudioTasks([item], TARGETS.text_detection, url)));
    expect(parse(tasks, 'text_detection').labels.get('i1')).toEqual({ polygons: [{ points: [[20, 10], [100, 10], [100, 30], [20, 30]], label: 'EXIT' }] });
  });
});

describe('parseLabelDelivery, label-studio', () => {
  it('converts percents with the item\'s own size (not original_width)', () => {
    const rectangle = { id: 'a', type: 'rectanglelabels', original_width: 400, original_height: 200, value: { x: 10, y: 20, width: 25, height: 50, rotation: 0, rectanglelabels: ['cat'] } };
    expect(labelsOf([rectangle], 'detection')).toEqual({ boxes: [{ x1: 20, y1: 20, x2: 70, y2: 70, label: 'cat' }] });
    const polygon = { id: 'b', type: 'polygonlabels', value: { points: [[10, 10], [50, 10], [50, 50]], polygonlabels: ['dog'] } };
    expect(labelsOf([polygon], 'segmentation')).toEqual({ polygons: [{ points: [[20, 10], [100, 10], [100, 50]], label: 'dog' }] });
  });

  it('pairs text detection outlines with the per-region transcription of the same id, rotated rectangles included', () => {
    const results = [
      { id: 'r', type: 'textarea', value: { x: 50, y: 10, width: 25, height: 10, rotation: 90, text: ['EXIT'] } },
      { id: 'r', type: 'rectangle', value: { x: 50, y: 10, width: 25, height: 10, rotation: 90 } },
      { id: 'r', type: 'labels', value: { x: 50, y: 10, width: 25, height: 10, rotation: 90, labels: ['Text'] } },
      // A transcription carrying its region's geometry is enough (what Label Studio's ML backends send).
      { id: 'p', type: 'textarea', value: { points: [[5, 5], [5, 50], [50, 50]], text: ['A'] } },
    ];
    expect(labelsOf(results, 'text_detection')).toEqual({
      polygons: [
        { points: [[100, 10], [100, 60], [90, 60], [90, 10]], label: 'EXIT' },
        { points: [[10, 5], [100, 50], [10, 50]], label: 'A' },
      ],
    });
    expect(parse(taskOf([{ id: 'q', type: 'polygon', value: { points: [[5, 5], [50, 5], [50, 50]] } }]), 'text_detection').problems).toEqual([
      { item: 'images/cat/a.png', message: 'images/cat/a.png, polygon 1: the text it outlines ("label") must not be empty.' },
    ]);
  });

  it('reads choices and a text area', () => {
    expect(labelsOf([{ type: 'choices', value: { choices: ['dog'] } }], 'classification')).toEqual({ class: 'dog' });
    expect(labelsOf([{ type: 'textarea', value: { text: ['A猫'] } }], 'text_recognition')).toEqual({ text: 'A猫' });
  });

  it('uses the last annotation not cancelled, and skips tasks without one', () => {
    const choose = (name: string, cancelled = false) => ({ was_cancelled: cancelled, result: [{ type: 'choices', value: { choices: [name] } }] });
    const tasks = [
      { data: { aip_item: 'i1' }, annotations: [choose('cat'), choose('dog'), choose('bird', true)] },
      { data: { aip_item: 'i2' }, annotations: [] },
      { data: { aip_item: 'i3' }, annotations: [choose('dog', true)] },
      { data: { aip_item: 'i4' } },
      { data: { aip_item: 'gone' } }, // not labeled: not even matched
    ];
    expect(parse(tasks, 'classification')).toEqual({ labels: new Map([['i1', { class: 'dog' }]]), problems: [] });
  });

  it('matches tasks by aip_item, else aip_path, else the image file name', () => {
    const choose = [{ type: 'choices', value: { choices: ['cat'] } }];
    const match = (data: Record<string, unknown>) => parse(taskOf(choose, data), 'classification');
    expect([...match({ aip_item: 'i2', aip_path: 'images/cat/a.png' }).labels.keys()]).toEqual(['i2']);
    expect([...match({ aip_path: 'images/dog/b.png', image: 'a.png' }).labels.keys()]).toEqual(['i2']);
    expect([...match({ image: 'https://host/data/upload/3/1a2b3c4d-b.png?token=x' }).labels.keys()]).toEqual(['i2']);
    expect([...match({ image: '/data/local-files/?d=photos/a.png' }).labels.keys()]).toEqual(['i1']);
    expect(match({ aip_item: 'i9' }).problems).toEqual([{ message: 'Label Studio task 5 is for item i9, which is not an item of this job (was it exported from another job?).' }]);
    expect(match({ aip_path: 'images/x.png' }).problems).toEqual([{ item: 'images/x.png', message: 'Label Studio task 5 is for "images/x.png", which is not an item of this job.' }]);
    expect(match({ image: 's3://bucket/same.png' }).problems[0]!.message).toMatch(/^Label Studio task 5 shows the image the text "s3:\/\/bucket\/same.png", whose file name matches no single item/);
  });

  it('reads the file name of image URLs', () => {
    expect(imageFileName('https://h/a/b%20c.png?x=1#y')).toBe('b c.png');
    expect(imageFileName('/data/local-files/?d=dir%2Fsub%2Fd.jpg')).toBe('d.jpg');
    expect(imageFileName('plain.png')).toBe('plain.png');
  });

  it('refuses results a task cannot use, rotated or polygon detection boxes, several classes, malformed payloads', () => {
    const problems = (result: unknown[], task: LabelTask) => parse(taskOf(result), task).problems.map((p) => p.message);
    const where = 'images/cat/a.png (Label Studio task 5)';
    expect(problems([{ type: 'brushlabels', value: { rle: [] } }], 'segmentation')).toEqual([
      `${where}: result 1 is a "brushlabels" result, which a segmentation job cannot use (it expects "polygonlabels").`,
    ]);
    expect(problems([{ type: 'rectanglelabels', value: { x: 1, y: 1, width: 5, height: 5, rotation: 30, rectanglelabels: ['cat'] } }], 'detection')).toEqual([
      `${where}: region 1 is rotated by 30°; detection boxes must be upright (turn rotation off).`,
    ]);
    expect(problems([{ type: 'polygonlabels', value: { points: [[1, 1], [5, 1], [5, 5]], polygonlabels: ['cat'] } }], 'detection')).toEqual([
      `${where}: region 1 is a polygon; a detection job takes rectangles.`,
    ]);
    expect(problems([{ type: 'choices', value: { choices: ['cat', 'dog'] } }], 'classification')).toEqual([`${where}: several classes are chosen (cat, dog); choose one.`]);
    expect(problems([{ type: 'rectanglelabels', value: { x: '1', rectanglelabels: ['cat'] } }, 'x'], 'detection')).toEqual([
      `${where}: result 1: "value" must have numeric x, y, width and height (percent of the image).`,
      `${where}: result 2 must be an object with a "type" and a "value".`,
    ]);
    expect(problems([{ type: 'rectanglelabels', value: { x: 90, y: 1, width: 20, height: 5, rectanglelabels: ['cat'] } }], 'detection')).toEqual([
      'images/cat/a.png, box 1: the box 180,1,220,6 reaches outside the image, which is 200x100 (coordinates must be between 0,0 and 200,100).',
    ]);
    expect(parse({ tasks: [] }, 'detection').problems).toEqual([
      { message: 'A Label Studio delivery must be a project\'s JSON export, a list of tasks, but it is an object.' },
    ]);
    expect(parse([{ id: 1 }, 3, { data: {}, annotations: {} }], 'detection').problems.map((p) => p.message)).toEqual([
      'Label Studio task 1 must be an object with "data" (got an object).',
      'Label Studio task number 2 must be an object with "data" (got the number 3).',
      'Label Studio task number 3: "annotations" must be a list.',
    ]);
  });
});
