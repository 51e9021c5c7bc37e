import { describe, expect, it } from 'vitest';
import { curvePoints } from './training-curves.ts';

describe('curvePoints', () => {
  it('reads loss and metric per epoch, skipping what is malformed', () => {
    const curves = curvePoints([
      { event: 'epoch', epoch: 1, loss: 1.2, metric: 0.5, metricName: 'accuracy' },
      { event: 'epoch', epoch: 2, loss: 0.7 },
      null,
      { epoch: 'three', loss: 0.1 },
      { epoch: 3, loss: Number.NaN, metric: 0.9, metricName: 'accuracy' },
    ]);
    expect(curves).toEqual({
      loss: [{ x: 1, y: 1.2 }, { x: 2, y: 0.7 }],
      metric: [{ x: 1, y: 0.5 }, { x: 3, y: 0.9 }],
      metricName: 'accuracy',
    });
  });

  it('is empty before the first epoch', () => {
    expect(curvePoints([])).toEqual({ loss: [], metric: [], metricName: null });
  });
});
