/**
 * What the workflows call and `@aip/activities` implements. Workflow code imports these as types
 * only; every payload is a single JSON object.
 */
import type { Plan, PlanStage } from '../plan.ts';

import type { RunStatus, StageState as AnyStageState } from '../states.ts';

export type { RunStatus };
/** The states a worker reports (`skipped` is only ever written by the API's view of a run). */
export type StageState = Exclude<AnyStageState, 'skipped'>;

export type Metrics = Record<string, unknown>;

/** A normalized dataset (canonical manifest layout) in the blob store. */
export interface PreparedData {
  /** Blob prefix holding dataset.json, manifest.jsonl and images/. */
  prefix: string;
  images: number;
  /** True when every item carries a label usable by this stage's task. */
  labeled: boolean;
  /** Label → stage class map to give the trainer (the stage's labelMap for dataset input). */
  labelMap: Record<string, string>;
}

export interface TrainedModel {
  /** Blob prefix holding model.onnx, model.pt, model.json, metrics.json. */
  prefix: string;
}

export interface StageProgress {
  runId: string;
  nodeId: string;
  state: StageState;
  /** 0..1 */
  progress?: number;
  message?: string;
  metrics?: Metrics;
  modelId?: string;
  datasetId?: string;
  /** The labeling job the stage waits for (state `awaiting_labels`). */
  labelingJobId?: string;
  /**
   * State `failed`: the failure's type at the root of its chain (`UserError` and `LabelsRequired`:
   * the user's data or configuration; anything else: infrastructure). For operators' metrics.
   */
  failureType?: string;
}

/** A stage's labeling job, as `openLabelingJob` left it. */
export interface LabelingJobRef {
  jobId: string;
  /** Items to label, and how many already have labels (carried from the source, or kept from an earlier attempt). */
  items: number;
  labeled: number;
  /** True when an earlier attempt of the stage already completed this job: no need to wait again. */
  completed: boolean;
}

export interface PlatformActivities {
  /** Validate an uploaded zip and store its normalized form; marks the dataset row ready/invalid. */
  ingestDataset(input: { datasetId: string }): Promise<{ status: 'ready' | 'invalid' }>;
  recordRun(input: { runId: string; status: RunStatus; error?: string; metrics?: Metrics }): Promise<void>;
  recordStage(input: StageProgress): Promise<void>;
  /** Build this stage's input data (dataset manifest, or crops cut by the trained upstream model). */
  prepareStage(input: {
    runId: string;
    stage: PlanStage;
    /** nodeId → registry model id of every finished stage on the path from the root. */
    upstreamModels: Record<string, string>;
    plan: Plan;
  }): Promise<PreparedData>;
  /**
   * Open the labeling job of a stage whose prepared data lacks labels: one item per image, pre-filled
   * with a model's predictions where the stage has a model to predict with. Idempotent: a retried
   * stage finds its earlier job (with the labels people already gave) instead of opening another.
   */
  openLabelingJob(input: {
    runId: string;
    stage: PlanStage;
    data: PreparedData;
    /** The stage workflow that waits for the job's `labelingComplete` signal. */
    workflowId: string;
  }): Promise<LabelingJobRef>;
  /** A completed labeling job's labeled items as a dataset (with lineage): the stage's data from now on. */
  importLabels(input: { runId: string; stage: PlanStage; jobId: string }): Promise<PreparedData>;
  /** Train via the configured executor; heartbeats progress; resumes from checkpoints on retry. */
  trainStage(input: { runId: string; stage: PlanStage; data: PreparedData }): Promise<TrainedModel>;
  /** Evaluate a trained (or reused) model on the held-out split of the prepared data. */
  evaluateStage(input: {
    runId: string;
    stage: PlanStage;
    data: PreparedData;
    model: TrainedModel;
  }): Promise<Metrics>;
  /** Create the model row (idempotent per run/stage) and return its id. */
  registerModel(input: {
    runId: string;
    stage: PlanStage;
    model: TrainedModel;
    metrics: Metrics;
  }): Promise<{ modelId: string }>;
  /** Where a reused registry model's files are. */
  resolveModel(input: { modelId: string }): Promise<TrainedModel>;
  /** Assemble and store the deployment bundle. */
  packageBundle(input: {
    runId: string;
    plan: Plan;
    models: Record<string, string>;
  }): Promise<{ bundleKey: string; size: number; sha256: string }>;
  /** Run the bundle's pipeline over held-out images of the root dataset and score it end to end. */
  evaluateCascade(input: {
    runId: string;
    plan: Plan;
    /** nodeId → registry model id of every stage. */
    models: Record<string, string>;
    bundleKey: string;
  }): Promise<Metrics>;
}

// ---- model refinery (docs/contracts.md "Model refinery") ----

/** The phases a refinery task goes through; its timeline and progress detail show them. */
export type RefineryPhase = 'queued' | 'preparing' | 'training' | 'evaluating' | 'registering' | 'succeeded' | 'failed' | 'cancelled';

/** One teacher as the trainer's job spec takes it, with its file as a blob key (executors localize it). */
export interface RefineryTeacherRef {
  modelId: string;
  /** The model's name (the trainer names teachers by it in logs and metrics). */
  name: string;
  /** Blob key of the file the trainer loads (model.pt for `aip`, the upload for the other formats). */
  fileKey: string;
  format: 'aip' | 'weights' | 'torchscript' | 'onnx';
  task: string;
  arch: string | null;
  classes: string[];
  input: Record<string, unknown> | null;
}

/** Everything a refine job needs, resolved and re-checked by `validateRefineryInputs`. */
export interface RefineryJobInput {
  taskId: string;
  attempt: number;
  algorithm: string;
  teachers: RefineryTeacherRef[];
  /** The student's registry arch; null where the student is the teacher itself, pruned. */
  studentArch: string | null;
  /** Blob prefix of the dataset's canonical manifest folder. */
  dataPrefix: string;
  params: Record<string, number>;
  /** `batch` when the platform's executor is AWS Batch. */
  executor: 'local' | 'batch';
}

export interface RefineryOutput {
  /** Blob prefix holding model.onnx, model.pt, model.json, metrics.json of the attempt. */
  prefix: string;
  metrics: Metrics;
}

export interface RefineryActivities {
  /** Mirrors a refinery task's phase into its row (state, timeline, error, metrics, output model). */
  recordRefinery(input: {
    taskId: string;
    /** The attempt recording it: a write of an attempt the task has moved past changes nothing. */
    attempt?: number;
    phase: RefineryPhase;
    message?: string;
    /** Phase `failed`: the failure type at the root of its chain (UserError: the user's teachers, data or settings). */
    failureType?: string;
    metrics?: Metrics;
    outputModelId?: string;
  }): Promise<void>;
  /** Resolves the task's teachers and dataset and re-checks the catalogue rules (UserError when they no longer hold). */
  validateRefineryInputs(input: { taskId: string; attempt: number }): Promise<RefineryJobInput>;
  /** Runs the trainer's `refine` job (heartbeats; resumes from its checkpoint when retried). */
  runRefineryJob(input: { job: RefineryJobInput }): Promise<RefineryOutput>;
  /** Runs the trainer's `refine_evaluate` job on the produced model. */
  evaluateRefinery(input: { job: RefineryJobInput; output: RefineryOutput }): Promise<Metrics>;
  /** Creates the output model row with its lineage (idempotent per task attempt). */
  registerRefineryModel(input: { job: RefineryJobInput; output: RefineryOutput; metrics: Metrics }): Promise<{ modelId: string }>;
  /** Checks an uploaded model with the trainer's `validate_model`; marks it ready or invalid. */
  validateUploadedModel(input: { modelId: string }): Promise<{ status: 'ready' | 'invalid' }>;
}

/** What one update of the model atlas did (docs/contracts.md "Model atlas"). */
export interface AtlasStep {
  /** Models given a signature this step (placed), and those the atlas cannot place (unsupported or failed). */
  signed: number;
  unplaced: number;
  /** Distances computed this step (only pairs not stored before). */
  pairs: number;
  /** Ready models still without a signature, and signed pairs still without a distance. */
  remainingModels: number;
  remainingPairs: number;
  /** Trainer time of the step. */
  seconds: number;
}

export interface AtlasActivities {
  /**
   * One bounded step of bringing the atlas up to date: signatures for up to `maxModels` ready models
   * that have none, then the distances of every pair that lacks one (at most `maxPairs`).
   */
  updateAtlas(input: { maxModels: number; maxPairs: number }): Promise<AtlasStep>;
}
