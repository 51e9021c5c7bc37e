import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BLACK, BLUE, RED, drawImage, drawPolygons, drawScene, makeModels, removeTempDirs, rotatedBar } from '../test/fixtures.ts';
import { decodeImage } from './image.ts';
import { ModelOutputError, loadModel } from './model.ts';
import { parseModelSpec } from './model-spec.ts';
import type { Point } from './text-line.ts';

let models: string;
beforeAll(() => {
  models = makeModels();
});
afterAll(removeTempDirs);

describe('classification model', () => {
  it('reads model.json beside the .onnx and classifies by colour', async () => {
    const model = await loadModel(join(models, 'colour.onnx'));
    expect(model.spec).toEqual({ task: 'classification', classes: ['red', 'green', 'blue'], inputSize: [16, 16] });
    const red = await model.predict(await decodeImage(await drawImage(40, 30, [], RED)));
    const blue = await model.predict(await decodeImage(await drawImage(7, 90, [], BLUE)));
    expect(red).toMatchObject({ task: 'classification', class: 'red' });
    expect(blue).toMatchObject({ task: 'classification', class: 'blue' });
    if (red.task !== 'classification') throw new Error('unreachable');
    expect(red.score).toBeGreaterThan(0.99);
    expect(Object.keys(red.scores)).toEqual(['red', 'green', 'blue']);
    expect(Object.values(red.scores).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    await model.close();
  });

  it('fails at predict when probs do not match the number of classes', async () => {
    const model = await loadModel(join(models, 'colour-2.onnx'), {
      task: 'classification',
      classes: ['red', 'green', 'blue'],
      inputSize: [8, 8],
    });
    const image = await decodeImage(await drawImage(8, 8, [], RED));
    await expect(model.predict(image)).rejects.toThrow(ModelOutputError);
    await expect(model.predict(image)).rejects.toThrow(/"probs" has shape \[1,2\] but the model lists 3 classes/);
    await model.close();
  });

  it('refuses a model without the outputs its task needs', async () => {
    await expect(
      loadModel(join(models, 'colour.onnx'), { task: 'detection', classes: ['a'], inputSize: [8, 8] }),
    ).rejects.toThrow(/lacks output "boxes", output "scores", output "labels"/);
  });
});

describe('detection model', () => {
  it('returns boxes in original image pixels, filtered by the score threshold', async () => {
    const model = await loadModel(join(models, 'shapes.onnx'));
    const image = await decodeImage(await drawScene());
    const prediction = await model.predict(image);
    expect(prediction).toEqual({
      task: 'detection',
      objects: [
        { class: 'round', score: expect.closeTo(0.9, 5), box: { x1: 20, y1: 20, x2: 80, y2: 60 } },
        { class: 'angular', score: expect.closeTo(0.8, 5), box: { x1: 110, y1: 30, x2: 190, y2: 90 } },
      ],
    });
    await model.close();
  });

  it('uses the threshold of its spec', async () => {
    const model = await loadModel(join(models, 'shapes.onnx'), {
      task: 'detection',
      classes: ['round', 'angular'],
      inputSize: [20, 20],
      scoreThreshold: 0.05,
    });
    const prediction = await model.predict(await decodeImage(await drawImage(50, 50, [])));
    if (prediction.task !== 'detection') throw new Error('expected detection');
    expect(prediction.objects.map((o) => [o.class, o.box])).toEqual([
      ['round', { x1: 5, y1: 10, x2: 20, y2: 30 }],
      ['angular', { x1: 27.5, y1: 15, x2: 47.5, y2: 45 }],
      ['round', { x1: 0, y1: 0, x2: 10, y2: 10 }],
    ]);
    await model.close();
  });

  it('fails when a label is not an index into its classes', async () => {
    const model = await loadModel(join(models, 'shapes.onnx'), {
      task: 'detection',
      classes: ['round'],
      inputSize: [20, 20],
    });
    await expect(model.predict(await decodeImage(await drawImage(10, 10, [])))).rejects.toThrow(
      /label 1 is not an index into its 1 classes/,
    );
    await model.close();
  });
});

describe('segmentation model', () => {
  it('outlines each class of the mask in original image pixels, largest first', async () => {
    const model = await loadModel(join(models, 'paint.onnx'));
    expect(model.spec).toEqual({ task: 'segmentation', classes: ['red', 'blue'], inputSize: [50, 100] });
    // The scene at 200×100 is stretched to the 100×50 input: every rectangle edge lands on a mask pixel edge.
    const prediction = await model.predict(await decodeImage(await drawScene()));
    if (prediction.task !== 'segmentation') throw new Error('expected a segmentation prediction');
    expect(prediction.regions.map((region) => region.class)).toEqual(['blue', 'red']);
    const [blue, red] = prediction.regions;
    expect(blue!.area).toBeCloseTo((80 * 60) / (200 * 100), 2);
    expect(red!.area).toBeCloseTo((60 * 40) / (200 * 100), 2);
    expect(red!.outlines).toHaveLength(1);
    const xs = red!.outlines[0]!.points.map(([x]) => x);
    const ys = red!.outlines[0]!.points.map(([, y]) => y);
    // The square 20..80 × 20..60, traced within a mask pixel (2 image pixels) of its edges.
    expect(Math.min(...xs)).toBeCloseTo(20, -0.5);
    expect(Math.max(...xs)).toBeCloseTo(80, -0.5);
    expect(Math.min(...ys)).toBeCloseTo(20, -0.5);
    expect(Math.max(...ys)).toBeCloseTo(60, -0.5);
    await model.close();
  });

  it('refuses a mask value that is no class', async () => {
    const model = await loadModel(join(models, 'paint.onnx'), { task: 'segmentation', classes: ['red'], inputSize: [10, 10] });
    await expect(model.predict(await decodeImage(await drawScene()))).rejects.toThrow(/mask value 2 is neither background \(0\) nor one of its 1 classes/);
    await model.close();
  });
});

describe('text recognition and enhancement models', () => {
  it('spells the characters of the indices output from the charset, with their mean score', async () => {
    const model = await loadModel(join(models, 'reader.onnx'));
    expect(model.spec).toEqual({ task: 'text_recognition', classes: [], inputSize: [8, 32], charset: ['猫', 'A'] });
    expect(await model.predict(await decodeImage(await drawImage(40, 10, [])))).toEqual({ task: 'text_recognition', text: 'A猫', score: expect.closeTo(0.8, 5) });
    await model.close();
  });

  it('returns the enhanced image at the size of the image given', async () => {
    const model = await loadModel(join(models, 'invert.onnx'));
    const prediction = await model.predict(await decodeImage(await drawImage(50, 30, [], RED)));
    if (prediction.task !== 'enhancement') throw new Error('expected an enhancement prediction');
    expect([prediction.image.width, prediction.image.height]).toEqual([50, 30]);
    expect([...prediction.image.data.subarray(0, 3)]).toEqual([0, 255, 255]);
    await model.close();
  });
});

describe('text detection model', () => {
  const PARAMS = { binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };
  const angle = ([a, b]: readonly Point[]) => (Math.atan2(b![1] - a![1], b![0] - a![0]) * 180) / Math.PI;
  const centre = ([a, , c]: readonly Point[]) => [(a![0] + c![0]) / 2, (a![1] + c![1]) / 2];

  it('reads its decoding parameters from model.json and finds dark bars as rotated rectangles', async () => {
    const model = await loadModel(join(models, 'lines.onnx'));
    expect(model.spec).toEqual({ task: 'text_detection', classes: [], inputSize: [64, 128], textDetection: PARAMS });
    // At the input size (128×64), so the model sees exactly these pixels.
    const image = await drawPolygons(128, 64, [
      { points: [[10, 8], [70, 8], [70, 18], [10, 18]], colour: BLACK },
      { points: rotatedBar(95, 40, 40, 8, -20), colour: BLACK },
    ]);
    const prediction = await model.predict(await decodeImage(image));
    if (prediction.task !== 'text_detection') throw new Error('expected a text detection prediction');
    expect(prediction.lines).toHaveLength(2);
    const [level, tilted] = [...prediction.lines].sort((a, b) => a.points[0][0] - b.points[0][0]);
    // 60×10 grown by d = 1.5 · 600 / 140 = 6.43 on every side, at 1/100 px.
    expect(level).toEqual({ points: [[3.57, 1.57], [76.43, 1.57], [76.43, 24.43], [3.57, 24.43]], score: expect.closeTo(1, 5) });
    // Rising to the right: its first edge points 20° up (y down on screen), starting top-left.
    expect(angle(tilted!.points)).toBeCloseTo(-20, -0.5);
    expect(centre(tilted!.points).map((v) => Math.round(v))).toEqual([95, 40]);
    await model.close();
  });

  it('returns the lines in pixels of the image given, however it is stretched', async () => {
    const model = await loadModel(join(models, 'lines.onnx'));
    // Three times as wide as the input: the same bar, stretched.
    const image = await drawPolygons(384, 64, [{ points: [[30, 8], [210, 8], [210, 18], [30, 18]], colour: BLACK }]);
    const prediction = await model.predict(await decodeImage(image));
    if (prediction.task !== 'text_detection') throw new Error('expected a text detection prediction');
    expect(prediction.lines).toHaveLength(1);
    // The model sees the 60×10 bar of the previous test: its rectangle, x stretched back by 3.
    const d = (1.5 * 600) / 140;
    const expected = [[10 - d, 8 - d], [70 + d, 8 - d], [70 + d, 18 + d], [10 - d, 18 + d]].map(([x, y]) => [x! * 3, y!]);
    prediction.lines[0]!.points.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(expected[i]![0]!, 1);
      expect(y).toBeCloseTo(expected[i]![1]!, 1);
    });
    await model.close();
  });

  it('refuses a model.json without valid decoding parameters, naming the file and the field', () => {
    const json = JSON.parse(readFileSync(join(models, 'lines.json'), 'utf8'));
    const { textDetection: _, ...without } = json;
    expect(() => parseModelSpec(without, 'lines.json')).toThrow(/^lines\.json is invalid:\n {2}- \/textDetection: a text detection model needs its decoding parameters/);
    const wrong = { ...json, textDetection: { ...PARAMS, binaryThreshold: 2, minSize: 'small' } };
    expect(() => parseModelSpec(wrong, 'lines.json')).toThrow(/\/textDetection\/binaryThreshold: Expected number to be less or equal to 1[\s\S]*\/textDetection\/minSize: Expected number/);
  });

  it('refuses a spec without decoding parameters and a graph without "prob"', async () => {
    await expect(loadModel(join(models, 'lines.onnx'), { task: 'text_detection', classes: [], inputSize: [64, 128] })).rejects.toThrow(
      /its spec lacks the textDetection decoding parameters/,
    );
    await expect(loadModel(join(models, 'colour.onnx'), { task: 'text_detection', classes: [], inputSize: [64, 128], textDetection: PARAMS })).rejects.toThrow(
      /lacks output "prob"/,
    );
  });
});
