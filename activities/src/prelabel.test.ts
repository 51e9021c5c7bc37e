/**
 * Pre-labels from serving results: each task's result becomes item labels in the manifest's shapes
 * (only the stage's classes kept), with the confidence items are served by.
 */
import { describe, expect, it } from 'vitest';
import type { StageResult } from '@aip/serving';
import { predictionOf } from './prelabel.ts';

const object = (cls: string, score: number, box = { x1: 1, y1: 2, x2: 30, y2: 40 }) => ({ class: cls, score, box, fineClass: cls, fineScore: score, children: {} });

describe('predictionOf', () => {
  it('gives a classifier’s class and probability, nothing for a class the stage does not have', () => {
    const result: StageResult = { task: 'classification', class: 'cat', score: 0.83 };
    expect(predictionOf(result, ['cat', 'dog'])).toEqual({ labels: { class: 'cat' }, confidence: 0.83 });
    expect(predictionOf(result, ['dog'])).toBeUndefined();
    // No classes (nothing to filter by): any class is kept.
    expect(predictionOf(result, [])).toEqual({ labels: { class: 'cat' }, confidence: 0.83 });
  });

  it('gives a detector’s boxes of the stage’s classes, sure as its least sure one', () => {
    const result: StageResult = {
      task: 'detection',
      objects: [object('cat', 0.9, { x1: 1, y1: 2, x2: 30, y2: 40 }), object('car', 0.2, { x1: 50, y1: 5, x2: 90, y2: 45 }), object('dog', 0.6, { x1: 10, y1: 20, x2: 35, y2: 48 })],
    };
    expect(predictionOf(result, ['cat', 'dog'])).toEqual({
      labels: {
        boxes: [
          { x1: 1, y1: 2, x2: 30, y2: 40, label: 'cat' },
          { x1: 10, y1: 20, x2: 35, y2: 48, label: 'dog' },
        ],
      },
      // The car (0.2) is not the stage's: it neither shows nor lowers the confidence.
      confidence: 0.6,
    });
  });

  it('gives an empty box list with confidence 0 when the detector found none of the stage’s classes', () => {
    expect(predictionOf({ task: 'detection', objects: [] }, ['cat'])).toEqual({ labels: { boxes: [] }, confidence: 0 });
    expect(predictionOf({ task: 'detection', objects: [object('car', 0.95)] }, ['cat'])).toEqual({ labels: { boxes: [] }, confidence: 0 });
  });

  it('gives a segmenter’s outlines of the stage’s classes as polygons, without a confidence', () => {
    const square: [number, number][] = [[0, 0], [10, 0], [10, 10], [0, 10]];
    const triangle: [number, number][] = [[20, 20], [30, 20], [25, 28]];
    const result: StageResult = {
      task: 'segmentation',
      regions: [
        { class: 'road', area: 0.5, outlines: [{ points: square, holes: [] }, { points: triangle, holes: [] }] },
        { class: 'sky', area: 0.3, outlines: [{ points: [[40, 0], [50, 0], [50, 5]], holes: [] }] },
      ],
    };
    expect(predictionOf(result, ['road'])).toEqual({
      labels: {
        polygons: [
          { points: square, label: 'road' },
          { points: triangle, label: 'road' },
        ],
      },
      confidence: null,
    });
    expect(predictionOf({ task: 'segmentation', regions: [] }, ['road'])).toEqual({ labels: { polygons: [] }, confidence: null });
  });

  it('gives a text detector’s lines as outlines with an empty text for people to type', () => {
    const line = (x: number, score: number) => ({
      points: [[x, 0], [x + 20, 0], [x + 20, 8], [x, 8]] as [readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number]],
      score,
      children: {},
    });
    const result: StageResult = { task: 'text_detection', lines: [line(0, 0.9), line(30, 0.4)] };
    expect(predictionOf(result, [])).toEqual({
      labels: {
        polygons: [
          { points: [[0, 0], [20, 0], [20, 8], [0, 8]], label: '' },
          { points: [[30, 0], [50, 0], [50, 8], [30, 8]], label: '' },
        ],
      },
      confidence: 0.4,
    });
    expect(predictionOf({ task: 'text_detection', lines: [] }, [])).toEqual({ labels: { polygons: [] }, confidence: 0 });
  });

  it('gives a text recognizer’s text and score', () => {
    expect(predictionOf({ task: 'text_recognition', text: 'EXIT 12', score: 0.77 }, [])).toEqual({ labels: { text: 'EXIT 12' }, confidence: 0.77 });
  });

  it('gives nothing for an enhancer', () => {
    expect(predictionOf({ task: 'enhancement', width: 1, height: 1, image: '' }, [])).toBeUndefined();
  });
});
