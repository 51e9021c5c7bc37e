/**
 * The flowchart graph (the contract shape `{nodes: [{id, type, position, data}], edges: [{id,
 * source, target}]}`) ↔ Svelte Flow's nodes and edges. Svelte Flow adds its own properties
 * (`measured`, `selected`, `dragging`, …); saving keeps only the contract's, so a saved file does
 * not change because the user clicked a box.
 */
import type { Flowchart, FlowchartEdge, FlowchartNode } from '@aip/workflows';

/** What Svelte Flow hands back: the contract's fields and whatever it added. */
export interface FlowNodeLike {
  id: string;
  type?: string;
  position: { x: number; y: number };
  data: Record<string, unknown>;
}
export interface FlowEdgeLike {
  id: string;
  source: string;
  target: string;
}

/** Nodes and edges for the canvas: copies, so editing the canvas never edits the loaded graph. */
export function toFlow(graph: Flowchart): { nodes: FlowNodeLike[]; edges: FlowEdgeLike[] } {
  return {
    nodes: graph.nodes.map((n) => ({ id: n.id, type: n.type, position: { ...n.position }, data: structuredClone(n.data) })),
    edges: graph.edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
  };
}

/** The contract graph of the canvas; settings left empty (undefined, '') are dropped. */
export function fromFlow(nodes: readonly FlowNodeLike[], edges: readonly FlowEdgeLike[]): Flowchart {
  return {
    nodes: nodes.map(
      (n) =>
        ({
          id: n.id,
          type: n.type ?? 'dataset',
          position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
          data: compact(n.data),
        }) as FlowchartNode,
    ),
    edges: edges.map((e): FlowchartEdge => ({ id: e.id, source: e.source, target: e.target })),
  };
}

function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== ''));
}

/** A fresh id not used by any of `taken`: `<prefix>-1`, `<prefix>-2`, … */
export function nextId(prefix: string, taken: readonly { id: string }[]): string {
  const used = new Set(taken.map((t) => t.id));
  for (let i = 1; ; i++) if (!used.has(`${prefix}-${i}`)) return `${prefix}-${i}`;
}

/** Reads a "download parameters" file: `{name, graph}`; throws naming what is wrong. */
export function parseFlowchartFile(text: string): { name: string; graph: Flowchart } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  const file = value as { name?: unknown; graph?: { nodes?: unknown; edges?: unknown } } | null;
  if (typeof file !== 'object' || file === null) throw new Error('the file is not a JSON object');
  if (!file.graph || !Array.isArray(file.graph.nodes) || !Array.isArray(file.graph.edges)) {
    throw new Error('the file has no "graph" with "nodes" and "edges" lists');
  }
  const name = typeof file.name === 'string' && file.name.trim() !== '' ? file.name : 'flowchart';
  return { name, graph: file.graph as Flowchart };
}
