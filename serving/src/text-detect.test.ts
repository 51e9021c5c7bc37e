import { describe, expect, it } from 'vitest';
import { type TextDetectionParams, decodeTextDetection, textComponents, unclip } from './text-detect.ts';
import type { Point, Quad } from './text-line.ts';

const PARAMS: TextDetectionParams = { binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };

/** A `height × width` probability map, 0 everywhere except where `paint` says. */
function probMap([height, width]: [number, number], paint: (x: number, y: number) => number): Float32Array {
  const prob = new Float32Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) prob[y * width + x] = paint(x, y);
  return prob;
}

/** `value` on the pixels x1 ≤ x < x2, y1 ≤ y < y2. */
const rect = (x1: number, y1: number, x2: number, y2: number, value = 0.9) => (x: number, y: number) =>
  x >= x1 && x < x2 && y >= y1 && y < y2 ? value : 0;

/** The first nonzero of several painters. */
const union = (...painters: Array<(x: number, y: number) => number>) => (x: number, y: number) =>
  painters.reduce((found, paint) => found || paint(x, y), 0);

const expectQuad = (actual: Quad, expected: Point[], digits = 6) => {
  actual.forEach(([x, y], i) => {
    expect(x).toBeCloseTo(expected[i]![0], digits);
    expect(y).toBeCloseTo(expected[i]![1], digits);
  });
};

const length = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1]);

describe('decodeTextDetection', () => {
  it('turns a horizontal bar into its rectangle, grown by the unclip distance', () => {
    // 30×6 pixels: d = 1.5 · 180 / (2 · 36) = 3.75 on every side.
    const prob = probMap([32, 64], rect(10, 10, 40, 16));
    const lines = decodeTextDetection(prob, [32, 64], [64, 32], PARAMS);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.score).toBeCloseTo(0.9, 6);
    expectQuad(lines[0]!.points, [[6.25, 6.25], [43.75, 6.25], [43.75, 19.75], [6.25, 19.75]]);
  });

  it('fits a rotated bar with a rotated rectangle whose corners start at its top-left, clockwise', () => {
    // A 40×8 bar turned by ±30° around (40, 40): the pixels whose centres fall inside it.
    for (const degrees of [30, -30]) {
      const angle = (degrees * Math.PI) / 180;
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      const inside = (x: number, y: number) => {
        const [dx, dy] = [x + 0.5 - 40, y + 0.5 - 40];
        return Math.abs(dx * c + dy * s) <= 20 && Math.abs(-dx * s + dy * c) <= 4 ? 0.9 : 0;
      };
      const lines = decodeTextDetection(probMap([80, 80], inside), [80, 80], [80, 80], PARAMS);
      expect(lines, `${degrees}°`).toHaveLength(1);
      const [tl, tr, br, bl] = lines[0]!.points;
      // Its long edge first, along the bar (y grows downwards: 30° runs down to the right).
      expect((Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI).toBeCloseTo(degrees, -0.5);
      // A rectangle: opposite sides equal, diagonals equal.
      expect(length(tl, tr)).toBeCloseTo(length(bl, br), 6);
      expect(length(tl, br)).toBeCloseTo(length(tr, bl), 6);
      // The pixel squares stick out of the 40×8 bar by up to half their extent along each side,
      // (cos 30° + sin 30°) / 2, at both ends; then unclipping adds d on every side.
      const [w, h] = [40 + c + Math.abs(s), 8 + c + Math.abs(s)];
      const d = (1.5 * w * h) / (2 * (w + h));
      expect(Math.abs(length(tl, tr) - (w + 2 * d))).toBeLessThan(0.5);
      expect(Math.abs(length(tl, bl) - (h + 2 * d))).toBeLessThan(0.5);
      expect(Math.abs((tl[0] + br[0]) / 2 - 40)).toBeLessThan(0.5);
      expect(Math.abs((tl[1] + br[1]) / 2 - 40)).toBeLessThan(0.5);
      // Clockwise on screen: the cross product of the first two edges is positive with y down.
      expect((tr[0] - tl[0]) * (br[1] - tr[1]) - (tr[1] - tl[1]) * (br[0] - tr[0])).toBeGreaterThan(0);
    }
  });

  it('starts an upright line at its top-left corner too', () => {
    const lines = decodeTextDetection(probMap([64, 32], rect(10, 10, 16, 50)), [64, 32], [32, 64], PARAMS);
    // 6×40: d = 1.5 · 240 / 92.
    const d = (1.5 * 240) / 92;
    expectQuad(lines[0]!.points, [[10 - d, 10 - d], [16 + d, 10 - d], [16 + d, 50 + d], [10 - d, 50 + d]]);
  });

  it('joins pixels touching only diagonally into one component (8-connectivity)', () => {
    // Three 5×5 squares in a diagonal row, each meeting the next at one corner, and one apart.
    const squares = [rect(5, 5, 10, 10, 0.8), rect(10, 10, 15, 15, 1), rect(15, 15, 20, 20, 0.9), rect(28, 5, 33, 10, 0.7)];
    const prob = probMap([40, 40], union(...squares));
    const lines = decodeTextDetection(prob, [40, 40], [40, 40], PARAMS);
    expect(lines.map((line) => line.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.7, 6)]);
    // The joined squares' rectangle lies along their diagonal: its sides are not axis-aligned.
    const [tl, tr] = lines[0]!.points;
    expect(Math.abs(tr[1] - tl[1])).toBeGreaterThan(1);
    expect(textComponents(prob, [40, 40], 0.3).map((c) => c.count)).toEqual([75, 25]);
  });

  it('drops components whose mean probability is below the box threshold', () => {
    // Text pixels (above 0.3) but a mean of 0.5; and a component of mean (0.9 + 0.4) / 2 = 0.65 kept.
    const prob = probMap([20, 60], union(rect(2, 2, 20, 10, 0.5), rect(30, 2, 40, 10, 0.9), rect(40, 2, 50, 10, 0.4)));
    const lines = decodeTextDetection(prob, [20, 60], [60, 20], PARAMS);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.score).toBeCloseTo(0.65, 6);
    expect(lines[0]!.points[0][0]).toBeCloseTo(30 - (1.5 * 160) / 56, 6);
  });

  it('drops rectangles whose short side stays under minSize after unclipping', () => {
    // 1×1: d = 1.5 / 4 → 1.75 (dropped); 2×2: d = 0.75 → 3.5 (kept); 1×20: d = 30 / 42 → 2.43 (dropped).
    const prob = probMap([20, 40], union(rect(2, 2, 3, 3), rect(10, 10, 12, 12), rect(20, 5, 40, 6)));
    const lines = decodeTextDetection(prob, [20, 40], [40, 20], PARAMS);
    expect(lines).toHaveLength(1);
    expectQuad(lines[0]!.points, [[9.25, 9.25], [12.75, 9.25], [12.75, 12.75], [9.25, 12.75]]);
  });

  it('scales the corners to a non-square original image and clamps them to it', () => {
    // Input 32×64 (H×W) of a 640×160 original: x × 10, y × 5. The second bar touches the left edge.
    const prob = probMap([32, 64], union(rect(10, 10, 40, 16), rect(0, 24, 20, 30, 0.7)));
    const lines = decodeTextDetection(prob, [32, 64], [640, 160], PARAMS);
    expect(lines.map((line) => line.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.7, 6)]);
    expectQuad(lines[0]!.points, [[62.5, 31.25], [437.5, 31.25], [437.5, 98.75], [62.5, 98.75]]);
    // 20×6: d = 1.5 · 120 / 52; x = 0 - d is clamped to 0, y = (30 + d) · 5 > 160 to 160.
    const d = (1.5 * 120) / 52;
    expectQuad(lines[1]!.points, [[0, (24 - d) * 5], [(20 + d) * 10, (24 - d) * 5], [(20 + d) * 10, 160], [0, 160]]);
  });

  it('lists lines highest score first', () => {
    const prob = probMap([30, 30], union(rect(4, 4, 20, 8, 0.7), rect(4, 12, 20, 16, 0.95), rect(4, 20, 20, 24, 0.8)));
    expect(decodeTextDetection(prob, [30, 30], [30, 30], PARAMS).map((line) => line.points[0][1])).toEqual([
      expect.closeTo(12 - (1.5 * 64) / 40, 6),
      expect.closeTo(20 - (1.5 * 64) / 40, 6),
      expect.closeTo(4 - (1.5 * 64) / 40, 6),
    ]);
  });

  it('finds nothing in an empty map and refuses a map of the wrong size', () => {
    expect(decodeTextDetection(new Float32Array(12), [3, 4], [8, 6], PARAMS)).toEqual([]);
    expect(() => decodeTextDetection(new Float32Array(10), [3, 4], [8, 6], PARAMS)).toThrow(/10 values, expected 3 × 4/);
  });
});

describe('unclip', () => {
  it('grows each side by ratio · area / perimeter around the same centre', () => {
    const grown = unclip([[0, 0], [8, 0], [8, 2], [0, 2]], 2);
    // d = 2 · 16 / 20 = 1.6
    expect(grown.width).toBeCloseTo(11.2, 9);
    expect(grown.height).toBeCloseTo(5.2, 9);
    expectQuad(grown.quad, [[-1.6, -1.6], [9.6, -1.6], [9.6, 3.6], [-1.6, 3.6]], 9);
  });
});
