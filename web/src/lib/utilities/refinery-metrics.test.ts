import { describe, expect, it } from 'vitest';
import { formatFigure, refineryMetricsView, relativeChange } from './refinery-metrics.ts';

describe('refinery metrics view', () => {
  it('has nothing to show without metrics', () => {
    expect(refineryMetricsView(null)).toBeNull();
    expect(refineryMetricsView([1, 2])).toBeNull();
  });

  it('makes a before/after table of pruning’s figures', () => {
    const view = refineryMetricsView({
      before: { parameters: 1000, flops: 2e6, latencyMs: 4, accuracy: 0.9 },
      after: { parameters: 510, flops: 1e6, latencyMs: 2.5, accuracy: 0.88 },
      agreement: 0.95,
      parameters: 510,
      targetRatio: 0.5,
      achievedRatio: 0.51,
    })!;
    expect(view.comparison).toEqual([
      { name: 'parameters', before: 1000, after: 510, kind: 'count' },
      { name: 'flops', before: 2e6, after: 1e6, kind: 'flops' },
      { name: 'latencyMs', before: 4, after: 2.5, kind: 'ms' },
      { name: 'accuracy', before: 0.9, after: 0.88, kind: 'fraction' },
    ]);
    // The model's own parameter count is the table's "after": not repeated as a headline figure.
    expect(view.headline.map((f) => f.name)).toEqual(['agreement']);
    expect(view.other.map((f) => [f.name, f.kind])).toEqual([
      ['targetRatio', 'fraction'],
      ['achievedRatio', 'fraction'],
    ]);
  });

  it('reads flat nameBefore/nameAfter pairs too', () => {
    const view = refineryMetricsView({ parametersBefore: 10, parametersAfter: 5, flopsBefore: 100 })!;
    expect(view.comparison).toEqual([
      { name: 'parameters', before: 10, after: 5, kind: 'count' },
      { name: 'flops', before: 100, after: null, kind: 'flops' },
    ]);
    expect(view.other).toEqual([]);
  });

  it('shows the headline figures of a distilled or merged model, and every other number by name', () => {
    const view = refineryMetricsView({
      algorithm: 'amalgamate',
      top1Agreement: 0.97,
      accuracy: 0.93,
      parameters: 12345,
      latencyMs: 1.5,
      teachers: [{ classes: ['0', '1'], agreement: 0.98 }],
      final_loss: 0.12,
    })!;
    expect(view.comparison).toEqual([]);
    expect(view.headline).toEqual([
      { name: 'agreement', value: 0.97, kind: 'fraction' },
      { name: 'accuracy', value: 0.93, kind: 'fraction' },
      { name: 'parameters', value: 12345, kind: 'count' },
      { name: 'latencyMs', value: 1.5, kind: 'ms' },
    ]);
    expect(view.perTeacher).toEqual([{ name: '1', figures: [{ name: 'agreement', value: 0.98, kind: 'fraction' }] }]);
    expect(view.other).toEqual([{ name: 'final_loss', value: 0.12, kind: 'number' }]);
  });

  it('reads what the trainer writes for pruning: before/after size, MACs and latency, the teacher’s accuracy against the new model’s', () => {
    const view = refineryMetricsView({
      before: { parameters: 1000, macs: 8e6, latencyMs: 2 },
      after: { parameters: 500, macs: 4e6, latencyMs: 1.2 },
      parameterRatio: 0.5,
      teachers: [{ name: 'digits', agreement: 0.97, accuracy: 0.95 }],
      agreement: 0.97,
      accuracy: 0.93,
      parameters: 500,
      macs: 4e6,
      latencyMs: 0.8,
      evaluatedOn: 'test',
    })!;
    expect(view.comparison).toEqual([
      { name: 'parameters', before: 1000, after: 500, kind: 'count' },
      { name: 'macs', before: 8e6, after: 4e6, kind: 'macs' },
      { name: 'latencyMs', before: 2, after: 1.2, kind: 'ms' },
      { name: 'accuracy', before: 0.95, after: 0.93, kind: 'fraction' },
    ]);
    // The evaluation's ONNX latency differs from the PyTorch timing of the table: it stays a headline figure.
    expect(view.headline.map((f) => f.name)).toEqual(['agreement', 'latencyMs']);
    expect(view.perTeacher).toEqual([
      {
        name: 'digits',
        figures: [
          { name: 'agreement', value: 0.97, kind: 'fraction' },
          { name: 'accuracy', value: 0.95, kind: 'fraction' },
        ],
      },
    ]);
    expect(view.other.map((f) => f.name)).toEqual(['parameterRatio']);
  });

  it('reads segmentation, depth and task branching figures per head', () => {
    const view = refineryMetricsView({
      miou: 0.8,
      heads: [
        { teacher: 'roads', task: 'segmentation', miou: 0.8, pixelAgreement: 0.9 },
        { teacher: 'depth', task: 'depth', mae: 0.05, absRel: 0.1 },
      ],
      branchPoints: { roads: 2, depth: 3 },
    })!;
    expect(view.headline).toEqual([{ name: 'mIoU', value: 0.8, kind: 'fraction' }]);
    expect(view.perTeacher.map((row) => [row.name, row.figures.map((f) => f.name)])).toEqual([
      ['roads', ['mIoU', 'pixelAgreement']],
      ['depth', ['meanAbsError', 'absRel']],
    ]);
    expect(view.branchPoints).toEqual([
      { task: 'roads', point: '2' },
      { task: 'depth', point: '3' },
    ]);
  });

  it('lists task branching’s chosen branch points in any of the shapes a job may write', () => {
    expect(refineryMetricsView({ branchPoints: { segmentation: 'enc2', depth: 3 } })!.branchPoints).toEqual([
      { task: 'segmentation', point: 'enc2' },
      { task: 'depth', point: '3' },
    ]);
    expect(refineryMetricsView({ branchPoints: [{ task: 'seg', layer: 'enc1' }, { name: 'depth', point: 2 }, {}] })!.branchPoints).toEqual([
      { task: 'seg', point: 'enc1' },
      { task: 'depth', point: '2' },
    ]);
    expect(refineryMetricsView({ chosenBranchPoints: ['enc1', 'enc3'] })!.branchPoints).toEqual([
      { task: '1', point: 'enc1' },
      { task: '2', point: 'enc3' },
    ]);
  });

  it('writes figures as people read them', () => {
    expect(formatFigure('fraction', 0.9134)).toBe('91.3%');
    expect(formatFigure('count', 1_250_000)).toBe('1.25 M');
    expect(formatFigure('count', 812)).toBe('812');
    expect(formatFigure('flops', 12_400_000)).toBe('12.4 MFLOPs');
    expect(formatFigure('macs', 8_860_035)).toBe('8.86 MMACs');
    expect(formatFigure('ms', 3.214)).toBe('3.21 ms');
    expect(formatFigure('number', 0.012345)).toBe('0.0123');
    expect(formatFigure('number', Number.NaN)).toBe('—');
  });

  it('computes the relative change', () => {
    expect(relativeChange(1000, 500)).toBe(-0.5);
    expect(relativeChange(0, 5)).toBeNull();
    expect(relativeChange(null, 5)).toBeNull();
  });
});
