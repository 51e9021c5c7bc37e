import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, RED, drawImage, drawScene, makeModels, removeTempDirs } from '../test/fixtures.ts';
import { decodeImage } from './image.ts';
import { ModelOutputError, loadModel } from './model.ts';

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
