/**
 * The execution plan a flowchart compiles to: what the run workflow executes and what every
 * activity receives. Plain data (it crosses the Temporal boundary as JSON).
 */
export type TaskType =
  | 'classification'
  | 'detection'
  | 'text_detection'
  | 'text_recognition'
  | 'segmentation'
  | 'enhancement';

export type StageInput =
  | { kind: 'dataset'; datasetId: string }
  /**
   * What the trained stage `nodeId` outputs: the crops of its objects of class `class` (a
   * detector), the images it classifies as `class` (a classifier routing images), or its enhanced
   * images (an enhancer: no class).
   */
  | { kind: 'stage'; nodeId: string; class?: string };

export interface HyperParameters {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  imageSize?: number;
  patience?: number;
}

export interface PlanStage {
  nodeId: string;
  /** Human name shown on the stage page (node label, else node id). */
  name: string;
  task: TaskType;
  input: StageInput;
  mode: 'train' | 'reuse';
  arch: string;
  classes: string[];
  /**
   * Dataset label → one of `classes`, for labels finer than this node's classes: every class of a
   * descendant node maps to the class of this node it refines (`persian` → `cat`). Classes of this
   * node map to themselves and are not listed.
   */
  labelMap: Record<string, string>;
  hyper: HyperParameters;
  /** Reuse mode: the registry model to use instead of training. */
  modelId?: string;
  /** Train mode: registry model whose weights start training. */
  initModelId?: string;
  visibility: 'private' | 'public';
  executor: 'local' | 'batch';
  /**
   * The GPU pool that trains it (`executor: 'local'`): its training goes to the pool's task queue
   * (`gpuTaskQueue`). Absent: the default pool (and every plan compiled before pools existed).
   */
  pool?: string;
  /** Node ids of the stages that must finish first (at most one: the input stage). */
  dependsOn: string[];
}

export interface Plan {
  version: 1;
  /** Topological order: every stage comes after the stages it depends on. */
  stages: PlanStage[];
}
