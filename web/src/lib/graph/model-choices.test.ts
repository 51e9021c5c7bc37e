import { describe, expect, it } from 'vitest';
import { modelChoices } from './model-choices.ts';

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
});
