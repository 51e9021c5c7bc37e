import { describe, expect, it } from 'vitest';
import { modelChoices, usableInFlowcharts } from './model-choices.ts';

const model = (id: string, name: string, task: string, owned: boolean) => ({ id, name, task, owned });

describe('modelChoices', () => {
  it("lists only the task's models, the user's own first, each group by name", () => {
    const models = [
      model('m1', 'zeta', 'detection', false),
      model('m2', 'beta', 'classification', true),
      model('m3', 'alpha', 'detection', false),
      model('m4', 'gamma', 'detection', true),
      model('m5', 'alpha', 'detection', true),
    ];
    expect(modelChoices(models, 'detection').map((m) => m.id)).toEqual(['m5', 'm4', 'm3', 'm1']);
    expect(modelChoices(models, 'segmentation')).toEqual([]);
  });

  it('does not reorder the list it is given', () => {
    const models = [model('b', 'b', 'detection', false), model('a', 'a', 'detection', true)];
    modelChoices(models, 'detection');
    expect(models.map((m) => m.id)).toEqual(['b', 'a']);
  });

  it('offers only ready models a flowchart can train from: no upload being checked or refused, no frozen teacher', () => {
    const models = [
      { ...model('ready', 'a', 'classification', true), status: 'ready', format: 'aip' },
      { ...model('weights', 'b', 'classification', true), status: 'ready', format: 'weights' },
      { ...model('checking', 'c', 'classification', true), status: 'validating', format: 'weights' },
      { ...model('refused', 'd', 'classification', true), status: 'invalid', format: 'weights' },
      { ...model('onnx', 'e', 'classification', true), status: 'ready', format: 'onnx' },
      { ...model('script', 'f', 'classification', true), status: 'ready', format: 'torchscript' },
      model('legacy', 'g', 'classification', true),
    ];
    expect(modelChoices(models, 'classification').map((m) => m.id)).toEqual(['ready', 'weights', 'legacy']);
    expect(usableInFlowcharts({ status: 'ready', format: 'onnx' })).toBe(false);
    expect(usableInFlowcharts({})).toBe(true);
    // The API's verdict wins where it gives one.
    expect(usableInFlowcharts({ status: 'ready', format: 'aip', usableInFlowcharts: false })).toBe(false);
  });
});
