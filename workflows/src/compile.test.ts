import { describe, expect, it } from 'vitest';
import { compileFlowchart } from './compile.ts';
import type { Flowchart } from './flowchart.ts';
import { FlowchartInvalidError } from './problems.ts';
import { headlineContext, headlineFlowchart } from './test-support/headline.ts';

const at = { x: 0, y: 0 };

describe('compileFlowchart', () => {
  it('compiles the headline flowchart: order, inputs, label map and defaults', () => {
    const plan = compileFlowchart(headlineFlowchart(), headlineContext());
    expect(plan).toEqual({
      version: 1,
      stages: [
        {
          nodeId: 'detect',
          name: 'Detect shapes',
          task: 'detection',
          input: { kind: 'dataset', datasetId: 'ds-shapes' },
          mode: 'train',
          arch: 'tiny_det',
          classes: ['round', 'angular'],
          labelMap: { circle: 'round', ring: 'round', square: 'angular', triangle: 'angular' },
          hyper: { epochs: 3 },
          visibility: 'private',
          executor: 'local',
          dependsOn: [],
        },
        {
          nodeId: 'round-kind',
          name: 'round-kind',
          task: 'classification',
          input: { kind: 'stage', nodeId: 'detect', class: 'round' },
          mode: 'train',
          arch: 'tiny_cnn',
          classes: ['circle', 'ring'],
          labelMap: {},
          hyper: {},
          visibility: 'private',
          executor: 'local',
          dependsOn: ['detect'],
        },
        {
          nodeId: 'angular-kind',
          name: 'angular-kind',
          task: 'classification',
          input: { kind: 'stage', nodeId: 'detect', class: 'angular' },
          mode: 'train',
          arch: 'resnet18',
          classes: ['square', 'triangle'],
          labelMap: {},
          hyper: {},
          visibility: 'public',
          executor: 'local',
          dependsOn: ['detect'],
        },
      ],
    });
  });

  it('orders stages after their inputs whatever the order of the boxes', () => {
    const graph = headlineFlowchart();
    graph.nodes.reverse();
    const plan = compileFlowchart(graph, headlineContext());
    // The detector must come first; the two children follow in the order they are listed.
    expect(plan.stages.map((s) => s.nodeId)).toEqual(['detect', 'angular-kind', 'round-kind']);
  });

  it('maps fine labels to the classes they refine, through every level', () => {
    const graph: Flowchart = {
      nodes: [
        { id: 'streets', type: 'dataset', position: at, data: { datasetId: 'ds-streets' } },
        { id: 'vehicles', type: 'detection', position: at, data: { classes: ['vehicle', 'sign'] } },
        { id: 'parts', type: 'detection', position: at, data: { classes: ['wheel', 'door'], parentClass: 'vehicle' } },
        { id: 'wheels', type: 'classification', position: at, data: { classes: ['alloy', 'steel'], parentClass: 'wheel' } },
      ],
      edges: [
        { id: 'a', source: 'streets', target: 'vehicles' },
        { id: 'b', source: 'vehicles', target: 'parts' },
        { id: 'c', source: 'parts', target: 'wheels' },
      ],
    };
    const context = {
      datasets: { 'ds-streets': { format: 'detection', classes: ['alloy', 'door', 'sign', 'steel'], status: 'ready' } },
      models: {},
    };
    const plan = compileFlowchart(graph, context);
    const labelMaps = Object.fromEntries(plan.stages.map((s) => [s.nodeId, s.labelMap]));
    expect(labelMaps).toEqual({
      vehicles: { alloy: 'vehicle', door: 'vehicle', steel: 'vehicle', wheel: 'vehicle' },
      parts: { alloy: 'wheel', steel: 'wheel' },
      wheels: {},
    });
  });

  it('takes a reused stage’s classes and architecture from its model', () => {
    const graph = headlineFlowchart();
    const detect = graph.nodes[1]!;
    if (detect.type === 'dataset') throw new Error('fixture changed');
    detect.data = { mode: 'reuse', modelId: 'm-det', initModelId: 'm-det', epochs: 5 };
    const stage = compileFlowchart(graph, headlineContext()).stages[0]!;
    expect(stage).toMatchObject({ mode: 'reuse', modelId: 'm-det', classes: ['round', 'angular'], arch: 'tiny_det', name: 'detect' });
    expect(stage.initModelId).toBeUndefined();
    expect(stage.labelMap).toEqual({ circle: 'round', ring: 'round', square: 'angular', triangle: 'angular' });
  });

  it('keeps independent branches independent and passes initial weights and hyper-parameters on', () => {
    const graph: Flowchart = {
      nodes: [
        { id: 'pets', type: 'dataset', position: at, data: { datasetId: 'ds-pets' } },
        { id: 'shapes', type: 'dataset', position: at, data: { datasetId: 'ds-shapes' } },
        {
          id: 'pet-kind',
          type: 'classification',
          position: at,
          data: { classes: ['cat', 'dog'], epochs: null, batchSize: 8, learningRate: 0.01, imageSize: 64, patience: 2, executor: 'batch' },
        },
        { id: 'find', type: 'detection', position: at, data: { classes: ['circle'], initModelId: 'm-det' } },
      ],
      edges: [
        { id: 'a', source: 'pets', target: 'pet-kind' },
        { id: 'b', source: 'shapes', target: 'find' },
      ],
    };
    const plan = compileFlowchart(graph, headlineContext());
    expect(plan.stages.map((s) => [s.nodeId, s.dependsOn, s.input])).toEqual([
      ['pet-kind', [], { kind: 'dataset', datasetId: 'ds-pets' }],
      ['find', [], { kind: 'dataset', datasetId: 'ds-shapes' }],
    ]);
    expect(plan.stages[0]).toMatchObject({ hyper: { batchSize: 8, learningRate: 0.01, imageSize: 64, patience: 2 }, executor: 'batch' });
    expect(plan.stages[1]?.initModelId).toBe('m-det');
  });

  it('carries a node\'s GPU pool into its stage, and gives a node without an executor the platform\'s', () => {
    const graph = headlineFlowchart();
    const detect = graph.nodes.find((n) => n.id === 'detect')!;
    Object.assign(detect.data, { pool: 'a100' });
    const roundKind = graph.nodes.find((n) => n.id === 'round-kind')!;
    Object.assign(roundKind.data, { executor: 'local' });
    const local = compileFlowchart(graph, headlineContext());
    expect(local.stages.map((s) => [s.nodeId, s.executor, s.pool])).toEqual([
      ['detect', 'local', 'a100'],
      ['round-kind', 'local', undefined],
      ['angular-kind', 'local', undefined],
    ]);
    expect('pool' in local.stages[1]!).toBe(false);
    const batch = compileFlowchart(graph, { ...headlineContext(), defaultExecutor: 'batch' });
    expect(batch.stages.map((s) => [s.nodeId, s.executor])).toEqual([
      ['detect', 'batch'],
      ['round-kind', 'local'],
      ['angular-kind', 'batch'],
    ]);
  });

  it('refuses an invalid flowchart with every problem', () => {
    const graph = headlineFlowchart();
    graph.edges = [];
    let error: unknown;
    try {
      compileFlowchart(graph, headlineContext());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowchartInvalidError);
    const problems = (error as FlowchartInvalidError).problems;
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['missing_input', 'detect'],
      ['missing_input', 'round-kind'],
      ['missing_input', 'angular-kind'],
    ]);
    expect((error as Error).message).toMatch(/^The flowchart cannot run \(3 problems\):\n- The stage "Detect shapes" has no input/);
  });
});
