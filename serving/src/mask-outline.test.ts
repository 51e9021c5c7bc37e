import { describe, expect, it } from 'vitest';
import { maskRegions, type Point } from './mask-outline.ts';

/** A `size × size` mask with `value` wherever `inside(x, y)`. */
function mask(size: number, paint: Array<[number, (x: number, y: number) => boolean]>): number[] {
  const values = new Array<number>(size * size).fill(0);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (const [value, inside] of paint) if (inside(x, y)) values[y * size + x] = value;
  return values;
}

const area = (ring: Point[]) => ring.reduce((sum, [x1, y1], i) => sum + x1 * ring[(i + 1) % ring.length]![1] - ring[(i + 1) % ring.length]![0] * y1, 0) / 2;

describe('maskRegions', () => {
  it('outlines a square of one class along its pixel edges, scaled to the image, clockwise', () => {
    const square = mask(10, [[1, (x, y) => x >= 2 && x < 6 && y >= 3 && y < 7]]);
    const regions = maskRegions(square, [10, 10], ['tile', 'crack'], [100, 50]);
    expect(regions).toHaveLength(1);
    const [region] = regions;
    expect(region!.class).toBe('tile');
    expect(region!.area).toBeCloseTo(16 / 100);
    const [outline] = region!.outlines;
    expect(region!.outlines).toHaveLength(1);
    expect(outline!.holes).toEqual([]);
    // 4×4 pixels → 40×20 image pixels (x × 10, y × 5), within the half-pixel contour offset.
    expect(Math.abs(area(outline!.points))).toBeGreaterThan(0.8 * 40 * 20);
    expect(Math.abs(area(outline!.points))).toBeLessThan(1.2 * 40 * 20);
    expect(area(outline!.points)).toBeGreaterThan(0);
    const xs = outline!.points.map(([x]) => x);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...xs)).toBeLessThanOrEqual(65);
  });

  it('keeps holes, counter-clockwise, and orders classes by area; specks are dropped', () => {
    const ring = mask(20, [
      [2, (x, y) => x >= 2 && x < 14 && y >= 2 && y < 14 && !(x >= 6 && x < 10 && y >= 6 && y < 10)],
      [1, (x, y) => x === 18 && y === 18],
    ]);
    const regions = maskRegions(ring, [20, 20], ['speck', 'donut'], [20, 20]);
    expect(regions.map((r) => r.class)).toEqual(['donut']);
    const [outline] = regions[0]!.outlines;
    expect(outline!.holes).toHaveLength(1);
    expect(area(outline!.holes[0]!)).toBeLessThan(0);
    expect(area(outline!.points)).toBeGreaterThan(0);
  });

  it('gives one outline per separate blob and nothing for an empty mask', () => {
    const two = mask(12, [[1, (x, y) => (x < 4 && y < 4) || (x >= 8 && y >= 8)]]);
    expect(maskRegions(two, [12, 12], ['blob'], [12, 12])[0]!.outlines).toHaveLength(2);
    expect(maskRegions(new Array(16).fill(0), [4, 4], ['blob'], [4, 4])).toEqual([]);
  });
});
