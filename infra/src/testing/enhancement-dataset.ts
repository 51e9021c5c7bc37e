/**
 * Synthetic enhancement pairs whose images also carry a class, for an enhancer → classifier
 * flowchart: the target is a clean picture of one large shape (circle, square or triangle) on a
 * smooth background; the input is the same picture blurred, darkened and covered in noise. Written
 * as an enhancement zip with class folders (`train/input/<class>/…`, `train/target/<class>/…`,
 * datasets-spec/SPEC.md "Enhancement"), the only place that format has for a class.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import yazl from 'yazl';
import { seededRandom } from './random.ts';
import { shapeSvg } from './shapes-dataset.ts';

export const ENHANCEMENT_CLASSES = ['circle', 'square', 'triangle'] as const;
export type EnhancementClass = (typeof ENHANCEMENT_CLASSES)[number];

export interface EnhancementPair {
  name: string;
  class: EnhancementClass;
  /** The degraded picture (what the enhancer is given). */
  input: Buffer;
  /** The clean picture (what it should give back). */
  target: Buffer;
  size: number;
}

/** How the input is spoiled: a blur, this share of the brightness kept, then per-pixel noise of this spread. */
const BLUR_SIGMA = 1.2;
const DARKEN = 0.5;
const NOISE = 28;

export async function drawEnhancementPair(seed: number, size = 64): Promise<Omit<EnhancementPair, 'name'>> {
  const rand = seededRandom(seed);
  const label = ENHANCEMENT_CLASSES[Math.floor(rand() * ENHANCEMENT_CLASSES.length)]!;
  // Light backgrounds and saturated mid-tone shapes: darkening then costs the shape its contrast.
  const from = `hsl(${Math.floor(rand() * 360)},40%,${70 + Math.floor(rand() * 20)}%)`;
  const to = `hsl(${Math.floor(rand() * 360)},40%,${70 + Math.floor(rand() * 20)}%)`;
  const side = Math.round(size * (0.45 + rand() * 0.3));
  const x1 = Math.round(rand() * (size - side));
  const y1 = Math.round(rand() * (size - side));
  const colour = `hsl(${Math.floor(rand() * 360)},85%,${30 + Math.floor(rand() * 20)}%)`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>` +
    `<rect width="${size}" height="${size}" fill="url(#g)"/>${shapeSvg({ x1, y1, x2: x1 + side, y2: y1 + side, label }, colour)}</svg>`;
  const clean = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
  const target = await sharp(clean, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  const blurred = await sharp(clean, { raw: { width: size, height: size, channels: 3 } }).blur(BLUR_SIGMA).raw().toBuffer();
  const spoiled = Buffer.alloc(blurred.length);
  for (let i = 0; i < blurred.length; i++) {
    // Roughly Gaussian noise: the sum of three uniforms, centred, scaled to spread NOISE.
    const noise = (rand() + rand() + rand() - 1.5) * 2 * NOISE;
    spoiled[i] = Math.max(0, Math.min(255, Math.round(blurred[i]! * DARKEN + noise)));
  }
  const input = await sharp(spoiled, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  return { class: label, input, target, size };
}

export async function drawEnhancementPairs(count: number, seed = 1, size = 64): Promise<EnhancementPair[]> {
  const pairs: EnhancementPair[] = [];
  for (let i = 0; i < count; i++) {
    const pair = await drawEnhancementPair(seed * 100_003 + i, size);
    pairs.push({ name: `pair_${String(i).padStart(4, '0')}.png`, ...pair });
  }
  return pairs;
}

/**
 * Writes an enhancement zip with class folders, everything inside one top-level folder: train/
 * only, so the importer's hash rule gives the val and test splits.
 */
export async function writeEnhancementZip(pairs: EnhancementPair[], zipPath: string): Promise<void> {
  await mkdir(path.dirname(zipPath), { recursive: true });
  const zip = new yazl.ZipFile();
  for (const pair of pairs) {
    zip.addBuffer(pair.input, `restore/train/input/${pair.class}/${pair.name}`);
    zip.addBuffer(pair.target, `restore/train/target/${pair.class}/${pair.name}`);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
