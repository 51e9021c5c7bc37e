import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANGULAR_BOX,
  BLACK,
  IMAGE_HEIGHT,
  IMAGE_WIDTH,
  ROUND_BOX,
  cascadeSpec,
  drawImage,
  drawPolygons,
  drawScene,
  makeModels,
  removeTempDirs,
  rotatedBar,
  textLinesSpec,
  writeBundle,
} from '../test/fixtures.ts';
import { cropRegion, decodeImage } from './image.ts';
import { type Pipeline, collectObjects, collectTextLines, createPipeline, loadPipeline } from './pipeline.ts';
import type { PipelineSpec } from './pipeline-spec.ts';
import { SpecError } from './validate.ts';

let models: string;
let pipeline: Pipeline;
beforeAll(async () => {
  models = makeModels();
  pipeline = await loadPipeline(writeBundle(models));
});
afterAll(async () => {
  await pipeline?.close();
  removeTempDirs();
});

const classified = (cls: string) => ({ task: 'classification', class: cls, score: expect.closeTo(1, 3) });

describe('pipeline cascade', () => {
  it('runs the detector on the image and the per-class classifier on each crop', async () => {
    const result = await pipeline.run(await drawScene());
    expect(result).toEqual({
      width: IMAGE_WIDTH,
      height: IMAGE_HEIGHT,
      results: {
        detect: {
          task: 'detection',
          objects: [
            {
              class: 'round',
              score: expect.closeTo(0.9, 5),
              box: ROUND_BOX,
              fineClass: 'red',
              fineScore: expect.closeTo(1, 3),
              children: { 'round-kind': classified('red') },
            },
            {
              class: 'angular',
              score: expect.closeTo(0.8, 5),
              box: ANGULAR_BOX,
              fineClass: 'blue',
              fineScore: expect.closeTo(1, 3),
              children: { 'angular-kind': classified('blue') },
            },
          ],
        },
      },
    });
  });

  it('lets the crop decide the fine class', async () => {
    // Swap the colours: the same boxes now hold blue (round) and red (angular) pixels.
    const swapped = await drawImage(IMAGE_WIDTH, IMAGE_HEIGHT, [
      { box: ROUND_BOX, colour: [0, 0, 255] },
      { box: ANGULAR_BOX, colour: [255, 0, 0] },
    ]);
    const result = await pipeline.run(await decodeImage(swapped));
    expect(collectObjects(result, 'detect').map((o) => [o.class, o.fineClass])).toEqual([
      ['round', 'blue'],
      ['angular', 'red'],
    ]);
  });

  it('runs only the requested stages and the stages above them', async () => {
    const image = await decodeImage(await drawScene());
    const detectOnly = await pipeline.run(image, { stages: ['detect'] });
    expect(collectObjects(detectOnly, 'detect').map((o) => [o.class, o.fineClass, o.children])).toEqual([
      ['round', 'round', {}],
      ['angular', 'angular', {}],
    ]);
    const roundBranch = await pipeline.run(image, { stages: ['round-kind'] });
    const [round, angular] = collectObjects(roundBranch, 'detect');
    expect(Object.keys(round!.children)).toEqual(['round-kind']);
    expect(angular!.children).toEqual({});
    await expect(pipeline.run(image, { stages: ['nope'] })).rejects.toThrow(/unknown stage "nope"/);
  });

  it('collects the objects of one stage and class in original-image pixels', async () => {
    const result = await pipeline.run(await drawScene());
    expect(collectObjects(result, 'detect', 'angular').map((o) => o.box)).toEqual([ANGULAR_BOX]);
    expect(collectObjects(result, 'detect', 'missing')).toEqual([]);
    expect(collectObjects(result, 'round-kind')).toEqual([]);
  });

  it('maps the boxes of a detector run on crops back to original pixels', async () => {
    // detect → (round boxes) → parts: a second detector on the crop of each round box.
    const spec = cascadeSpec();
    spec.stages = [
      spec.stages[0]!,
      { ...spec.stages[0]!, id: 'parts', model: 'models/parts.onnx', input: { stage: 'detect', class: 'round' } },
    ];
    const nested = await loadPipeline(writeBundle(models, spec));
    const result = await nested.run(await drawScene());
    // Round box x 20..80 (60 wide), y 20..60 (40 high); the detector's round box 0.1..0.4 × 0.2..0.6 of it.
    expect(collectObjects(result, 'parts', 'round').map((o) => o.box)).toEqual([{ x1: 26, y1: 28, x2: 44, y2: 44 }]);
    await nested.close();
  });

  it('outlines what a segmentation stage finds in each crop in original-image pixels', async () => {
    // detect → (angular boxes) → paint: the crop of the blue square is all blue.
    const spec = cascadeSpec();
    spec.stages = [
      spec.stages[0]!,
      { id: 'paint', task: 'segmentation', model: 'models/paint.onnx', classes: ['red', 'blue'], inputSize: [30, 40], input: { stage: 'detect', class: 'angular' } },
    ];
    const nested = await loadPipeline(writeBundle(models, spec, { paint: 'paint.onnx' }));
    const result = await nested.run(await drawScene());
    const [angular] = collectObjects(result, 'detect', 'angular');
    const painted = angular!.children.paint;
    if (painted?.task !== 'segmentation') throw new Error('expected the segmentation child');
    expect(painted.regions.map((region) => [region.class, region.area])).toEqual([['blue', 1]]);
    const points = painted.regions[0]!.outlines[0]!.points;
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    // ANGULAR_BOX 110..190 × 30..90, traced within a mask pixel (2 image pixels) of its edges.
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(ANGULAR_BOX.x1);
    expect(Math.min(...xs)).toBeLessThan(ANGULAR_BOX.x1 + 3);
    expect(Math.max(...ys)).toBeLessThanOrEqual(ANGULAR_BOX.y2);
    expect(Math.max(...ys)).toBeGreaterThan(ANGULAR_BOX.y2 - 3);
    expect(angular!.fineClass).toBe('angular');
    await nested.close();
  });

  it('routes an image by its predicted class, and runs stages on an enhanced image', async () => {
    // invert (enhancement) → colour (classification) → blue-paint (segmentation, only for "blue").
    const spec: PipelineSpec = {
      version: 1,
      name: 'negative',
      stages: [
        { id: 'invert', task: 'enhancement', model: 'models/invert.onnx', classes: [], inputSize: [20, 40], input: null },
        { id: 'colour', task: 'classification', model: 'models/colour.onnx', classes: ['red', 'green', 'blue'], inputSize: [16, 16], input: { stage: 'invert' } },
        { id: 'if-blue', task: 'segmentation', model: 'models/paint.onnx', classes: ['red', 'blue'], inputSize: [20, 40], input: { stage: 'colour', class: 'blue' } },
        { id: 'if-red', task: 'text_recognition', model: 'models/reader.onnx', classes: [], charset: ['猫', 'A'], inputSize: [8, 32], input: { stage: 'colour', class: 'red' } },
      ],
    };
    const routed = await loadPipeline(writeBundle(models, spec, { invert: 'invert.onnx', colour: 'colour.onnx', 'if-blue': 'paint.onnx', 'if-red': 'reader.onnx' }));
    // Yellow (255, 255, 0) inverts to blue (0, 0, 255): classified blue, routed to if-blue only.
    const result = await routed.run(await drawImage(40, 20, [], [255, 255, 0]));
    const invert = result.results.invert;
    if (invert?.task !== 'enhancement') throw new Error('expected the enhancement result');
    expect([invert.width, invert.height]).toEqual([40, 20]);
    const negative = await decodeImage(Buffer.from(invert.image, 'base64'));
    expect([...negative.data.subarray(0, 3)]).toEqual([0, 0, 255]);
    const colour = invert.children?.colour;
    expect(colour).toMatchObject({ task: 'classification', class: 'blue' });
    if (colour?.task !== 'classification') throw new Error('expected the classification result');
    expect(Object.keys(colour.children ?? {})).toEqual(['if-blue']);
    expect(colour.children!['if-blue']).toMatchObject({ task: 'segmentation', regions: [{ class: 'blue', area: 1 }] });
    await routed.close();
  });

  it('applies the EXIF orientation before inference', async () => {
    const jpeg = await sharp(await drawScene()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const result = await pipeline.run(jpeg);
    expect([result.width, result.height]).toEqual([IMAGE_HEIGHT, IMAGE_WIDTH]);
  });
});

describe('text detection → text recognition', () => {
  const read = { read: { task: 'text_recognition', text: 'A猫', score: expect.closeTo(0.8, 5) } };

  it('reads each line the text detector finds and nests its text under the line', async () => {
    const lines = await loadPipeline(writeBundle(models, textLinesSpec()));
    // Twice the detector's 128×64 input: a level bar and one rising by 20°.
    const image = await drawPolygons(256, 128, [
      { points: [[20, 16], [140, 16], [140, 36], [20, 36]], colour: BLACK },
      { points: rotatedBar(190, 80, 80, 16, -20), colour: BLACK },
    ]);
    const result = await lines.run(image);
    // The level bar is 60×10 at the input size, grown by d = 6.43 there: 12.86 px here on each side.
    expect(result).toEqual({
      width: 256,
      height: 128,
      results: {
        lines: {
          task: 'text_detection',
          lines: [
            { points: [[7.14, 3.14], [152.86, 3.14], [152.86, 48.86], [7.14, 48.86]], score: expect.closeTo(1, 4), children: read },
            { points: expect.any(Array), score: expect.closeTo(1, 2), children: read },
          ],
        },
      },
    });
    // Each line went to the recognizer on its own: a third bar, a third reading.
    const three = await lines.run(
      await drawPolygons(256, 128, [
        { points: [[20, 16], [140, 16], [140, 36], [20, 36]], colour: BLACK },
        { points: [[20, 80], [100, 80], [100, 100], [20, 100]], colour: BLACK },
        { points: rotatedBar(190, 80, 80, 16, -20), colour: BLACK },
      ]),
    );
    expect(collectTextLines(three, 'lines').map((line) => line.children)).toEqual([read, read, read]);
    // Without the recognizer, the lines come alone.
    expect(collectTextLines(await lines.run(image, { stages: ['lines'] }), 'lines').map((line) => line.children)).toEqual([{}, {}]);
    await lines.close();
  });

  it('finds lines in the crops of a detector and places them in original-image pixels', async () => {
    // detect → (angular boxes) → lines → read.
    const spec = cascadeSpec();
    const [lines, reader] = textLinesSpec().stages;
    spec.stages = [spec.stages[0]!, { ...lines!, input: { stage: 'detect', class: 'angular' } }, reader!];
    const nested = await loadPipeline(writeBundle(models, spec));
    // A dark bar inside ANGULAR_BOX (110..190 × 30..90); the 80×60 crop is stretched to 128×64.
    const result = await nested.run(await drawPolygons(IMAGE_WIDTH, IMAGE_HEIGHT, [{ points: [[120, 50], [180, 50], [180, 60], [120, 60]], colour: BLACK }]));
    const [round, angular] = collectObjects(result, 'detect');
    expect(round!.children).toEqual({});
    expect(angular!.children.lines).toMatchObject({ task: 'text_detection', lines: [{ children: read }] });
    const [line] = collectTextLines(result, 'lines');
    // 96×10.7 input pixels grown by d = 7.2 there: 4.5 px in x and 6.75 px in y of the crop.
    const expected = [[115.5, 43.25], [184.5, 43.25], [184.5, 66.75], [115.5, 66.75]];
    line!.points.forEach(([x, y], i) => {
      expect(Math.abs(x - expected[i]![0]!)).toBeLessThan(1.5);
      expect(Math.abs(y - expected[i]![1]!)).toBeLessThan(1.5);
    });
    await nested.close();
  });
});

describe('pipeline.json validation', () => {
  it('lists every problem with where it is', async () => {
    const spec = cascadeSpec();
    spec.stages[1]!.id = 'detect';
    spec.stages[2]!.input = { stage: 'detect', class: 'triangle' };
    spec.stages.push({ ...spec.stages[1]!, id: 'x', input: { stage: 'ghost', class: 'a' }, model: '../x.onnx' });
    const error = await createPipeline(spec, models).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems).toEqual([
      '/stages/1 ("detect"): duplicate stage id',
      '/stages/3 ("x")/model: "../x.onnx" must be a relative path inside the bundle',
      '/stages/2 ("angular-kind")/input/class: "triangle" is not one of the classes of "detect" ["round","angular"]',
      '/stages/3 ("x")/input/stage: no stage has id "ghost"',
    ]);
  });

  it('names schema mismatches by JSON path', async () => {
    const dir = writeBundle(models);
    writeFileSync(join(dir, 'pipeline.json'), JSON.stringify({ version: 1, name: 'x', stages: [{ id: 'a' }] }));
    await expect(loadPipeline(dir)).rejects.toThrow(/pipeline\.json is invalid:[\s\S]*\/stages\/0\/task/);
    writeFileSync(join(dir, 'pipeline.json'), '{ nope');
    await expect(loadPipeline(dir)).rejects.toThrow(/pipeline\.json is invalid:\n {2}- not valid JSON/);
  });

  it('rejects a cycle, a stage fed by one that cannot feed, and a class where none or another is due', async () => {
    const spec = cascadeSpec();
    spec.stages[0]!.input = { stage: 'detect', class: 'round' };
    await expect(createPipeline(spec, models)).rejects.toThrow(/stages form a cycle: detect → detect/);
    const problems = async (stages: PipelineSpec['stages']) => ((await createPipeline({ version: 1, name: 'x', stages }, models).catch((e: unknown) => e)) as SpecError).problems;
    const paint = { id: 'paint', task: 'segmentation' as const, model: 'paint.onnx', classes: ['red', 'blue'], inputSize: [10, 10] as [number, number], input: null };
    const invert = { id: 'invert', task: 'enhancement' as const, model: 'invert.onnx', classes: [], inputSize: [10, 10] as [number, number], input: null };
    const colour = { id: 'colour', task: 'classification' as const, model: 'colour.onnx', classes: ['red', 'green', 'blue'], inputSize: [16, 16] as [number, number], input: null };
    expect(await problems([paint, { ...colour, input: { stage: 'paint', class: 'red' } }])).toEqual([
      '/stages/1 ("colour")/input/stage: "paint" is a segmentation stage; only detection, text detection, classification and enhancement stages feed others',
    ]);
    expect(await problems([invert, { ...colour, input: { stage: 'invert', class: 'red' } }, { ...colour, id: 'routed', input: { stage: 'colour' } }])).toEqual([
      '/stages/1 ("colour")/input/class: an enhancement stage\'s output has no class; leave "class" out',
      '/stages/2 ("routed")/input/class: say which class of "colour" feeds this stage, one of ["red","green","blue"]',
    ]);
    expect(await problems([{ ...colour, classes: [] }, { ...invert, id: 'reader', task: 'text_recognition' }])).toEqual([
      '/stages/0 ("colour")/classes: a classification model needs at least one class',
      '/stages/1 ("reader")/charset: a text recognition model needs its charset',
    ]);
  });

  it('lets only text recognition read the lines of a text detection stage, without a class', async () => {
    const [lines, reader] = textLinesSpec().stages;
    const colour = { id: 'colour', task: 'classification' as const, model: 'colour.onnx', classes: ['red', 'green', 'blue'], inputSize: [16, 16] as [number, number], input: { stage: 'lines' } };
    const error = (await createPipeline({ version: 1, name: 'x', stages: [lines!, { ...reader!, input: { stage: 'lines', class: 'text' } }, colour] }, models).catch((e: unknown) => e)) as SpecError;
    expect(error.problems).toEqual([
      '/stages/1 ("read")/input/class: a text detection stage\'s lines have no class; leave "class" out',
      '/stages/2 ("colour")/input/stage: "lines" is a text detection stage; only text recognition stages read its lines',
    ]);
    const { textDetection: _, ...bare } = lines!;
    await expect(createPipeline({ version: 1, name: 'x', stages: [bare] }, models)).rejects.toThrow(
      /\/stages\/0 \("lines"\)\/textDetection: a text detection model needs its decoding parameters/,
    );
  });

  it('names the stage whose model file is missing', async () => {
    const dir = writeBundle(models);
    rmSync(join(dir, 'models', 'angular-kind.onnx'));
    await expect(loadPipeline(dir)).rejects.toThrow(/stage "angular-kind": cannot load ONNX model .*angular-kind\.onnx/);
  });
});

describe('image decoding and crops', () => {
  it('decodes grey and RGBA images to 3-channel RGB', async () => {
    const grey = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    const rgba = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const g = await decodeImage(grey);
    const c = await decodeImage(rgba);
    expect([g.width, g.height, g.data.length]).toEqual([5, 4, 60]);
    expect([c.width, c.height, [...c.data.subarray(0, 3)]]).toEqual([3, 2, [1, 2, 3]]);
    await expect(decodeImage(Buffer.from('not an image'))).rejects.toThrow(/cannot decode image/);
  });

  it('clamps crops to the image and keeps them at least one pixel', () => {
    const image = { data: Buffer.alloc(0), width: 100, height: 50 };
    expect(cropRegion(image, { x1: -5, y1: 10.5, x2: 30.2, y2: 80 })).toEqual({ left: 0, top: 10, width: 31, height: 40 });
    expect(cropRegion(image, { x1: 100, y1: 50, x2: 100, y2: 50 })).toEqual({ left: 99, top: 49, width: 1, height: 1 });
  });
});
