/**
 * How every check in this package reports what is wrong with an upload: a list of problems, each
 * naming the file (and the line, for label.txt) in words a non-specialist can act on.
 */

export interface Problem {
  /** Path inside the zip as the user sees it; '' when the problem concerns the upload as a whole. */
  file: string;
  /** 1-based line number, for problems inside a text file such as label.txt. */
  line?: number;
  message: string;
}

/** Formats one problem as "file, line N: message" for logs and summaries. */
export function describeProblem(problem: Problem): string {
  const where = problem.file === '' ? 'upload' : problem.file;
  return problem.line === undefined ? `${where}: ${problem.message}` : `${where}, line ${problem.line}: ${problem.message}`;
}

const SUMMARY_SHOWN = 5;

/** The upload was refused; `problems` lists every reason found, not just the first. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(summarize(problems));
    this.problems = problems;
  }
}

function summarize(problems: Problem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const shown = problems.slice(0, SUMMARY_SHOWN).map(describeProblem);
  const more = problems.length > SUMMARY_SHOWN ? ` (and ${problems.length - SUMMARY_SHOWN} more)` : '';
  return `The dataset was refused: ${count}. ${shown.join('; ')}${more}`;
}
