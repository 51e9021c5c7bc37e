import { describe, expect, it } from 'vitest';
import type { PlanStage } from '@aip/workflows';
import { cascadeMetrics, emptyTally, expectedClasses, scoreDetections, scoreTextLines, withFineLabels } from './cascade-score.ts';

const base = { mode: 'train', arch: 'x', hyper: {}, visibility: 'private', executor: 'local' } as const;
const root: PlanStage = {
  ...base,
  nodeId: 'detect',
  name: 'detect',
  task: 'detection',
  input: { kind: 'dataset', datasetId: 'ds' },
  classes: ['round', 'angular'],
  labelMap: { circle: 'round', ring: 'round', square: 'angular' },
  dependsOn: [],
};
const roundKind: PlanStage = {
  ...base,
  nodeId: 'round-kind',
  name: 'round-kind',
  task: 'classification',
  input: { kind: 'stage', nodeId: 'detect', class: 'round' },
  classes: ['circle', 'ring'],
  labelMap: {},
  dependsOn: ['detect'],
};

describe('expectedClasses', () => {
  it('maps a fine label to its coarse class and keeps it as the fine answer when a stage names it', () => {
    expect(expectedClasses(root, [root, roundKind], 'ring')).toEqual({ coarse: 'round', fine: 'ring' });
  });
  it('expects the coarse class as the finest answer when no stage refines it', () => {
    expect(expectedClasses(root, [root, roundKind], 'square')).toEqual({ coarse: 'angular', fine: 'angular' });
  });
});

describe('scoreDetections', () => {
  it('counts an object right only with overlap, coarse class and fine class all right', () => {
    const tally = emptyTally();
    const entry = {
      path: 'a.png',
      width: 100,
      height: 100,
      split: 'test' as const,
      boxes: [
        { x1: 0, y1: 0, x2: 20, y2: 20, label: 'ring' },
        { x1: 50, y1: 50, x2: 70, y2: 70, label: 'circle' },
        { x1: 80, y1: 0, x2: 99, y2: 20, label: 'square' },
      ],
    };
    scoreDetections(
      tally,
      entry,
      [
        { class: 'round', fineClass: 'ring', box: { x1: 1, y1: 1, x2: 20, y2: 20 } }, // right
        { class: 'round', fineClass: 'ring', box: { x1: 50, y1: 50, x2: 70, y2: 70 } }, // wrong fine class
        { class: 'angular', fineClass: 'angular', box: { x1: 80, y1: 0, x2: 99, y2: 20 } }, // right
        { class: 'round', fineClass: 'circle', box: { x1: 30, y1: 30, x2: 40, y2: 40 } }, // a false positive
      ],
      root,
      [root, roundKind],
    );
    expect(cascadeMetrics(tally)).toEqual({
      testImages: 1,
      groundTruthObjects: 3,
      predictedObjects: 4,
      endToEndAccuracy: 2 / 3,
      endToEndPrecision: 2 / 4,
      coarseRecall: 1,
    });
  });
});

describe('withFineLabels', () => {
  it('carries the fine classes people gave crops back onto the coarse boxes they were cut from', () => {
    const entry = {
      path: 'a.png',
      width: 100,
      height: 100,
      split: 'test' as const,
      boxes: [
        { x1: 0, y1: 0, x2: 20, y2: 20, label: 'round' },
        { x1: 50, y1: 50, x2: 70, y2: 70, label: 'round' },
        { x1: 80, y1: 0, x2: 99, y2: 20, label: 'angular' },
      ],
    };
    const fine = [
      { box: { x1: 1, y1: 1, x2: 21, y2: 20 }, label: 'ring' },
      { box: { x1: 30, y1: 30, x2: 40, y2: 40 }, label: 'circle' }, // a crop of no labeled box
    ];
    const carried = withFineLabels(entry, fine);
    expect(carried.boxes!.map((box) => box.label)).toEqual(['ring', 'round', 'angular']);
    expect(entry.boxes[0]!.label).toBe('round');
    // Scored against the fine truth: the ring found and read as a ring is right end to end.
    const tally = emptyTally();
    scoreDetections(tally, carried, [{ class: 'round', fineClass: 'ring', box: { x1: 0, y1: 0, x2: 20, y2: 20 } }], root, [root, roundKind]);
    expect(tally.correct).toBe(1);
  });
});

describe('scoreTextLines', () => {
  it('counts a labeled line found when a line overlaps it, and right when it also reads its text', () => {
    const tally = emptyTally();
    const entry = {
      path: 'sign.png',
      width: 200,
      height: 100,
      split: 'test' as const,
      boxes: [{ x1: 10, y1: 10, x2: 90, y2: 30, label: 'EXIT' }],
      polygons: [
        { points: [[100, 50], [190, 40], [192, 60], [102, 70]] as [number, number][], label: '出口' },
        { points: [[10, 70], [60, 70], [60, 90], [10, 90]] as [number, number][], label: 'missed' },
      ],
    };
    scoreTextLines(tally, entry, [
      { points: [[11, 10], [90, 10], [90, 31], [11, 31]], text: 'EXIT' }, // right
      { points: [[100, 50], [190, 40], [192, 60], [102, 70]], text: '出' }, // found, misread
      { points: [[150, 5], [190, 5], [190, 20], [150, 20]], text: 'noise' }, // nothing there
    ]);
    expect(cascadeMetrics(tally)).toEqual({
      testImages: 1,
      groundTruthObjects: 3,
      predictedObjects: 3,
      endToEndAccuracy: 1 / 3,
      endToEndPrecision: 1 / 3,
      coarseRecall: 2 / 3,
    });
  });
});
