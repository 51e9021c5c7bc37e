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
  const python = process.env.AIP_PYTHON;
  if (!python) {
    throw new Error('AIP_PYTHON is not set: it must name a Python with the onnx package (the set-up script exports it)');
  }
  const dir = tempDir('models');
  execFileSync(python, [join(SERVING_DIR, 'test', 'make-models.py'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  return dir;
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

/**
 * Write a bundle folder: pipeline.json plus models/<stage>.onnx copied from `modelsDir`
 * (`files` maps stage id → model file name there; default shapes for detection, colour otherwise).
 */
export function writeBundle(
  modelsDir: string,
  spec: PipelineSpec = cascadeSpec(),
  files: Record<string, string> = {},
  dir: string = tempDir('bundle'),
): string {
  mkdirSync(join(dir, 'models'), { recursive: true });
  for (const stage of spec.stages) {
    const file = files[stage.id] ?? (stage.task === 'detection' ? 'shapes.onnx' : 'colour.onnx');
    copyFileSync(join(modelsDir, file), join(dir, stage.model));
  }
  writeFileSync(join(dir, 'pipeline.json'), JSON.stringify(spec, null, 2));
  return dir;
}

type Rgb = [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];

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

/** The test scene: a red square where the detector's "round" box is, a blue one at "angular". */
export function drawScene(): Promise<Buffer> {
  return drawImage(IMAGE_WIDTH, IMAGE_HEIGHT, [
    { box: ROUND_BOX, colour: RED },
    { box: ANGULAR_BOX, colour: BLUE },
  ]);
}
