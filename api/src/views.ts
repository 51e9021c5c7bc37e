/**
 * What the API shows of each table row: the response schemas (TypeBox, for validation-free fast
 * serialization and the OpenAPI document) and the row → view mappers. Dates are ISO strings.
 */
import { Type, type Static } from 'typebox';
import { OwnerSchema, ownerOf, type Owners } from './owners.ts';
import type { Dataset, Flowchart, Model, RunStatus as PlatformRunStatus, StageState as PlatformStageState } from '@aip/platform';
import { EXPORT_TARGETS, exportTargets, type DatasetFormat } from '@aip/datasets-spec';
import { RUN_STATUSES, STAGE_STATES, flowchartUseProblem } from '@aip/workflows';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
/** Free-form JSON (metrics, stats): serialized as is. */
const Json = Type.Unknown();

/** A string restricted to `values` (one JSON Schema enum, typed as the union of the values). */
export const Literals = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const VisibilitySchema = Literals(['private', 'public']);

// ---- datasets ----

export const DatasetProblemSchema = Type.Object(
  {
    file: Type.Optional(Type.String()),
    line: Type.Optional(Type.Integer()),
    code: Type.Optional(
      Type.String({
        description:
          'What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/datasets-spec); clients translate it. Absent on problems recorded before codes existed.',
      }),
    ),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
        description: 'The values `message` interpolates (file names, counts, limits, found and expected values), by name, for a translated sentence.',
      }),
    ),
    message: Type.String({ description: 'The problem in English, naming what to fix.' }),
  },
  { additionalProperties: true },
);

export const DatasetSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Literals(['uploading', 'validating', 'ready', 'invalid'], {
    description: '`validating` until the ingest workflow has checked and normalized the upload.',
  }),
  format: Nullable(Type.String({ description: 'The upload format (unlabeled, classification, detection, text_detection, segmentation, text_recognition, enhancement, refinery); null until inferred' })),
  classes: Type.Array(Type.String(), { description: 'The labels found in the dataset (sorted).' }),
  exports: Type.Array(Literals(EXPORT_TARGETS), {
    description: 'Formats GET /datasets/{id}/export can write this dataset in (only once ready): COCO and YOLO for detection and segmentation, folders for classification.',
  }),
  stats: Nullable(Json),
  /** Validation problems (line-numbered) when invalid. */
  problems: Type.Array(DatasetProblemSchema),
  report: Nullable(Json),
  progress: Nullable(
    Type.Object(
      { phase: Type.String({ description: 'extract | check | store' }), done: Type.Integer(), total: Type.Integer() },
      { description: 'While `validating`: how far the server-side check got.' },
    ),
  ),
  visibility: VisibilitySchema,
  owned: Type.Boolean({ description: 'True when the caller owns the dataset.' }),
  owner: OwnerSchema,
  parentDatasetId: Nullable(Type.String()),
  sourceRunId: Nullable(Type.String()),
  sourceNodeId: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type DatasetView = Static<typeof DatasetSchema>;

export function datasetClasses(stats: unknown): string[] {
  const classes = (stats as { classes?: unknown } | null)?.classes;
  return Array.isArray(classes) ? classes.filter((c): c is string => typeof c === 'string') : [];
}

function reportProblems(report: unknown): DatasetView['problems'] {
  const problems = (report as { problems?: unknown } | null)?.problems;
  if (!Array.isArray(problems)) return [];
  return problems.filter((p): p is DatasetView['problems'][number] => typeof p?.message === 'string');
}

export function datasetView(row: Dataset, userId: string, owners: Owners): DatasetView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    format: row.format,
    classes: datasetClasses(row.stats),
    exports: row.status === 'ready' && row.format ? exportTargets(row.format as DatasetFormat) : [],
    stats: row.stats ?? null,
    problems: reportProblems(row.report),
    report: row.report ?? null,
    progress: row.status === 'validating' ? (row.progress ?? null) : null,
    visibility: row.visibility,
    owned: row.ownerId === userId,
    owner: ownerOf(owners, row.ownerId),
    parentDatasetId: row.parentDatasetId,
    sourceRunId: row.sourceRunId,
    sourceNodeId: row.sourceNodeId,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}

// ---- models ----

export const ModelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  task: Type.String(),
  arch: Type.String(),
  classes: Type.Array(Type.String()),
  parentClass: Nullable(Type.String({ description: 'For a model fed by a detector: the class it refines.' })),
  metrics: Nullable(Json),
  visibility: VisibilitySchema,
  owned: Type.Boolean(),
  owner: OwnerSchema,
  origin: Type.Object({
    kind: Type.String({ description: 'run | upload | refinery' }),
    runId: Nullable(Type.String()),
    nodeId: Nullable(Type.String()),
    refineryTaskId: Nullable(Type.String()),
    initModelId: Nullable(Type.String({ description: 'The model whose weights started training.' })),
  }),
  refineryTaskId: Nullable(Type.String({ description: 'The refinery task that produced it (origin.kind refinery).' })),
  status: Literals(['validating', 'ready', 'invalid'], { description: 'Uploaded models are checked first; platform-made models are ready.' }),
  format: Literals(['aip', 'weights', 'torchscript', 'onnx'], {
    description: 'aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.',
  }),
  input: Nullable(
    Type.Object(
      {
        size: Type.Array(Type.Integer(), { description: '[height, width]' }),
        colorSpace: Type.String(),
        range: Type.Array(Type.Number()),
        mean: Nullable(Type.Array(Type.Number())),
        std: Nullable(Type.Array(Type.Number())),
      },
      { description: 'What the model takes as input.' },
    ),
  ),
  report: Nullable(Type.Object({ message: Type.String() }, { additionalProperties: true, description: 'Why the check refused the upload (status invalid).' })),
  parameters: Nullable(Type.Integer({ description: 'Number of parameters, where known.' })),
  usableInFlowcharts: Type.Boolean({ description: 'Whether flowcharts can reuse it or start from its weights.' }),
  unusableReason: Nullable(Type.String({ description: 'Why flowcharts cannot use it (usableInFlowcharts false).' })),
  createdAt: DateTime,
});
export type ModelView = Static<typeof ModelSchema>;

export const ModelLinkSchema = Type.Object({ id: Type.String(), name: Type.String(), role: Literals(['teacher', 'pruned_from', 'init']) });
export const ModelDetailSchema = Type.Object({
  ...ModelSchema.properties,
  parents: Type.Array(ModelLinkSchema, { description: 'The models it was made from (that the caller may see), with how.' }),
  children: Type.Array(ModelLinkSchema, { description: 'The models made from it (that the caller may see), with how.' }),
});
export type ModelDetailView = Static<typeof ModelDetailSchema>;

export function modelView(row: Model, userId: string, owners: Owners): ModelView {
  return {
    id: row.id,
    name: row.name,
    task: row.task,
    arch: row.arch,
    classes: row.classes,
    parentClass: row.parentClass,
    metrics: row.metrics ?? null,
    visibility: row.visibility,
    owned: row.ownerId === userId,
    owner: ownerOf(owners, row.ownerId),
    origin: {
      kind: row.origin,
      runId: row.originRunId,
      nodeId: row.originNodeId,
      refineryTaskId: row.refineryTaskId,
      initModelId: row.initModelId,
    },
    refineryTaskId: row.refineryTaskId,
    status: row.status,
    format: row.format,
    input: row.input ?? null,
    report: (row.report as { message: string } | null) ?? null,
    parameters: row.parameters,
    usableInFlowcharts: flowchartUseProblem(row) === null,
    unusableReason: flowchartUseProblem(row),
    createdAt: iso(row.createdAt)!,
  };
}

// ---- flowcharts ----

export const FlowchartProblemSchema = Type.Object(
  {
    code: Type.String({ description: 'What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/workflows); clients translate it.' }),
    nodeId: Type.Optional(Type.String()),
    edgeId: Type.Optional(Type.String()),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Array(Type.String())]), {
        description:
          'The values `message` interpolates, by name, for a translated sentence: box and connection names (`node`, `edge`), class, dataset and model names, task ids (`task`, `modelTask` …), counts; lists (classes, the boxes of a loop) as arrays. `variant` names which wording of the code applies.',
      }),
    ),
    message: Type.String({ description: 'The problem in English, naming what to fix.' }),
  },
  { description: 'One problem found by the flowchart validator, tied to the node or edge it is about.' },
);

/**
 * Loose on purpose: drafts may be invalid, and the validator reports what is wrong in sentences
 * (as `problems`) rather than as a JSON Schema rejection.
 */
export const GraphSchema = Type.Object(
  {
    nodes: Type.Array(Type.Object({}, { additionalProperties: true })),
    edges: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  {
    additionalProperties: true,
    description: 'Svelte Flow shape: {nodes: [{id, type, position, data}], edges: [{id, source, target}]}.',
  },
);

export const FlowchartSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  revision: Type.Integer(),
  visibility: VisibilitySchema,
  owned: Type.Boolean(),
  owner: OwnerSchema,
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const FlowchartSchema = Type.Object({
  ...FlowchartSummarySchema.properties,
  graph: GraphSchema,
  problems: Type.Array(FlowchartProblemSchema, { description: 'Empty when the flowchart can run.' }),
});

// The mirror's column types (platform) and the shared lists (workflows) must name the same states.
RUN_STATUSES satisfies readonly PlatformRunStatus[];
STAGE_STATES satisfies readonly PlatformStageState[];

/** Just what the flowchart list's thumbnail draws: boxes where the editor put them, and arrows. */
export const MiniGraphSchema = Type.Object(
  {
    nodes: Type.Array(
      Type.Object({
        id: Type.String(),
        type: Type.String({ description: '`dataset` or a task type' }),
        label: Type.String({ description: "The box's name (its label, else its id)." }),
        position: Type.Object({ x: Type.Number(), y: Type.Number() }),
      }),
    ),
    edges: Type.Array(Type.Object({ source: Type.String(), target: Type.String() })),
  },
  { description: "The flowchart's boxes and connections, without their settings (malformed entries left out)." },
);

export const LastRunSchema = Type.Object(
  {
    id: Type.String(),
    status: Literals(RUN_STATUSES),
    createdAt: DateTime,
    stages: Type.Array(
      Type.Object({
        nodeId: Type.String(),
        state: Literals(STAGE_STATES),
        progress: Type.Number({ minimum: 0, maximum: 1 }),
      }),
      { description: 'Every stage of that run, `pending` until it starts.' },
    ),
    bundle: Type.Boolean({ description: 'True when its deployment bundle can be downloaded (GET /api/runs/{id}/bundle).' }),
  },
  { description: 'The most recently started run of the flowchart.' },
);

/** A row of the flowchart list: the summary, a thumbnail of the graph and how its last run went. */
export const FlowchartOverviewSchema = Type.Object({
  ...FlowchartSummarySchema.properties,
  graph: MiniGraphSchema,
  lastRun: Nullable(LastRunSchema),
});

export function flowchartSummary(row: Flowchart, userId: string, owners: Owners): Static<typeof FlowchartSummarySchema> {
  return {
    id: row.id,
    name: row.name,
    revision: row.revision,
    visibility: row.visibility,
    owned: row.ownerId === userId,
    owner: ownerOf(owners, row.ownerId),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}

export { Nullable, DateTime, Json };
