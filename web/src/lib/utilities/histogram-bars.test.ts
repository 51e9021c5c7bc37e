import { describe, expect, it } from 'vitest';
import { histogramBars } from './histogram-bars.ts';

describe('histogramBars', () => {
  it('sorts by count then name and scales to the largest', () => {
    expect(histogramBars({ ring: 5, circle: 10, square: 5 })).toEqual([
      { label: 'circle', count: 10, fraction: 1 },
      { label: 'ring', count: 5, fraction: 0.5 },
      { label: 'square', count: 5, fraction: 0.5 },
    ]);
  });
  it('treats missing stats and bad counts as empty or zero', () => {
    expect(histogramBars(null)).toEqual([]);
    expect(histogramBars({ a: 'x', b: 0 })).toEqual([
      { label: 'a', count: 0, fraction: 0 },
      { label: 'b', count: 0, fraction: 0 },
    ]);
  });
});
