import { describe, expect, it } from 'vitest';
import { confusionCells } from './confusion-cells.ts';

describe('confusionCells', () => {
  it('gives each cell its share of the true class’s row', () => {
    const cells = confusionCells([[3, 1], [0, 0]], ['cat', 'dog'])!;
    expect(cells.map((c) => [c.truth, c.predicted, c.count, c.share, c.diagonal])).toEqual([
      [0, 0, 3, 0.75, true],
      [0, 1, 1, 0.25, false],
      [1, 0, 0, 0, false],
      [1, 1, 0, 0, true],
    ]);
  });

  it('refuses what is not a square matrix of counts for the classes', () => {
    expect(confusionCells([[1, 2]], ['a', 'b'])).toBeNull();
    expect(confusionCells([[1, -1], [0, 1]], ['a', 'b'])).toBeNull();
    expect(confusionCells('x', ['a'])).toBeNull();
    expect(confusionCells([], [])).toBeNull();
  });
});
