/**
 * The flowchart graph as the editor (Svelte Flow), the API and the "download parameters" file
 * exchange it: `{nodes: [{id, type, position, data}], edges: [{id, source, target}]}`.
 *
 * Objects are open (extra properties allowed) because Svelte Flow adds its own (`measured`,
 * `selected`, `width`, …) and older files must keep loading when new settings appear. Every task
 * setting except `classes` has a default (see `TASK_NODE_DEFAULTS`); hyper-parameters left out or
 * `null` mean "automatic" (the trainer adapts them to the dataset size and device).
 *
 * Each setting's `description` says what it must be, in words that complete "the setting X must
 * be …": the validator builds its schema-error sentences from it, and OpenAPI shows it. (Only
 * standard keywords: Fastify's Ajv runs in strict mode and rejects unknown ones.)
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { TaskType } from './plan.ts';
import { POOL_NAME, POOL_NAME_RULE } from './pools.ts';

export const TASK_TYPES = [
  'classification',
  'detection',
  'text_detection',
  'text_recognition',
  'segmentation',
  'enhancement',
] as const satisfies readonly TaskType[];

/**
 * Tasks whose models have no classes: a text recognizer reads any text (its charset comes from the
 * data), an enhancer returns an image. Their nodes list none; classes given are ignored.
 */
export const CLASSLESS_TASKS: readonly TaskType[] = ['text_detection', 'text_recognition', 'enhancement'];

export function hasClasses(task: TaskType): boolean {
  return !CLASSLESS_TASKS.includes(task);
}

/** How messages and the editor name each task for a non-specialist. */
export const TASK_TITLES: Readonly<Record<TaskType, string>> = {
  classification: 'image classification',
  detection: 'object detection',
  text_detection: 'text detection',
  text_recognition: 'text recognition',
  segmentation: 'segmentation',
  enhancement: 'image enhancement',
};

const text = (description: string) => Type.String({ minLength: 1, description });
/** A hyper-parameter: absent or null = automatic. */
const auto = (schema: TSchema, description: string) => Type.Optional(Type.Union([schema, Type.Null()], { description }));

export const PositionSchema = Type.Object({ x: Type.Number(), y: Type.Number() }, { description: 'the position on the canvas, {x, y} in pixels' });

export const DatasetNodeDataSchema = Type.Object({
  datasetId: text('the id of the dataset to use'),
  label: Type.Optional(Type.String({ description: 'the name shown on the box' })),
});

export const TaskNodeDataSchema = Type.Object({
  /** `train` a new model (default) or `reuse` a registry model as is. */
  mode: Type.Optional(Type.Union([Type.Literal('train'), Type.Literal('reuse')], { description: '"train" (train a new model) or "reuse" (use a registry model as is)' })),
  /** Default: the task's default architecture (architectures.ts). */
  arch: Type.Optional(text('the name of a model architecture offered for this task')),
  /** What this stage tells apart. Required in train mode; in reuse mode the model's classes. */
  classes: Type.Optional(Type.Array(Type.String(), { description: 'a list of class names' })),
  /** For a node fed by a detector: which of the detector's classes it refines. */
  parentClass: Type.Optional(Type.String({ description: 'one class name of the detector feeding this stage' })),
  /** Reuse mode: the registry model to use. */
  modelId: Type.Optional(Type.String({ description: 'the id of the registry model to reuse' })),
  /** Train mode: the registry model whose weights start training (default: none). */
  initModelId: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'the id of the registry model whose weights start training, or empty' })),
  epochs: auto(Type.Integer({ minimum: 1, maximum: 10000 }), 'a whole number of epochs from 1 to 10000, or empty for automatic'),
  batchSize: auto(Type.Integer({ minimum: 1, maximum: 4096 }), 'a whole number from 1 to 4096, or empty for automatic'),
  learningRate: auto(
    Type.Number({ exclusiveMinimum: 0, maximum: 10 }),
    'a number above 0 and at most 10, or empty for automatic',
  ),
  imageSize: auto(Type.Integer({ minimum: 16, maximum: 4096 }), 'a whole number of pixels from 16 to 4096, or empty for automatic'),
  patience: auto(Type.Integer({ minimum: 0, maximum: 10000 }), 'a whole number of epochs (0 or more) to wait for an improvement before stopping, or empty for automatic'),
  visibility: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('public')], { description: '"private" (only you) or "public" (everyone can reuse the trained model)' })),
  executor: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('batch')], { description: '"local" (this server) or "batch" (AWS Batch)' })),
  /**
   * The GPU pool whose workers train this stage (pools.ts; default `default`): say, `a100` for a
   * stage that needs the big cards. Used by the local executor; a Batch job goes to Batch's queue.
   */
  pool: Type.Optional(Type.String({ pattern: POOL_NAME.source, description: `the name of a GPU pool (${POOL_NAME_RULE}), or empty for the default pool` })),
  /** Display name (default: the node id). */
  label: Type.Optional(Type.String({ description: 'the name shown on the box' })),
});

const nodeBase = {
  id: text('a non-empty text id'),
  position: PositionSchema,
};

export const DatasetNodeSchema = Type.Object({
  ...nodeBase,
  type: Type.Literal('dataset'),
  data: DatasetNodeDataSchema,
});

export const TaskNodeSchema = Type.Object({
  ...nodeBase,
  type: Type.Union(TASK_TYPES.map((t) => Type.Literal(t))),
  data: TaskNodeDataSchema,
});

export const FlowchartNodeSchema = Type.Union([DatasetNodeSchema, TaskNodeSchema]);

export const FlowchartEdgeSchema = Type.Object({
  id: text('a non-empty text id'),
  source: text('the id of the box it comes from'),
  target: text('the id of the box it goes to'),
});

export const FlowchartSchema = Type.Object(
  {
    nodes: Type.Array(FlowchartNodeSchema),
    edges: Type.Array(FlowchartEdgeSchema),
  },
  { title: 'Flowchart', description: 'A flowchart in the Svelte Flow shape: dataset and task nodes, edges from input to consumer.' },
);

export type Position = Static<typeof PositionSchema>;
export type DatasetNodeData = Static<typeof DatasetNodeDataSchema>;
export type TaskNodeData = Static<typeof TaskNodeDataSchema>;
export type DatasetNode = Static<typeof DatasetNodeSchema>;
export type TaskNode = Static<typeof TaskNodeSchema>;
export type FlowchartNode = Static<typeof FlowchartNodeSchema>;
export type FlowchartEdge = Static<typeof FlowchartEdgeSchema>;
export type Flowchart = Static<typeof FlowchartSchema>;

/** Defaults of the task settings that have a fixed default (`arch` defaults per task). */
export const TASK_NODE_DEFAULTS = {
  mode: 'train',
  visibility: 'private',
  executor: 'local',
} as const satisfies Partial<TaskNodeData>;

export const HYPER_PARAMETER_KEYS = ['epochs', 'batchSize', 'learningRate', 'imageSize', 'patience'] as const;

export function isTaskNode(node: FlowchartNode): node is TaskNode {
  return node.type !== 'dataset';
}

export function isTaskType(value: unknown): value is TaskType {
  return typeof value === 'string' && (TASK_TYPES as readonly string[]).includes(value);
}
