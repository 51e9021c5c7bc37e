/**
 * A stage's `epochs` (each finished epoch's trainer event: `{epoch, loss, metric, metricName}`,
 * docs/contracts.md) as chart points. The API types them as free JSON: malformed events are skipped.
 */
import type { Point } from './line-chart.ts';

export interface Curves {
  loss: Point[];
  metric: Point[];
  /** The validation metric's name (accuracy, mAP50 …); null when no epoch reported one. */
  metricName: string | null;
}

export function curvePoints(epochs: readonly unknown[]): Curves {
  const curves: Curves = { loss: [], metric: [], metricName: null };
  for (const event of epochs) {
    const e = event as { epoch?: unknown; loss?: unknown; metric?: unknown; metricName?: unknown } | null;
    if (typeof e?.epoch !== 'number') continue;
    if (typeof e.loss === 'number' && Number.isFinite(e.loss)) curves.loss.push({ x: e.epoch, y: e.loss });
    if (typeof e.metric === 'number' && Number.isFinite(e.metric)) curves.metric.push({ x: e.epoch, y: e.metric });
    if (typeof e.metricName === 'string') curves.metricName = e.metricName;
  }
  return curves;
}
