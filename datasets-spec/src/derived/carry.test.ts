import { describe, expect, it } from 'vitest';
import { entryProblem, type ManifestEntry } from '../manifest.ts';
import { labelsInRegion, objectsOf, scaleLabels } from './carry.ts';

const source: ManifestEntry = {
  path: 'images/street.png',
  width: 100,
  height: 80,
  split: 'train',
  boxes: [
    { x1: 10, y1: 10, x2: 30, y2: 30, label: 'car' }, // inside the crop
    { x1: 35, y1: 10, x2: 55, y2: 30, label: 'bike' }, // a quarter inside
    { x1: 70, y1: 50, x2: 90, y2: 70, label: 'car' }, // outside
  ],
  polygons: [
    { points: [[5, 5], [45, 5], [45, 45], [5, 45]], label: 'road' }, // cut by the crop's right and bottom edges
    { points: [[60, 60], [70, 60], [70, 70]], label: 'sign' }, // outside
  ],
};
const crop = { left: 0, top: 0, width: 40, height: 40 };

describe('labelsInRegion', () => {
  it('keeps detection boxes mostly inside the crop, cut to it, in its coordinates', () => {
    const labels = labelsInRegion(source, { left: 5, top: 5, width: 35, height: 35 }, 'detection');
    expect(labels).toEqual({ boxes: [{ x1: 5, y1: 5, x2: 25, y2: 25, label: 'car' }] });
  });

  it('keeps a box once enough of it is visible (minVisible)', () => {
    const labels = labelsInRegion(source, crop, 'detection', { minVisible: 0.2 });
    expect(labels.boxes?.map((box) => box.label)).toEqual(['car', 'bike']);
    expect(labels.boxes?.[1]).toEqual({ x1: 35, y1: 10, x2: 40, y2: 30, label: 'bike' });
  });

  it('cuts segmentation polygons at the crop edge and drops those outside', () => {
    const labels = labelsInRegion(source, { left: 5, top: 5, width: 30, height: 30 }, 'segmentation', { minVisible: 0 });
    expect(labels.polygons).toHaveLength(1);
    expect(labels.polygons![0]!.label).toBe('road');
    const entry: ManifestEntry = { path: 'images/c.png', width: 30, height: 30, split: 'train', ...labels };
    expect(entryProblem(entry, 'segmentation')).toBeNull();
    expect(new Set(labels.polygons![0]!.points.map(String))).toEqual(new Set(['0,0', '30,0', '30,30', '0,30']));
  });

  it('drops text cut by the crop: a cut word no longer reads as its label', () => {
    const text: ManifestEntry = { ...source, polygons: [{ points: [[10, 10], [38, 10], [38, 20], [10, 20]], label: 'EXIT' }] };
    expect(labelsInRegion(text, crop, 'text_detection').polygons).toHaveLength(1);
    expect(labelsInRegion(text, { left: 0, top: 0, width: 30, height: 40 }, 'text_detection').polygons).toEqual([]);
  });

  it('gives formats without geometry nothing: their label comes from the matched object', () => {
    expect(labelsInRegion(source, crop, 'classification')).toEqual({});
    expect(objectsOf(source).map((object) => object.label)).toEqual(['car', 'bike', 'car', 'road', 'sign']);
    expect(objectsOf(source)[3]).toMatchObject({ x1: 5, y1: 5, x2: 45, y2: 45 });
  });
});

describe('scaleLabels', () => {
  it('scales boxes and polygons to the new size and keeps the entry valid', () => {
    const doubled = scaleLabels(source, 200, 160);
    expect(doubled.boxes![0]).toEqual({ x1: 20, y1: 20, x2: 60, y2: 60, label: 'car' });
    expect(doubled.polygons![1]!.points).toEqual([[120, 120], [140, 120], [140, 140]]);
    expect(entryProblem(doubled, 'text_detection')).toBeNull();
  });

  it('drops objects that shrink to nothing at hundredths of a pixel', () => {
    const tiny: ManifestEntry = { ...source, boxes: [{ x1: 10, y1: 10, x2: 10.04, y2: 10.04, label: 'dot' }], polygons: [] };
    expect(scaleLabels(tiny, 10, 8).boxes).toEqual([]);
  });
});
