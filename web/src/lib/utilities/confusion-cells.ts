/**
 * A confusion matrix (rows: true class, columns: predicted class, as the trainer writes it) as the
 * cells of a heat map: each cell's count and its share of its row, so a rare class's mistakes are as
 * visible as a common one's.
 */

export interface ConfusionCell {
  truth: number;
  predicted: number;
  count: number;
  /** count / the row's total, 0 for an empty row. */
  share: number;
  diagonal: boolean;
}

/** The cells row by row; null when `matrix` is not a square matrix of counts for `classes`. */
export function confusionCells(matrix: unknown, classes: readonly string[]): ConfusionCell[] | null {
  const n = classes.length;
  if (!Array.isArray(matrix) || matrix.length !== n || n === 0) return null;
  const rows = matrix as unknown[];
  if (!rows.every((row) => Array.isArray(row) && row.length === n && row.every((v) => Number.isInteger(v) && v >= 0))) return null;
  return (rows as number[][]).flatMap((row, truth) => {
    const total = row.reduce((sum, v) => sum + v, 0);
    return row.map((count, predicted) => ({
      truth,
      predicted,
      count,
      share: total === 0 ? 0 : count / total,
      diagonal: truth === predicted,
    }));
  });
}
