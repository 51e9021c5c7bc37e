/**
 * Synthetic labeled detection data for the end-to-end test and the benchmark: filled circles,
 * rings, squares and triangles drawn on noisy textured canvases, written as a detection-format zip
 * (images + label.txt, fine labels), or as a segmentation-format zip (each shape's outline as a
 * polygon). Coarse classes for the flowchart: round = circle|ring, angular = square|triangle.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import yazl from 'yazl';
import { seededRandom as random } from './random.ts';

export const FINE_CLASSES = ['circle', 'ring', 'square', 'triangle'] as const;
export type FineClass = (typeof FINE_CLASSES)[number];
export const COARSE_OF: Record<FineClass, 'round' | 'angular'> = {
  circle: 'round',
  ring: 'round',
  square: 'angular',
  triangle: 'angular',
};

export interface ShapeBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  label: FineClass;
}

export interface ShapeImage {
  name: string;
  png: Buffer;
  width: number;
  height: number;
  boxes: ShapeBox[];
}

/** A shape as SVG, filling `box` (a ring is a thick outline inside it). */
export function shapeSvg(box: ShapeBox, color: string): string {
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const cx = box.x1 + w / 2;
  const cy = box.y1 + h / 2;
  switch (box.label) {
    case 'circle':
      return `<circle cx="${cx}" cy="${cy}" r="${w / 2}" fill="${color}"/>`;
    case 'ring': {
      const stroke = Math.max(3, w / 6);
      return `<circle cx="${cx}" cy="${cy}" r="${w / 2 - stroke / 2}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`;
    }
    case 'square':
      return `<rect x="${box.x1}" y="${box.y1}" width="${w}" height="${h}" fill="${color}"/>`;
    case 'triangle':
      return `<polygon points="${cx},${box.y1} ${box.x2},${box.y2} ${box.x1},${box.y2}" fill="${color}"/>`;
  }
}

function overlaps(a: ShapeBox, b: Omit<ShapeBox, 'label'>, margin: number): boolean {
  return !(a.x2 + margin < b.x1 || b.x2 + margin < a.x1 || a.y2 + margin < b.y1 || b.y2 + margin < a.y1);
}

export async function drawShapeImage(seed: number, size = 128): Promise<Omit<ShapeImage, 'name'>> {
  const rand = random(seed);
  // Texture: per-pixel noise over a random smooth gradient, so the detector cannot rely on a
  // flat background.
  const base = [60 + rand() * 110, 60 + rand() * 110, 60 + rand() * 110];
  const slope = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        const value = base[c]! + slope[c]! * (x + y) * 0.6 + (rand() - 0.5) * 60;
        pixels[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  const boxes: ShapeBox[] = [];
  const count = 1 + Math.floor(rand() * 3);
  for (let attempt = 0; boxes.length < count && attempt < 50; attempt++) {
    const side = Math.round(22 + rand() * 20);
    const x1 = Math.round(2 + rand() * (size - side - 4));
    const y1 = Math.round(2 + rand() * (size - side - 4));
    const candidate = { x1, y1, x2: x1 + side, y2: y1 + side };
    if (boxes.some((box) => overlaps(box, candidate, 4))) continue;
    boxes.push({ ...candidate, label: FINE_CLASSES[Math.floor(rand() * FINE_CLASSES.length)]! });
  }
  const colors = boxes.map(() => {
    // Saturated colours, far from the grey-ish background.
    const hue = Math.floor(rand() * 360);
    return `hsl(${hue},90%,${rand() < 0.5 ? 25 : 75}%)`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${boxes
    .map((box, i) => shapeSvg(box, colors[i]!))
    .join('')}</svg>`;
  const png = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
  return { png, width: size, height: size, boxes };
}

export async function drawShapeImages(count: number, seed = 1): Promise<ShapeImage[]> {
  const images: ShapeImage[] = [];
  for (let i = 0; i < count; i++) {
    const image = await drawShapeImage(seed * 100_003 + i);
    images.push({ name: `img_${String(i).padStart(4, '0')}.png`, ...image });
  }
  return images;
}

/** The detection format's label.txt for these images (paths relative to the dataset root). */
export function labelTxt(images: ShapeImage[], folder = 'images'): string {
  const lines: string[] = [];
  for (const image of images) {
    lines.push(`${folder}/${image.name},${image.width},${image.height}`);
    lines.push(String(image.boxes.length));
    for (const box of image.boxes) lines.push(`${box.x1},${box.y1},${box.x2},${box.y2},${box.label}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a detection-format zip: everything inside one top-level folder, as users zip it. */
export async function writeDetectionZip(images: ShapeImage[], zipPath: string): Promise<void> {
  await mkdir(path.dirname(zipPath), { recursive: true });
  const zip = new yazl.ZipFile();
  for (const image of images) zip.addBuffer(image.png, `shapes/images/${image.name}`);
  zip.addBuffer(Buffer.from(labelTxt(images)), 'shapes/label.txt');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}

/** Writes the images of a held-out set to a folder with a JSON of their ground truth. */
export async function writeImagesFolder(images: ShapeImage[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const image of images) await writeFile(path.join(dir, image.name), image.png);
  await writeFile(path.join(dir, 'truth.json'), JSON.stringify(images.map(({ png: _png, ...rest }) => rest)));
}

/**
 * A shape's outline, clockwise on screen (y down), as the segmentation format wants it: circles
 * and rings as 24-gons (a ring's hole cannot be a polygon, so it is labelled whole), squares and
 * triangles by their corners.
 */
export function shapePolygon(box: ShapeBox): [number, number][] {
  const [cx, cy] = [(box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2];
  const round = (v: number) => Math.round(v * 10) / 10;
  switch (box.label) {
    case 'circle':
    case 'ring': {
      const r = (box.x2 - box.x1) / 2;
      return Array.from({ length: 24 }, (_, i) => {
        const angle = (2 * Math.PI * i) / 24;
        return [round(cx + r * Math.cos(angle)), round(cy + r * Math.sin(angle))];
      });
    }
    case 'square':
      return [[box.x1, box.y1], [box.x2, box.y1], [box.x2, box.y2], [box.x1, box.y2]];
    case 'triangle':
      return [[cx, box.y1], [box.x2, box.y2], [box.x1, box.y2]];
  }
}

/** Writes a segmentation-format zip of these images: label.txt with one polygon per shape. */
export async function writeSegmentationZip(images: ShapeImage[], zipPath: string): Promise<void> {
  await mkdir(path.dirname(zipPath), { recursive: true });
  const lines = images.flatMap((image) => [
    `images/${image.name},${image.width},${image.height}`,
    String(image.boxes.length),
    ...image.boxes.map((box) => `${shapePolygon(box).map(([x, y]) => `(${x},${y})`).join(',')},${box.label}`),
  ]);
  const zip = new yazl.ZipFile();
  for (const image of images) zip.addBuffer(image.png, `shapes/images/${image.name}`);
  zip.addBuffer(Buffer.from(`${lines.join('\n')}\n`), 'shapes/label.txt');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
