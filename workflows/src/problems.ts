/** What the validator reports: one entry per problem, in words a non-specialist understands. */

export type ProblemCode =
  | 'invalid_graph'
  | 'invalid_node'
  | 'invalid_edge'
  | 'duplicate_id'
  | 'unknown_edge_endpoint'
  | 'no_tasks'
  | 'cycle'
  | 'missing_input'
  | 'multiple_inputs'
  | 'dataset_has_input'
  | 'dataset_not_found'
  | 'dataset_not_ready'
  | 'format_mismatch'
  | 'unsupported_task'
  | 'unknown_arch'
  | 'stage_input_not_detector'
  | 'missing_parent_class'
  | 'unknown_parent_class'
  | 'empty_classes'
  | 'too_few_classes'
  | 'invalid_classes'
  | 'duplicate_classes'
  | 'ambiguous_fine_class'
  | 'class_not_in_dataset'
  | 'reuse_without_model'
  | 'model_not_found'
  | 'model_wrong_task'
  | 'reuse_classes_locked';

export interface FlowchartProblem {
  /** Stable machine-readable kind (for tests, telemetry and UI icons); the message is for people. */
  code: ProblemCode;
  nodeId?: string;
  edgeId?: string;
  message: string;
}

/** Thrown by `compileFlowchart` for a graph with problems; carries every one of them. */
export class FlowchartInvalidError extends Error {
  override readonly name = 'FlowchartInvalidError';
  readonly problems: FlowchartProblem[];

  constructor(problems: FlowchartProblem[]) {
    const shown = problems.slice(0, 5).map((p) => `- ${p.message}`);
    if (problems.length > 5) shown.push(`- … and ${problems.length - 5} more`);
    super(`The flowchart cannot run (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${shown.join('\n')}`);
    this.problems = problems;
  }
}

/** `"a", "b" and "c"` — lists inside messages, cut short when long. */
export function quoteList(items: readonly string[], max = 8): string {
  const quoted = items.slice(0, max).map((i) => `"${i}"`);
  if (items.length > max) quoted.push(`${items.length - max} more`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** "an object detection", "a classification". */
export function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}
