/**
 * A text line found as a polygon (a text detector's output), cut out as an upright, horizontal
 * image for a text recognizer: the smallest rotated rectangle around the polygon is sampled
 * (bilinear) into an axis-aligned image whose long side runs left to right. A line standing
 * upright (much taller than wide) is turned a quarter to the left, so its text reads horizontally
 * as vertical CJK and rotated Latin lines usually do.
 */
import type { DecodedImage } from './image.ts';

export type Point = readonly [number, number];

/** Corners of a rectangle in image pixels, clockwise on screen; in reading order: top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

/** How much taller than wide a line must be to count as standing upright. */
const UPRIGHT_RATIO = 1.5;

/** The line's pixels, rectified; at least 1×1. */
export function rectifyTextLine(image: DecodedImage, polygon: readonly Point[]): DecodedImage {
  let [tl, tr, br, bl] = readingOrder(minAreaRect(polygon));
  const width = Math.max(1, Math.round(distance(tl, tr)));
  const height = Math.max(1, Math.round(distance(tl, bl)));
  if (height > UPRIGHT_RATIO * width) [tl, tr, br, bl] = [tr, br, bl, tl];
  return sampleQuad(image, [tl, tr, br, bl]);
}

/** Bilinear samples of `image` over the quad (a parallelogram: tl, tr, bl span it), as an axis-aligned image. */
export function sampleQuad(image: DecodedImage, [tl, tr, , bl]: Quad): DecodedImage {
  const width = Math.max(1, Math.round(distance(tl, tr)));
  const height = Math.max(1, Math.round(distance(tl, bl)));
  const data = Buffer.alloc(width * height * 3);
  const ux = [(tr[0] - tl[0]) / width, (tr[1] - tl[1]) / width];
  const vy = [(bl[0] - tl[0]) / height, (bl[1] - tl[1]) / height];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      // Pixel centres: (u + 0.5, v + 0.5) in the output, minus 0.5 to index source pixel centres.
      const x = tl[0] + (u + 0.5) * ux[0]! + (v + 0.5) * vy[0]! - 0.5;
      const y = tl[1] + (u + 0.5) * ux[1]! + (v + 0.5) * vy[1]! - 0.5;
      bilinear(image, x, y, data, (v * width + u) * 3);
    }
  }
  return { data, width, height };
}

function bilinear(image: DecodedImage, x: number, y: number, out: Buffer, at: number): void {
  const clampX = (v: number) => Math.min(Math.max(v, 0), image.width - 1);
  const clampY = (v: number) => Math.min(Math.max(v, 0), image.height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const [xa, xb, ya, yb] = [clampX(x0), clampX(x0 + 1), clampY(y0), clampY(y0 + 1)];
  for (let c = 0; c < 3; c++) {
    const p = (px: number, py: number) => image.data[(py * image.width + px) * 3 + c]!;
    const top = p(xa, ya) * (1 - fx) + p(xb, ya) * fx;
    const bottom = p(xa, yb) * (1 - fx) + p(xb, yb) * fx;
    out[at + c] = Math.round(top * (1 - fy) + bottom * fy);
  }
}

/** The smallest-area rectangle holding every point (rotating calipers over the convex hull). */
export function minAreaRect(points: readonly Point[]): Quad {
  const hull = convexHull(points);
  if (hull.length < 3) {
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    const [x1, y1, x2, y2] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
  }
  let best: { area: number; quad: Quad } | null = null;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const length = distance(a, b);
    if (length === 0) continue;
    // The edge's direction and its normal: project every hull point on both.
    const e: Point = [(b[0] - a[0]) / length, (b[1] - a[1]) / length];
    const n: Point = [-e[1], e[0]];
    let [minE, maxE, minN, maxN] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of hull) {
      const pe = p[0] * e[0] + p[1] * e[1];
      const pn = p[0] * n[0] + p[1] * n[1];
      [minE, maxE, minN, maxN] = [Math.min(minE, pe), Math.max(maxE, pe), Math.min(minN, pn), Math.max(maxN, pn)];
    }
    const area = (maxE - minE) * (maxN - minN);
    if (best === null || area < best.area - 1e-9) {
      const corner = (se: number, sn: number): Point => [se * e[0] + sn * n[0], se * e[1] + sn * n[1]];
      best = { area, quad: [corner(minE, minN), corner(maxE, minN), corner(maxE, maxN), corner(minE, maxN)] };
    }
  }
  return best!.quad;
}

/**
 * The rectangle's corners as a reader sees them: `minAreaRect` lists them clockwise on screen, so
 * of its four rotations the one whose top edge points most to the right puts the top edge on top.
 * Text detection orders its quads with this too, so a line's points and its crop agree.
 */
export function readingOrder(quad: Quad): Quad {
  let best = quad;
  let bestDx = -Infinity;
  for (let k = 0; k < 4; k++) {
    const q = [quad[k]!, quad[(k + 1) % 4]!, quad[(k + 2) % 4]!, quad[(k + 3) % 4]!] as Quad;
    const dx = (q[1][0] - q[0][0]) / (distance(q[0], q[1]) || 1);
    if (dx > bestDx + 1e-9) [best, bestDx] = [q, dx];
  }
  return best;
}

/** Andrew's monotone chain; the hull without collinear points. */
function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: Point[]) => {
    const out: Point[] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(sorted), ...half([...sorted].reverse())];
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b[0] - a[0], b[1] - a[1]);
}
