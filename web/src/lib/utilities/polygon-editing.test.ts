import { describe, expect, it } from 'vitest';
import type { Point } from './labels.ts';
import {
  addPoint,
  clockwise,
  closesPolygon,
  deleteVertex,
  finishDraft,
  hitTestPolygon,
  hitTestVertex,
  insertVertex,
  labelAnchor,
  movePolygon,
  moveVertex,
  nearestEdge,
  pointInPolygon,
  roundPoints,
  signedArea,
} from './polygon-editing.ts';

const image = { width: 100, height: 80 };
/** A square clockwise on screen (right, down, left, up). */
const square: Point[] = [[10, 10], [30, 10], [30, 30], [10, 30]];

describe('drawing a polygon point by point', () => {
  it('adds points, keeping them inside the image', () => {
    let step = addPoint([], [10, 10], image, 4);
    step = addPoint(step.draft, [120, -5], image, 4);
    expect(step).toEqual({ draft: [[10, 10], [100, 0]], closed: null });
  });

  it('ignores a second click on the last point (a double click)', () => {
    expect(addPoint([[10, 10], [30, 10]], [30.5, 10.5], image, 4)).toEqual({ draft: [[10, 10], [30, 10]], closed: null });
  });

  it('closes near the first point once there are three points, clockwise', () => {
    // Drawn counter-clockwise on screen: up the left side first.
    const drawn: Point[] = [[10, 10], [10, 30], [30, 30], [30, 10]];
    expect(closesPolygon(drawn.slice(0, 2), [10, 10], 4)).toBe(false);
    const step = addPoint(drawn, [12, 11], image, 4);
    expect(step.draft).toEqual([]);
    expect(signedArea(step.closed!)).toBeGreaterThan(0);
    expect(step.closed).toHaveLength(4);
  });

  it('near the first point with two points only, adds the point', () => {
    expect(addPoint([[10, 10], [30, 10]], [11, 11], image, 4).closed).toBeNull();
  });

  it('finishes a draft of three points or more', () => {
    expect(finishDraft([[10, 10], [20, 10]])).toBeNull();
    expect(finishDraft([[10, 10], [20, 10], [20, 20]])).toEqual([[10, 10], [20, 10], [20, 20]]);
  });
});

describe('orientation', () => {
  it('is positive for clockwise on screen and reverses the other way', () => {
    expect(signedArea(square)).toBe(400);
    const counter = [...square].reverse();
    expect(signedArea(counter)).toBe(-400);
    expect(clockwise(counter)).toEqual(square);
    expect(clockwise(square)).toEqual(square);
  });
});

describe('editing a polygon', () => {
  it('drags a vertex, inside the image', () => {
    expect(moveVertex(square, 2, [40, 35], image)).toEqual([[10, 10], [30, 10], [40, 35], [10, 30]]);
    expect(moveVertex(square, 0, [-5, 90], image)[0]).toEqual([0, 80]);
  });

  it('deletes a vertex, and the polygon with too few points left', () => {
    expect(deleteVertex(square, 1)).toEqual([[10, 10], [30, 30], [10, 30]]);
    expect(deleteVertex([[0, 0], [1, 0], [1, 1]], 0)).toBeNull();
  });

  it('moves the whole polygon, stopped at the edges', () => {
    expect(movePolygon(square, 5, 5, image)).toEqual([[15, 15], [35, 15], [35, 35], [15, 35]]);
    expect(movePolygon(square, -50, 100, image)).toEqual([[0, 60], [20, 60], [20, 80], [0, 80]]);
  });

  it('inserts a vertex on the nearest edge', () => {
    const edge = nearestEdge(square, [20, 11], 3)!;
    expect(edge).toEqual({ after: 0, at: [20, 10] });
    expect(insertVertex(square, edge.after, edge.at)).toEqual([[10, 10], [20, 10], [30, 10], [30, 30], [10, 30]]);
    expect(nearestEdge(square, [20, 20], 3)).toBeNull();
    // The closing edge, from the last point back to the first.
    expect(nearestEdge(square, [9, 20], 3)?.after).toBe(3);
  });
});

describe('hit testing', () => {
  const inner: Point[] = [[15, 15], [20, 15], [20, 20], [15, 20]];

  it('tells inside from outside', () => {
    expect(pointInPolygon([20, 20], square)).toBe(true);
    expect(pointInPolygon([31, 20], square)).toBe(false);
  });

  it('picks the smallest polygon under the pointer', () => {
    expect(hitTestPolygon([square, inner], [17, 17])).toBe(1);
    expect(hitTestPolygon([square, inner], [25, 25])).toBe(0);
    expect(hitTestPolygon([square, inner], [50, 50])).toBeNull();
  });

  it('finds the nearest vertex, the selected polygon’s first', () => {
    expect(hitTestVertex([square, inner], [29, 11], 3)).toEqual({ polygon: 0, vertex: 1 });
    expect(hitTestVertex([square, inner], [25, 25], 3)).toBeNull();
    const touching: Point[] = [[31, 11], [40, 11], [40, 20]];
    expect(hitTestVertex([square, touching], [30.8, 10.8], 3)).toEqual({ polygon: 1, vertex: 0 });
    expect(hitTestVertex([square, touching], [30.8, 10.8], 3, 0)).toEqual({ polygon: 0, vertex: 1 });
  });
});

describe('saving and drawing', () => {
  it('rounds points to one decimal', () => {
    expect(roundPoints([[1.26, 2.04]])).toEqual([[1.3, 2]]);
  });

  it('puts the label at the topmost point', () => {
    expect(labelAnchor([[30, 20], [10, 5], [40, 5]])).toEqual([10, 5]);
  });
});
