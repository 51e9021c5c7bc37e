/**
 * What the validator reports: one entry per problem, in words a non-specialist understands.
 *
 * Each problem also carries a stable `code` and the `params` its sentence fills in, so a client
 * can show it in the user's language (the web translates `flowchart.problem.<code>`); `message`
 * stays the English sentence, for logs, the API and clients that do not know the code.
 */

/**
 * Every problem code. The web has a translation for each (a test checks it), so a code is added
 * here before it is used, and never renamed.
 */
export const PROBLEM_CODES = [
  // The shape of the graph (graph.ts).
  'invalid_graph',
  'invalid_node',
  'invalid_edge',
  'duplicate_id',
  'unknown_edge_endpoint',
  // How the boxes connect.
  'no_tasks',
  'cycle',
  'missing_input',
  'multiple_inputs',
  'dataset_has_input',
  // Datasets.
  'dataset_not_found',
  'dataset_not_ready',
  'format_mismatch',
  // Stages and their classes.
  'unsupported_task',
  'unknown_arch',
  'stage_input_not_detector',
  'text_lines_need_reader',
  'missing_parent_class',
  'unknown_parent_class',
  'empty_classes',
  'too_few_classes',
  'invalid_classes',
  'duplicate_classes',
  'ambiguous_fine_class',
  'class_not_in_dataset',
  // Registry models.
  'reuse_without_model',
  'model_not_found',
  'model_wrong_task',
  'reuse_classes_locked',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

/**
 * The values a problem's sentence fills in, by name: box and connection names (`node`, `edge`),
 * class, dataset and model names, task ids (`task`, …, for the client to translate), counts.
 * Lists stay lists (class names, tasks, the boxes of a loop) so each language joins them its own
 * way. `variant`, when present, names which wording of the code's sentence applies (`edge` for a
 * duplicate connection id, `init` for initial weights …): the web translates
 * `flowchart.problem.<code>.<variant>`.
 */
export type FlowchartProblemParams = Record<string, string | number | string[]>;

export interface FlowchartProblem {
  /** Stable machine-readable kind (for tests, telemetry and UI icons); the message is for people. */
  code: ProblemCode;
  nodeId?: string;
  edgeId?: string;
  /** The values `message` interpolates; `{}` when it has none. */
  params: FlowchartProblemParams;
  /** The English sentence. */
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
