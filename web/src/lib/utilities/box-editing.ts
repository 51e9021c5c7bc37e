/**
 * The geometry of the box labeler, in image pixels: a drag turned into a box, which box or handle a
 * pointer is on, moving and resizing a box without ever leaving the image or shrinking below a
 * minimum size. Everything returns new objects (the labeler keeps its boxes immutable).
 */
import { roundCoordinate, type ImageSize, type Point } from './labels.ts';

export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The eight resize handles: corners and edge midpoints, by compass direction (y grows down). */
export const HANDLES = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'] as const;
export type Handle = (typeof HANDLES)[number];

/** The smallest side a drawn box may have, in image pixels: a smaller drag is a click, not a box. */
export const MIN_BOX_SIDE = 3;

export const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** A point moved inside the image. */
export const clampPoint = ([x, y]: Point, image: ImageSize): Point => [clamp(x, 0, image.width), clamp(y, 0, image.height)];

/** The box a drag from `from` to `to` spans, whichever way it went: x1 < x2, y1 < y2, inside the image. */
export function normalizeDrag(from: Point, to: Point, image: ImageSize): Rect {
  const [ax, ay] = clampPoint(from, image);
  const [bx, by] = clampPoint(to, image);
  return { x1: Math.min(ax, bx), y1: Math.min(ay, by), x2: Math.max(ax, bx), y2: Math.max(ay, by) };
}

/** Whether a box is big enough to keep (a drag shorter than this was meant as a click). */
export const isBigEnough = (rect: Rect, minSide = MIN_BOX_SIDE): boolean => rect.x2 - rect.x1 >= minSide && rect.y2 - rect.y1 >= minSide;

/** Where each handle of a box is drawn. */
export function handlePoints(rect: Rect): Record<Handle, Point> {
  const cx = (rect.x1 + rect.x2) / 2;
  const cy = (rect.y1 + rect.y2) / 2;
  return {
    nw: [rect.x1, rect.y1],
    n: [cx, rect.y1],
    ne: [rect.x2, rect.y1],
    e: [rect.x2, cy],
    se: [rect.x2, rect.y2],
    s: [cx, rect.y2],
    sw: [rect.x1, rect.y2],
    w: [rect.x1, cy],
  };
}

export interface BoxHit {
  index: number;
  /** A handle (resize) or the box itself (move). */
  part: Handle | 'body';
}

const area = (rect: Rect) => (rect.x2 - rect.x1) * (rect.y2 - rect.y1);

/**
 * What the pointer at `point` is on: a handle of the selected box first (within `tolerance`, in image
 * pixels: the labeler passes a few screen pixels' worth), else the smallest box containing the point
 * (so a box inside another can still be picked), else nothing.
 */
export function hitTestBoxes(boxes: readonly Rect[], point: Point, tolerance: number, selected: number | null = null): BoxHit | null {
  const [x, y] = point;
  const selectedBox = selected === null ? undefined : boxes[selected];
  if (selected !== null && selectedBox) {
    const handles = handlePoints(selectedBox);
    // Corners before edges: at a small box's corner both are near, and a corner is what people aim for.
    for (const handle of ['nw', 'ne', 'se', 'sw', 'n', 'e', 's', 'w'] as const) {
      const [hx, hy] = handles[handle];
      if (Math.abs(hx - x) <= tolerance && Math.abs(hy - y) <= tolerance) return { index: selected, part: handle };
    }
  }
  let best: BoxHit | null = null;
  let bestArea = Infinity;
  boxes.forEach((box, index) => {
    if (x < box.x1 || x > box.x2 || y < box.y1 || y > box.y2) return;
    const size = area(box);
    if (size < bestArea || (size === bestArea && index === selected)) {
      best = { index, part: 'body' };
      bestArea = size;
    }
  });
  return best;
}

/** A box moved by (dx, dy), stopped at the image's edges with its size kept. */
export function moveBox<T extends Rect>(box: T, dx: number, dy: number, image: ImageSize): T {
  const width = box.x2 - box.x1;
  const height = box.y2 - box.y1;
  const x1 = clamp(box.x1 + dx, 0, Math.max(0, image.width - width));
  const y1 = clamp(box.y1 + dy, 0, Math.max(0, image.height - height));
  return { ...box, x1, y1, x2: x1 + width, y2: y1 + height };
}

/**
 * A box whose `handle` was dragged to `point`: the handle's edges follow the pointer (inside the
 * image), the others stay. Dragged past the opposite edge, the box flips rather than turning inside
 * out; it never gets smaller than `minSide` (it grows away from the edge that stayed).
 */
export function resizeBox<T extends Rect>(box: T, handle: Handle, point: Point, image: ImageSize, minSide = MIN_BOX_SIDE): T {
  const [px, py] = clampPoint(point, image);
  let { x1, y1, x2, y2 } = box;
  if (handle.includes('w')) x1 = px;
  if (handle.includes('e')) x2 = px;
  if (handle.includes('n')) y1 = py;
  if (handle.includes('s')) y2 = py;
  [x1, x2] = ensureSpan(Math.min(x1, x2), Math.max(x1, x2), handle.includes('w') ? 'low' : 'high', minSide, image.width);
  [y1, y2] = ensureSpan(Math.min(y1, y2), Math.max(y1, y2), handle.includes('n') ? 'low' : 'high', minSide, image.height);
  return { ...box, x1, y1, x2, y2 };
}

/** [low, high] widened to `minSide`, moving the end that was dragged, kept inside [0, limit]. */
function ensureSpan(low: number, high: number, moved: 'low' | 'high', minSide: number, limit: number): [number, number] {
  if (high - low >= minSide) return [low, high];
  const side = Math.min(minSide, limit);
  if (moved === 'low') {
    low = high - side;
    if (low < 0) [low, high] = [0, side];
  } else {
    high = low + side;
    if (high > limit) [low, high] = [limit - side, limit];
  }
  return [low, high];
}

/** A box with its coordinates rounded as they are saved. */
export const roundBox = <T extends Rect>(box: T): T => ({
  ...box,
  x1: roundCoordinate(box.x1),
  y1: roundCoordinate(box.y1),
  x2: roundCoordinate(box.x2),
  y2: roundCoordinate(box.y2),
});

/** The CSS cursor that says what dragging a part does. */
export function cursorFor(part: Handle | 'body' | null): string {
  switch (part) {
    case 'n':
    case 's':
      return 'ns-resize';
    case 'e':
    case 'w':
      return 'ew-resize';
    case 'nw':
    case 'se':
      return 'nwse-resize';
    case 'ne':
    case 'sw':
      return 'nesw-resize';
    case 'body':
      return 'move';
    case null:
      return 'crosshair';
  }
}
