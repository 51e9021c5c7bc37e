import { describe, expect, it } from 'vitest';
import { boxText, estimateTextWidth, labelFontSize, labelPlacement, sampleDrawing } from './sample-drawing.ts';

describe('sampleDrawing', () => {
  it('draws a detection dataset image’s boxes as ground truth', () => {
    const entry = {
      path: 'images/a.png',
      width: 128,
      height: 96,
      split: 'train',
      boxes: [
        { x1: 10, y1: 12, x2: 40, y2: 44, label: 'circle' },
        { x1: 50, y1: 50, x2: 60, y2: 70, label: 'square' },
      ],
      url: '/api/datasets/ds_1/files/images/a.png',
    };
    expect(sampleDrawing(entry)).toEqual({
      boxes: [
        { box: [10, 12, 40, 44], label: 'circle', kind: 'truth' },
        { box: [50, 50, 60, 70], label: 'square', kind: 'truth' },
      ],
      caption: null,
    });
    expect(sampleDrawing({ ...entry, boxes: [] })).toEqual({ boxes: [], caption: null });
  });

  it('captions a classification dataset image with its class', () => {
    expect(sampleDrawing({ class: 'cat' })).toEqual({ boxes: [], caption: { truth: 'cat', prediction: null, verdict: null } });
  });

  it('judges a classification stage sample right or wrong', () => {
    const wrong = sampleDrawing({ truth: { class: 'cat' }, prediction: { task: 'classification', class: 'dog', score: 0.93 } });
    expect(wrong).toEqual({ boxes: [], caption: { truth: 'cat', prediction: { label: 'dog', score: 0.93 }, verdict: 'wrong' } });
    const right = sampleDrawing({ truth: { class: 'cat' }, prediction: { task: 'classification', class: 'cat', score: 0.7 } });
    expect(right.caption?.verdict).toBe('right');
    // Truth unknown (an image whose label the stage does not know): the prediction alone, no verdict.
    expect(sampleDrawing({ truth: {}, prediction: { task: 'classification', class: 'cat', score: 0.7 } }).caption).toEqual({
      truth: null,
      prediction: { label: 'cat', score: 0.7 },
      verdict: null,
    });
  });

  it('draws a detection stage sample’s truth and predicted boxes, refined labels with the fine score', () => {
    const drawing = sampleDrawing({
      truth: { boxes: [{ x1: 10, y1: 12, x2: 40, y2: 44, label: 'round' }] },
      prediction: {
        task: 'detection',
        objects: [
          { class: 'round', score: 0.91, box: { x1: 11, y1: 13, x2: 41, y2: 43 }, fineClass: 'round', fineScore: 0.91, children: {} },
          { class: 'round', score: 0.8, box: { x1: 60, y1: 60, x2: 70, y2: 70 }, fineClass: 'circle', fineScore: 0.97 },
        ],
      },
    });
    expect(drawing).toEqual({
      boxes: [
        { box: [10, 12, 40, 44], label: 'round', kind: 'truth' },
        { box: [11, 13, 41, 43], label: 'round', score: 0.91, kind: 'prediction' },
        { box: [60, 60, 70, 70], label: 'round › circle', score: 0.97, kind: 'prediction' },
      ],
      caption: null,
    });
  });

  it('draws polygons (segmentation, text detection) with their bounding box, and captions a recognized text', () => {
    const drawn = sampleDrawing({
      polygons: [
        { points: [[2, 2], [10, 2], [6, 9]], label: 'leaf' },
        { points: [[1, 1], [2, 2]], label: 'too few points' },
        { points: [[1, 1], [5, 1], ['x', 3]], label: 'not numbers' },
      ],
    });
    expect(drawn.boxes).toEqual([{ box: [2, 2, 10, 9], points: [[2, 2], [10, 2], [6, 9]], label: 'leaf', kind: 'truth' }]);
    expect(sampleDrawing({ text: '出口 EXIT' }).caption).toEqual({ truth: '出口 EXIT', prediction: null, verdict: null });
  });

  it('draws a segmentation stage sample’s truth polygons and each predicted outline', () => {
    const drawn = sampleDrawing({
      truth: { polygons: [{ points: [[0, 0], [8, 0], [8, 8], [0, 8]], label: 'leaf' }] },
      prediction: {
        task: 'segmentation',
        regions: [
          {
            class: 'leaf',
            area: 0.4,
            outlines: [
              { points: [[1, 0], [8, 0], [8, 7]], holes: [] },
              { points: [[20, 20], [24, 20], [24, 24]], holes: [[[21, 21], [22, 22], [21, 22]]] },
            ],
          },
          { class: 'broken', outlines: 'nope' },
        ],
      },
    });
    expect(drawn.boxes.map((shape) => [shape.kind, shape.label, shape.box])).toEqual([
      ['truth', 'leaf', [0, 0, 8, 8]],
      ['prediction', 'leaf', [1, 0, 8, 7]],
      ['prediction', 'leaf', [20, 20, 24, 24]],
    ]);
    expect(drawn.caption).toBeNull();
  });

  it('draws a text detection sample’s lines, with what a recognizer read there when one did', () => {
    const line = (x: number, children: unknown) => ({ points: [[x, 0], [x + 10, 0], [x + 10, 4], [x, 4]], score: 0.9, children });
    const drawn = sampleDrawing({
      truth: { boxes: [{ x1: 0, y1: 0, x2: 10, y2: 4, label: 'EXIT' }], polygons: [] },
      prediction: { task: 'text_detection', lines: [line(0, { read: { task: 'text_recognition', text: 'EXIT', score: 0.8 } }), line(20, {}), { points: 'nope' }] },
    });
    expect(drawn.boxes.map((shape) => [shape.kind, shape.label, shape.box, shape.score])).toEqual([
      ['truth', 'EXIT', [0, 0, 10, 4], undefined],
      ['prediction', 'EXIT', [0, 0, 10, 4], 0.9],
      ['prediction', '', [20, 0, 30, 4], 0.9],
    ]);
    expect(boxText(drawn.boxes[2]!)).toBe('90%');
  });

  it('leaves out what is malformed instead of drawing it wrong', () => {
    const drawing = sampleDrawing({
      truth: { boxes: [{ x1: 10, y1: 10, x2: 10, y2: 20, label: 'flat' }, { x1: 'a', label: 'x' }, { x1: 30, y1: 30, x2: 20, y2: 20, label: 'swapped' }, null] },
      prediction: { task: 'detection', objects: [{ class: 'round', box: null }, { score: 1, box: { x1: 0, y1: 0, x2: 1, y2: 1 } }, 'junk'] },
    });
    expect(drawing).toEqual({ boxes: [{ box: [20, 20, 30, 30], label: 'swapped', kind: 'truth' }], caption: null });
    expect(sampleDrawing({ truth: null, prediction: null })).toEqual({ boxes: [], caption: null });
    expect(sampleDrawing({})).toEqual({ boxes: [], caption: null });
  });
});

describe('box labels', () => {
  it('writes the label with a prediction’s score', () => {
    expect(boxText({ box: [0, 0, 1, 1], label: 'round', kind: 'truth' })).toBe('round');
    expect(boxText({ box: [0, 0, 1, 1], label: 'round', score: 0.913, kind: 'prediction' })).toBe('round 91%');
  });

  it('estimates wide characters wider', () => {
    expect(estimateTextWidth('ab', 10)).toBeCloseTo(12);
    expect(estimateTextWidth('圆形', 10)).toBeCloseTo(20);
  });

  it('places the label above the box (or below), inside it at the image’s edge, and never past the right edge', () => {
    const image = { width: 100, height: 100 };
    const above = labelPlacement([20, 40, 60, 80], 'ab', 10, image);
    expect(above).toMatchObject({ x: 20, y: 40 - 15, height: 15 });
    expect(above.width).toBeCloseTo(12 + 5);
    expect(above.textY).toBeGreaterThan(above.y);
    expect(above.textY).toBeLessThan(40);
    expect(labelPlacement([20, 5, 60, 80], 'ab', 10, image).y).toBe(5);
    expect(labelPlacement([20, 40, 60, 80], 'ab', 10, image, 'bottom').y).toBe(80);
    expect(labelPlacement([20, 40, 60, 95], 'ab', 10, image, 'bottom').y).toBe(95 - 15);
    const right = labelPlacement([95, 40, 100, 80], 'abcdef', 10, image);
    expect(right.x + right.width).toBeCloseTo(100);
  });

  it('sizes the font to a constant size on screen', () => {
    expect(labelFontSize({ width: 128, height: 96 }, 256)).toBeCloseTo(5.5);
    expect(labelFontSize({ width: 1280, height: 960 }, 256)).toBeCloseTo(55);
    expect(labelFontSize({ width: 200, height: 100 }, 0)).toBe(10);
  });
});
