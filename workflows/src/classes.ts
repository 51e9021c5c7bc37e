/**
 * Classes along the cascade: a stage's effective classes (its own, or its reused model's) and the
 * fine → coarse label map (DESIGN.md "Flowchart → Temporal"): a dataset label that is a class of a
 * descendant stage counts, for an ancestor detector, as the ancestor class it refines
 * (`circle` → `round` when the `round` classifier lists `circle`), recursively.
 */
import { lookup, type FlowchartContext } from './context.ts';
import { hasClasses } from './flowchart.ts';
import { isTaskGraphNode, type Graph, type GraphEdge, type GraphNode, type TaskGraphNode } from './graph.ts';

/** The classes a stage outputs; undefined when unknown (broken settings, unknown reuse model). */
export function stageClasses(node: TaskGraphNode, context: FlowchartContext): string[] | undefined {
  if (!node.data) return undefined;
  if (!hasClasses(node.type)) return [];
  if ((node.data.mode ?? 'train') === 'reuse') {
    const model = node.data.modelId ? lookup(context.models, node.data.modelId) : undefined;
    // A model of another task is reported as such; its classes mean nothing here.
    return model?.task === node.type ? model.classes : undefined;
  }
  return node.data.classes ?? [];
}

/** The node's single input; undefined when it has none or several (both are problems). */
export function inputOf(graph: Graph, nodeId: string): { edge: GraphEdge; source: GraphNode } | undefined {
  const inputs = graph.inputs.get(nodeId) ?? [];
  if (inputs.length !== 1) return undefined;
  const edge = inputs[0]!;
  const source = graph.nodes.get(edge.source);
  return source ? { edge, source } : undefined;
}

/** Task nodes whose single input is `nodeId`. */
export function childrenOf(graph: Graph, nodeId: string): TaskGraphNode[] {
  const children: TaskGraphNode[] = [];
  for (const edge of graph.outputs.get(nodeId) ?? []) {
    const child = graph.nodes.get(edge.target);
    if (child && isTaskGraphNode(child) && inputOf(graph, child.id)?.source.id === nodeId) children.push(child);
  }
  return children;
}

/** Walks up single inputs to the dataset the cascade starts from; undefined if there is none. */
export function rootDatasetOf(graph: Graph, nodeId: string): GraphNode | undefined {
  const seen = new Set<string>();
  let current = graph.nodes.get(nodeId);
  while (current && current.type !== 'dataset') {
    if (seen.has(current.id)) return undefined; // a cycle
    seen.add(current.id);
    current = inputOf(graph, current.id)?.source;
  }
  return current;
}

export interface LabelMapResult {
  /** Dataset label → one of the stage's classes; the stage's own classes are not listed. */
  labelMap: Record<string, string>;
  /** Labels that would map to two different classes of this stage. */
  conflicts: { label: string; classes: string[] }[];
}

export function buildLabelMap(
  graph: Graph,
  node: TaskGraphNode,
  context: FlowchartContext,
  visiting: Set<string> = new Set(),
): LabelMapResult {
  const own = new Set(stageClasses(node, context) ?? []);
  const labelMap: Record<string, string> = {};
  const claims = new Map<string, Set<string>>();
  const claim = (label: string, coarse: string) => {
    const set = claims.get(label) ?? new Set<string>();
    set.add(coarse);
    claims.set(label, set);
  };
  if (visiting.has(node.id)) return { labelMap, conflicts: [] }; // cycles are reported elsewhere
  visiting.add(node.id);
  for (const child of childrenOf(graph, node.id)) {
    const parentClass = child.data?.parentClass;
    if (parentClass === undefined || !own.has(parentClass)) continue;
    const fine = new Set([...(stageClasses(child, context) ?? []), ...Object.keys(buildLabelMap(graph, child, context, visiting).labelMap)]);
    for (const label of fine) {
      // A fine label equal to its own coarse class maps to itself; equal to another class of
      // this stage it would be two things at once.
      if (own.has(label)) {
        if (label !== parentClass) claim(label, parentClass);
        continue;
      }
      claim(label, parentClass);
    }
  }
  visiting.delete(node.id);
  const conflicts: LabelMapResult['conflicts'] = [];
  for (const [label, coarse] of [...claims].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const targets = own.has(label) ? new Set([label, ...coarse]) : coarse;
    if (targets.size > 1) conflicts.push({ label, classes: [...targets] });
    else labelMap[label] = [...coarse][0]!;
  }
  return { labelMap, conflicts };
}
