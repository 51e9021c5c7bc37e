/**
 * Stage-data derivation with real ONNX models (serving's test models: a detector with fixed
 * "round" and "angular" boxes, a classifier by mean colour, an enhancer that inverts) over source
 * images whose labels are known, for each kind of consuming stage.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, writeManifest, type ManifestEntry } from '@aip/datasets-spec';
import type { PlanStage, TaskType } from '@aip/workflows';
import { deriveStageData, LABELING_HINTS_FILE, type LabelingHint } from './derive.ts';

const MAKE_MODELS = fileURLToPath(new URL('../../serving/test/make-models.py', import.meta.url));

/** The hints written beside a derived dataset that needs labeling; null when there are none. */
async function hintsOf(outDir: string): Promise<LabelingHint[] | null> {
  const file = path.join(outDir, LABELING_HINTS_FILE);
  if (!existsSync(file)) return null;
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LabelingHint);
}

// The detector finds "round" at 20..80 × 20..60 and "angular" at 110..190 × 30..90 of a 200×100 image.
const SOURCE: ManifestEntry = {
  path: 'images/scene.png',
  width: 200,
  height: 100,
  split: 'train',
  boxes: [
    { x1: 21, y1: 19, x2: 80, y2: 61, label: 'persian' }, // the round object, a fine label
    { x1: 30, y1: 30, x2: 40, y2: 40, label: 'eye' }, // inside it
  ],
  polygons: [
    { points: [[110, 30], [190, 30], [190, 90], [110, 90]], label: 'EXIT 12' }, // the angular object
    { points: [[60, 25], [100, 25], [100, 55], [60, 55]], label: 'whisker' }, // half inside the round crop
  ],
};

describe('deriveStageData: crops of a detector (ONNX through serving)', () => {
  let tmp: string;
  let sourceDir: string;
  let pipelineDir: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-derive-'));
    const python = process.env.AIP_PYTHON;
    if (!python) throw new Error('AIP_PYTHON is not set: it must name a Python with the onnx package (the set-up script exports it)');
    const models = path.join(tmp, 'models');
    execFileSync(python, [MAKE_MODELS, models], { stdio: ['ignore', 'inherit', 'inherit'] });
    pipelineDir = path.join(tmp, 'pipeline');
    await mkdir(path.join(pipelineDir, 'models'), { recursive: true });
    await copyFile(path.join(models, 'shapes.onnx'), path.join(pipelineDir, 'models', 'detect.onnx'));
    const spec = {
      version: 1,
      name: 'detector',
      stages: [{ id: 'detect', name: 'detect', task: 'detection', model: 'models/detect.onnx', classes: ['round', 'angular'], inputSize: [32, 48], scoreThreshold: 0.3, input: null }],
    };
    await writeFile(path.join(pipelineDir, 'pipeline.json'), JSON.stringify(spec));

    sourceDir = path.join(tmp, 'source');
    await mkdir(path.join(sourceDir, 'images'), { recursive: true });
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#808080' } }).png().toFile(path.join(sourceDir, SOURCE.path));
    await writeManifest(sourceDir, [SOURCE], { format: 'text_detection' });
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const stage = (task: TaskType, parentClass: string, classes: string[], labelMap: Record<string, string> = {}): PlanStage => ({
    nodeId: `${task}-stage`,
    name: task,
    task,
    input: { kind: 'stage', nodeId: 'detect', class: parentClass },
    mode: 'train',
    arch: 'any',
    classes,
    labelMap,
    hyper: {},
    visibility: 'private',
    executor: 'local',
    dependsOn: ['detect'],
  });

  let derived = 0;
  const derive = async (consumer: PlanStage, from = sourceDir) => {
    const outDir = path.join(tmp, `out-${++derived}`);
    const result = await deriveStageData({ pipelineDir, sourceDir: from, stage: consumer, outDir, sourceTask: 'detection' });
    return { result, ...(await readManifest(outDir)), hints: await hintsOf(outDir) };
  };

  /** A source dataset of the same grey scene once per entry (entries name their own paths). */
  const sourceOf = async (name: string, entries: ManifestEntry[], format: 'detection' | 'unlabeled') => {
    const dir = path.join(tmp, name);
    await mkdir(path.join(dir, 'images'), { recursive: true });
    for (const entry of entries) await copyFile(path.join(sourceDir, SOURCE.path), path.join(dir, entry.path));
    await writeManifest(dir, entries, { format });
    return dir;
  };
  const scene = (name: string, split: ManifestEntry['split'], labels: Pick<ManifestEntry, 'boxes'>): ManifestEntry => ({
    path: `images/${name}.png`,
    width: 200,
    height: 100,
    split,
    ...labels,
  });
  /** A box near the detector's round one (20..80 × 20..60), coordinates off by at most a pixel or two. */
  const nearRound = (box: { x1: number; y1: number; x2: number; y2: number } | undefined) => {
    expect(box).toBeDefined();
    for (const [key, value] of Object.entries({ x1: 20, y1: 20, x2: 80, y2: 60 })) expect(Math.abs(box![key as keyof typeof box] - value)).toBeLessThanOrEqual(2);
  };
  // circle / ring refine "round": a source labeled only "round" says which crops to label, not how.
  const shapes = () => stage('classification', 'round', ['circle', 'ring']);

  it('labels a classifier’s crops with the matched object’s class, mapped to the stage’s classes', async () => {
    const { result, info, entries, hints } = await derive(stage('classification', 'round', ['cat', 'dog'], { persian: 'cat' }));
    expect(result).toEqual({ images: 1, labeled: 1, dropped: 0 });
    expect(info).toMatchObject({ format: 'classification', classes: ['cat', 'dog'], classCounts: { cat: 1, dog: 0 } });
    expect(entries).toEqual([{ path: 'images/0_0.png', width: 60, height: 40, split: 'train', class: 'cat' }]);
    // Every crop has its labels: nothing for people to do.
    expect(hints).toBeNull();
  });

  it('keeps a crop whose object is labeled only with the parent class, unlabeled, with its hint', async () => {
    const coarse = await sourceOf('coarse', [scene('coarse', 'val', { boxes: [{ x1: 21, y1: 19, x2: 80, y2: 61, label: 'round' }] })], 'detection');
    const { result, info, entries, hints } = await derive(shapes(), coarse);
    expect(result).toEqual({ images: 1, labeled: 0, dropped: 0 });
    expect(info.format).toBe('unlabeled');
    expect(entries).toEqual([{ path: 'images/0_0.png', width: 60, height: 40, split: 'val' }]);
    expect(hints).toHaveLength(1);
    const [hint] = hints!;
    expect(Object.keys(hint!).sort()).toEqual(['confidence', 'path', 'source']);
    expect(hint!.path).toBe('images/0_0.png');
    expect(hint!.confidence).toBeGreaterThan(0);
    expect(hint!.confidence).toBeLessThanOrEqual(1);
    expect(hint!.source!.path).toBe('images/coarse.png');
    nearRound(hint!.source!.box);
  });

  it('keeps the crops of an image without any labels, unlabeled', async () => {
    const bare = await sourceOf('bare', [scene('bare', 'train', {})], 'unlabeled');
    const classified = await derive(shapes(), bare);
    expect(classified.result).toEqual({ images: 1, labeled: 0, dropped: 0 });
    expect(classified.info.format).toBe('unlabeled');
    expect(classified.entries).toEqual([{ path: 'images/0_0.png', width: 60, height: 40, split: 'train' }]);
    expect(classified.hints!.map((hint) => hint.source?.path)).toEqual(['images/bare.png']);
    nearRound(classified.hints![0]!.source!.box);
    // The same for a text recognizer below the detector: its crop waits for people to type the text.
    const read = await derive(stage('text_recognition', 'angular', []), bare);
    expect(read.result).toEqual({ images: 1, labeled: 0, dropped: 0 });
    expect(read.info.format).toBe('unlabeled');
    expect(read.entries).toEqual([{ path: 'images/0_0.png', width: 80, height: 60, split: 'train' }]);
  });

  it('mixes fine-labeled crops (labels in their hints) with coarse ones and drops other branches’ objects', async () => {
    const mixed = await sourceOf(
      'mixed',
      [
        scene('fine', 'train', { boxes: [{ x1: 20, y1: 20, x2: 80, y2: 60, label: 'circle' }] }),
        scene('coarse', 'train', { boxes: [{ x1: 20, y1: 20, x2: 80, y2: 60, label: 'round' }] }),
        // Labeled as the other branch's class: the detector's "round" box there is its mistake.
        scene('other', 'train', { boxes: [{ x1: 20, y1: 20, x2: 80, y2: 60, label: 'angular' }] }),
        // Labeled, but nothing where the detector finds its round object: a detector mistake too.
        scene('elsewhere', 'test', { boxes: [{ x1: 150, y1: 60, x2: 190, y2: 95, label: 'round' }] }),
      ],
      'detection',
    );
    const { result, info, entries, hints } = await derive(shapes(), mixed);
    expect(result).toEqual({ images: 2, labeled: 1, dropped: 2 });
    // One crop still needs people: the whole dataset waits for labeling, the known label in its hint.
    expect(info.format).toBe('unlabeled');
    expect(entries.map((entry) => entry.path)).toEqual(['images/0_0.png', 'images/1_0.png']);
    expect(entries.every((entry) => entry.class === undefined)).toBe(true);
    expect(hints!.map((hint) => [hint.path, hint.labels, hint.source?.path])).toEqual([
      ['images/0_0.png', { class: 'circle' }, 'images/fine.png'],
      ['images/1_0.png', undefined, 'images/coarse.png'],
    ]);
    for (const hint of hints!) {
      expect(hint.confidence).toBeGreaterThan(0);
      expect(hint.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('writes the stage’s own format when every crop has labels, fine and mapped ones alike', async () => {
    const fine = await sourceOf(
      'fine',
      [
        scene('a', 'train', { boxes: [{ x1: 20, y1: 20, x2: 80, y2: 60, label: 'circle' }] }),
        scene('b', 'val', { boxes: [{ x1: 20, y1: 20, x2: 80, y2: 60, label: 'hoop' }] }),
      ],
      'detection',
    );
    const { result, info, entries, hints } = await derive(stage('classification', 'round', ['circle', 'ring'], { hoop: 'ring' }), fine);
    expect(result).toEqual({ images: 2, labeled: 2, dropped: 0 });
    expect(info).toMatchObject({ format: 'classification', classes: ['circle', 'ring'], classCounts: { circle: 1, ring: 1 } });
    expect(entries.map((entry) => [entry.path, entry.split, entry.class])).toEqual([
      ['images/0_0.png', 'train', 'circle'],
      ['images/1_0.png', 'val', 'ring'],
    ]);
    expect(hints).toBeNull();
  });

  it('gives a text recognizer’s crop the matched line’s text', async () => {
    const { result, info, entries, hints } = await derive(stage('text_recognition', 'angular', []));
    expect(result).toEqual({ images: 1, labeled: 1, dropped: 0 });
    expect(info.format).toBe('text_recognition');
    expect(hints).toBeNull();
    expect(entries).toEqual([{ path: 'images/0_0.png', width: 80, height: 60, split: 'train', text: 'EXIT 12' }]);
  });

  it('carries the boxes and polygons inside a crop, in its coordinates, for detection and segmentation', async () => {
    const detection = await derive(stage('detection', 'round', ['eye']));
    expect(detection.entries[0]!.boxes).toEqual([{ x1: 10, y1: 10, x2: 20, y2: 20, label: 'eye' }]);
    const segmentation = await derive(stage('segmentation', 'round', ['whisker']));
    expect(segmentation.info.format).toBe('segmentation');
    expect(segmentation.entries[0]!.polygons).toEqual([{ points: [[40, 5], [60, 5], [60, 35], [40, 35]], label: 'whisker' }]);
  });

  it('drops crops that match no object of the stage’s classes', async () => {
    const { result, entries } = await derive(stage('classification', 'round', ['dog']));
    expect(result).toEqual({ images: 0, labeled: 0, dropped: 1 });
    expect(entries).toEqual([]);
  });
});

describe('deriveStageData: images routed by a classifier, images of an enhancer', () => {
  let tmp: string;
  let sourceDir: string;
  let pipelineDir: string;
  const entries: ManifestEntry[] = [
    { path: 'images/red.png', width: 20, height: 10, split: 'train', boxes: [{ x1: 1, y1: 1, x2: 5, y2: 5, label: 'eye' }] },
    { path: 'images/blue.png', width: 20, height: 10, split: 'test', boxes: [{ x1: 2, y1: 2, x2: 9, y2: 8, label: 'nose' }] },
  ];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-derive-whole-'));
    const models = path.join(tmp, 'models');
    execFileSync(process.env.AIP_PYTHON!, [MAKE_MODELS, models], { stdio: ['ignore', 'inherit', 'inherit'] });
    pipelineDir = path.join(tmp, 'pipeline');
    await mkdir(path.join(pipelineDir, 'models'), { recursive: true });
    await copyFile(path.join(models, 'colour.onnx'), path.join(pipelineDir, 'models', 'colour.onnx'));
    await copyFile(path.join(models, 'invert.onnx'), path.join(pipelineDir, 'models', 'invert.onnx'));
    const spec = {
      version: 1,
      name: 'whole images',
      stages: [
        { id: 'colour', name: 'colour', task: 'classification', model: 'models/colour.onnx', classes: ['red', 'green', 'blue'], inputSize: [16, 16], input: null },
        { id: 'invert', name: 'invert', task: 'enhancement', model: 'models/invert.onnx', classes: [], inputSize: [10, 20], input: null },
      ],
    };
    await writeFile(path.join(pipelineDir, 'pipeline.json'), JSON.stringify(spec));
    sourceDir = path.join(tmp, 'source');
    await mkdir(path.join(sourceDir, 'images'), { recursive: true });
    await sharp({ create: { width: 20, height: 10, channels: 3, background: '#ff0000' } }).png().toFile(path.join(sourceDir, 'images/red.png'));
    await sharp({ create: { width: 20, height: 10, channels: 3, background: '#0000ff' } }).png().toFile(path.join(sourceDir, 'images/blue.png'));
    await writeManifest(sourceDir, entries, { format: 'detection' });
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const consumer = (task: TaskType, source: string, parentClass: string | undefined, classes: string[]): PlanStage => ({
    nodeId: `${task}-after-${source}`,
    name: task,
    task,
    input: { kind: 'stage', nodeId: source, ...(parentClass ? { class: parentClass } : {}) },
    mode: 'train',
    arch: 'any',
    classes,
    labelMap: {},
    hyper: {},
    visibility: 'private',
    executor: 'local',
    dependsOn: [source],
  });

  it('keeps the images the classifier puts in the parent class, as they are, with their own labels', async () => {
    const outDir = path.join(tmp, 'routed');
    const result = await deriveStageData({ pipelineDir, sourceDir, outDir, stage: consumer('detection', 'colour', 'red', ['eye']), sourceTask: 'classification' });
    expect(result).toEqual({ images: 1, labeled: 1, dropped: 1 });
    const { entries: derived } = await readManifest(outDir);
    expect(derived).toEqual([{ path: 'images/0.png', width: 20, height: 10, split: 'train', boxes: [{ x1: 1, y1: 1, x2: 5, y2: 5, label: 'eye' }] }]);
  });

  it('trains the stage below an enhancer on the enhanced images, labels unchanged', async () => {
    const outDir = path.join(tmp, 'enhanced');
    const result = await deriveStageData({ pipelineDir, sourceDir, outDir, stage: consumer('detection', 'invert', undefined, ['eye', 'nose']), sourceTask: 'enhancement' });
    expect(result).toEqual({ images: 2, labeled: 2, dropped: 0 });
    const { entries: derived } = await readManifest(outDir);
    expect(derived).toEqual([
      { path: 'images/0.png', width: 20, height: 10, split: 'train', boxes: entries[0]!.boxes },
      { path: 'images/1.png', width: 20, height: 10, split: 'test', boxes: entries[1]!.boxes },
    ]);
    // The red image inverted: cyan.
    const { data } = await sharp(path.join(outDir, 'images/0.png')).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([0, 255, 255]);
  });

  it('keeps routed images without labels for this stage (none, or only the parent class) for people, with the classifier’s score', async () => {
    const copyAs = async (dir: string, names: string[]) => {
      await mkdir(path.join(dir, 'images'), { recursive: true });
      for (const name of names) await copyFile(path.join(sourceDir, 'images/red.png'), path.join(dir, `images/${name}.png`));
      await copyFile(path.join(sourceDir, 'images/blue.png'), path.join(dir, 'images/blue.png'));
    };
    const shade = consumer('classification', 'colour', 'red', ['dark', 'light']);

    // No labels at all: the red image is kept, the blue one goes to another branch.
    const bareDir = path.join(tmp, 'bare');
    await copyAs(bareDir, ['red']);
    const bare = [
      { path: 'images/red.png', width: 20, height: 10, split: 'train' as const },
      { path: 'images/blue.png', width: 20, height: 10, split: 'train' as const },
    ];
    await writeManifest(bareDir, bare, { format: 'unlabeled' });
    const bareOut = path.join(tmp, 'routed-bare');
    expect(await deriveStageData({ pipelineDir, sourceDir: bareDir, outDir: bareOut, stage: shade, sourceTask: 'classification' })).toEqual({ images: 1, labeled: 0, dropped: 1 });
    expect((await readManifest(bareOut)).info.format).toBe('unlabeled');
    const [hint, ...more] = (await hintsOf(bareOut))!;
    expect(more).toEqual([]);
    expect(hint!.path).toBe('images/0.png');
    expect(hint!.labels).toBeUndefined();
    expect(hint!.confidence).toBeGreaterThan(0);
    expect(hint!.confidence).toBeLessThanOrEqual(1);
    // A whole image: nothing was cut out of it.
    expect(hint!.source).toBeUndefined();

    // Labeled: "red" (the parent class) needs people, "dark" is this stage's, "green" is the classifier's mistake.
    const coarseDir = path.join(tmp, 'coarse');
    await copyAs(coarseDir, ['coarse', 'fine', 'wrong']);
    const labeled = [
      { path: 'images/coarse.png', width: 20, height: 10, split: 'train' as const, class: 'red' },
      { path: 'images/fine.png', width: 20, height: 10, split: 'val' as const, class: 'dark' },
      { path: 'images/wrong.png', width: 20, height: 10, split: 'train' as const, class: 'green' },
    ];
    await writeManifest(coarseDir, labeled, { format: 'classification' });
    const coarseOut = path.join(tmp, 'routed-coarse');
    expect(await deriveStageData({ pipelineDir, sourceDir: coarseDir, outDir: coarseOut, stage: shade, sourceTask: 'classification' })).toEqual({ images: 2, labeled: 1, dropped: 1 });
    expect((await readManifest(coarseOut)).info.format).toBe('unlabeled');
    expect((await hintsOf(coarseOut))!.map((h) => [h.path, h.labels])).toEqual([
      ['images/0.png', undefined],
      ['images/1.png', { class: 'dark' }],
    ]);
  });
});

describe('deriveStageData: text lines of a text detector, cut out upright for a recognizer', () => {
  let tmp: string;
  let sourceDir: string;
  let pipelineDir: string;
  // A dark bar turned 30° (centre 180,64; 100 × 20), a dark horizontal bar, and a dark blob no
  // label covers, on a white 256×128 image. The test detector (make-models.py "lines") marks dark
  // pixels as text; with no shrinking in training, nothing needs unclipping.
  const angle = Math.PI / 6;
  const along = [Math.cos(angle), Math.sin(angle)];
  const across = [-Math.sin(angle), Math.cos(angle)];
  const rotated = ([[-50, -10], [50, -10], [50, 10], [-50, 10]] as const).map(
    ([u, v]) => [180 + u * along[0]! + v * across[0]!, 64 + u * along[1]! + v * across[1]!] as [number, number],
  );
  const SOURCE: ManifestEntry = {
    path: 'images/sign.png',
    width: 256,
    height: 128,
    split: 'val',
    boxes: [{ x1: 20, y1: 20, x2: 120, y2: 44, label: 'A猫' }],
    polygons: [{ points: rotated.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]), label: 'EXIT 12' }],
  };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-derive-lines-'));
    const models = path.join(tmp, 'models');
    execFileSync(process.env.AIP_PYTHON!, [MAKE_MODELS, models], { stdio: ['ignore', 'inherit', 'inherit'] });
    pipelineDir = path.join(tmp, 'pipeline');
    await mkdir(path.join(pipelineDir, 'models'), { recursive: true });
    await copyFile(path.join(models, 'lines.onnx'), path.join(pipelineDir, 'models', 'lines.onnx'));
    const textDetection = { binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 0, minSize: 3 };
    const spec = {
      version: 1,
      name: 'lines',
      stages: [{ id: 'lines', name: 'lines', task: 'text_detection', model: 'models/lines.onnx', classes: [], inputSize: [64, 128], textDetection, input: null }],
    };
    await writeFile(path.join(pipelineDir, 'pipeline.json'), JSON.stringify(spec));
    sourceDir = path.join(tmp, 'source');
    await mkdir(path.join(sourceDir, 'images'), { recursive: true });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="128"><rect width="256" height="128" fill="#fff"/>
      <polygon points="${rotated.map(([x, y]) => `${x},${y}`).join(' ')}" fill="#000"/>
      <rect x="20" y="20" width="100" height="24" fill="#000"/><circle cx="60" cy="100" r="10" fill="#000"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(path.join(sourceDir, SOURCE.path));
    await writeManifest(sourceDir, [SOURCE], { format: 'text_detection' });
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('labels each line with the text of the outline it overlaps and drops the lines no label covers', async () => {
    const outDir = path.join(tmp, 'read');
    const stage: PlanStage = {
      nodeId: 'read',
      name: 'read',
      task: 'text_recognition',
      input: { kind: 'stage', nodeId: 'lines' },
      mode: 'train',
      arch: 'any',
      classes: [],
      labelMap: {},
      hyper: {},
      visibility: 'private',
      executor: 'local',
      dependsOn: ['lines'],
    };
    const result = await deriveStageData({ pipelineDir, sourceDir, outDir, stage, sourceTask: 'text_detection' });
    expect(result).toEqual({ images: 2, labeled: 2, dropped: 1 });
    const { info, entries } = await readManifest(outDir);
    expect(info.format).toBe('text_recognition');
    const byText = new Map(entries.map((entry) => [entry.text, entry]));
    expect([...byText.keys()].sort()).toEqual(['A猫', 'EXIT 12']);
    // Both cut out upright at about their own size (the detector saw them at half resolution).
    for (const [text, [width, height]] of [['A猫', [100, 24]], ['EXIT 12', [100, 20]]] as const) {
      const entry = byText.get(text)!;
      expect(entry.split).toBe('val');
      expect(Math.abs(entry.width - width)).toBeLessThanOrEqual(4);
      expect(Math.abs(entry.height - height)).toBeLessThanOrEqual(4);
    }
    // The rotated line was turned level: its middle row is dark from end to end.
    const rotatedCrop = byText.get('EXIT 12')!;
    const { data, info: raw } = await sharp(path.join(outDir, rotatedCrop.path)).raw().toBuffer({ resolveWithObject: true });
    const middle = Math.floor(raw.height / 2);
    const dark = [0.1, 0.5, 0.9].map((f) => data[(middle * raw.width + Math.floor(f * raw.width)) * raw.channels]!);
    expect(Math.max(...dark)).toBeLessThan(80);
  });

  const reader: PlanStage = {
    nodeId: 'read',
    name: 'read',
    task: 'text_recognition',
    input: { kind: 'stage', nodeId: 'lines' },
    mode: 'train',
    arch: 'any',
    classes: [],
    labelMap: {},
    hyper: {},
    visibility: 'private',
    executor: 'local',
    dependsOn: ['lines'],
  };

  it('keeps every line of an image without text labels for people to transcribe, where each was found', async () => {
    const bareDir = path.join(tmp, 'bare');
    await mkdir(path.join(bareDir, 'images'), { recursive: true });
    await copyFile(path.join(sourceDir, SOURCE.path), path.join(bareDir, 'images/bare.png'));
    await writeManifest(bareDir, [{ path: 'images/bare.png', width: 256, height: 128, split: 'train' }], { format: 'unlabeled' });
    const outDir = path.join(tmp, 'read-bare');
    const result = await deriveStageData({ pipelineDir, sourceDir: bareDir, outDir, stage: reader, sourceTask: 'text_detection' });
    expect(result).toEqual({ images: 3, labeled: 0, dropped: 0 });
    const { info, entries } = await readManifest(outDir);
    expect(info.format).toBe('unlabeled');
    expect(entries.every((entry) => entry.text === undefined && entry.split === 'train')).toBe(true);
    const hints = (await hintsOf(outDir))!;
    expect(hints.map((hint) => hint.path)).toEqual(entries.map((entry) => entry.path));
    for (const hint of hints) {
      expect(hint.labels).toBeUndefined();
      expect(hint.confidence).toBeGreaterThan(0);
      expect(hint.confidence).toBeLessThanOrEqual(1);
      expect(hint.source!.path).toBe('images/bare.png');
      const { x1, y1, x2, y2 } = hint.source!.box;
      expect(0 <= x1 && x1 < x2 && x2 <= 256 && 0 <= y1 && y1 < y2 && y2 <= 128).toBe(true);
    }
    // The horizontal bar (20..120 × 20..44) is one of them, its box about the bar's.
    const bar = hints.find((hint) => Math.abs(hint.source!.box.x1 - 20) <= 4 && Math.abs(hint.source!.box.y1 - 20) <= 4);
    expect(bar).toBeDefined();
    expect(Math.abs(bar!.source!.box.x2 - 120)).toBeLessThanOrEqual(4);
    expect(Math.abs(bar!.source!.box.y2 - 44)).toBeLessThanOrEqual(4);
  });
});
