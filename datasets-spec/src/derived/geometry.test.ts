import { describe, expect, it } from 'vitest';
import { iou, matchByIou } from './geometry.ts';

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
