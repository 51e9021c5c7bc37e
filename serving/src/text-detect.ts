/**
 * A text detector's probability map → text lines as rotated rectangles (DBNet post-processing).
 * The steps follow the text detection contract (docs/contracts.md "Model files") one to one,
 * because the trainer's Python decoder implements the same steps and its metrics must describe
 * what serving answers: threshold, 8-connected components, mean score, minimum-area rectangle of
 * the pixel squares, unclip, minimum size, scale to the original image, reading order, by score.
 */
import { type Point, type Quad, minAreaRect, readingOrder } from './text-line.ts';

/** The decoding parameters of model.json `textDetection` (the trainer may tune them per model). */
export interface TextDetectionParams {
  /** A pixel is text when its probability is above this. */
  binaryThreshold: number;
  /** Components whose mean probability is below this are dropped. */
  boxThreshold: number;
  /** How far the shrunk region the model predicts is grown back (DBNet's unclip ratio). */
  unclipRatio: number;
  /** Rectangles whose short side, after unclipping, is below this (input pixels) are dropped. */
  minSize: number;
}

export interface TextLine {
  /** Corners in pixels of the original image, clockwise on screen, in reading order (top-left first). */
  points: Quad;
  /** Mean probability over the component's pixels. */
  score: number;
}

/**
 * Decode `prob` (`height × width` probabilities, row-major, at the model's input size) of an image
 * of `originalWidth × originalHeight` pixels. Lines come highest score first; equal scores keep
 * the order of their components' first pixels in row-major order.
 */
export function decodeTextDetection(
  prob: ArrayLike<number>,
  [height, width]: readonly [number, number],
  [originalWidth, originalHeight]: readonly [number, number],
  params: TextDetectionParams,
): TextLine[] {
  if (prob.length !== height * width) {
    throw new RangeError(`probability map has ${prob.length} values, expected ${height} × ${width}`);
  }
  const sx = originalWidth / width;
  const sy = originalHeight / height;
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const lines: TextLine[] = [];
  for (const component of textComponents(prob, [height, width], params.binaryThreshold)) {
    const score = component.sum / component.count;
    if (score < params.boxThreshold) continue;
    const grown = unclip(minAreaRect(component.corners), params.unclipRatio);
    if (Math.min(grown.width, grown.height) < params.minSize) continue;
    const scaled = grown.quad.map(([x, y]): Point => [clamp(x * sx, originalWidth), clamp(y * sy, originalHeight)]) as Quad;
    lines.push({ points: readingOrder(scaled), score });
  }
  // Array.prototype.sort is stable: ties stay in component order.
  return lines.sort((a, b) => b.score - a.score);
}

export interface TextComponent {
  /** Number of pixels. */
  count: number;
  /** Sum of their probabilities. */
  sum: number;
  /**
   * Corners of the pixel squares that can lie on the component's convex hull: per row, the outer
   * corners of its leftmost and rightmost pixel. Their hull is the hull of all pixel squares (every
   * other corner lies on a segment between two of them), at a fraction of the points.
   */
  corners: Point[];
}

/**
 * The 8-connected components of the pixels whose probability is above `threshold`, in the
 * row-major order of their first pixel.
 */
export function textComponents(
  prob: ArrayLike<number>,
  [height, width]: readonly [number, number],
  threshold: number,
): TextComponent[] {
  const pixels = height * width;
  const seen = new Uint8Array(pixels);
  // Every pixel is pushed at most once (marked when pushed), so one stack of `pixels` suffices.
  const stack = new Int32Array(pixels);
  // Per row of the component being filled: its leftmost and rightmost pixel (-1: row not reached).
  const rowMin = new Int32Array(height).fill(-1);
  const rowMax = new Int32Array(height).fill(-1);
  const components: TextComponent[] = [];
  for (let start = 0; start < pixels; start++) {
    if (seen[start] || !(prob[start]! > threshold)) continue;
    let count = 0;
    let sum = 0;
    let top = Math.floor(start / width);
    let bottom = top;
    let size = 0;
    stack[size++] = start;
    seen[start] = 1;
    while (size > 0) {
      const index = stack[--size]!;
      const y = Math.floor(index / width);
      const x = index - y * width;
      count++;
      sum += prob[index]!;
      if (rowMin[y] === -1 || x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const next = ny * width + nx;
          if (seen[next] || !(prob[next]! > threshold)) continue;
          seen[next] = 1;
          stack[size++] = next;
        }
      }
    }
    // An 8-connected component reaches every row between its top and bottom ones.
    const corners: Point[] = [];
    for (let y = top; y <= bottom; y++) {
      const left = rowMin[y]!;
      const right = rowMax[y]! + 1;
      corners.push([left, y], [left, y + 1], [right, y], [right, y + 1]);
      rowMin[y] = -1;
      rowMax[y] = -1;
    }
    components.push({ count, sum, corners });
  }
  return components;
}

/**
 * Grow a rectangle (corners as `minAreaRect` lists them: 0→1 one side, 0→3 the other) by
 * d = ratio · area / perimeter on every side, around the same centre and orientation.
 * Returns the grown rectangle and its side lengths.
 */
export function unclip(rect: Quad, ratio: number): { quad: Quad; width: number; height: number } {
  const [p0, p1, p2, p3] = rect;
  const w = Math.hypot(p1[0] - p0[0], p1[1] - p0[1]);
  const h = Math.hypot(p3[0] - p0[0], p3[1] - p0[1]);
  if (w === 0 || h === 0) return { quad: rect, width: w, height: h };
  const d = (ratio * w * h) / (2 * (w + h));
  // Unit vectors along both sides, each scaled to d: each corner moves outwards along both.
  const u = [((p1[0] - p0[0]) / w) * d, ((p1[1] - p0[1]) / w) * d] as const;
  const v = [((p3[0] - p0[0]) / h) * d, ((p3[1] - p0[1]) / h) * d] as const;
  const move = (p: Point, su: number, sv: number): Point => [p[0] + su * u[0] + sv * v[0], p[1] + su * u[1] + sv * v[1]];
  return { quad: [move(p0, -1, -1), move(p1, 1, -1), move(p2, 1, 1), move(p3, -1, 1)], width: w + 2 * d, height: h + 2 * d };
}
