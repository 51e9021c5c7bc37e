/**
 * The geometry of the polygon labeler, in image pixels: a polygon drawn point by point and closed by
 * clicking near its first point, vertices dragged (inside the image), added on an edge or deleted,
 * which polygon or vertex a pointer is on, and the outline's direction. Saved polygons go clockwise
 * on screen (y grows down), as the segmentation format wants them.
 */
import { clamp, clampPoint } from './box-editing.ts';
import { roundCoordinate, type ImageSize, type Point } from './labels.ts';

/** The fewest points a polygon has. */
export const MIN_POLYGON_POINTS = 3;

const distance = ([ax, ay]: Point, [bx, by]: Point) => Math.hypot(ax - bx, ay - by);

/** Twice the signed area (shoelace); positive when the points go clockwise on screen (y down). */
export function signedArea(points: readonly Point[]): number {
  let sum = 0;
  points.forEach(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length]!;
    sum += x * ny - nx * y;
  });
  return sum / 2;
}

/** The points in clockwise order on screen (reversed when they went the other way). */
export const clockwise = (points: readonly Point[]): Point[] => (signedArea(points) < 0 ? [...points].reverse() : [...points]);

/** A drawn point closes the polygon in progress when it lands near its first point (once it has three). */
export const closesPolygon = (draft: readonly Point[], point: Point, tolerance: number): boolean =>
  draft.length >= MIN_POLYGON_POINTS && distance(draft[0]!, point) <= tolerance;

export interface DraftStep {
  /** The points of the polygon still being drawn (empty once it closed). */
  draft: Point[];
  /** The finished polygon (clockwise) when this click closed it. */
  closed: Point[] | null;
}

/**
 * One click while drawing: closes the polygon near its first point, ignores a click on the last
 * point (a double click), else adds the point (moved inside the image).
 */
export function addPoint(draft: readonly Point[], point: Point, image: ImageSize, tolerance: number): DraftStep {
  const inside = clampPoint(point, image);
  if (closesPolygon(draft, inside, tolerance)) return { draft: [], closed: clockwise(draft) };
  const last = draft[draft.length - 1];
  if (last && distance(last, inside) <= tolerance / 2) return { draft: [...draft], closed: null };
  return { draft: [...draft, inside], closed: null };
}

/** Ends the drawing without clicking the first point again: the polygon when it has enough points. */
export const finishDraft = (draft: readonly Point[]): Point[] | null => (draft.length >= MIN_POLYGON_POINTS ? clockwise(draft) : null);

/** The polygon with one vertex moved to `point` (inside the image). */
export function moveVertex(points: readonly Point[], index: number, point: Point, image: ImageSize): Point[] {
  return points.map((p, i) => (i === index ? clampPoint(point, image) : p));
}

/** The polygon without one vertex; null when too few points would be left (the polygon goes). */
export function deleteVertex(points: readonly Point[], index: number): Point[] | null {
  const left = points.filter((_, i) => i !== index);
  return left.length >= MIN_POLYGON_POINTS ? left : null;
}

/** The polygon moved by (dx, dy) as a whole, stopped at the image's edges. */
export function movePolygon(points: readonly Point[], dx: number, dy: number, image: ImageSize): Point[] {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const sx = clamp(dx, -Math.min(...xs), image.width - Math.max(...xs));
  const sy = clamp(dy, -Math.min(...ys), image.height - Math.max(...ys));
  return points.map(([x, y]) => [x + sx, y + sy]);
}

/** Whether a point is inside a polygon (even-odd rule). */
export function pointInPolygon([x, y]: Point, points: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export interface VertexHit {
  polygon: number;
  vertex: number;
}

/** The vertex within `tolerance` of the pointer: the selected polygon's first, else the nearest of any. */
export function hitTestVertex(polygons: readonly (readonly Point[])[], point: Point, tolerance: number, selected: number | null = null): VertexHit | null {
  let best: VertexHit | null = null;
  let bestDistance = Infinity;
  polygons.forEach((points, polygon) => {
    points.forEach((vertex, index) => {
      const d = distance(vertex, point);
      if (d > tolerance) return;
      // The selected polygon wins ties and near-ties: its handles are the ones drawn.
      const weighted = polygon === selected ? d - tolerance : d;
      if (weighted < bestDistance) {
        best = { polygon, vertex: index };
        bestDistance = weighted;
      }
    });
  });
  return best;
}

/** The smallest polygon containing the pointer (so one inside another can be picked), or null. */
export function hitTestPolygon(polygons: readonly (readonly Point[])[], point: Point): number | null {
  let best: number | null = null;
  let bestArea = Infinity;
  polygons.forEach((points, index) => {
    if (points.length < MIN_POLYGON_POINTS || !pointInPolygon(point, points)) return;
    const size = Math.abs(signedArea(points));
    if (size < bestArea) {
      best = index;
      bestArea = size;
    }
  });
  return best;
}

/**
 * The edge of a polygon within `tolerance` of the pointer, as the index of its first vertex (a new
 * vertex goes after it), with the nearest point on that edge; null when no edge is that near.
 */
export function nearestEdge(points: readonly Point[], point: Point, tolerance: number): { after: number; at: Point } | null {
  let best: { after: number; at: Point } | null = null;
  let bestDistance = tolerance;
  points.forEach((a, i) => {
    const b = points[(i + 1) % points.length]!;
    const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
    const length = dx * dx + dy * dy;
    const t = length === 0 ? 0 : clamp(((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length, 0, 1);
    const at: Point = [a[0] + t * dx, a[1] + t * dy];
    const d = distance(at, point);
    if (d <= bestDistance) {
      best = { after: i, at };
      bestDistance = d;
    }
  });
  return best;
}

/** The polygon with a new vertex inserted after vertex `after`. */
export const insertVertex = (points: readonly Point[], after: number, point: Point): Point[] => [
  ...points.slice(0, after + 1),
  point,
  ...points.slice(after + 1),
];

/** A polygon's points rounded as they are saved. */
export const roundPoints = (points: readonly Point[]): Point[] => points.map(([x, y]) => [roundCoordinate(x), roundCoordinate(y)]);

/** Where a polygon's label goes: its topmost point (the leftmost of those). */
export function labelAnchor(points: readonly Point[]): Point {
  return points.reduce((top, p) => (p[1] < top[1] || (p[1] === top[1] && p[0] < top[0]) ? p : top), points[0] ?? [0, 0]);
}
