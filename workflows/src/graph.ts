/**
 * Reads an untrusted flowchart into an indexed graph, collecting schema problems instead of
 * stopping at the first: a node whose settings are broken stays in the graph (so its edges and
 * neighbours can still be checked) but carries no settings.
 */
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TObject, TSchema } from '@sinclair/typebox';
import type { TaskType } from './plan.ts';
import {
  DatasetNodeSchema,
  FlowchartEdgeSchema,
  TaskNodeSchema,
  isTaskType,
  type DatasetNodeData,
  type TaskNodeData,
} from './flowchart.ts';
import type { FlowchartProblem, FlowchartProblemParams } from './problems.ts';

interface NodeBase {
  /** Position in the input's node list (ties in the topological order follow it). */
  index: number;
  id: string;
  /** Display name for messages and stage pages: the label, else the id. */
  name: string;
}

export interface DatasetGraphNode extends NodeBase {
  type: 'dataset';
  /** Undefined when the node's settings failed the schema. */
  data?: DatasetNodeData;
}

export interface TaskGraphNode extends NodeBase {
  type: TaskType;
  /** Undefined when the node's settings failed the schema. */
  data?: TaskNodeData;
}

export type GraphNode = DatasetGraphNode | TaskGraphNode;

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
}

export interface Graph {
  nodes: Map<string, GraphNode>;
  /** Edges whose two ends exist. */
  edges: GraphEdge[];
  inputs: Map<string, GraphEdge[]>;
  outputs: Map<string, GraphEdge[]>;
}

export function isTaskGraphNode(node: GraphNode): node is TaskGraphNode {
  return node.type !== 'dataset';
}

export function describeNode(node: GraphNode): string {
  return node.type === 'dataset' ? `The dataset box "${node.name}"` : `The stage "${node.name}"`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseGraph(raw: unknown): { graph: Graph; problems: FlowchartProblem[] } {
  const problems: FlowchartProblem[] = [];
  const graph: Graph = { nodes: new Map(), edges: [], inputs: new Map(), outputs: new Map() };
  if (!isRecord(raw) || !Array.isArray(raw.nodes) || !Array.isArray(raw.edges)) {
    problems.push({
      code: 'invalid_graph',
      params: {},
      message: 'This is not a flowchart: it must have a list of "nodes" and a list of "edges".',
    });
    return { graph, problems };
  }

  raw.nodes.forEach((rawNode: unknown, index) => {
    const node = parseNode(rawNode, index, problems);
    if (!node) return;
    if (graph.nodes.has(node.id)) {
      problems.push({
        code: 'duplicate_id',
        nodeId: node.id,
        params: { id: node.id },
        message: `Two boxes share the id "${node.id}"; every box needs its own id.`,
      });
      return;
    }
    graph.nodes.set(node.id, node);
    graph.inputs.set(node.id, []);
    graph.outputs.set(node.id, []);
  });

  const edgeIds = new Set<string>();
  raw.edges.forEach((rawEdge: unknown, index) => {
    const edge = parseEdge(rawEdge, index, problems);
    if (!edge) return;
    if (edgeIds.has(edge.id)) {
      problems.push({
        code: 'duplicate_id',
        edgeId: edge.id,
        params: { variant: 'edge', id: edge.id },
        message: `Two connections share the id "${edge.id}"; every connection needs its own id.`,
      });
      return;
    }
    edgeIds.add(edge.id);
    const missing = [edge.source, edge.target].filter((id) => !graph.nodes.has(id));
    if (missing.length > 0) {
      problems.push({
        code: 'unknown_edge_endpoint',
        edgeId: edge.id,
        params: { edge: edge.id, missing },
        message: `The connection "${edge.id}" points to ${missing.map((m) => `"${m}"`).join(' and ')}, which ${missing.length === 1 ? 'is not a box' : 'are not boxes'} in this flowchart.`,
      });
      return;
    }
    graph.edges.push(edge);
    graph.outputs.get(edge.source)?.push(edge);
    graph.inputs.get(edge.target)?.push(edge);
  });
  return { graph, problems };
}

function parseNode(raw: unknown, index: number, problems: FlowchartProblem[]): GraphNode | undefined {
  if (!isRecord(raw) || !nonEmptyString(raw.id)) {
    problems.push({ code: 'invalid_node', params: { variant: 'no_id', index: index + 1 }, message: `Box number ${index + 1} has no id; every box needs a text id.` });
    return undefined;
  }
  const id = raw.id;
  const label = isRecord(raw.data) && typeof raw.data.label === 'string' ? raw.data.label.trim() : '';
  const name = label || id;
  if (raw.type !== 'dataset' && !isTaskType(raw.type)) {
    problems.push({
      code: 'invalid_node',
      nodeId: id,
      params: { variant: 'unknown_type', node: name, type: JSON.stringify(raw.type) ?? 'undefined' },
      message: `The box "${name}" has an unknown kind ${JSON.stringify(raw.type) ?? 'undefined'}; it must be a dataset or a task such as classification or detection.`,
    });
    return undefined;
  }
  const type = raw.type;
  const schema = type === 'dataset' ? DatasetNodeSchema : TaskNodeSchema;
  const where = type === 'dataset' ? `The dataset box "${name}"` : `The stage "${name}"`;
  const box = type === 'dataset' ? 'dataset' : 'stage';
  const errors = schemaProblems(schema, raw, where).map(({ message, params }) => ({
    code: 'invalid_node' as const,
    nodeId: id,
    params: { ...params, node: name, box },
    message,
  }));
  problems.push(...errors);
  const valid = errors.length === 0;
  if (type === 'dataset') return { type, index, id, name, data: valid ? (raw.data as DatasetNodeData) : undefined };
  return { type, index, id, name, data: valid ? (raw.data as TaskNodeData) : undefined };
}

function parseEdge(raw: unknown, index: number, problems: FlowchartProblem[]): GraphEdge | undefined {
  if (!isRecord(raw) || !nonEmptyString(raw.id)) {
    problems.push({ code: 'invalid_edge', params: { variant: 'no_id', index: index + 1 }, message: `Connection number ${index + 1} has no id; every connection needs a text id.` });
    return undefined;
  }
  const errors = schemaProblems(FlowchartEdgeSchema, raw, `The connection "${raw.id}"`);
  for (const { message, params } of errors) problems.push({ code: 'invalid_edge', edgeId: raw.id, params: { ...params, edge: raw.id }, message });
  return errors.length === 0 ? (raw as unknown as GraphEdge) : undefined;
}

interface SchemaProblem {
  message: string;
  /** `setting`, and `got` (the value as JSON) or `variant: 'missing'`; `variant: 'malformed'` for the whole object. */
  params: FlowchartProblemParams;
}

/**
 * Schema errors as sentences, one per setting: `<where>: the setting "epochs" must be a whole
 * number of epochs from 1 to 10000, or empty for automatic (got 0).` The wording comes from each
 * setting schema's `description` (flowchart.ts), falling back to TypeBox's own message.
 */
function schemaProblems(schema: TObject, value: Record<string, unknown>, where: string): SchemaProblem[] {
  const seen = new Set<string>();
  const messages: SchemaProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    const segments = error.path.split('/').filter(Boolean);
    const inData = segments[0] === 'data' && segments.length > 1;
    const setting = inData ? segments[1]! : (segments[0] ?? '');
    if (seen.has(`${inData}/${setting}`)) continue;
    seen.add(`${inData}/${setting}`);
    const owner = inData ? (schema.properties.data as TObject | undefined) : schema;
    const settingSchema: TSchema | undefined = owner?.properties?.[setting];
    messages.push(describeSchemaError(where, setting, settingSchema, error, inData ? (value.data as Record<string, unknown>)[setting] : value[setting]));
  }
  return messages;
}

function describeSchemaError(where: string, setting: string, schema: TSchema | undefined, error: ValueError, got: unknown): SchemaProblem {
  const should = typeof schema?.description === 'string' ? schema.description : undefined;
  if (setting === '') return { message: `${where} is malformed: ${error.message.toLowerCase()}.`, params: { variant: 'malformed' } };
  if (error.type === ValueErrorType.ObjectRequiredProperty || got === undefined) {
    return {
      message: `${where}: the setting "${setting}" is missing${should ? `; it must be ${should}` : ''}.`,
      params: { variant: 'missing', setting },
    };
  }
  const json = JSON.stringify(got);
  const shown = json === undefined ? undefined : json.length > 40 ? `${json.slice(0, 40)}…` : json;
  const gotText = shown === undefined ? '' : ` (got ${shown})`;
  return {
    message: `${where}: the setting "${setting}" ${should ? `must be ${should}` : `is invalid: ${error.message.toLowerCase()}`}${gotText}.`,
    params: shown === undefined ? { setting } : { setting, got: shown },
  };
}
