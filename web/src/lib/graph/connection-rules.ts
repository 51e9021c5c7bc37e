/**
 * Which connections the editor refuses while the user drags one, and why. The shared validator
 * (`@aip/workflows`) would report the same graphs as problems afterwards; refusing them up front
 * keeps the canvas from ever holding a shape that cannot mean anything.
 */

/** Why a connection is refused: each is an i18n key `flowchart.refused.<reason>`. */
export type ConnectionRefusal = 'self' | 'cycle' | 'second_input' | 'into_dataset' | 'parent_not_detector' | 'lines_need_reader';

export interface RuleNode {
  id: string;
  type?: string;
}
export interface RuleEdge {
  source: string;
  target: string;
}

const FEEDING_TYPES = ['detection', 'text_detection', 'classification', 'enhancement'];

/** The reason `source → target` may not be added to the graph, or null when it may. */
export function connectionRefusal(
  nodes: readonly RuleNode[],
  edges: readonly RuleEdge[],
  connection: RuleEdge,
): ConnectionRefusal | null {
  const { source, target } = connection;
  if (source === target) return 'self';
  // A loop first: it is the reason that holds whatever the boxes are.
  if (reaches(edges, target, source)) return 'cycle';
  const typeOf = (id: string) => nodes.find((n) => n.id === id)?.type;
  if (typeOf(target) === 'dataset') return 'into_dataset';
  const sourceType = typeOf(source);
  // Only a detector's crops or lines, a classifier's routed images and an enhancer's images can feed
  // another stage (the validator's stage_input_not_detector).
  if (sourceType !== 'dataset' && !FEEDING_TYPES.includes(sourceType ?? '')) return 'parent_not_detector';
  // A text detector's lines only make sense to a text recognizer (text_lines_need_reader).
  if (sourceType === 'text_detection' && typeOf(target) !== 'text_recognition') return 'lines_need_reader';
  if (edges.some((e) => e.target === target)) return 'second_input';
  return null;
}

/** True when a path of edges leads from `from` to `to`. */
function reaches(edges: readonly RuleEdge[], from: string, to: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edges) if (e.source === id) queue.push(e.target);
  }
  return false;
}
