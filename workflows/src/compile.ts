/**
 * Flowchart → execution plan: validated graph in, stages in dependency order out, every default
 * filled in so the plan alone says exactly what runs (runs snapshot it; activities never look at
 * the graph).
 */
import { defaultArchitecture } from './architectures.ts';
import { buildLabelMap, inputOf, stageClasses } from './classes.ts';
import { lookup, type FlowchartContext } from './context.ts';
import { HYPER_PARAMETER_KEYS, TASK_NODE_DEFAULTS } from './flowchart.ts';
import { isTaskGraphNode, parseGraph, type Graph, type TaskGraphNode } from './graph.ts';
import type { HyperParameters, Plan, PlanStage, StageInput } from './plan.ts';
import { FlowchartInvalidError } from './problems.ts';
import { validateFlowchart } from './validate.ts';

export function compileFlowchart(graphInput: unknown, context: FlowchartContext): Plan {
  const problems = validateFlowchart(graphInput, context);
  if (problems.length > 0) throw new FlowchartInvalidError(problems);
  const { graph } = parseGraph(graphInput);
  return { version: 1, stages: topologicalOrder(graph).map((node) => compileStage(graph, node, context)) };
}

/**
 * Kahn's algorithm over task nodes; among the nodes ready at the same time the one listed first
 * in the graph goes first, so the same graph always gives the same plan.
 */
function topologicalOrder(graph: Graph): TaskGraphNode[] {
  const tasks = [...graph.nodes.values()].filter(isTaskGraphNode).sort((a, b) => a.index - b.index);
  const done = new Set<string>();
  const order: TaskGraphNode[] = [];
  while (order.length < tasks.length) {
    const next = tasks.find((node) => {
      if (done.has(node.id)) return false;
      const source = inputOf(graph, node.id)?.source;
      return source === undefined || source.type === 'dataset' || done.has(source.id);
    });
    // The validator rejects cycles, so a ready node always exists.
    if (!next) throw new Error('compileFlowchart: no stage is ready to run; the graph has a cycle the validator missed');
    done.add(next.id);
    order.push(next);
  }
  return order;
}

function compileStage(graph: Graph, node: TaskGraphNode, context: FlowchartContext): PlanStage {
  const data = node.data!; // valid graph: every node has its settings
  const source = inputOf(graph, node.id)!.source;
  const input: StageInput =
    source.type === 'dataset'
      ? { kind: 'dataset', datasetId: source.data!.datasetId }
      : source.type === 'enhancement'
        ? { kind: 'stage', nodeId: source.id }
        : { kind: 'stage', nodeId: source.id, class: data.parentClass! };
  const mode = data.mode ?? TASK_NODE_DEFAULTS.mode;
  const hyper: HyperParameters = {};
  for (const key of HYPER_PARAMETER_KEYS) {
    const value = data[key];
    if (typeof value === 'number') hyper[key] = value; // absent/null = automatic
  }
  const stage: PlanStage = {
    nodeId: node.id,
    name: node.name,
    task: node.type,
    input,
    mode,
    arch: (mode === 'reuse' ? lookup(context.models, data.modelId!)?.arch : undefined) ?? data.arch ?? defaultArchitecture(node.type)!,
    classes: [...stageClasses(node, context)!],
    labelMap: buildLabelMap(graph, node, context).labelMap,
    hyper,
    visibility: data.visibility ?? TASK_NODE_DEFAULTS.visibility,
    executor: data.executor ?? context.defaultExecutor ?? TASK_NODE_DEFAULTS.executor,
    dependsOn: source.type === 'dataset' ? [] : [source.id],
  };
  if (mode === 'reuse') stage.modelId = data.modelId!;
  else if (data.initModelId) stage.initModelId = data.initModelId;
  if (data.pool) stage.pool = data.pool;
  return stage;
}
