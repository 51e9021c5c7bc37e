import { describe, expect, it } from 'vitest';
import { datasetStats } from './dataset-stats.ts';

describe('datasetStats', () => {
  it('reads the ingest summary', () => {
    const stats = { version: 1, images: 12, splits: { train: 8, val: 2, test: 2 }, classCounts: { circle: 4, ring: 3 } };
    expect(datasetStats(stats)).toEqual({ images: 12, splits: { train: 8, val: 2, test: 2 }, classCounts: { circle: 4, ring: 3 } });
  });
  it('is null without stats and fills gaps with zeros', () => {
    expect(datasetStats(null)).toBeNull();
    expect(datasetStats({ classCounts: { a: 'x' } })).toEqual({ images: 0, splits: { train: 0, val: 0, test: 0 }, classCounts: { a: 0 } });
  });
});
