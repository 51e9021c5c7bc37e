import { describe, expect, it } from 'vitest';
import { stageMetricsView } from './stage-metrics.ts';

describe('stageMetricsView', () => {
  it('reads a classifier’s figures and confusion matrix', () => {
    const view = stageMetricsView({ accuracy: 0.9, macroF1: 0.88, confusionMatrix: [[9, 1], [1, 9]], classes: ['a', 'b'], testImages: 20 })!;
    expect(view.figures).toEqual([{ name: 'accuracy', value: 0.9 }, { name: 'macroF1', value: 0.88 }]);
    expect(view).toMatchObject({ testImages: 20, classes: ['a', 'b'], confusionMatrix: [[9, 1], [1, 9]], perClassAP50: [], prCurves: [] });
  });

  it('reads a detector’s figures, per-class AP and precision-recall curves', () => {
    const view = stageMetricsView({
      mAP50: 0.8,
      mAP50_95: 0.5,
      perClassAP50: { round: 0.9, square: null },
      prCurve50: { recall: [0, 0.5, 1], precision: { round: [1, 0.9, 0.2], square: null, broken: [1] } },
      classes: ['round', 'square'],
    })!;
    expect(view.figures.map((f) => f.name)).toEqual(['mAP50', 'mAP50_95']);
    expect(view.perClassAP50).toEqual([{ label: 'round', ap: 0.9 }, { label: 'square', ap: null }]);
    expect(view.prCurves).toEqual([{ label: 'round', points: [{ x: 0, y: 1 }, { x: 0.5, y: 0.9 }, { x: 1, y: 0.2 }] }]);
  });

  it('reads a segmentation model’s figures and per-class IoU, leaving its pixel confusion matrix out', () => {
    const view = stageMetricsView({
      mIoU: 0.7,
      pixelAccuracy: 0.95,
      perClassIoU: { leaf: 0.8, stem: 0.6, bud: null },
      backgroundIoU: 0.97,
      confusionMatrix: [[100, 2, 1, 0], [3, 50, 0, 0], [1, 0, 20, 0], [0, 0, 0, 0]],
      classes: ['leaf', 'stem', 'bud'],
    })!;
    expect(view.figures).toEqual([{ name: 'mIoU', value: 0.7 }, { name: 'pixelAccuracy', value: 0.95 }]);
    expect(view.perClassIoU).toEqual([{ label: 'leaf', iou: 0.8 }, { label: 'stem', iou: 0.6 }, { label: 'bud', iou: null }]);
    expect(view).toMatchObject({ backgroundIoU: 0.97, confusionMatrix: null });
  });

  it('reads a text recognizer’s figures and examples, and an enhancer’s figures beside the input’s', () => {
    const text = stageMetricsView({ wordAccuracy: 0.8, cer: 0.05, examples: [{ truth: 'A猫', predicted: 'A猫' }, { truth: 'B', predicted: 8 }], testImages: 10 })!;
    expect(text.figures).toEqual([{ name: 'wordAccuracy', value: 0.8 }, { name: 'cer', value: 0.05 }]);
    expect(text.textExamples).toEqual([{ truth: 'A猫', predicted: 'A猫' }]);
    const enhanced = stageMetricsView({ psnr: 28.4, ssim: 0.91, inputPsnr: 21.2, inputSsim: 0.6 })!;
    expect(enhanced.figures).toEqual([
      { name: 'psnr', value: 28.4, baseline: 21.2 },
      { name: 'ssim', value: 0.91, baseline: 0.6 },
    ]);
  });

  it('has nothing to show without metrics', () => {
    expect(stageMetricsView(null)).toBeNull();
    expect(stageMetricsView({})!.figures).toEqual([]);
  });
});
