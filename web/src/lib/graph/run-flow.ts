/**
 * The run page's canvas: the flowchart graph the run started from, with each stage box carrying
 * its live state. Dataset boxes have no stage (their `state` is null); an edge into a working stage
 * is animated so the eye follows where the run is.
 */
import type { FlowEdgeLike, FlowNodeLike } from './flow-mapping.ts';
import { stageKind } from './stage-kind.ts';

/** What the run page knows of a stage (a subset of GET /api/runs/:id `stages[]`). */
export interface RunStageLike {
  nodeId: string;
  name: string;
  task: string;
  state: string;
  progress: number;
  message: string | null;
}

export interface RunNodeData extends Record<string, unknown> {
  /** `dataset` or the stage's task. */
  kind: string;
  label: string;
  /** null for a dataset box (and for a box the run's plan has no stage for). */
  state: string | null;
  progress: number;
  message: string | null;
  classes: string[];
  parentClass: string | null;
}

export interface RunFlowNode extends FlowNodeLike {
  type: 'run';
  data: RunNodeData;
  draggable: false;
  connectable: false;
}

export interface RunFlowEdge extends FlowEdgeLike {
  animated: boolean;
}

interface GraphLike {
  nodes: readonly Record<string, unknown>[];
  edges: readonly Record<string, unknown>[];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Nodes and edges for a read-only Svelte Flow canvas; malformed graph entries are left out. */
export function runFlow(graph: GraphLike, stages: readonly RunStageLike[]): { nodes: RunFlowNode[]; edges: RunFlowEdge[] } {
  const byNode = new Map(stages.map((stage) => [stage.nodeId, stage]));
  const nodes: RunFlowNode[] = [];
  for (const node of graph.nodes) {
    const id = text(node.id);
    const position = node.position as { x?: unknown; y?: unknown } | undefined;
    if (!id || typeof position?.x !== 'number' || typeof position.y !== 'number') continue;
    const data = (node.data ?? {}) as Record<string, unknown>;
    const stage = byNode.get(id);
    nodes.push({
      id,
      type: 'run',
      position: { x: position.x, y: position.y },
      draggable: false,
      connectable: false,
      data: {
        kind: text(node.type) ?? 'dataset',
        label: stage?.name ?? text(data.label) ?? id,
        state: stage?.state ?? null,
        progress: stage?.progress ?? 0,
        message: stage?.message ?? null,
        classes: Array.isArray(data.classes) ? data.classes.filter((c): c is string => typeof c === 'string') : [],
        parentClass: text(data.parentClass),
      },
    });
  }
  const ids = new Set(nodes.map((node) => node.id));
  const edges: RunFlowEdge[] = [];
  for (const edge of graph.edges) {
    const [id, source, target] = [text(edge.id), text(edge.source), text(edge.target)];
    if (!id || !source || !target || !ids.has(source) || !ids.has(target)) continue;
    const state = byNode.get(target)?.state;
    edges.push({ id, source, target, animated: state !== undefined && stageKind(state) === 'running' });
  }
  return { nodes, edges };
}
