/**
 * The text-detection generator's geometry: each word's outline is the rectangle around its ink,
 * turned with it — every inked pixel lies inside it and ink reaches each of its four sides — and
 * its zip imports as the text-detection format with one region per word, labelled with the word.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importDataset, readManifest, signedArea2 } from '@aip/datasets-spec';
import { drawTextImages, glyphOf, inkCoverage, TEXT_CHARACTERS, wordPolygon, writeTextDetectionZip, type WordPlacement } from './text-dataset.ts';

/** Signed distance from (x, y) to the convex clockwise polygon: negative inside. */
function signedDistance(points: [number, number][], x: number, y: number): number {
  let worst = -Infinity;
  points.forEach(([ax, ay], i) => {
    const [bx, by] = points[(i + 1) % points.length]!;
    const length = Math.hypot(bx - ax, by - ay);
    // Clockwise on screen (y down): the inside is to the right of each edge.
    worst = Math.max(worst, ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / -length);
  });
  return worst;
}

function distanceToSegment([ax, ay]: [number, number], [bx, by]: [number, number], x: number, y: number): number {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}

describe('text-detection generator', () => {
  let tmp: string | undefined;
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('has a distinct 7×5 bitmap for each of its characters, Chinese included', () => {
    expect([...TEXT_CHARACTERS].length).toBe(15);
    expect(TEXT_CHARACTERS).toContain('猫');
    const shapes = [...TEXT_CHARACTERS].map((char) => {
      const glyph = glyphOf(char);
      expect(glyph.length).toBe(7);
      expect(glyph.every((row) => row.length === 5)).toBe(true);
      return JSON.stringify(glyph);
    });
    expect(new Set(shapes).size).toBe(shapes.length);
  });

  it.each([
    { text: '2A猫', scale: 3, angle: 0, cx: 60.5, cy: 40.5 },
    { text: 'K9', scale: 4, angle: 25, cx: 70.3, cy: 55.1 },
    { text: '文E80', scale: 3, angle: -37, cx: 80, cy: 70 },
  ] satisfies WordPlacement[])('outlines the ink of $text turned $angle° exactly', (word) => {
    const points = wordPolygon(word);
    expect(signedArea2(points)).toBeGreaterThan(0);
    const touched = [false, false, false, false];
    for (let y = 0; y < 160; y++) {
      for (let x = 0; x < 160; x++) {
        const coverage = inkCoverage(word, x, y);
        if (coverage === 0) continue;
        // A level word on whole pixels is sharp: its pixels are fully ink or not at all.
        if (word.angle === 0) expect(coverage).toBe(1);
        // Some 4×4 sample of this pixel is ink: the pixel lies at most its half-diagonal outside.
        expect(signedDistance(points, x + 0.5, y + 0.5)).toBeLessThanOrEqual(Math.SQRT1_2 + 1e-9);
        points.forEach((a, i) => {
          if (distanceToSegment(a, points[(i + 1) % 4]!, x + 0.5, y + 0.5) <= 1.2) touched[i] = true;
        });
      }
    }
    expect(touched).toEqual([true, true, true, true]);
    if (word.angle === 0) expect(points.flat().every((v) => Number.isInteger(v))).toBe(true);
  });

  it('writes a zip that imports as text detection, one region per word labelled with its text', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-text-dataset-'));
    const images = await drawTextImages(12, 3);
    const words = images.flatMap((image) => image.words);
    expect(words.some((w) => w.shape === 'rectangle')).toBe(true);
    expect(words.some((w) => w.shape === 'polygon' && w.angle === 0)).toBe(true);
    expect(words.some((w) => Math.abs(w.angle) >= 10)).toBe(true);
    const zipPath = path.join(tmp, 'words.zip');
    await writeTextDetectionZip(images, zipPath);
    const { info } = await importDataset({ zipPath, outDir: path.join(tmp, 'dataset'), format: 'text_detection' });
    expect(info.images).toBe(images.length);
    const { entries } = await readManifest(path.join(tmp, 'dataset'));
    for (const image of images) {
      const entry = entries.find((e) => e.path === `images/images/${image.name}`)!;
      expect([entry.width, entry.height]).toEqual([image.width, image.height]);
      const labels = [...(entry.boxes ?? []).map((b) => b.label), ...(entry.polygons ?? []).map((p) => p.label)].sort();
      expect(labels).toEqual(image.words.map((w) => w.text).sort());
      for (const polygon of entry.polygons ?? []) {
        const word = image.words.find((w) => w.text === polygon.label)!;
        polygon.points.forEach(([x, y], i) => {
          expect(x).toBeCloseTo(word.points[i]![0], 1);
          expect(y).toBeCloseTo(word.points[i]![1], 1);
        });
      }
    }
  });
});
