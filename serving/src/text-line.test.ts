import { describe, expect, it } from 'vitest';
import type { DecodedImage } from './image.ts';
import { minAreaRect, rectifyTextLine } from './text-line.ts';

/** A `width × height` image whose red channel is the x coordinate and green the y coordinate. */
function gradient(width: number, height: number): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 0], (y * width + x) * 3);
  return { data, width, height };
}

const pixel = (image: DecodedImage, x: number, y: number) => [...image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 2)];

describe('minAreaRect', () => {
  it('is the polygon itself for a rectangle, and the tight rotated rectangle for a tilted one', () => {
    const area = (q: readonly (readonly [number, number])[]) => Math.abs(q.reduce((s, [x, y], i) => s + x * q[(i + 1) % 4]![1] - q[(i + 1) % 4]![0] * y, 0) / 2);
    expect(area(minAreaRect([[10, 10], [50, 10], [50, 20], [10, 20]]))).toBeCloseTo(400);
    // A 40×10 bar tilted by 30°: its bounding box is much larger, the rotated rectangle is 400.
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const bar = [[0, 0], [40, 0], [40, 10], [0, 10]].map(([x, y]) => [100 + x! * c - y! * s, 100 + x! * s + y! * c] as [number, number]);
    expect(area(minAreaRect(bar))).toBeCloseTo(400, 3);
  });
});

describe('rectifyTextLine', () => {
  it('cuts an axis-aligned line as it is', () => {
    const line = rectifyTextLine(gradient(100, 50), [[10, 20], [60, 20], [60, 30], [10, 30]]);
    expect([line.width, line.height]).toEqual([50, 10]);
    expect(pixel(line, 0, 0)).toEqual([10, 20]);
    expect(pixel(line, 49, 9)).toEqual([59, 29]);
  });

  it('turns a tilted line level, reading from its left end', () => {
    // The same line tilted 20° clockwise around (10, 20), listed from an arbitrary corner.
    const angle = (20 * Math.PI) / 180;
    const turn = ([x, y]: [number, number]): [number, number] => [10 + (x - 10) * Math.cos(angle) - (y - 20) * Math.sin(angle), 20 + (x - 10) * Math.sin(angle) + (y - 20) * Math.cos(angle)];
    const line = rectifyTextLine(gradient(100, 80), [turn([60, 30]), turn([10, 30]), turn([10, 20]), turn([60, 20])]);
    expect([line.width, line.height]).toEqual([50, 10]);
    // Its first pixel is near the line's top-left corner (10, 20); its last near the far end.
    const [x0, y0] = pixel(line, 0, 0);
    expect(Math.abs(x0! - 10)).toBeLessThanOrEqual(2);
    expect(Math.abs(y0! - 20)).toBeLessThanOrEqual(2);
    const end = turn([59.5, 20.5]);
    const [x1, y1] = pixel(line, 49, 0);
    expect(Math.abs(x1! - end[0])).toBeLessThanOrEqual(2);
    expect(Math.abs(y1! - end[1])).toBeLessThanOrEqual(2);
  });

  it('lays an upright line on its side so that it reads left to right', () => {
    const line = rectifyTextLine(gradient(60, 100), [[20, 10], [30, 10], [30, 70], [20, 70]]);
    expect([line.width, line.height]).toEqual([60, 10]);
    // Turned a quarter to the left: the line's top (y = 10) is now its left end.
    expect(pixel(line, 0, 0)[1]).toBe(10);
    expect(pixel(line, 59, 0)[1]).toBe(69);
  });
});
