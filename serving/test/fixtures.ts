// Test fixtures: real ONNX models (written by make-models.py), bundle folders and drawn images.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Box } from '../src/image.ts';
import type { PipelineSpec } from '../src/pipeline-spec.ts';

export const SERVING_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Image used by the cascade tests: the detector's boxes (see make-models.py) on a 200×100 image. */
export const IMAGE_WIDTH = 200;
export const IMAGE_HEIGHT = 100;
export const ROUND_BOX: Box = { x1: 20, y1: 20, x2: 80, y2: 60 };
export const ANGULAR_BOX: Box = { x1: 110, y1: 30, x2: 190, y2: 90 };

const created: string[] = [];

/** A new temp folder, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `aip-serving-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Remove the folders tempDir() made (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Write colour.onnx/json (classification red/green/blue by mean colour), colour-2.onnx (two
 * outputs) and shapes.onnx/json (detection, fixed boxes) into a new temp folder.
 */
export function makeModels(): string {
  const dir = tempDir('models');
  execFileSync(testPython(), [join(SERVING_DIR, 'test', 'make-models.py'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  return dir;
}

/** The trainer's Python (AIP_PYTHON, exported by the set-up script): it has onnx, torch and the rest of trainer/requirements.txt. */
export function testPython(): string {
  const python = process.env.AIP_PYTHON;
  if (!python) {
    throw new Error('AIP_PYTHON is not set: it must name a Python with the onnx package (the set-up script exports it)');
  }
  return python;
}

/** The detector → per-class colour classifier cascade of the tests. */
export function cascadeSpec(): PipelineSpec {
  return {
    version: 1,
    name: 'shapes and colours',
    stages: [
      {
        id: 'detect',
        name: 'shapes',
        task: 'detection',
        model: 'models/detect.onnx',
        classes: ['round', 'angular'],
        inputSize: [32, 48],
        scoreThreshold: 0.3,
        input: null,
      },
      {
        id: 'round-kind',
        task: 'classification',
        model: 'models/round-kind.onnx',
        classes: ['red', 'green', 'blue'],
        inputSize: [16, 16],
        input: { stage: 'detect', class: 'round' },
      },
      {
        id: 'angular-kind',
        task: 'classification',
        model: 'models/angular-kind.onnx',
        classes: ['red', 'green', 'blue'],
        inputSize: [16, 16],
        input: { stage: 'detect', class: 'angular' },
      },
    ],
  };
}

/** The text detector → text recognizer chain of the tests: `lines` finds dark bars, `read` reads each. */
export function textLinesSpec(): PipelineSpec {
  return {
    version: 1,
    name: 'dark lines',
    stages: [
      {
        id: 'lines',
        task: 'text_detection',
        model: 'models/lines.onnx',
        classes: [],
        inputSize: [64, 128],
        textDetection: { binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 },
        input: null,
      },
      {
        id: 'read',
        task: 'text_recognition',
        model: 'models/read.onnx',
        classes: [],
        charset: ['猫', 'A'],
        inputSize: [8, 32],
        input: { stage: 'lines' },
      },
    ],
  };
}

/** The model file of make-models.py a stage of this task gets unless `writeBundle` is told otherwise. */
const DEFAULT_MODEL_FILES: Partial<Record<PipelineSpec['stages'][number]['task'], string>> = {
  detection: 'shapes.onnx',
  text_detection: 'lines.onnx',
  text_recognition: 'reader.onnx',
};

/**
 * Write a bundle folder: pipeline.json plus models/<stage>.onnx copied from `modelsDir`
 * (`files` maps stage id → model file name there; default shapes for detection, lines for text
 * detection, reader for text recognition, colour otherwise).
 */
export function writeBundle(
  modelsDir: string,
  spec: PipelineSpec = cascadeSpec(),
  files: Record<string, string> = {},
  dir: string = tempDir('bundle'),
): string {
  mkdirSync(join(dir, 'models'), { recursive: true });
  for (const stage of spec.stages) {
    const file = files[stage.id] ?? DEFAULT_MODEL_FILES[stage.task] ?? 'colour.onnx';
    copyFileSync(join(modelsDir, file), join(dir, stage.model));
  }
  writeFileSync(join(dir, 'pipeline.json'), JSON.stringify(spec, null, 2));
  return dir;
}

type Rgb = [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** A PNG of `width`×`height` filled with `background`, with solid rectangles drawn on it. */
export async function drawImage(
  width: number,
  height: number,
  rectangles: Array<{ box: Box; colour: Rgb }>,
  background: Rgb = WHITE,
): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = rectangles.find(({ box }) => x >= box.x1 && x < box.x2 && y >= box.y1 && y < box.y2);
      pixels.set(inside ? inside.colour : background, (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/**
 * A PNG of `width`×`height` filled with `background`, with solid convex polygons (corners in
 * order, e.g. rotated rectangles) drawn on it: a pixel is painted when its centre is inside.
 */
export async function drawPolygons(
  width: number,
  height: number,
  polygons: Array<{ points: Array<[number, number]>; colour: Rgb }>,
  background: Rgb = WHITE,
): Promise<Buffer> {
  // Inside a convex polygon: on the same side of every edge.
  const inside = (points: Array<[number, number]>, x: number, y: number) => {
    const sides = points.map(([x1, y1], i) => {
      const [x2, y2] = points[(i + 1) % points.length]!;
      return Math.sign((x2 - x1) * (y - y1) - (y2 - y1) * (x - x1));
    });
    return sides.every((side) => side >= 0) || sides.every((side) => side <= 0);
  };
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const found = polygons.find(({ points }) => inside(points, x + 0.5, y + 0.5));
      pixels.set(found ? found.colour : background, (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** The corners of a `length`×`thickness` bar centred at (cx, cy), turned by `degrees` (clockwise on screen). */
export function rotatedBar(cx: number, cy: number, length: number, thickness: number, degrees: number): Array<[number, number]> {
  const angle = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  return [
    [-length / 2, -thickness / 2],
    [length / 2, -thickness / 2],
    [length / 2, thickness / 2],
    [-length / 2, thickness / 2],
  ].map(([x, y]) => [cx + x! * c - y! * s, cy + x! * s + y! * c]);
}

/** The test scene: a red square where the detector's "round" box is, a blue one at "angular". */
export function drawScene(): Promise<Buffer> {
  return drawImage(IMAGE_WIDTH, IMAGE_HEIGHT, [
    { box: ROUND_BOX, colour: RED },
    { box: ANGULAR_BOX, colour: BLUE },
  ]);
}
