import { describe, expect, it } from 'vitest';
import type { Flowchart } from '@aip/workflows';
import { fromFlow, nextId, parseFlowchartFile, toFlow } from './flow-mapping.ts';

const graph: Flowchart = {
  nodes: [
    { id: 'd', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: 'ds1' } },
    { id: 'det', type: 'detection', position: { x: 200, y: 0 }, data: { classes: ['person'], epochs: 3 } },
  ],
  edges: [{ id: 'e1', source: 'd', target: 'det' }],
};

describe('flow mapping', () => {
  it('round-trips a graph', () => {
    const { nodes, edges } = toFlow(graph);
    expect(fromFlow(nodes, edges)).toEqual(graph);
  });
  it('drops what Svelte Flow adds and empty settings', () => {
    const { nodes, edges } = toFlow(graph);
    const canvas = nodes.map((n) => ({ ...n, selected: true, measured: { width: 10, height: 10 }, data: { ...n.data, label: '', arch: undefined } }));
    const back = fromFlow(canvas, edges);
    expect(back).toEqual(graph);
  });
  it('does not share data with the loaded graph', () => {
    const { nodes } = toFlow(graph);
    (nodes[1]!.data.classes as string[]).push('car');
    expect(graph.nodes[1]!.data).toEqual({ classes: ['person'], epochs: 3 });
  });
  it('picks unused ids', () => {
    expect(nextId('node', [{ id: 'node-1' }, { id: 'node-3' }])).toBe('node-2');
  });
  it('reads a parameters file and names what is wrong', () => {
    expect(parseFlowchartFile(JSON.stringify({ name: 'x', graph })).graph).toEqual(graph);
    expect(() => parseFlowchartFile('{')).toThrow(/not JSON/);
    expect(() => parseFlowchartFile('{"name":"x"}')).toThrow(/"graph"/);
  });
});
