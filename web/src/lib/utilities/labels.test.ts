import { describe, expect, it } from 'vitest';
import { type Point, byConfidence, emptyLabels, isLabeled, isLabelingTask, labelsProblems, readBoxes, readClass, readPolygons, readPrelabel, readText, startingLabels } from './labels.ts';

const image = { width: 100, height: 50 };

describe('reading labels', () => {
  it('reads each task’s shape and leaves out what is malformed', () => {
    expect(readBoxes({ boxes: [{ x1: 1, y1: 2, x2: 3, y2: 4, label: 'cat' }, { x1: 'a' }, null] })).toEqual([{ x1: 1, y1: 2, x2: 3, y2: 4, label: 'cat' }]);
    expect(readBoxes(null)).toEqual([]);
    expect(readPolygons({ polygons: [{ points: [[0, 0], [1, 0], [1, 1]], label: 'leaf' }, { points: [[0, 0], ['x', 1]], label: 'bad' }] })).toEqual([
      { points: [[0, 0], [1, 0], [1, 1]], label: 'leaf' },
    ]);
    expect(readClass({ class: 'dog' })).toBe('dog');
    expect(readClass({ text: 'dog' })).toBeNull();
    expect(readText({ text: '你好' })).toBe('你好');
    expect(readText(null)).toBe('');
  });

  it('reads a pre-label', () => {
    expect(readPrelabel({ labels: { class: 'cat' }, confidence: 0.4, source: 'model' })).toEqual({ labels: { class: 'cat' }, confidence: 0.4, source: 'model' });
    expect(readPrelabel(null)).toBeNull();
    expect(readPrelabel({ confidence: 0.4 })).toBeNull();
  });

  it('knows the labeling tasks', () => {
    expect(isLabelingTask('detection')).toBe(true);
    expect(isLabelingTask('enhancement')).toBe(false);
  });
});

describe('startingLabels', () => {
  const prelabel = { labels: { boxes: [{ x1: 1, y1: 1, x2: 9, y2: 9, label: 'cat' }] }, confidence: 0.3, source: 'upstream' };

  it('starts from the item’s own labels', () => {
    expect(startingLabels({ labels: { boxes: [] }, prelabel }, 'detection')).toEqual({ labels: { boxes: [] }, prelabeled: false });
  });

  it('else from its pre-label, marked as such', () => {
    expect(startingLabels({ labels: null, prelabel }, 'detection')).toEqual({ labels: prelabel.labels, prelabeled: true });
  });

  it('else from an empty drawing (nothing for a class)', () => {
    expect(startingLabels({ labels: null, prelabel: null }, 'segmentation')).toEqual({ labels: { polygons: [] }, prelabeled: false });
    expect(startingLabels({ labels: null, prelabel: null }, 'classification')).toEqual({ labels: null, prelabeled: false });
    expect(emptyLabels('text_recognition')).toEqual({ text: '' });
  });

  it('counts an item as labeled by its own labels only', () => {
    expect(isLabeled({ labels: { boxes: [] } })).toBe(true);
    expect(isLabeled({ labels: null })).toBe(false);
  });
});

describe('byConfidence', () => {
  it('puts the least sure first, items no model guessed after all, ties in job order', () => {
    const items = [
      { id: 'a', index: 0, confidence: 0.9 },
      { id: 'b', index: 1, confidence: 0.2 },
      { id: 'c', index: 2, confidence: null },
      { id: 'd', index: 3, confidence: 0.2 },
    ];
    expect(byConfidence(items).map((item) => item.id)).toEqual(['b', 'd', 'a', 'c']);
    expect(items[0]!.id).toBe('a');
  });
});

describe('labelsProblems', () => {
  it('wants a known class for classification', () => {
    expect(labelsProblems('classification', null, ['cat', 'dog'], image)).toEqual([{ code: 'no_class' }]);
    expect(labelsProblems('classification', { class: 'cow' }, ['cat', 'dog'], image)).toEqual([{ code: 'unknown_class', label: 'cow' }]);
    expect(labelsProblems('classification', { class: 'dog' }, ['cat', 'dog'], image)).toEqual([]);
  });

  it('wants boxes inside the image with a known class; none is an answer too', () => {
    expect(labelsProblems('detection', { boxes: [] }, ['cat'], image)).toEqual([]);
    expect(
      labelsProblems('detection', { boxes: [{ x1: 0, y1: 0, x2: 101, y2: 10, label: 'cat' }, { x1: 5, y1: 5, x2: 5.5, y2: 9, label: 'dog' }] }, ['cat'], image),
    ).toEqual([{ code: 'box_outside', index: 0 }, { code: 'unknown_class', label: 'dog' }, { code: 'box_too_small', index: 1 }]);
  });

  it('wants polygons of three points inside the image, and a text for each text line', () => {
    const triangle: Point[] = [[0, 0], [10, 0], [10, 10]];
    expect(labelsProblems('segmentation', { polygons: [{ points: triangle, label: 'leaf' }] }, ['leaf'], image)).toEqual([]);
    expect(labelsProblems('segmentation', { polygons: [{ points: [[0, 0], [200, 0]], label: 'leaf' }] }, ['leaf'], image)).toEqual([
      { code: 'too_few_points', index: 0 },
      { code: 'point_outside', index: 0 },
    ]);
    expect(labelsProblems('text_detection', { polygons: [{ points: triangle, label: ' ' }] }, [], image)).toEqual([{ code: 'empty_text', index: 0 }]);
    expect(labelsProblems('text_detection', { polygons: [{ points: triangle, label: 'EXIT' }] }, [], image)).toEqual([]);
  });

  it('wants a text for text recognition', () => {
    expect(labelsProblems('text_recognition', { text: '' }, [], image)).toEqual([{ code: 'empty_text', index: null }]);
    expect(labelsProblems('text_recognition', { text: '出口' }, [], image)).toEqual([]);
  });
});
