import { describe, expect, it } from 'vitest';
import { connectionRefusal } from './connection-rules.ts';

const nodes = [
  { id: 'd', type: 'dataset' },
  { id: 'det', type: 'detection' },
  { id: 'cls', type: 'classification' },
  { id: 'cls2', type: 'classification' },
  { id: 'seg', type: 'segmentation' },
  { id: 'enh', type: 'enhancement' },
  { id: 'lines', type: 'text_detection' },
  { id: 'read', type: 'text_recognition' },
];

describe('connectionRefusal', () => {
  it('accepts dataset → detector → classifier', () => {
    expect(connectionRefusal(nodes, [], { source: 'd', target: 'det' })).toBeNull();
    expect(connectionRefusal(nodes, [{ source: 'd', target: 'det' }], { source: 'det', target: 'cls' })).toBeNull();
  });
  it('lets a text detector feed a text recognizer only', () => {
    expect(connectionRefusal(nodes, [], { source: 'lines', target: 'read' })).toBeNull();
    expect(connectionRefusal(nodes, [], { source: 'lines', target: 'cls' })).toBe('lines_need_reader');
  });
  it('refuses a connection into a dataset', () => {
    expect(connectionRefusal(nodes, [], { source: 'det', target: 'd' })).toBe('into_dataset');
  });
  it('refuses a second input to a task', () => {
    expect(connectionRefusal(nodes, [{ source: 'd', target: 'cls' }], { source: 'det', target: 'cls' })).toBe('second_input');
  });
  it('accepts a classifier routing images and an enhancer feeding a stage', () => {
    expect(connectionRefusal(nodes, [], { source: 'cls', target: 'cls2' })).toBeNull();
    expect(connectionRefusal(nodes, [], { source: 'enh', target: 'det' })).toBeNull();
  });
  it('refuses a child of a stage whose output cannot feed another', () => {
    expect(connectionRefusal(nodes, [], { source: 'seg', target: 'cls2' })).toBe('parent_not_detector');
  });
  it('refuses a cycle and a self-loop', () => {
    const detectors = [...nodes, { id: 'det2', type: 'detection' }];
    const edges = [{ source: 'det', target: 'det2' }];
    expect(connectionRefusal(detectors, edges, { source: 'det2', target: 'det' })).toBe('cycle');
    expect(connectionRefusal(nodes, [], { source: 'det', target: 'det' })).toBe('self');
    // Classifier back to its detector: the loop is the reason given, not the classifier's type.
    const chain = [{ source: 'd', target: 'det' }, { source: 'det', target: 'cls' }];
    expect(connectionRefusal(nodes, chain, { source: 'cls', target: 'det' })).toBe('cycle');
  });
});
