/**
 * A segmentation model's class mask → outlines a client can draw or measure: per class, its
 * polygons (with holes) in pixels of the image that was given. Contours are traced with
 * d3-contour on the mask at the model's resolution, simplified (Douglas–Peucker, simplify-js) and
 * then scaled, so a stretched 128×128 mask does not turn into thousands of points.
 */
import { contours } from 'd3-contour';
import simplify from 'simplify-js';

export type Point = [number, number];

export interface Outline {
  /** Clockwise on screen (y down), the first point not repeated: the manifest's polygon convention. */
  points: Point[];
  /** Holes inside it, counter-clockwise. */
  holes: Point[][];
}

export interface MaskRegion {
  class: string;
  /** Share of the image's pixels given to this class, 0..1. */
  area: number;
  outlines: Outline[];
}

export interface OutlineOptions {
  /** Regions smaller than this many mask pixels are noise, not objects: dropped. Default 4. */
  minPixels?: number;
  /** Douglas–Peucker tolerance in mask pixels. Default 0.5: staircase steps go, shapes stay. */
  tolerance?: number;
}

/**
 * `mask`: `maskHeight × maskWidth` class indices, row-major, 0 = background, k = `classes[k - 1]`.
 * Returns the classes present, largest first, their outlines scaled to `width × height`.
 */
export function maskRegions(
  mask: ArrayLike<number>,
  [maskHeight, maskWidth]: readonly [number, number],
  classes: readonly string[],
  [width, height]: readonly [number, number],
  options: OutlineOptions = {},
): MaskRegion[] {
  const minPixels = options.minPixels ?? 4;
  const tolerance = options.tolerance ?? 0.5;
  const pixels = maskHeight * maskWidth;
  const counts = new Array<number>(classes.length + 1).fill(0);
  for (let i = 0; i < pixels; i++) counts[mask[i]!]!++;
  const sx = width / maskWidth;
  const sy = height / maskHeight;
  const scale = (ring: Point[]): Point[] => ring.map(([x, y]) => [round(x * sx), round(y * sy)]);

  const regions: MaskRegion[] = [];
  const tracer = contours().size([maskWidth, maskHeight]).smooth(false).thresholds([0.5]);
  for (let k = 1; k <= classes.length; k++) {
    if (counts[k]! < minPixels) continue;
    const inside = new Float64Array(pixels);
    for (let i = 0; i < pixels; i++) inside[i] = mask[i] === k ? 1 : 0;
    const [contour] = tracer(Array.from(inside));
    const outlines: Outline[] = [];
    for (const [exterior, ...holes] of contour?.coordinates ?? []) {
      const points = tidy(exterior as Point[], tolerance, minPixels);
      if (points === null) continue;
      outlines.push({
        points: oriented(scale(points), true),
        holes: holes.flatMap((hole) => {
          const kept = tidy(hole as Point[], tolerance, minPixels);
          return kept === null ? [] : [oriented(scale(kept), false)];
        }),
      });
    }
    if (outlines.length > 0) regions.push({ class: classes[k - 1]!, area: counts[k]! / pixels, outlines });
  }
  return regions.sort((a, b) => b.area - a.area);
}

/** Open ring (d3 repeats the first point), simplified; null when too small to be an object. */
function tidy(ring: Point[], tolerance: number, minPixels: number): Point[] | null {
  const open = ring.length > 1 && ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1] ? ring.slice(0, -1) : ring;
  if (Math.abs(signedArea(open)) < minPixels) return null;
  const simplified = simplify(open.map(([x, y]) => ({ x, y })), tolerance, true).map(({ x, y }) => [x, y] as Point);
  return simplified.length >= 3 ? simplified : null;
}

/** Shoelace area, positive when clockwise on screen (y down). */
function signedArea(ring: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

function oriented(ring: Point[], clockwise: boolean): Point[] {
  return signedArea(ring) > 0 === clockwise ? ring : ring.reverse();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
