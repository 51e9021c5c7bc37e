/**
 * What the stage page shows of a stage's final metrics (the trainer's `metrics.json`,
 * docs/contracts.md): the headline figures, and the pictures — a confusion matrix for a classifier,
 * per-class AP and precision-recall curves for a detector. Read defensively (free JSON).
 */
import type { Point } from './line-chart.ts';

export interface Figure {
  name: 'accuracy' | 'macroF1' | 'mAP50' | 'mAP50_95';
  value: number;
}

export interface StageMetricsView {
  figures: Figure[];
  testImages: number | null;
  classes: string[];
  confusionMatrix: unknown;
  /** Detection: AP at IoU 0.5 per class; null for a class with no test objects. */
  perClassAP50: { label: string; ap: number | null }[];
  /** Detection: precision against recall at IoU 0.5, per class that has objects. */
  prCurves: { label: string; points: Point[] }[];
}

const FIGURES: Figure['name'][] = ['accuracy', 'macroF1', 'mAP50', 'mAP50_95'];
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function stageMetricsView(metrics: unknown): StageMetricsView | null {
  if (typeof metrics !== 'object' || metrics === null) return null;
  const m = metrics as Record<string, unknown>;
  const classes = Array.isArray(m.classes) ? m.classes.filter((c): c is string => typeof c === 'string') : [];
  const perClass = (typeof m.perClassAP50 === 'object' && m.perClassAP50 !== null ? m.perClassAP50 : {}) as Record<string, unknown>;
  const curve = (m.prCurve50 ?? {}) as { recall?: unknown; precision?: unknown };
  const recall = Array.isArray(curve.recall) && curve.recall.every(isNumber) ? (curve.recall as number[]) : [];
  const precision = (typeof curve.precision === 'object' && curve.precision !== null ? curve.precision : {}) as Record<string, unknown>;
  return {
    figures: FIGURES.flatMap((name) => (isNumber(m[name]) ? [{ name, value: m[name] }] : [])),
    testImages: isNumber(m.testImages) ? m.testImages : null,
    classes,
    confusionMatrix: m.confusionMatrix ?? null,
    perClassAP50: Object.entries(perClass).map(([label, ap]) => ({ label, ap: isNumber(ap) ? ap : null })),
    prCurves: Object.entries(precision).flatMap(([label, values]) =>
      Array.isArray(values) && values.length === recall.length && values.every(isNumber)
        ? [{ label, points: recall.map((r, i) => ({ x: r, y: values[i] as number })) }]
        : [],
    ),
  };
}
