/**
 * "Finish labeling": POST complete; with unlabeled items left the API answers `409
 * unlabeled_items_left` (its message says how many), the person is asked whether to finish anyway
 * (those items are then left out of the stage's data), and a yes repeats the call with `force`.
 */

/** What a failed call says (an ApiFailure has it). */
interface FailureLike {
  code: string;
  message: string;
}

const isFailure = (value: unknown): value is FailureLike =>
  typeof (value as FailureLike | null)?.code === 'string' && typeof (value as FailureLike | null)?.message === 'string';

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * How many items are left unlabeled: the 409's problem `{left, total}`, else its message's first
 * number ("7 of 40 images have no labels yet …"), else `fallback`.
 */
export function unlabeledLeft(failure: unknown, fallback: number): number {
  const problems = (failure as { problems?: unknown } | null)?.problems;
  const left = Array.isArray(problems) ? problems.map((problem) => (problem as { left?: unknown } | null)?.left).find(isCount) : undefined;
  if (left !== undefined) return left;
  const match = isFailure(failure) ? /\d+/.exec(failure.message) : null;
  return match ? Number(match[0]) : Math.max(0, fallback);
}

export interface FinishOptions {
  /** POST /api/labeling/jobs/:jobId/complete, with `force` or not. */
  complete(force: boolean): Promise<unknown>;
  /** Asks whether to finish with `left` items unlabeled; true finishes anyway. */
  confirm(left: number): Promise<boolean>;
  /** The count to show when the API's answer names none (total − labeled as the page knows them). */
  fallbackLeft: number;
}

/** Finishes the labeling job: `completed`, or `kept` when the person chose to go on labeling. Other failures are thrown. */
export async function finishLabeling(options: FinishOptions): Promise<'completed' | 'kept'> {
  try {
    await options.complete(false);
    return 'completed';
  } catch (failure) {
    if (!isFailure(failure) || failure.code !== 'unlabeled_items_left') throw failure;
    if (!(await options.confirm(unlabeledLeft(failure, options.fallbackLeft)))) return 'kept';
  }
  await options.complete(true);
  return 'completed';
}

/** Labeled of total as a whole percent for a progress bar (0 for an empty job). */
export const labeledPercent = (labeled: number, total: number): number =>
  total > 0 ? Math.min(100, Math.max(0, Math.floor((labeled / total) * 100))) : 0;
