import { describe, expect, it } from 'vitest';
import { filterModels, keyMetrics, modelTasks } from './model-list.ts';

const models = [
  { id: 'a', task: 'detection', owned: true, visibility: 'private' },
  { id: 'b', task: 'classification', owned: true, visibility: 'public' },
  { id: 'c', task: 'classification', owned: false, visibility: 'public' },
];

describe('filterModels', () => {
  it('shows the caller’s models in “mine” and every shared one in “public”', () => {
    expect(filterModels(models, 'mine', null).map((m) => m.id)).toEqual(['a', 'b']);
    expect(filterModels(models, 'public', null).map((m) => m.id)).toEqual(['b', 'c']);
  });
  it('shows every usable model in “all”', () => {
    expect(filterModels(models, 'all', null).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(filterModels(models, 'all', 'classification').map((m) => m.id)).toEqual(['b', 'c']);
  });
  it('filters by task', () => {
    expect(filterModels(models, 'mine', 'classification').map((m) => m.id)).toEqual(['b']);
    expect(filterModels(models, 'public', 'detection')).toEqual([]);
  });
});

describe('modelTasks', () => {
  it('lists each task once, sorted', () => {
    expect(modelTasks(models)).toEqual(['classification', 'detection']);
    expect(modelTasks([])).toEqual([]);
  });
});

describe('keyMetrics', () => {
  it('picks accuracy and macro F1 for classification, mAP for detection', () => {
    const classification = { accuracy: 0.9, macroF1: 0.85, confusionMatrix: [[1]], classes: ['a'], testImages: 10 };
    expect(keyMetrics('classification', classification)).toEqual([
      { name: 'accuracy', value: 0.9 },
      { name: 'macroF1', value: 0.85 },
    ]);
    const detection = { mAP50: 0.72, mAP50_95: 0.41, perClassAP50: { round: 0.8 }, classes: ['round'], testImages: 4 };
    expect(keyMetrics('detection', detection)).toEqual([
      { name: 'mAP50', value: 0.72 },
      { name: 'mAP50_95', value: 0.41 },
    ]);
  });
  it('leaves out what was not measured', () => {
    expect(keyMetrics('classification', { accuracy: 0.5, macroF1: null })).toEqual([{ name: 'accuracy', value: 0.5 }]);
    expect(keyMetrics('classification', null)).toEqual([]);
    expect(keyMetrics('segmentation', { accuracy: 1 })).toEqual([]);
  });
});
