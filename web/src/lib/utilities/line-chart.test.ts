import { describe, expect, it } from 'vitest';
import { chartGeometry, niceTicks } from './line-chart.ts';

const box = { width: 220, height: 120, margin: { left: 20, right: 0, top: 0, bottom: 20 } };

describe('niceTicks', () => {
  it('picks round steps covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1, 11)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(1, 10)).toEqual([2, 4, 6, 8, 10]);
    expect(niceTicks(0.0312, 0.0891, 4)).toEqual([0.04, 0.06, 0.08]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe('chartGeometry', () => {
  it('maps the data range onto the plot area, y growing upwards', () => {
    const g = chartGeometry([[{ x: 1, y: 2 }, { x: 3, y: 4 }]], box);
    expect(g.plot).toEqual({ left: 20, right: 220, top: 0, bottom: 100 });
    expect(g.dots[0]).toEqual([{ x: 20, y: 100 }, { x: 220, y: 0 }]);
    expect(g.paths[0]).toBe('M20,100 L220,0');
  });

  it('honours a fixed domain and gives a flat or single point room', () => {
    const fixed = chartGeometry([[{ x: 0, y: 0.5 }, { x: 1, y: 0.5 }]], box, { yDomain: [0, 1] });
    expect(fixed.dots[0]!.map((p) => p.y)).toEqual([50, 50]);
    expect(fixed.yTicks.map((t) => t.value)).toEqual([0, 0.5, 1]);
    expect(fixed.yTicks[0]).toEqual({ value: 0, at: 100 });
    const single = chartGeometry([[{ x: 1, y: 0.3 }]], box);
    expect(single.dots[0]![0]!.x).toBe(120);
    expect(single.paths[0]).toMatch(/^M120,/);
  });

  it('skips non-finite points and keeps empty series empty', () => {
    const g = chartGeometry([[{ x: 1, y: Number.NaN }, { x: 2, y: 1 }], []], box);
    expect(g.dots[0]).toHaveLength(1);
    expect(g.paths[1]).toBe('');
  });
});
