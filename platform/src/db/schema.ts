// The relational mirror of AIP (docs: DESIGN.md "Data model"). Temporal is the source of truth for
// execution; these tables exist for listing, search and ownership. Ids are text generated in app
// code by newId() (`ds_…`, `run_…`), so ids can be chosen before the row exists (blob keys,
// Temporal workflow ids). Status columns are text typed in TypeScript rather than pg enums, so a
// new status never needs an enum migration.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const ownerId = () =>
  text('owner_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' });

export type Visibility = 'private' | 'public';
export type Role = 'admin' | 'user';
export type DatasetStatus = 'uploading' | 'validating' | 'ready' | 'invalid';
/** `attention`: a stage has failed and the run waits for the user to retry it (or cancel the run). */
export type RunStatus = 'queued' | 'running' | 'attention' | 'succeeded' | 'failed' | 'cancelled';
export type StageState =
  | 'pending'
  | 'preparing'
  | 'awaiting_labels'
  | 'training'
  | 'evaluating'
  | 'registering'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'skipped';
/** One state change of a stage: the state entered, when (ISO time), and a failure's error. */
export interface StageTimelineEntry {
  state: StageState;
  at: string;
  message?: string;
}
/** How far a dataset's ingest got: `extract` (unzipping), `check` (labels, images), `store`. */
export interface IngestProgress {
  phase: string;
  done: number;
  total: number;
}
export type ModelOrigin = 'run' | 'upload' | 'refinery';
export type LabelingState = 'open' | 'completed' | 'cancelled';
export type RefineryState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
/** An uploaded model is checked by the trainer before it can be used; platform-made models are born ready. */
export type ModelStatus = 'validating' | 'ready' | 'invalid';
/**
 * How a model's file is stored: `aip` (the platform wrote it), `weights` (an uploaded state_dict of
 * a registry arch; validation also writes an `aip` model.pt beside it), `torchscript` and `onnx`
 * (uploaded, usable only as frozen refinery teachers).
 */
export type ModelFormat = 'aip' | 'weights' | 'torchscript' | 'onnx';
/** What an uploaded model expects as input (the trainer converts raw 0..255 RGB to it). */
export interface ModelInput {
  /** [height, width] */
  size: [number, number];
  colorSpace: 'RGB' | 'BGR';
  range: [number, number];
  /** Per channel, in units of `range`; null: no normalization. */
  mean: [number, number, number] | null;
  std: [number, number, number] | null;
}
/** How a model came from others: a refinery teacher, the model it was pruned from, initial weights. */
export type ModelParentRole = 'teacher' | 'pruned_from' | 'init';
/**
 * A model's place in the atlas: `ready` (its signature is stored), `unsupported` (the atlas cannot
 * attribute it, e.g. an ONNX upload has no gradients), `failed` (the trainer could not load it).
 */
export type AtlasSignatureStatus = 'ready' | 'unsupported' | 'failed';

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  /** Null for users that only authenticate with tokens. */
  passwordHash: text('password_hash'),
  role: text('role').$type<Role>().notNull().default('user'),
  /** Set when an admin disables the account: its sessions and tokens stop working, its data stays. */
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** The last request the user made (with a session or a token), at most a minute stale. */
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  createdAt: createdAt(),
});

/**
 * Browser sessions. The cookie carries a random secret; only its sha256 is the row id, so a leaked
 * database does not leak working sessions. `csrfToken` must come back in `x-csrf-token` on every
 * state-changing request made with the cookie.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** Sliding: each use (at most once a minute) pushes it forward by the idle lifetime. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * One-time links: `invite` signs a new person up (email and role chosen by an admin), `reset` lets
 * an existing user choose a new password. Only the sha256 of the link's secret is stored.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<'invite' | 'reset'>().notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    email: text('email').notNull(),
    role: text('role').$type<Role>().notNull().default('user'),
    /** For `reset`: whose password it sets. */
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('invitations_email_idx').on(t.email)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    /** sha256 of the secret; the secret itself is shown once and never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);

export const datasets = pgTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    name: text('name').notNull(),
    /** Upload format (classification, detection, text_recognition, …); null until detected. */
    format: text('format'),
    status: text('status').$type<DatasetStatus>().notNull().default('uploading'),
    /** Image/class/split counts (dataset.json of the canonical manifest). */
    stats: jsonb('stats'),
    /** While validating: how far the ingest got (`{phase, done, total}`), for the upload progress bar. */
    progress: jsonb('progress').$type<IngestProgress>(),
    /** Validation report: line-numbered problems when `invalid`. */
    report: jsonb('report'),
    /** Blob prefix of the dataset, e.g. `datasets/<id>/` or `runs/<runId>/stages/<nodeId>/data/`. */
    blobPrefix: text('blob_prefix').notNull(),
    visibility: text('visibility').$type<Visibility>().notNull().default('private'),
    // Lineage of derived datasets: the dataset it was cut from and the run stage that produced it.
    parentDatasetId: text('parent_dataset_id').references((): AnyPgColumn => datasets.id, {
      onDelete: 'set null',
    }),
    sourceRunId: text('source_run_id').references((): AnyPgColumn => runs.id, { onDelete: 'set null' }),
    sourceNodeId: text('source_node_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('datasets_owner_idx').on(t.ownerId), index('datasets_source_run_idx').on(t.sourceRunId)],
);

export const flowcharts = pgTable(
  'flowcharts',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    name: text('name').notNull(),
    /** Svelte Flow shape: `{nodes, edges}`. */
    graph: jsonb('graph').notNull(),
    /** Bumped on every save; runs snapshot the revision they ran. */
    revision: integer('revision').notNull().default(1),
    /** Public flowcharts are templates others can open and copy; only the owner edits or runs them. */
    visibility: text('visibility').$type<Visibility>().notNull().default('private'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('flowcharts_owner_idx').on(t.ownerId)],
);

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    flowchartId: text('flowchart_id').references(() => flowcharts.id, { onDelete: 'set null' }),
    flowchartRevision: integer('flowchart_revision').notNull(),
    /** The graph as it was when the run started (the flowchart may be edited afterwards). */
    graph: jsonb('graph').notNull(),
    /** The plan the graph compiled to (@aip/workflows `Plan`): the stages the run executes. */
    plan: jsonb('plan').notNull(),
    workflowId: text('workflow_id').notNull().unique(),
    status: text('status').$type<RunStatus>().notNull().default('queued'),
    error: text('error'),
    /** End-to-end evaluation of the whole cascade, when ground truth allows. */
    metrics: jsonb('metrics'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [index('runs_owner_idx').on(t.ownerId), index('runs_flowchart_idx').on(t.flowchartId)],
);

export const stageRuns = pgTable(
  'stage_runs',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    state: text('state').$type<StageState>().notNull().default('pending'),
    /** 0..1 */
    progress: doublePrecision('progress').notNull().default(0),
    /** Last progress event (epoch, loss, eta …) for the UI. */
    progressDetail: jsonb('progress_detail'),
    /** Each state the stage entered, with when (and the error of a failure): its timeline. */
    timeline: jsonb('timeline').$type<StageTimelineEntry[]>().notNull().default([]),
    /** Every finished epoch's event (loss, validation metric), in order: the training curves. */
    epochs: jsonb('epochs').$type<Array<Record<string, unknown>>>().notNull().default([]),
    metrics: jsonb('metrics'),
    /** The stage's prepared (possibly derived) dataset. */
    datasetId: text('dataset_id').references((): AnyPgColumn => datasets.id, { onDelete: 'set null' }),
    modelId: text('model_id').references((): AnyPgColumn => models.id, { onDelete: 'set null' }),
    labelingJobId: text('labeling_job_id').references((): AnyPgColumn => labelingJobs.id, {
      onDelete: 'set null',
    }),
    logBlob: text('log_blob'),
    error: text('error'),
    /** True when the error is the user's (data/config), false for infrastructure failures. */
    userError: boolean('user_error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [unique('stage_runs_run_node_uq').on(t.runId, t.nodeId)],
);

export const refineryTasks = pgTable(
  'refinery_tasks',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    /** auto_prune | distill | amalgamate | common_feature | task_branch | … */
    algorithm: text('algorithm').notNull(),
    /** Input model and dataset ids. */
    inputs: jsonb('inputs').notNull(),
    params: jsonb('params').notNull().default({}),
    state: text('state').$type<RefineryState>().notNull().default('queued'),
    workflowId: text('workflow_id').unique(),
    outputModelId: text('output_model_id').references((): AnyPgColumn => models.id, { onDelete: 'set null' }),
    error: text('error'),
    name: text('name').notNull().default(''),
    datasetId: text('dataset_id').references((): AnyPgColumn => datasets.id, { onDelete: 'set null' }),
    /** The student's registry architecture (the teacher's for pruning). */
    studentArch: text('student_arch'),
    /** Visibility the output model gets. */
    visibility: text('visibility').$type<Visibility>().notNull().default('private'),
    /** 0..1 */
    progress: doublePrecision('progress').notNull().default(0),
    progressDetail: jsonb('progress_detail'),
    /** Each state the task entered, like a stage's timeline. */
    timeline: jsonb('timeline').$type<StageTimelineEntry[]>().notNull().default([]),
    /** Every finished epoch's event, in order: the training curves. */
    epochs: jsonb('epochs').$type<Array<Record<string, unknown>>>().notNull().default([]),
    /** The algorithm's figures merged with the evaluation's (docs/contracts.md "Model refinery"). */
    metrics: jsonb('metrics'),
    logBlob: text('log_blob'),
    /** True when the failure is the user's (teachers, data, settings), false for the platform's. */
    userError: boolean('user_error'),
    /** Bumped by each retry; the workflow id and the job folder carry it. */
    attempt: integer('attempt').notNull().default(1),
    startedAt: timestamp('started_at', { withTimezone: true }),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [index('refinery_tasks_owner_idx').on(t.ownerId)],
);

export const models = pgTable(
  'models',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    name: text('name').notNull(),
    task: text('task').notNull(),
    arch: text('arch').notNull(),
    /** string[] in model output order. */
    classes: jsonb('classes').$type<string[]>().notNull(),
    /** For a model fed by a detector: the parent class it refines. */
    parentClass: text('parent_class'),
    metrics: jsonb('metrics'),
    /** Blob prefix holding model.onnx, model.pt, model.json, metrics.json (`models/<id>/`). */
    blobPrefix: text('blob_prefix').notNull(),
    visibility: text('visibility').$type<Visibility>().notNull().default('private'),
    origin: text('origin').$type<ModelOrigin>().notNull(),
    originRunId: text('origin_run_id').references(() => runs.id, { onDelete: 'set null' }),
    originNodeId: text('origin_node_id'),
    refineryTaskId: text('refinery_task_id').references((): AnyPgColumn => refineryTasks.id, {
      onDelete: 'set null',
    }),
    /** The model whose weights initialized this one (lineage for the atlas). */
    initModelId: text('init_model_id').references((): AnyPgColumn => models.id, { onDelete: 'set null' }),
    status: text('status').$type<ModelStatus>().notNull().default('ready'),
    format: text('format').$type<ModelFormat>().notNull().default('aip'),
    /** Input metadata (uploads declare it; platform models have their model.json's). */
    input: jsonb('input').$type<ModelInput>(),
    /** Why validation refused the upload: `{message}`. */
    report: jsonb('report'),
    parameters: integer('parameters'),
    createdAt: createdAt(),
  },
  (t) => [
    // Registering a stage's model is an idempotent upsert on this pair (NULLs never collide,
    // so uploaded and refinery models are unaffected).
    unique('models_origin_uq').on(t.originRunId, t.originNodeId),
    index('models_owner_idx').on(t.ownerId),
  ],
);

/**
 * Lineage: which models a model was made from (refinery teachers, the model a pruned one came
 * from, initial weights), in `position` order. The model atlas draws its graph from these rows.
 */
export const modelParents = pgTable(
  'model_parents',
  {
    modelId: text('model_id')
      .notNull()
      .references((): AnyPgColumn => models.id, { onDelete: 'cascade' }),
    parentModelId: text('parent_model_id')
      .notNull()
      .references((): AnyPgColumn => models.id, { onDelete: 'cascade' }),
    role: text('role').$type<ModelParentRole>().notNull(),
    position: integer('position').notNull().default(0),
  },
  (t) => [unique('model_parents_uq').on(t.modelId, t.parentModelId, t.role), index('model_parents_parent_idx').on(t.parentModelId)],
);

/**
 * The model atlas (docs/contracts.md "Model atlas"): each model's signature over the probe set
 * `probeSet` (attribution maps and the attribution graph's edges, a blob the trainer wrote), computed
 * once per model. A row exists for every model the atlas has tried, so a model it cannot place is not
 * tried again on every update.
 */
export const atlasSignatures = pgTable('atlas_signatures', {
  modelId: text('model_id')
    .primaryKey()
    .references((): AnyPgColumn => models.id, { onDelete: 'cascade' }),
  probeSet: text('probe_set').notNull(),
  status: text('status').$type<AtlasSignatureStatus>().notNull(),
  /** `atlas/<probeSet>/signatures/<modelId>.npz` (status ready). */
  blobKey: text('blob_key'),
  /** Why the model is not placed (status unsupported or failed). */
  reason: text('reason'),
  /** Trainer time to compute it. */
  seconds: real('seconds'),
  createdAt: createdAt(),
});

/**
 * The atlas's distance matrix: one row per unordered pair of signed models (`modelA` < `modelB`),
 * both metrics. Rows are only ever added: a model's signature never changes, so neither do its pairs.
 */
export const atlasDistances = pgTable(
  'atlas_distances',
  {
    modelA: text('model_a')
      .notNull()
      .references((): AnyPgColumn => models.id, { onDelete: 'cascade' }),
    modelB: text('model_b')
      .notNull()
      .references((): AnyPgColumn => models.id, { onDelete: 'cascade' }),
    probeSet: text('probe_set').notNull(),
    /** 1 − mean cosine of the two models' attribution maps (0: identical). */
    attribution: real('attribution').notNull(),
    /** The attribution graph's distance: node maps and the rank similarity of edges. */
    depara: real('depara').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.modelA, t.modelB] }),
    index('atlas_distances_b_idx').on(t.modelB),
    check('atlas_distances_ordered', sql`${t.modelA} < ${t.modelB}`),
  ],
);

export const labelingJobs = pgTable(
  'labeling_jobs',
  {
    id: text('id').primaryKey(),
    stageRunId: text('stage_run_id')
      .notNull()
      .references((): AnyPgColumn => stageRuns.id, { onDelete: 'cascade' }),
    /** The run and node of the stage (denormalized from the stage run for listing and signalling). */
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    /** The stage workflow that waits for this job's `labelingComplete` signal. */
    workflowId: text('workflow_id').notNull(),
    /** The stage's task: decides the labeler and the shape of item labels. */
    task: text('task').notNull(),
    /** The classes people choose from (empty for text tasks). */
    classes: jsonb('classes').$type<string[]>().notNull().default([]),
    /** The prepared (unlabeled) dataset whose images are the items. */
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    /** The labeled dataset made from the items when the job completed. */
    outputDatasetId: text('output_dataset_id').references((): AnyPgColumn => datasets.id, { onDelete: 'set null' }),
    /** builtin | external tool name */
    tool: text('tool').notNull().default('builtin'),
    state: text('state').$type<LabelingState>().notNull().default('open'),
    /** Shared secret an external tool signs the completion webhook with. */
    webhookSecret: text('webhook_secret').notNull(),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [index('labeling_jobs_stage_run_idx').on(t.stageRunId), unique('labeling_jobs_workflow_uq').on(t.workflowId)],
);

/** What a pre-label is: a model's prediction for an item, in the item's label shape. */
export interface Prelabel {
  labels: Record<string, unknown>;
  confidence: number | null;
  source: 'model' | 'upstream';
}

/** Where a crop item was cut from: the source image and the box, in that image's pixels. */
export interface ItemSource {
  path: string;
  box: { x1: number; y1: number; x2: number; y2: number };
}

export const labelingItems = pgTable(
  'labeling_items',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => labelingJobs.id, { onDelete: 'cascade' }),
    /** Position in the prepared dataset's manifest. */
    index: integer('index').notNull(),
    /** The image, relative to the prepared dataset's folder. */
    path: text('path').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    split: text('split').notNull(),
    /** The item's labels in the manifest's shapes; null until someone labels it. */
    labels: jsonb('labels').$type<Record<string, unknown>>(),
    prelabel: jsonb('prelabel').$type<Prelabel>(),
    /** How sure the pre-label is (null: nothing predicted); items are served lowest first. */
    confidence: doublePrecision('confidence'),
    source: jsonb('source').$type<ItemSource>(),
    /** Bumped by every save: a save naming an older version is someone overwriting newer work. */
    version: integer('version').notNull().default(0),
    labeledBy: text('labeled_by').references(() => users.id, { onDelete: 'set null' }),
    labeledAt: timestamp('labeled_at', { withTimezone: true }),
    /** Who holds the item (claimed it to label), until when. */
    assignedTo: text('assigned_to').references(() => users.id, { onDelete: 'set null' }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [unique('labeling_items_job_path_uq').on(t.jobId, t.path), index('labeling_items_job_idx').on(t.jobId, t.confidence)],
);

/** Webhook deliveries already imported (sha256 of the body), so a repeated delivery imports once. */
export const labelingDeliveries = pgTable(
  'labeling_deliveries',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => labelingJobs.id, { onDelete: 'cascade' }),
    digest: text('digest').notNull(),
    items: integer('items').notNull(),
    receivedAt: createdAt(),
  },
  (t) => [unique('labeling_deliveries_job_digest_uq').on(t.jobId, t.digest)],
);

export const bundles = pgTable('bundles', {
  id: text('id').primaryKey(),
  runId: text('run_id')
    .notNull()
    .unique('bundles_run_uq')
    .references(() => runs.id, { onDelete: 'cascade' }),
  /** `bundles/<runId>.zip` */
  blobKey: text('blob_key').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  sha256: text('sha256').notNull(),
  createdAt: createdAt(),
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type ApiToken = typeof apiTokens.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;
export type Dataset = typeof datasets.$inferSelect;
export type NewDataset = typeof datasets.$inferInsert;
export type Flowchart = typeof flowcharts.$inferSelect;
export type NewFlowchart = typeof flowcharts.$inferInsert;
export type Run = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;
export type StageRun = typeof stageRuns.$inferSelect;
export type NewStageRun = typeof stageRuns.$inferInsert;
export type Model = typeof models.$inferSelect;
export type NewModel = typeof models.$inferInsert;
export type LabelingJob = typeof labelingJobs.$inferSelect;
export type NewLabelingJob = typeof labelingJobs.$inferInsert;
export type LabelingItem = typeof labelingItems.$inferSelect;
export type NewLabelingItem = typeof labelingItems.$inferInsert;
export type Bundle = typeof bundles.$inferSelect;
export type NewBundle = typeof bundles.$inferInsert;
export type ModelParent = typeof modelParents.$inferSelect;
export type RefineryTask = typeof refineryTasks.$inferSelect;
export type AtlasSignature = typeof atlasSignatures.$inferSelect;
export type AtlasDistance = typeof atlasDistances.$inferSelect;
export type NewRefineryTask = typeof refineryTasks.$inferInsert;
