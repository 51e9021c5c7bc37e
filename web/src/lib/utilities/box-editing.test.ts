import { describe, expect, it } from 'vitest';
import { cursorFor, handlePoints, hitTestBoxes, isBigEnough, moveBox, normalizeDrag, resizeBox, roundBox } from './box-editing.ts';

const image = { width: 100, height: 80 };
const box = (x1: number, y1: number, x2: number, y2: number, label = 'cat') => ({ x1, y1, x2, y2, label });

describe('normalizeDrag', () => {
  it('orders the corners of a drag made in any direction', () => {
    expect(normalizeDrag([50, 40], [10, 5], image)).toEqual({ x1: 10, y1: 5, x2: 50, y2: 40 });
    expect(normalizeDrag([10, 40], [50, 5], image)).toEqual({ x1: 10, y1: 5, x2: 50, y2: 40 });
  });

  it('keeps a drag that leaves the image inside it', () => {
    expect(normalizeDrag([-20, 70], [130, 95], image)).toEqual({ x1: 0, y1: 70, x2: 100, y2: 80 });
  });

  it('tells a click from a box', () => {
    expect(isBigEnough(normalizeDrag([10, 10], [11, 30], image))).toBe(false);
    expect(isBigEnough(normalizeDrag([10, 10], [14, 14], image))).toBe(true);
  });
});

describe('hitTestBoxes', () => {
  const boxes = [box(10, 10, 60, 60), box(20, 20, 30, 30), box(70, 10, 90, 30)];

  it('finds the smallest box under the pointer, so an inner box can be picked', () => {
    expect(hitTestBoxes(boxes, [25, 25], 2)).toEqual({ index: 1, part: 'body' });
    expect(hitTestBoxes(boxes, [50, 50], 2)).toEqual({ index: 0, part: 'body' });
    expect(hitTestBoxes(boxes, [95, 70], 2)).toBeNull();
  });

  it('finds the handles of the selected box only, corners first', () => {
    expect(hitTestBoxes(boxes, [61, 59], 2, 0)).toEqual({ index: 0, part: 'se' });
    expect(hitTestBoxes(boxes, [35, 9], 2, 0)).toEqual({ index: 0, part: 'n' });
    expect(hitTestBoxes(boxes, [10, 35], 2, 0)).toEqual({ index: 0, part: 'w' });
    // Not selected: the same spot is just inside (or outside) the box.
    expect(hitTestBoxes(boxes, [61, 59], 2, null)).toBeNull();
    expect(hitTestBoxes(boxes, [60, 60], 2, 2)).toEqual({ index: 0, part: 'body' });
  });

  it('places the handles on corners and edge midpoints', () => {
    expect(handlePoints(box(0, 0, 10, 20))).toMatchObject({ nw: [0, 0], n: [5, 0], e: [10, 10], se: [10, 20], w: [0, 10] });
  });
});

describe('moveBox', () => {
  it('moves a box and keeps its label', () => {
    expect(moveBox(box(10, 10, 30, 20), 5, -5, image)).toEqual(box(15, 5, 35, 15));
  });

  it('stops at the image edges without changing the size', () => {
    expect(moveBox(box(10, 10, 30, 20), 200, 200, image)).toEqual(box(80, 70, 100, 80));
    expect(moveBox(box(10, 10, 30, 20), -50, -50, image)).toEqual(box(0, 0, 20, 10));
  });
});

describe('resizeBox', () => {
  it('moves the edges of the dragged handle only', () => {
    expect(resizeBox(box(10, 10, 30, 30), 'se', [40, 50], image)).toEqual(box(10, 10, 40, 50));
    expect(resizeBox(box(10, 10, 30, 30), 'n', [99, 2], image)).toEqual(box(10, 2, 30, 30));
    expect(resizeBox(box(10, 10, 30, 30), 'w', [0, 0], image)).toEqual(box(0, 10, 30, 30));
  });

  it('stays inside the image', () => {
    expect(resizeBox(box(10, 10, 30, 30), 'ne', [150, -10], image)).toEqual(box(10, 0, 100, 30));
  });

  it('flips instead of turning inside out when dragged past the opposite edge', () => {
    expect(resizeBox(box(10, 10, 30, 30), 'e', [5, 20], image)).toEqual(box(5, 10, 10, 30));
    expect(resizeBox(box(10, 10, 30, 30), 'nw', [40, 50], image)).toEqual(box(30, 30, 40, 50));
  });

  it('never gets smaller than the minimum side, growing away from the edge that stayed', () => {
    expect(resizeBox(box(10, 10, 30, 30), 'e', [11, 20], image, 3)).toEqual(box(10, 10, 13, 30));
    expect(resizeBox(box(10, 10, 30, 30), 'n', [0, 29], image, 3)).toEqual(box(10, 27, 30, 30));
    // At the image's edge it grows the other way.
    expect(resizeBox(box(98, 10, 100, 30), 'w', [100, 20], image, 3)).toEqual(box(97, 10, 100, 30));
  });
});

describe('roundBox and cursorFor', () => {
  it('rounds to one decimal', () => {
    expect(roundBox(box(1.234, 2.25, 3.99, 4))).toEqual(box(1.2, 2.3, 4, 4));
  });

  it('shows what a drag does', () => {
    expect(cursorFor('nw')).toBe('nwse-resize');
    expect(cursorFor('ne')).toBe('nesw-resize');
    expect(cursorFor('body')).toBe('move');
    expect(cursorFor(null)).toBe('crosshair');
  });
});
