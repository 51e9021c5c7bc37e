import { describe, expect, it } from 'vitest';
import { checkItemLabels } from './check.ts';
import { ITEMS, SAMPLES, TARGETS } from './testing.ts';
import type { LabelTask } from './types.ts';

const item = ITEMS[0]!; // images/cat/a.png, 200x100

function problems(labels: unknown, task: LabelTask): string[] {
  const checked = checkItemLabels(labels, item, TARGETS[task]);
  expect(checked.labels).toBeUndefined();
  for (const problem of checked.problems) expect(problem.item).toBe(item.path);
  return checked.problems.map((p) => p.message);
}

describe('checkItemLabels', () => {
  it('accepts canonical labels of every task unchanged', () => {
    for (const task of Object.keys(SAMPLES) as LabelTask[]) {
      expect(checkItemLabels(SAMPLES[task][0], item, TARGETS[task])).toEqual({ labels: SAMPLES[task][0], problems: [] });
    }
  });

  it('rounds coordinates to 2 decimals and allows an image without objects', () => {
    expect(checkItemLabels({ boxes: [{ x1: 1.004, y1: 2.006, x2: 200.004, y2: 3, label: 'cat' }] }, item, TARGETS.detection).labels).toEqual({
      boxes: [{ x1: 1, y1: 2.01, x2: 200, y2: 3, label: 'cat' }],
    });
    expect(checkItemLabels({ boxes: [] }, item, TARGETS.detection).labels).toEqual({ boxes: [] });
    expect(checkItemLabels({ polygons: [] }, item, TARGETS.segmentation).labels).toEqual({ polygons: [] });
  });

  it('turns polygons clockwise and drops a repeated closing point, like an upload', () => {
    const counterClockwise = { polygons: [{ points: [[10, 10], [10, 50], [50, 50], [50, 10], [10, 10]], label: 'cat' }] };
    expect(checkItemLabels(counterClockwise, item, TARGETS.segmentation).labels).toEqual({
      polygons: [{ points: [[10, 10], [50, 10], [50, 50], [10, 50]], label: 'cat' }],
    });
  });

  it('turns text rectangles into 4-point outlines, clockwise from the top-left corner', () => {
    const labels = { boxes: [{ x1: 1, y1: 2, x2: 30, y2: 12, label: 'EXIT' }], polygons: [{ points: [[0, 0], [5, 0], [5, 5]], label: 'a' }] };
    expect(checkItemLabels(labels, item, TARGETS.text_detection).labels).toEqual({
      polygons: [
        { points: [[0, 0], [5, 0], [5, 5]], label: 'a' },
        { points: [[1, 2], [30, 2], [30, 12], [1, 12]], label: 'EXIT' },
      ],
    });
  });

  it('refuses labels that are not an object, or carry fields of another task', () => {
    expect(problems(null, 'detection')).toEqual([expect.stringMatching(/^images\/cat\/a\.png: the labels must be an object such as \{"boxes"/)]);
    expect(problems(['cat'], 'classification')[0]).toContain('(got a list)');
    expect(problems({ class: 'cat', boxes: [] }, 'classification')).toEqual([
      'images/cat/a.png: "boxes" is not a label of a classification item, which looks like {"class": "cat"}.',
    ]);
    expect(problems({}, 'detection')[0]).toContain('needs "boxes"');
    expect(problems({}, 'text_detection')[0]).toContain('needs "polygons"');
  });

  it('refuses classes the job does not have', () => {
    expect(problems({ class: 'bird' }, 'classification')).toEqual(['images/cat/a.png: the class "bird" is not one of this job\'s classes ("cat", "dog").']);
    expect(problems({ boxes: [{ x1: 1, y1: 1, x2: 2, y2: 2, label: 'cat' }, { x1: 1, y1: 1, x2: 2, y2: 2, label: 'bird' }] }, 'detection')).toEqual([
      'images/cat/a.png, box 2: the class "bird" is not one of this job\'s classes ("cat", "dog").',
    ]);
    expect(problems({ polygons: [{ points: [[0, 0], [5, 0], [5, 5]] }] }, 'segmentation')).toEqual([
      'images/cat/a.png, polygon 1: it needs a "label", one of "cat", "dog".',
    ]);
  });

  it('names every bad box with its number and what is wrong', () => {
    const boxes = [
      { x1: 5, y1: 1, x2: 3, y2: 2, label: 'cat' },
      { x1: 0, y1: 0, x2: 201, y2: 10, label: 'cat' },
      { x1: '1', y1: 0, x2: Infinity, y2: 10, label: 'cat' },
      { x1: 0, y1: 0, x2: 1, y2: 1, label: 'cat', score: 0.9 },
      'box',
    ];
    expect(problems({ boxes }, 'detection')).toEqual([
      'images/cat/a.png, box 1: xmin (5) must be smaller than xmax (3).',
      'images/cat/a.png, box 2: the box 0,0,201,10 reaches outside the image, which is 200x100 (coordinates must be between 0,0 and 200,100).',
      'images/cat/a.png, box 3: x1 must be a number of pixels (got the text "1").',
      'images/cat/a.png, box 3: x2 must be a number of pixels (got the number Infinity).',
      'images/cat/a.png, box 4: "score" is not part of {"x1", "y1", "x2", "y2", "label"}.',
      'images/cat/a.png, box 5: must be an object {"x1", "y1", "x2", "y2", "label"} (got the text "box").',
    ]);
  });

  it('names every bad polygon: too few points, outside, crossing itself, malformed points', () => {
    const polygons = [
      { points: [[0, 0], [5, 5]], label: 'cat' },
      { points: [[0, 0], [300, 0], [5, 5]], label: 'cat' },
      { points: [[0, 0], [10, 10], [10, 0], [0, 20]], label: 'cat' },
      { points: [[0, 0], [1, 'a'], [5, 5]], label: 'cat' },
    ];
    const messages = problems({ polygons }, 'segmentation');
    expect(messages).toHaveLength(4);
    expect(messages[0]).toBe('images/cat/a.png, polygon 1: a polygon needs at least 3 different points (found 2).');
    expect(messages[1]).toMatch(/^images\/cat\/a\.png, polygon 2: the point 300,0 is outside the image, which is 200x100/);
    expect(messages[2]).toMatch(/^images\/cat\/a\.png, polygon 3: the edges of the polygon cross each other/);
    expect(messages[3]).toMatch(/^images\/cat\/a\.png, polygon 4: "points" must be a list of \[x, y\] pixel positions/);
  });

  it('refuses empty texts', () => {
    expect(problems({ text: '  ' }, 'text_recognition')).toEqual(['images/cat/a.png: the item needs the "text" it shows, and it must not be empty.']);
    expect(problems({ polygons: [{ points: [[0, 0], [5, 0], [5, 5]], label: '' }] }, 'text_detection')).toEqual([
      'images/cat/a.png, polygon 1: the text it outlines ("label") must not be empty.',
    ]);
  });
});
