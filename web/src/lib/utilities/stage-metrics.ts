/**
 * What the stage page shows of a stage's final metrics (the trainer's `metrics.json`,
 * docs/contracts.md): the headline figures, and the pictures — a confusion matrix for a classifier,
 * per-class AP and precision-recall curves for a detector, per-class IoU for a segmentation model,
 * read examples for a text recognizer, the input's scores beside an enhancer's.
 * Read defensively (free JSON).
 */
import type { Point } from './line-chart.ts';
import type { MetricName } from './model-list.ts';

export interface Figure {
  name: MetricName;
  value: number;
  /** Enhancement: the same metric of the unprocessed input, the baseline the model must beat. */
  baseline?: number;
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
  /** Segmentation: intersection over union per class; null for a class neither in the test masks nor predicted. */
  perClassIoU: { label: string; iou: number | null }[];
  /** Segmentation: the IoU of the background (what no class covers). */
  backgroundIoU: number | null;
  /** Text recognition: the first test images' true and read texts. */
  textExamples: { truth: string; predicted: string }[];
}

const FIGURES: Figure['name'][] = [
  'accuracy',
  'macroF1',
  'mAP50',
  'mAP50_95',
  'mIoU',
  'pixelAccuracy',
  'hmean',
  'precision',
  'recall',
  'wordAccuracy',
  'cer',
  'psnr',
  'ssim',
];
/** The metric of the unprocessed input that an enhancement metric is compared with. */
const BASELINES: Partial<Record<Figure['name'], string>> = { psnr: 'inputPsnr', ssim: 'inputSsim' };
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function stageMetricsView(metrics: unknown): StageMetricsView | null {
  if (typeof metrics !== 'object' || metrics === null) return null;
  const m = metrics as Record<string, unknown>;
  const classes = Array.isArray(m.classes) ? m.classes.filter((c): c is string => typeof c === 'string') : [];
  const perClass = (typeof m.perClassAP50 === 'object' && m.perClassAP50 !== null ? m.perClassAP50 : {}) as Record<string, unknown>;
  const curve = (m.prCurve50 ?? {}) as { recall?: unknown; precision?: unknown };
  const recall = Array.isArray(curve.recall) && curve.recall.every(isNumber) ? (curve.recall as number[]) : [];
  const precision = (typeof curve.precision === 'object' && curve.precision !== null ? curve.precision : {}) as Record<string, unknown>;
  const perClassIoU = (typeof m.perClassIoU === 'object' && m.perClassIoU !== null ? m.perClassIoU : null) as Record<string, unknown> | null;
  return {
    figures: FIGURES.flatMap((name) => {
      const value = m[name];
      if (!isNumber(value)) return [];
      const baseline = m[BASELINES[name] ?? ''];
      return [{ name, value, ...(isNumber(baseline) ? { baseline } : {}) }];
    }),
    testImages: isNumber(m.testImages) ? m.testImages : null,
    classes,
    // A segmentation model's matrix counts pixels, background included: its per-class IoU says it better.
    confusionMatrix: perClassIoU === null ? (m.confusionMatrix ?? null) : null,
    perClassAP50: Object.entries(perClass).map(([label, ap]) => ({ label, ap: isNumber(ap) ? ap : null })),
    prCurves: Object.entries(precision).flatMap(([label, values]) =>
      Array.isArray(values) && values.length === recall.length && values.every(isNumber)
        ? [{ label, points: recall.map((r, i) => ({ x: r, y: values[i] as number })) }]
        : [],
    ),
    perClassIoU: Object.entries(perClassIoU ?? {}).map(([label, iou]) => ({ label, iou: isNumber(iou) ? iou : null })),
    backgroundIoU: isNumber(m.backgroundIoU) ? m.backgroundIoU : null,
    textExamples: (Array.isArray(m.examples) ? m.examples : []).flatMap((example: unknown) => {
      const { truth, predicted } = (typeof example === 'object' && example !== null ? example : {}) as Record<string, unknown>;
      return typeof truth === 'string' && typeof predicted === 'string' ? [{ truth, predicted }] : [];
    }),
  };
}
