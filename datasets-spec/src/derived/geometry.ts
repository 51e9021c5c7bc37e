/** Box arithmetic shared by stage-data derivation and cascade evaluation. */
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
  const pairs: Array<{ p: number; t: number; score: number }> = [];
  predictions.forEach((p, pi) =>
    truths.forEach((t, ti) => {
      const score = iou(p, t);
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
