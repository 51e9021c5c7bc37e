import { describe, expect, it } from 'vitest';
import { runFlow, type RunStageLike } from './run-flow.ts';

const graph = {
  nodes: [
    { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: 'ds_1' } },
    { id: 'detect', type: 'detection', position: { x: 250, y: 0 }, data: { classes: ['round', 'square'], label: 'Find shapes' } },
    { id: 'kind', type: 'classification', position: { x: 500, y: 0 }, data: { classes: ['circle', 'ring'], parentClass: 'round' } },
    { id: 'broken', type: 'classification', data: {} },
  ],
  edges: [
    { id: 'e1', source: 'data', target: 'detect' },
    { id: 'e2', source: 'detect', target: 'kind' },
    { id: 'e3', source: 'kind', target: 'broken' },
  ],
};

const stage = (nodeId: string, state: string, progress = 0): RunStageLike => ({ nodeId, name: nodeId, task: 'x', state, progress, message: null });

describe('runFlow', () => {
  it('puts each stage’s live state on its box, none on the dataset, and drops malformed entries', () => {
    const { nodes, edges } = runFlow(graph, [{ ...stage('detect', 'succeeded', 1), name: 'Find shapes' }, stage('kind', 'training', 0.4)]);
    expect(nodes.map((n) => [n.id, n.data.kind, n.data.label, n.data.state, n.data.progress])).toEqual([
      ['data', 'dataset', 'data', null, 0],
      ['detect', 'detection', 'Find shapes', 'succeeded', 1],
      ['kind', 'classification', 'kind', 'training', 0.4],
    ]);
    expect(nodes[2]!.data).toMatchObject({ classes: ['circle', 'ring'], parentClass: 'round' });
    expect(nodes.every((n) => n.type === 'run' && !n.draggable && !n.connectable)).toBe(true);
    // The edge to the box without a position goes with it.
    expect(edges.map((e) => e.id)).toEqual(['e1', 'e2']);
  });

  it('animates only the edges into working stages', () => {
    const running = runFlow(graph, [stage('detect', 'preparing'), stage('kind', 'pending')]).edges;
    expect(running.map((e) => [e.id, e.animated])).toEqual([['e1', true], ['e2', false]]);
    const failed = runFlow(graph, [stage('detect', 'failed'), stage('kind', 'pending')]).edges;
    expect(failed.some((e) => e.animated)).toBe(false);
  });
});
