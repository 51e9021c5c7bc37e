import { describe, expect, it } from 'vitest';
import type { Plan, PlanStage } from '@aip/workflows';
import { buildPipelineSpec, pathToStage } from './pipeline-spec.ts';

const stage = (nodeId: string, input: PlanStage['input'], classes: string[]): PlanStage => ({
  nodeId,
  name: nodeId,
  task: input.kind === 'dataset' ? 'detection' : 'classification',
  input,
  mode: 'train',
  arch: input.kind === 'dataset' ? 'tiny_det' : 'tiny_cnn',
  classes,
  labelMap: {},
  hyper: {},
  visibility: 'private',
  executor: 'local',
  dependsOn: input.kind === 'stage' ? [input.nodeId] : [],
});

const plan: Plan = {
  version: 1,
  stages: [
    stage('detect', { kind: 'dataset', datasetId: 'ds_1' }, ['round', 'angular']),
    stage('round-kind', { kind: 'stage', nodeId: 'detect', class: 'round' }, ['circle', 'ring']),
    stage('angular-kind', { kind: 'stage', nodeId: 'detect', class: 'angular' }, ['square', 'triangle']),
  ],
};

describe('pathToStage', () => {
  it('walks from the root down to the stage', () => {
    expect(pathToStage(plan, 'round-kind').map((s) => s.nodeId)).toEqual(['detect', 'round-kind']);
    expect(pathToStage(plan, 'detect').map((s) => s.nodeId)).toEqual(['detect']);
  });
});

describe('buildPipelineSpec', () => {
  it("takes classes and input sizes from the models and inputs from the plan", () => {
    const spec = buildPipelineSpec('shapes', plan.stages, {
      detect: { task: 'detection', classes: ['round', 'angular'], inputSize: [128, 128], scoreThreshold: 0.3 },
      'round-kind': { task: 'classification', classes: ['circle', 'ring'], inputSize: [64, 64] },
      'angular-kind': { task: 'classification', classes: ['square', 'triangle'], inputSize: [64, 64] },
    });
    expect(spec.stages[0]).toMatchObject({ id: 'detect', model: 'models/detect.onnx', input: null, scoreThreshold: 0.3 });
    expect(spec.stages[2]).toMatchObject({
      id: 'angular-kind',
      inputSize: [64, 64],
      input: { stage: 'detect', class: 'angular' },
    });
  });

  it('names a stage whose model is missing', () => {
    expect(() => buildPipelineSpec('x', plan.stages, {})).toThrow(/stage "detect"/);
  });
});
