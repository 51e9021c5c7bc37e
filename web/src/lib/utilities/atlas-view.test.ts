import { describe, expect, it } from 'vitest';
import {
  NO_GROUP_COLOUR,
  PALETTE,
  atlasDatasets,
  atlasLegend,
  formatDistance,
  mergeDatasets,
  nearestDistance,
  pickParam,
  sortAtlasNodes,
  unplacedNodes,
  withParam,
  type AtlasNodeLike,
  type Placement,
} from './atlas-view.ts';

function node(id: string, options: { task?: string; parameters?: number | null; dataset?: string | null; placement?: Placement; neighbours?: number[] } = {}): AtlasNodeLike {
  return {
    model: { id, name: `model ${id}`, task: options.task ?? 'classification', parameters: options.parameters ?? null },
    dataset: options.dataset ? { id: options.dataset, name: `set ${options.dataset}` } : null,
    placement: options.placement ?? 'placed',
    reason: null,
    neighbours: (options.neighbours ?? []).map((distance, i) => ({ id: `n${i}`, distance })),
  };
}

describe('URL parameters', () => {
  it('reads only the values offered and drops the default from the URL', () => {
    expect(pickParam('list', ['graph', 'list'], 'graph')).toBe('list');
    expect(pickParam('table', ['graph', 'list'], 'graph')).toBe('graph');
    expect(pickParam(null, ['graph', 'list'], 'graph')).toBe('graph');
    const url = new URL('http://x/atlas?scope=mine');
    expect(withParam(url, 'view', 'list', 'graph')).toBe('/atlas?scope=mine&view=list');
    expect(withParam(new URL('http://x/atlas?view=list'), 'view', 'graph', 'graph')).toBe('/atlas');
    expect(withParam(new URL('http://x/atlas?dataset=d1'), 'dataset', null)).toBe('/atlas');
  });
});

describe('atlasLegend', () => {
  it('gives each task a colour by sorted key and lists them by label', () => {
    const nodes = [node('1', { task: 'segmentation' }), node('2', { task: 'classification' }), node('3', { task: 'segmentation' })];
    const legend = atlasLegend(nodes, 'task', (task) => task.toUpperCase(), 'none');
    expect(legend).toEqual([
      { key: 'classification', label: 'CLASSIFICATION', colour: PALETTE[0] },
      { key: 'segmentation', label: 'SEGMENTATION', colour: PALETTE[1] },
    ]);
  });

  it('colours datasets, the models without one last and grey', () => {
    const nodes = [node('1', { dataset: 'b' }), node('2', { dataset: null }), node('3', { dataset: 'a' })];
    expect(atlasLegend(nodes, 'dataset', (task) => task, 'no dataset')).toEqual([
      { key: 'a', label: 'set a', colour: PALETTE[0] },
      { key: 'b', label: 'set b', colour: PALETTE[1] },
      { key: '', label: 'no dataset', colour: NO_GROUP_COLOUR },
    ]);
  });
});

describe('datasets the filter offers', () => {
  it('lists each dataset once by name, and keeps those offered before when an answer is filtered', () => {
    const sets = atlasDatasets([node('1', { dataset: 'b' }), node('2', { dataset: 'a' }), node('3', { dataset: 'b' }), node('4')]);
    expect(sets).toEqual([
      { id: 'a', name: 'set a' },
      { id: 'b', name: 'set b' },
    ]);
    expect(mergeDatasets(sets, [{ id: 'c', name: 'aaa' }])).toEqual([{ id: 'c', name: 'aaa' }, ...sets]);
  });
});

describe('unplacedNodes', () => {
  it('lists the models not on the map, waiting ones first', () => {
    const nodes = [node('ok'), node('x', { placement: 'unsupported' }), node('w', { placement: 'pending' }), node('f', { placement: 'failed' })];
    expect(unplacedNodes(nodes).map((n) => n.model.id)).toEqual(['w', 'f', 'x']);
  });
});

describe('sortAtlasNodes', () => {
  const nodes = [
    node('b', { parameters: 300, neighbours: [0.4, 0.2] }),
    node('a', { parameters: null, neighbours: [] }),
    node('c', { parameters: 100, neighbours: [0.5] }),
  ];

  it('sorts by name, parameters or nearest distance, models without a value last either way', () => {
    expect(sortAtlasNodes(nodes, 'name').map((n) => n.model.id)).toEqual(['a', 'b', 'c']);
    expect(sortAtlasNodes(nodes, 'name', true).map((n) => n.model.id)).toEqual(['c', 'b', 'a']);
    expect(sortAtlasNodes(nodes, 'parameters').map((n) => n.model.id)).toEqual(['c', 'b', 'a']);
    expect(sortAtlasNodes(nodes, 'parameters', true).map((n) => n.model.id)).toEqual(['b', 'c', 'a']);
    expect(sortAtlasNodes(nodes, 'nearest').map((n) => n.model.id)).toEqual(['b', 'c', 'a']);
    expect(sortAtlasNodes(nodes, 'nearest', true).map((n) => n.model.id)).toEqual(['c', 'b', 'a']);
  });

  it('reads the nearest distance and formats distances with two decimals', () => {
    expect(nearestDistance(nodes[0]!)).toBe(0.2);
    expect(nearestDistance(nodes[1]!)).toBeNull();
    expect(formatDistance(0.2345)).toBe('0.23');
    expect(formatDistance(Number.NaN)).toBe('—');
  });
});
