import { describe, expect, it } from 'vitest';
import { seedFromModel, type SeedModel } from './flow-seed.ts';

const model = (over: Partial<SeedModel> = {}): SeedModel => ({
  id: 'm1',
  name: 'shapes',
  task: 'classification',
  owned: true,
  arch: 'tiny_cnn',
  classes: ['circle', 'square'],
  status: 'ready',
  format: 'aip',
  ...over,
});
const architectures = [{ task: 'classification', options: [{ id: 'tiny_cnn' }, { id: 'resnet18' }] }];

describe('seedFromModel', () => {
  it('makes one stage of the model’s task that starts from its weights, architecture and classes', () => {
    const graph = seedFromModel('m1', [model()], architectures);
    expect(graph.edges).toEqual([]);
    expect(graph.nodes).toEqual([
      { id: 'stage-1', type: 'classification', position: { x: 320, y: 120 }, data: { classes: ['circle', 'square'], initModelId: 'm1', arch: 'tiny_cnn' } },
    ]);
  });

  it('leaves the architecture to the default when the platform no longer offers the model’s', () => {
    const graph = seedFromModel('m1', [model({ arch: 'retired_net' })], architectures);
    expect(graph.nodes[0]!.data).toEqual({ classes: ['circle', 'square'], initModelId: 'm1' });
  });

  it('starts empty for no model, an unknown one, or one flowcharts cannot train from', () => {
    expect(seedFromModel(null, [model()], architectures).nodes).toEqual([]);
    expect(seedFromModel('other', [model()], architectures).nodes).toEqual([]);
    expect(seedFromModel('m1', [model({ format: 'onnx' })], architectures).nodes).toEqual([]);
    expect(seedFromModel('m1', [model({ usableInFlowcharts: false })], architectures).nodes).toEqual([]);
    expect(seedFromModel('m1', [model({ task: 'no_such_task' })], architectures).nodes).toEqual([]);
  });
});
