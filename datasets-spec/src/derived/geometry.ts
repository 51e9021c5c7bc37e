/** Box and polygon arithmetic for derived datasets (crops, carried labels) and cascade evaluation. */
import { signedArea2 } from '../manifest.ts';

export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy one-to-one matching by descending IoU: each prediction gets at most one truth and
 * vice versa, and only pairs at or above `threshold` count.
 */
export function matchByIou<P extends Rect, T extends Rect>(
  predictions: P[],
  truths: T[],
  threshold = 0.5,
): Map<number, number> {
  return matchGreedy(predictions, truths, iou, threshold);
}

/**
 * `matchByIou` for polygons: text lines (a detector's rotated rectangles, convex) against labeled
 * outlines (any simple polygon), by `polygonIou`.
 */
export function matchPolygonsByIou(predictions: Points[], truths: Points[], threshold = 0.5): Map<number, number> {
  return matchGreedy(predictions, truths, polygonIou, threshold);
}

function matchGreedy<P, T>(predictions: P[], truths: T[], overlap: (p: P, t: T) => number, threshold: number): Map<number, number> {
  const pairs: Array<{ p: number; t: number; score: number }> = [];
  predictions.forEach((p, pi) =>
    truths.forEach((t, ti) => {
      const score = overlap(p, t);
      if (score >= threshold) pairs.push({ p: pi, t: ti, score });
    }),
  );
  pairs.sort((a, b) => b.score - a.score);
  const matched = new Map<number, number>();
  const usedTruths = new Set<number>();
  for (const pair of pairs) {
    if (matched.has(pair.p) || usedTruths.has(pair.t)) continue;
    matched.set(pair.p, pair.t);
    usedTruths.add(pair.t);
  }
  return matched;
}

export type Points = readonly (readonly [number, number])[];

/** The area inside a simple polygon (shoelace), whichever way it turns. */
export function polygonArea(points: Points): number {
  return Math.abs(signedArea2(points)) / 2;
}

/**
 * Intersection over union of two simple polygons, the first of them **convex** (a detector's
 * rectangle): the second is clipped by each edge of the first (Sutherland–Hodgman), which measures
 * their common area exactly for a convex clipper even when the clipped polygon is not convex.
 */
export function polygonIou(convex: Points, other: Points): number {
  const inter = polygonArea(clipByConvex(other, convex));
  const union = polygonArea(convex) + polygonArea(other) - inter;
  return union > 0 ? inter / union : 0;
}

function clipByConvex(subject: Points, clip: Points): [number, number][] {
  // Inside = on the polygon's own side of each edge, whichever way it turns.
  const turn = Math.sign(signedArea2(clip)) || 1;
  let current: [number, number][] = subject.map(([x, y]) => [x, y]);
  for (let i = 0; i < clip.length && current.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const side = (p: readonly [number, number]) => turn * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    const next: [number, number][] = [];
    current.forEach((point, index) => {
      const previous = current[(index + current.length - 1) % current.length]!;
      const [sp, sq] = [side(previous), side(point)];
      if (sq >= 0) {
        if (sp < 0) next.push(lerp(previous, point, sp / (sp - sq)));
        next.push(point);
      } else if (sp >= 0) {
        next.push(lerp(previous, point, sp / (sp - sq)));
      }
    });
    current = next;
  }
  return current;
}

function lerp(a: readonly [number, number], b: readonly [number, number], t: number): [number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
}

/** An integer pixel region of an image, as a crop cuts it (serving's `cropRegion`). */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function area(rect: Rect): number {
  return Math.max(0, rect.x2 - rect.x1) * Math.max(0, rect.y2 - rect.y1);
}

/** The part of `rect` inside `region`, or null when they do not overlap. */
export function intersectRegion(rect: Rect, region: Region): Rect | null {
  const x1 = Math.max(rect.x1, region.left);
  const y1 = Math.max(rect.y1, region.top);
  const x2 = Math.min(rect.x2, region.left + region.width);
  const y2 = Math.min(rect.y2, region.top + region.height);
  return x1 < x2 && y1 < y2 ? { x1, y1, x2, y2 } : null;
}

export function boundsOf(points: readonly (readonly [number, number])[]): Rect {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
}

/**
 * The part of a polygon inside `region` (Sutherland–Hodgman against the region's four edges).
 * The clip of a simple polygon by a convex region keeps its orientation; points that coincide
 * after clipping are merged. Fewer than 3 points left means nothing of it is inside.
 */
export function clipPolygon(points: readonly (readonly [number, number])[], region: Region): [number, number][] {
  const right = region.left + region.width;
  const bottom = region.top + region.height;
  const edges: Array<{ inside: (p: readonly [number, number]) => boolean; cut: (a: readonly [number, number], b: readonly [number, number]) => [number, number] }> = [
    { inside: ([x]) => x >= region.left, cut: (a, b) => atX(a, b, region.left) },
    { inside: ([x]) => x <= right, cut: (a, b) => atX(a, b, right) },
    { inside: ([, y]) => y >= region.top, cut: (a, b) => atY(a, b, region.top) },
    { inside: ([, y]) => y <= bottom, cut: (a, b) => atY(a, b, bottom) },
  ];
  let current: [number, number][] = points.map(([x, y]) => [x, y]);
  for (const edge of edges) {
    if (current.length === 0) break;
    const next: [number, number][] = [];
    current.forEach((point, index) => {
      const previous = current[(index + current.length - 1) % current.length]!;
      if (edge.inside(point)) {
        if (!edge.inside(previous)) next.push(edge.cut(previous, point));
        next.push(point);
      } else if (edge.inside(previous)) {
        next.push(edge.cut(previous, point));
      }
    });
    current = next;
  }
  const merged = withoutRepeats(current);
  return merged.length >= 3 ? merged : [];
}

/** A polygon without consecutive equal points (the last and the first count as neighbours). */
export function withoutRepeats(points: [number, number][]): [number, number][] {
  return points.filter((point, index) => {
    const previous = points[(index + points.length - 1) % points.length]!;
    return points.length === 1 || point[0] !== previous[0] || point[1] !== previous[1];
  });
}

function atX(a: readonly [number, number], b: readonly [number, number], x: number): [number, number] {
  return [x, a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0])];
}

function atY(a: readonly [number, number], b: readonly [number, number], y: number): [number, number] {
  return [a[0] + ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]), y];
}
