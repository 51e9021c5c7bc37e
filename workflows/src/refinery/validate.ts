/**
 * Checks a refinery task request against the catalogue: the API refuses a request with problems
 * (400 `invalid_refinery_task`) and the web shows them live beside the field they concern. The
 * worker re-checks with the same function before training, since a teacher may have changed since.
 */
import {
  defaultRefineryArchitecture,
  type ModelFormat,
  type RefineryAlgorithm,
  refineryAlgorithm,
  refineryArchitectures,
  REFINERY_ALGORITHM_IDS,
  type RefineryStudentTask,
  type RefineryTeacherTask,
} from './algorithms.ts';
import { withArticle } from '../problems.ts';

/** What a client asks for (POST /api/refinery/tasks). */
export interface RefineryTaskInput {
  name: string;
  algorithm: string;
  teacherIds: readonly string[];
  datasetId: string;
  studentArch?: string | null;
  params?: Readonly<Record<string, unknown>> | null;
  visibility?: string | null;
}

/** What the validator needs to know of a model (the models API's fields). */
export interface RefineryModelInfo {
  id: string;
  name: string;
  task: string;
  arch: string;
  format: ModelFormat;
  status: 'validating' | 'ready' | 'invalid';
  classes: readonly string[];
  /** Input metadata; `size` is [height, width]. Null for models without any (then no default size). */
  input?: { size: readonly number[] } | null;
}

/**
 * A model row (the database's, or the models API's) as the validator sees it: the same fields, with
 * the input metadata narrowed to its size.
 */
export function refineryModelInfo(row: RefineryModelInfo): RefineryModelInfo {
  return {
    id: row.id,
    name: row.name,
    task: row.task,
    arch: row.arch,
    format: row.format,
    status: row.status,
    classes: row.classes,
    input: row.input ? { size: row.input.size } : null,
  };
}

export interface RefineryDatasetInfo {
  id: string;
  name: string;
  status: string;
  /** Number of images (dataset stats); undefined when unknown. */
  images?: number;
}

/**
 * The models and datasets the caller may use. The API passes only the ones the request names (an
 * id the caller may not see is simply absent: "not found"); the web passes its lists.
 */
export interface RefineryLookups {
  models: readonly RefineryModelInfo[];
  datasets: readonly RefineryDatasetInfo[];
}

/**
 * Every refinery problem code. The web has a translation of each (`refinery.problem.<code>`, a
 * test checks it), so a code is added here before it is used, and never renamed.
 */
export const REFINERY_PROBLEM_CODES = [
  // The request's own fields.
  'name_missing',
  'name_too_long',
  'invalid_visibility',
  'unknown_algorithm',
  // The dataset.
  'dataset_missing',
  'dataset_not_found',
  'dataset_not_ready',
  'dataset_empty',
  // The teachers.
  'teacher_count',
  'teacher_duplicate',
  'teacher_not_found',
  'teacher_validating',
  'teacher_invalid',
  'teacher_wrong_task',
  'teacher_wrong_format',
  'teacher_arch_mismatch',
  'teacher_not_rebuildable',
  // The student's architecture.
  'student_arch_fixed',
  'student_arch_teacher',
  'unknown_student_arch',
  // The parameters.
  'params_not_object',
  'unknown_param',
  'param_not_number',
  'param_not_integer',
  'param_out_of_range',
] as const;

export type RefineryProblemCode = (typeof REFINERY_PROBLEM_CODES)[number];

/**
 * The values a problem's sentence fills in, by name. Catalogue ids stay ids for the client to show
 * in its language: `algorithm` (an algorithm id), `param` (a parameter name), `task`/`tasks` (task
 * ids), `format` (a model format), `status` (a dataset status). `name` is what the request gave
 * where the catalogue does not know it; `model` and `dataset` are names, `modelId`/`datasetId`
 * ids. Lists stay lists so each language joins them its own way. `variant`, when present, names
 * which wording of the code's sentence applies: the web translates `refinery.problem.<code>.<variant>`.
 */
export type RefineryProblemParams = Record<string, string | number | string[]>;

export interface RefineryProblem {
  /** The request field it concerns: name, algorithm, teacherIds, datasetId, studentArch, visibility, params.<name>. */
  field: string;
  /** Stable machine-readable kind, for a client to translate; the message is for people. */
  code: RefineryProblemCode;
  /** The values `message` interpolates; `{}` when it has none. */
  params: RefineryProblemParams;
  /** The English sentence. */
  message: string;
}

export const REFINERY_NAME_MAX = 200;

/** The student's task for these teachers (null while it cannot be told: no teacher yet). */
export function refineryStudentTask(algorithm: RefineryAlgorithm, teachers: readonly RefineryModelInfo[]): RefineryStudentTask | null {
  const rule = algorithm.student;
  if (rule.kind === 'fixed') return rule.task;
  if (rule.kind === 'choose' && rule.task !== 'teacher') return rule.task;
  const task = teachers[0]?.task;
  return task === 'classification' || task === 'segmentation' || task === 'depth' ? task : null;
}

/**
 * The student's architecture: the teacher's own (pruning, amalgamation), the fixed one
 * (task branching) or the requested one, else the task's default. Null while unknown.
 */
export function resolveStudentArch(
  algorithm: RefineryAlgorithm,
  teachers: readonly RefineryModelInfo[],
  requested?: string | null,
): string | null {
  const rule = algorithm.student;
  if (rule.kind === 'fixed') return rule.arch;
  if (rule.kind === 'teacher') return teachers[0]?.arch ?? null;
  if (requested) return requested;
  const task = refineryStudentTask(algorithm, teachers);
  return task === null ? null : defaultRefineryArchitecture(task);
}

/**
 * The complete parameters the trainer gets: every catalogue parameter, the request's value where
 * it gave one, else the default (`imageSize`: the first teacher's input height, else 64).
 * Unknown names are dropped (the validator reports them).
 */
export function resolveRefineryParams(
  algorithm: RefineryAlgorithm,
  params: Readonly<Record<string, unknown>> | null | undefined,
  teachers: readonly RefineryModelInfo[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of algorithm.params) {
    const given = params?.[p.name];
    if (typeof given === 'number' && Number.isFinite(given)) out[p.name] = given;
    else if (p.default !== null) out[p.name] = p.default;
    else out[p.name] = teacherImageSize(teachers[0]) ?? 64;
  }
  return out;
}

function teacherImageSize(teacher: RefineryModelInfo | undefined): number | null {
  const h = teacher?.input?.size?.[0];
  return typeof h === 'number' && Number.isInteger(h) && h > 0 ? h : null;
}

const TASK_WORDS: Record<string, string> = {
  classification: 'classification',
  segmentation: 'segmentation',
  depth: 'depth estimation',
  detection: 'object detection',
  text_detection: 'text detection',
  text_recognition: 'text recognition',
  enhancement: 'image enhancement',
  multi_task: 'multi-task',
};

const FORMAT_WORDS: Record<ModelFormat, string> = {
  aip: 'trained on the platform',
  weights: 'PyTorch weights',
  torchscript: 'TorchScript',
  onnx: 'ONNX',
};

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Every problem of the request at once, in words a non-specialist understands; [] when it can run. */
export function validateRefineryTask(input: RefineryTaskInput, lookups: RefineryLookups): RefineryProblem[] {
  const problems: RefineryProblem[] = [];
  const add: Add = (field, code, params, message) => problems.push({ field, code, params, message });

  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '') add('name', 'name_missing', {}, 'Give the task a name.');
  else if (name.length > REFINERY_NAME_MAX) {
    add('name', 'name_too_long', { max: REFINERY_NAME_MAX }, `The name is too long (at most ${REFINERY_NAME_MAX} characters).`);
  }

  if (input.visibility != null && input.visibility !== 'private' && input.visibility !== 'public') {
    add('visibility', 'invalid_visibility', {}, 'Visibility must be "private" or "public".');
  }

  checkDataset(input.datasetId, lookups, add);

  const algorithm = refineryAlgorithm(input.algorithm);
  if (!algorithm) {
    const choices = [...REFINERY_ALGORITHM_IDS];
    add(
      'algorithm',
      'unknown_algorithm',
      { name: String(input.algorithm), choices },
      `Unknown algorithm "${input.algorithm}": choose one of ${orList(choices)}.`,
    );
    return problems;
  }

  const teachers = checkTeachers(algorithm, input.teacherIds ?? [], lookups, add);
  checkStudentArch(algorithm, teachers, input.studentArch, add);
  checkParams(algorithm, input.params, add);
  return problems;
}

type Add = (field: string, code: RefineryProblemCode, params: RefineryProblemParams, message: string) => void;

function checkDataset(datasetId: string, lookups: RefineryLookups, add: Add): void {
  const field = 'datasetId';
  if (typeof datasetId !== 'string' || datasetId === '') {
    add(field, 'dataset_missing', {}, 'Choose a dataset of images to train on.');
    return;
  }
  const dataset = lookups.datasets.find((d) => d.id === datasetId);
  if (!dataset) add(field, 'dataset_not_found', { datasetId }, `Dataset ${datasetId} was not found (or is not shared with you).`);
  else if (dataset.status !== 'ready') {
    add(
      field,
      'dataset_not_ready',
      { dataset: dataset.name, status: dataset.status },
      `Dataset "${dataset.name}" is not ready yet (it is ${dataset.status}).`,
    );
  } else if (dataset.images === 0) add(field, 'dataset_empty', { dataset: dataset.name }, `Dataset "${dataset.name}" has no images.`);
}

/**
 * Which wording of `teacher_count` applies (none: a range, and not one chosen). A language's
 * sentence can change with a single teacher, an exact number, or one chosen ("model", "was" in
 * English), and the client has no plural rules, so each case has its own key.
 */
function teacherCountVariant(min: number, max: number, count: number): string | null {
  if (min === max && max === 1) return 'single'; // a count of 1 is then no problem
  const one = count === 1 ? 'one_chosen' : null;
  if (min === max) return one ? `exactly_${one}` : 'exactly';
  return one;
}

/** Checks the teacher rules; returns the teachers it found (in request order) for the later checks. */
function checkTeachers(algorithm: RefineryAlgorithm, teacherIds: readonly string[], lookups: RefineryLookups, add: Add): RefineryModelInfo[] {
  const rules = algorithm.teachers;
  const field = 'teacherIds';
  const count = teacherIds.length;
  const range = rules.min === rules.max ? `exactly ${rules.min}` : `${rules.min} to ${rules.max}`;
  const noun = rules.max === 1 ? 'teacher model' : 'teacher models';
  if (count < rules.min || count > rules.max) {
    const variant = teacherCountVariant(rules.min, rules.max, count);
    add(
      field,
      'teacher_count',
      { algorithm: algorithm.id, min: rules.min, max: rules.max, count, ...(variant ? { variant } : {}) },
      `${algorithm.title} needs ${range} ${noun}; ${count} ${count === 1 ? 'was' : 'were'} chosen.`,
    );
  }
  const seen = new Set<string>();
  const found: RefineryModelInfo[] = [];
  for (const id of teacherIds) {
    if (seen.has(id)) {
      add(field, 'teacher_duplicate', { modelId: id }, `Model ${id} is chosen twice; each teacher can be used once.`);
      continue;
    }
    seen.add(id);
    const model = lookups.models.find((m) => m.id === id);
    if (!model) {
      add(field, 'teacher_not_found', { modelId: id }, `Model ${id} was not found (or is not shared with you).`);
      continue;
    }
    found.push(model);
    if (model.status === 'validating') {
      add(field, 'teacher_validating', { model: model.name }, `Model "${model.name}" is still being checked; wait until it is ready.`);
    } else if (model.status === 'invalid') {
      add(field, 'teacher_invalid', { model: model.name }, `Model "${model.name}" failed its check and cannot be used; upload it again.`);
    }
    if (!(rules.tasks as readonly string[]).includes(model.task)) {
      add(
        field,
        'teacher_wrong_task',
        { model: model.name, task: model.task, algorithm: algorithm.id, tasks: [...rules.tasks] },
        `Model "${model.name}" is ${withArticle(TASK_WORDS[model.task] ?? model.task)} model; ${algorithm.title} works with ${orList(rules.tasks.map((t) => TASK_WORDS[t] ?? t))} models.`,
      );
    }
    if (!rules.formats.includes(model.format)) {
      // The reason is the catalogue's (the web shows its own translation of it); without one, the sentence ends sooner.
      add(
        field,
        'teacher_wrong_format',
        { model: model.name, format: model.format, algorithm: algorithm.id, ...(rules.formatReason === null ? { variant: 'no_reason' } : {}) },
        `Model "${model.name}" is ${FORMAT_WORDS[model.format] ?? model.format} and cannot be a teacher here. ${rules.formatReason ?? ''}`.trim(),
      );
    }
  }
  if (rules.sameArch && found.length > 1) {
    const archs = [...new Set(found.map((m) => m.arch))];
    if (archs.length > 1) {
      add(
        field,
        'teacher_arch_mismatch',
        { algorithm: algorithm.id, archs },
        `${algorithm.title} needs teachers of the same architecture; these have ${orList(archs.map((a) => `"${a}"`)).replace(/ or /, ' and ')}.`,
      );
    }
  }
  // Pruning and the feature-based algorithms need a registry architecture the trainer can build.
  if (rules.formats.every((f) => f === 'aip' || f === 'weights')) {
    for (const m of found) {
      const task = m.task as RefineryTeacherTask;
      if (!(rules.tasks as readonly string[]).includes(task) || !(rules.formats as readonly string[]).includes(m.format)) continue;
      if (!refineryArchitectures(task).some((a) => a.id === m.arch)) {
        add(
          field,
          'teacher_not_rebuildable',
          { model: m.name, arch: m.arch, algorithm: algorithm.id },
          `Model "${m.name}" has architecture "${m.arch}", which the platform cannot rebuild for ${algorithm.title}.`,
        );
      }
    }
  }
  return found;
}

function checkStudentArch(algorithm: RefineryAlgorithm, teachers: readonly RefineryModelInfo[], requested: string | null | undefined, add: Add): void {
  if (requested == null || requested === '') return;
  const field = 'studentArch';
  const rule = algorithm.student;
  if (rule.kind === 'fixed') {
    if (requested !== rule.arch) {
      add(
        field,
        'student_arch_fixed',
        { algorithm: algorithm.id, arch: rule.arch },
        `${algorithm.title} always builds a "${rule.arch}" model; the architecture cannot be chosen.`,
      );
    }
    return;
  }
  if (rule.kind === 'teacher') {
    const own = teachers[0]?.arch;
    if (own !== undefined && requested !== own) {
      add(
        field,
        'student_arch_teacher',
        { algorithm: algorithm.id, arch: own },
        `${algorithm.title} keeps the teachers' architecture ("${own}"); it cannot be changed.`,
      );
    }
    return;
  }
  const task = refineryStudentTask(algorithm, teachers);
  if (task === null) return; // no teacher yet: the teacher problem says so
  const options = refineryArchitectures(task);
  if (!options.some((a) => a.id === requested)) {
    const choices = options.map((a) => a.id);
    add(
      field,
      'unknown_student_arch',
      { name: requested, task, choices },
      `"${requested}" is not a ${TASK_WORDS[task] ?? task} architecture; choose one of ${orList(choices.map((a) => `"${a}"`))}.`,
    );
  }
}

function checkParams(algorithm: RefineryAlgorithm, params: Readonly<Record<string, unknown>> | null | undefined, add: Add): void {
  if (params == null) return;
  if (typeof params !== 'object' || Array.isArray(params)) {
    add('params', 'params_not_object', {}, 'Parameters must be an object of numbers.');
    return;
  }
  for (const [name, value] of Object.entries(params)) {
    const p = algorithm.params.find((q) => q.name === name);
    const field = `params.${name}`;
    if (!p) {
      const choices = algorithm.params.map((q) => q.name);
      add(field, 'unknown_param', { algorithm: algorithm.id, name, choices }, `${algorithm.title} has no parameter "${name}"; it has ${orList(choices)}.`);
      continue;
    }
    if (value === null || value === undefined) continue; // the default applies
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      add(field, 'param_not_number', { param: p.name }, `${p.title} must be a number.`);
      continue;
    }
    if (p.type === 'int' && !Number.isInteger(value)) add(field, 'param_not_integer', { param: p.name }, `${p.title} must be a whole number.`);
    if (value < p.min || value > p.max) {
      add(field, 'param_out_of_range', { param: p.name, min: p.min, max: p.max, value }, `${p.title} must be between ${p.min} and ${p.max} (got ${value}).`);
    }
  }
}
