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

  it('has nothing to show without metrics', () => {
    expect(stageMetricsView(null)).toBeNull();
    expect(stageMetricsView({})!.figures).toEqual([]);
  });
});
