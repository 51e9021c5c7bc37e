import { describe, expect, it } from 'vitest';
import { signedArea2 } from '../manifest.ts';
import { area, boundsOf, clipPolygon, intersectRegion, iou, matchByIou, matchPolygonsByIou, polygonArea, polygonIou } from './geometry.ts';

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint ones', () => {
    const box = { x1: 0, y1: 0, x2: 10, y2: 10 };
    expect(iou(box, box)).toBe(1);
    expect(iou(box, { x1: 10, y1: 0, x2: 20, y2: 10 })).toBe(0);
  });

  it('is intersection over union for overlapping boxes', () => {
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(50 / 150);
  });
});

describe('matchByIou', () => {
  it('matches one to one, best overlap first, and ignores pairs under the threshold', () => {
    const truths = [
      { x1: 0, y1: 0, x2: 10, y2: 10 },
      { x1: 50, y1: 50, x2: 60, y2: 60 },
    ];
    const predictions = [
      { x1: 1, y1: 1, x2: 10, y2: 10 }, // best for truth 0
      { x1: 0, y1: 0, x2: 12, y2: 12 }, // also overlaps truth 0, but truth 0 is taken
      { x1: 100, y1: 100, x2: 110, y2: 110 }, // matches nothing
    ];
    const matched = matchByIou(predictions, truths);
    expect([...matched.entries()]).toEqual([[0, 0]]);
  });
});

describe('clipPolygon', () => {
  const region = { left: 10, top: 10, width: 20, height: 20 };

  it('keeps a polygon inside the region as it is', () => {
    const inside: [number, number][] = [[12, 12], [20, 12], [20, 20]];
    expect(clipPolygon(inside, region)).toEqual(inside);
  });

  it('cuts a polygon crossing the edge along it, keeping its orientation', () => {
    // A square 0..20 (clockwise on screen) overlaps the region on 10..20 × 10..20.
    const square: [number, number][] = [[0, 0], [20, 0], [20, 20], [0, 20]];
    const clipped = clipPolygon(square, region);
    expect(area(boundsOf(clipped))).toBe(100);
    expect(signedArea2(clipped)).toBe(200);
    expect(new Set(clipped.map(([x, y]) => `${x},${y}`))).toEqual(new Set(['10,10', '20,10', '20,20', '10,20']));
  });

  it('returns nothing for a polygon outside the region or one only touching it', () => {
    expect(clipPolygon([[0, 0], [5, 0], [5, 5]], region)).toEqual([]);
    expect(clipPolygon([[0, 0], [10, 0], [10, 10], [0, 10]], region)).toEqual([]);
  });
});

describe('intersectRegion', () => {
  it('is the overlap of a box and a region, or null', () => {
    const region = { left: 10, top: 10, width: 20, height: 20 };
    expect(intersectRegion({ x1: 0, y1: 15, x2: 15, y2: 40 }, region)).toEqual({ x1: 10, y1: 15, x2: 15, y2: 30 });
    expect(intersectRegion({ x1: 0, y1: 0, x2: 10, y2: 10 }, region)).toBeNull();
  });
});

describe('polygonIou', () => {
  const square = (x: number, y: number, side: number): [number, number][] => [[x, y], [x + side, y], [x + side, y + side], [x, y + side]];

  it('agrees with box IoU for axis-aligned rectangles, whichever way either turns', () => {
    const a = square(0, 0, 10);
    const b = square(5, 0, 10);
    expect(polygonIou(a, b)).toBeCloseTo(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 }), 12);
    expect(polygonIou([...a].reverse(), b)).toBeCloseTo(1 / 3, 12);
    expect(polygonIou(a, [...b].reverse())).toBeCloseTo(1 / 3, 12);
  });

  it('measures a rotated rectangle against a non-convex outline exactly', () => {
    // A 45°-rotated square of area 50 centred on (5, 5) against an L of area 75 (the 10×10 square
    // minus its top-right quarter): the diamond loses the triangle (5,0), (10,5), (5,5) of area 12.5.
    const diamond: [number, number][] = [[5, 0], [10, 5], [5, 10], [0, 5]];
    const ell: [number, number][] = [[0, 0], [5, 0], [5, 5], [10, 5], [10, 10], [0, 10]];
    expect(polygonArea(ell)).toBe(75);
    const inter = 50 - 12.5;
    expect(polygonIou(diamond, ell)).toBeCloseTo(inter / (50 + 75 - inter), 12);
  });

  it('is 0 for disjoint polygons and 1 for the same one', () => {
    expect(polygonIou(square(0, 0, 4), square(10, 10, 4))).toBe(0);
    expect(polygonIou(square(0, 0, 4), square(0, 0, 4))).toBe(1);
  });

  it('matches lines to outlines one to one, best overlap first', () => {
    const truths = [square(0, 0, 10), square(20, 0, 10)];
    const predictions = [square(21, 0, 10), square(1, 0, 10), square(0, 40, 10)];
    expect(matchPolygonsByIou(predictions, truths)).toEqual(new Map([[0, 1], [1, 0]]));
  });
});
