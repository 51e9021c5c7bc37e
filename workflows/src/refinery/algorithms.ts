/**
 * The model refinery's algorithm catalogue (docs/contracts.md "Model refinery"): what each
 * algorithm does in plain words, which teachers it takes, how its student is chosen and its
 * parameters. The API validates task requests with it and the web builds its form from it, so the
 * two can never disagree. Pure and browser-safe like the rest of this entry point.
 */
import { ARCHITECTURES, type Architecture } from '../architectures.ts';

export const REFINERY_ALGORITHM_IDS = ['auto_prune', 'distill', 'amalgamate', 'common_feature', 'task_branch'] as const;
export type RefineryAlgorithmId = (typeof REFINERY_ALGORITHM_IDS)[number];

/** The tasks a refinery teacher can have (depth exists only in the refinery, not in flowcharts). */
export const REFINERY_TEACHER_TASKS = ['classification', 'segmentation', 'depth'] as const;
export type RefineryTeacherTask = (typeof REFINERY_TEACHER_TASKS)[number];
/** A student's task: a teacher task, or `multi_task` (one network answering several dense tasks). */
export type RefineryStudentTask = RefineryTeacherTask | 'multi_task';

/**
 * How a model's file is stored: `aip` (written by the platform), `weights` (an uploaded state_dict
 * of a registry architecture), `torchscript` and `onnx` (uploaded, usable only as frozen teachers).
 */
export const MODEL_FORMATS = ['aip', 'weights', 'torchscript', 'onnx'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];
/** The formats a person may upload (`aip` files are only written by the platform itself). */
export const UPLOAD_MODEL_FORMATS = ['weights', 'torchscript', 'onnx'] as const;
export type UploadModelFormat = (typeof UPLOAD_MODEL_FORMATS)[number];
/** Formats whose network is PyTorch code the trainer owns, so it can be trained, pruned or hooked. */
export const PYTORCH_FORMATS: readonly ModelFormat[] = ['aip', 'weights'];

/**
 * Architectures only the refinery produces, beside the flowchart tasks' ones (ARCHITECTURES).
 * The trainer registers them under the same names.
 */
export const REFINERY_ARCHITECTURES: Readonly<Record<'depth' | 'multi_task', readonly Architecture[]>> = {
  depth: [{ id: 'tiny_unet_depth', description: 'Small U-Net estimating how far each pixel is; trains in minutes on a CPU.' }],
  multi_task: [
    {
      id: 'branch_unet_tiny',
      description: 'Small U-Net with one shared encoder and a branch per task (segmentation, depth), split where the search finds best.',
    },
  ],
};

/** The registry architectures a student (or a `weights` upload) of `task` may have. */
export function refineryArchitectures(task: RefineryStudentTask): readonly Architecture[] {
  if (task === 'depth' || task === 'multi_task') return REFINERY_ARCHITECTURES[task];
  return ARCHITECTURES[task].options;
}

/** The student architecture used when the request names none. */
export function defaultRefineryArchitecture(task: RefineryStudentTask): string {
  const options = refineryArchitectures(task);
  if (task === 'classification' || task === 'segmentation') return ARCHITECTURES[task].default ?? options[0]!.id;
  return options[0]!.id;
}

export interface RefineryParam {
  /** The JSON name in the task's `params` (and the trainer job spec's). */
  name: string;
  /** Short label for a form. */
  title: string;
  type: 'int' | 'float';
  min: number;
  max: number;
  /** Null where the default depends on the teachers (`imageSize`: the first teacher's input height). */
  default: number | null;
  /** Form input step. */
  step: number;
  /** One or two sentences a non-specialist understands: what raising or lowering it does. */
  help: string;
}

export interface RefineryTeacherRules {
  min: number;
  max: number;
  tasks: readonly RefineryTeacherTask[];
  formats: readonly ModelFormat[];
  /** All teachers must have the same registry architecture (layer-wise amalgamation aligns layers). */
  sameArch: boolean;
  /** Why the formats are limited, said to a person choosing teachers (null: any format works). */
  formatReason: string | null;
}

/**
 * How the student's architecture is decided: `teacher` (it is the teacher's own, e.g. pruned),
 * `choose` (the user picks among the registry archs of `task`, which `task` is the teachers'),
 * `fixed` (always `arch`).
 */
export type RefineryStudentRule =
  | { kind: 'teacher' }
  | { kind: 'choose'; task: 'teacher' | RefineryStudentTask }
  | { kind: 'fixed'; arch: string; task: RefineryStudentTask };

export interface RefineryAlgorithm {
  id: RefineryAlgorithmId;
  title: string;
  /** One paragraph for a non-specialist: what it makes from what, and when to use it. */
  description: string;
  teachers: RefineryTeacherRules;
  student: RefineryStudentRule;
  /** Every parameter, the common ones (learningRate, batchSize, imageSize) included. */
  params: readonly RefineryParam[];
}

const COMMON_PARAMS: readonly RefineryParam[] = [
  {
    name: 'learningRate',
    title: 'Learning rate',
    type: 'float',
    min: 0.00001,
    max: 1,
    default: 0.003,
    step: 0.0001,
    help: 'How big each training step is. Lower it if the curves jump around; raise it if the loss barely moves.',
  },
  {
    name: 'batchSize',
    title: 'Batch size',
    type: 'int',
    min: 1,
    max: 512,
    default: 32,
    step: 1,
    help: 'How many images are looked at together in one step. Larger is faster on a GPU but needs more memory.',
  },
  {
    name: 'imageSize',
    title: 'Image size',
    type: 'int',
    min: 16,
    max: 1024,
    default: null,
    step: 1,
    help: "The side, in pixels, of the square images the new model takes. Empty: the first teacher's input height.",
  },
];

const epochs = (help: string): RefineryParam => ({
  name: 'epochs',
  title: 'Epochs',
  type: 'int',
  min: 1,
  max: 500,
  default: 20,
  step: 1,
  help,
});

const temperature: RefineryParam = {
  name: 'temperature',
  title: 'Temperature',
  type: 'float',
  min: 1,
  max: 20,
  default: 4,
  step: 0.5,
  help: "How much the student learns from the teachers' second guesses, not just their top answer. Higher softens the teachers' answers; 2–8 usually works.",
};

const PYTORCH_ONLY =
  'This algorithm reaches inside the teacher network (its layers or features), which is only possible for PyTorch models: ones the platform trained or uploaded as weights of a known architecture. TorchScript and ONNX files can only be used as frozen teachers for distillation or task branching.';

export const REFINERY_ALGORITHMS: readonly RefineryAlgorithm[] = [
  {
    id: 'auto_prune',
    title: 'Automatic pruning',
    description:
      'Makes a model smaller and faster by removing the parts of its network that matter least, a little at a time, retraining it after each step so it keeps its accuracy. The result has the same architecture, classes and input as the original, with a fraction of its parameters: use it to run a model on a small device or to cut serving costs.',
    teachers: {
      min: 1,
      max: 1,
      tasks: ['classification', 'segmentation'],
      formats: PYTORCH_FORMATS,
      sameArch: false,
      formatReason:
        'Pruning removes channels from the network itself, which is only possible for PyTorch models: ones the platform trained or uploaded as weights of a known architecture.',
    },
    student: { kind: 'teacher' },
    params: [
      {
        name: 'targetRatio',
        title: 'Size to keep',
        type: 'float',
        min: 0.05,
        max: 0.95,
        default: 0.5,
        step: 0.05,
        help: 'The fraction of the original parameters the pruned model keeps: 0.5 halves the model. Smaller is faster but may lose accuracy.',
      },
      {
        name: 'steps',
        title: 'Pruning steps',
        type: 'int',
        min: 1,
        max: 10,
        default: 3,
        step: 1,
        help: 'In how many rounds the model is shrunk to its target size. More rounds keep accuracy better but take longer.',
      },
      {
        name: 'epochsPerStep',
        title: 'Retraining epochs per step',
        type: 'int',
        min: 1,
        max: 100,
        default: 3,
        step: 1,
        help: 'How long the model is retrained after each pruning round to recover its accuracy.',
      },
      ...COMMON_PARAMS,
    ],
  },
  {
    id: 'distill',
    title: 'Knowledge distillation',
    description:
      "Trains a new, usually smaller model (the student) to give the same answers as an existing one (the teacher), using only unlabeled images: the teacher labels them as it goes. Works with any teacher, including uploaded TorchScript and ONNX files, for classification, segmentation and depth estimation. Use it to get a fast model you can train further from one you can only run.",
    teachers: {
      min: 1,
      max: 1,
      tasks: ['classification', 'segmentation', 'depth'],
      formats: MODEL_FORMATS,
      sameArch: false,
      formatReason: null,
    },
    student: { kind: 'choose', task: 'teacher' },
    params: [
      epochs('How many times the student sees every image. More epochs copy the teacher more closely but take longer.'),
      temperature,
      {
        name: 'ceWeight',
        title: 'Weight of the dataset labels',
        type: 'float',
        min: 0,
        max: 1,
        default: 0,
        step: 0.05,
        help: "When the dataset has its own class labels, how much the student learns from them instead of from the teacher (0: only the teacher; ignored without labels).",
      },
      ...COMMON_PARAMS,
    ],
  },
  {
    id: 'amalgamate',
    title: 'Layer-wise amalgamation',
    description:
      'Merges several classifiers of the same architecture into one that knows all their classes (classes with the same name become one class). The new model learns, layer by layer, to reproduce what each teacher sees, so one model replaces several. Use it when you trained separate models for separate groups of classes.',
    teachers: {
      min: 2,
      max: 8,
      tasks: ['classification'],
      formats: PYTORCH_FORMATS,
      sameArch: true,
      formatReason: PYTORCH_ONLY,
    },
    student: { kind: 'teacher' },
    params: [
      epochs('How many times the new model sees every image. More epochs merge the teachers more faithfully but take longer.'),
      temperature,
      {
        name: 'featureWeight',
        title: 'Weight of the layer matching',
        type: 'float',
        min: 0,
        max: 10,
        default: 1,
        step: 0.1,
        help: "How much the new model is pushed to reproduce the teachers' inner layers, compared with their final answers.",
      },
      ...COMMON_PARAMS,
    ],
  },
  {
    id: 'common_feature',
    title: 'Common feature learning',
    description:
      'Merges several classifiers, which may have different architectures, into one new model that knows all their classes. The new model learns a shared description of the images from which every teacher\'s knowledge can be recovered. Use it when the models you want to combine were built differently.',
    teachers: {
      min: 2,
      max: 8,
      tasks: ['classification'],
      formats: PYTORCH_FORMATS,
      sameArch: false,
      formatReason: PYTORCH_ONLY,
    },
    student: { kind: 'choose', task: 'classification' },
    params: [
      epochs('How many times the new model sees every image. More epochs merge the teachers more faithfully but take longer.'),
      temperature,
      {
        name: 'commonDim',
        title: 'Size of the shared description',
        type: 'int',
        min: 16,
        max: 1024,
        default: 128,
        step: 16,
        help: 'How many numbers describe each image in the space shared by all the models. Larger keeps more detail; 128 suits most cases.',
      },
      {
        name: 'mmdWeight',
        title: 'Weight of the feature alignment',
        type: 'float',
        min: 0,
        max: 10,
        default: 1,
        step: 0.1,
        help: "How strongly the new model's description is pulled towards each teacher's.",
      },
      {
        name: 'reconstructionWeight',
        title: 'Weight of the reconstruction',
        type: 'float',
        min: 0,
        max: 10,
        default: 1,
        step: 0.1,
        help: "How strongly each teacher's own features must be recoverable from the shared description.",
      },
      ...COMMON_PARAMS,
    ],
  },
  {
    id: 'task_branch',
    title: 'Task branching',
    description:
      'Combines models that each answer a different per-pixel question (segmentation, depth) into one network that answers all of them at once: the tasks share the first layers and branch apart where a search finds it costs least. One network is faster than running each model. Works with any teacher format.',
    teachers: {
      min: 2,
      max: 4,
      tasks: ['segmentation', 'depth'],
      formats: MODEL_FORMATS,
      sameArch: false,
      formatReason: null,
    },
    student: { kind: 'fixed', arch: 'branch_unet_tiny', task: 'multi_task' },
    params: [
      epochs('How many times the combined network sees every image once its branch points are chosen.'),
      {
        name: 'searchEpochs',
        title: 'Search epochs per candidate',
        type: 'int',
        min: 1,
        max: 10,
        default: 2,
        step: 1,
        help: 'How long each candidate split is tried while searching where the tasks should branch apart. More gives a surer choice but takes longer.',
      },
      ...COMMON_PARAMS,
    ],
  },
];

export function refineryAlgorithm(id: string): RefineryAlgorithm | undefined {
  return REFINERY_ALGORITHMS.find((a) => a.id === id);
}

export function isRefineryAlgorithm(id: string): id is RefineryAlgorithmId {
  return (REFINERY_ALGORITHM_IDS as readonly string[]).includes(id);
}
