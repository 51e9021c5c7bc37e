/**
 * The new refinery task form's pure logic: which models can be teachers of an algorithm (and why
 * the others cannot, in the user's language), the request the form sends, and the catalogue
 * validator's problems grouped by the field they concern. The rules themselves are the catalogue's
 * (@aip/workflows), which the API applies too.
 */
import {
  refineryArchitectures,
  refineryStudentTask,
  resolveStudentArch,
  type RefineryAlgorithm,
  type RefineryDatasetInfo,
  type RefineryModelInfo,
  type RefineryProblem,
  type RefineryTaskInput,
  type RefineryTeacherTask,
} from '@aip/workflows';

/** Why a model cannot be a teacher of the algorithm now, as `refinery.teacher.why.*` keys. */
export type TeacherBlock =
  | { reason: 'validating' }
  | { reason: 'invalid' }
  | { reason: 'task'; task: string }
  | { reason: 'format'; format: string }
  | { reason: 'arch'; arch: string }
  | { reason: 'notRebuildable'; arch: string }
  | { reason: 'full'; max: number };

/**
 * What keeps `model` from being added to `chosen` as a teacher of `algorithm` (empty: it can be).
 * A chosen model is judged against the others (same architecture), so the list explains every row.
 */
export function teacherBlocks(model: RefineryModelInfo, algorithm: RefineryAlgorithm, chosen: readonly RefineryModelInfo[]): TeacherBlock[] {
  const rules = algorithm.teachers;
  const blocks: TeacherBlock[] = [];
  if (model.status === 'validating') blocks.push({ reason: 'validating' });
  else if (model.status === 'invalid') blocks.push({ reason: 'invalid' });
  const taskFits = (rules.tasks as readonly string[]).includes(model.task);
  if (!taskFits) blocks.push({ reason: 'task', task: model.task });
  if (!rules.formats.includes(model.format)) blocks.push({ reason: 'format', format: model.format });
  const pytorchOnly = rules.formats.every((format) => format === 'aip' || format === 'weights');
  if (pytorchOnly && taskFits && rules.formats.includes(model.format)) {
    if (!refineryArchitectures(model.task as RefineryTeacherTask).some((arch) => arch.id === model.arch)) {
      blocks.push({ reason: 'notRebuildable', arch: model.arch });
    }
  }
  const others = chosen.filter((other) => other.id !== model.id);
  if (rules.sameArch && others[0] && others[0].arch !== model.arch) blocks.push({ reason: 'arch', arch: others[0].arch });
  const isChosen = chosen.some((other) => other.id === model.id);
  if (!isChosen && chosen.length >= rules.max && blocks.length === 0) blocks.push({ reason: 'full', max: rules.max });
  return blocks;
}

/**
 * Models the picker lists for the algorithm: the chosen ones, the usable ones (the user's own
 * first, then by name), then the rest with why, so the user sees why a model they expected is not
 * offered. With a single teacher, picking another replaces the choice, so no row is "full".
 */
export function teacherRows<T extends RefineryModelInfo & { owned?: boolean }>(
  models: readonly T[],
  algorithm: RefineryAlgorithm,
  chosen: readonly RefineryModelInfo[],
): { model: T; blocks: TeacherBlock[]; chosen: boolean }[] {
  const against = algorithm.teachers.max === 1 ? [] : chosen;
  return models
    .map((model) => ({ model, blocks: teacherBlocks(model, algorithm, against), chosen: chosen.some((c) => c.id === model.id) }))
    .sort(
      (a, b) =>
        Number(b.chosen) - Number(a.chosen) ||
        Number(a.blocks.length > 0) - Number(b.blocks.length > 0) ||
        Number(b.model.owned ?? false) - Number(a.model.owned ?? false) ||
        a.model.name.localeCompare(b.model.name) ||
        a.model.id.localeCompare(b.model.id),
    );
}

/** The chosen ids after the user clicks `id`: added or removed; with a single teacher, the new one replaces the old. */
export function toggleTeacher(ids: readonly string[], id: string, max: number): string[] {
  if (ids.includes(id)) return ids.filter((other) => other !== id);
  return max === 1 ? [id] : [...ids, id];
}

/** The model infos of the chosen ids, in the order they were chosen (the first teacher sets defaults). */
export function chosenTeachers<T extends RefineryModelInfo>(models: readonly T[], ids: readonly string[]): T[] {
  return ids.flatMap((id) => models.filter((model) => model.id === id));
}

/** The architectures the student may be chosen among, with the default; null when it is not the user's choice. */
export function studentChoices(
  algorithm: RefineryAlgorithm,
  teachers: readonly RefineryModelInfo[],
): { options: readonly { id: string; description: string }[]; default: string | null } | null {
  if (algorithm.student.kind !== 'choose') return null;
  const task = refineryStudentTask(algorithm, teachers);
  if (task === null) return { options: [], default: null };
  return { options: refineryArchitectures(task), default: resolveStudentArch(algorithm, teachers, null) };
}

/**
 * A parameter field's text as the request sends it: omitted (the default applies) when empty, a
 * number when it reads as one, else the text itself — the validator then says it must be a number.
 */
export function paramValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

export interface RefineryFormState {
  name: string;
  algorithm: string;
  teacherIds: readonly string[];
  datasetId: string;
  /** '' : the default (or the algorithm fixes it). */
  studentArch: string;
  /** Each parameter field's text, by name. */
  params: Readonly<Record<string, string>>;
  visibility: 'private' | 'public';
}

/** The POST body: only the algorithm's own parameters that were filled in, the student arch where it is a choice. */
export function refineryRequest(
  form: RefineryFormState,
  algorithm: RefineryAlgorithm | undefined,
): RefineryTaskInput & { teacherIds: string[]; params: Record<string, unknown>; visibility: 'private' | 'public' } {
  const params: Record<string, unknown> = {};
  for (const param of algorithm?.params ?? []) {
    const value = paramValue(form.params[param.name] ?? '');
    if (value !== undefined) params[param.name] = value;
  }
  const chooses = algorithm?.student.kind === 'choose';
  return {
    name: form.name.trim(),
    algorithm: form.algorithm,
    teacherIds: [...form.teacherIds],
    datasetId: form.datasetId,
    ...(chooses && form.studentArch !== '' ? { studentArch: form.studentArch } : {}),
    params,
    visibility: form.visibility,
  };
}

/** A problem as the form shows it: the validator's or the server's, or one the form makes itself (no code). */
export interface FormProblem {
  code?: string;
  params?: Record<string, string | number | string[]>;
  message: string;
}

/**
 * Problems by the form field they concern, each worded by `text` (in the user's language):
 * `params.<name>` stays per parameter; anything the form has no field for (a problem of the whole
 * request) goes under `''`, shown above the submit button. The server's problems are unchecked
 * JSON, so a malformed one is skipped and a malformed code or params dropped (its message shows).
 */
export function problemsByField(problems: readonly unknown[], fields: readonly string[], text: (problem: FormProblem) => string): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const raw of problems) {
    const problem = raw as { [key in keyof RefineryProblem]?: unknown } | null;
    if (typeof problem?.message !== 'string') continue;
    const field = typeof problem.field === 'string' && fields.includes(problem.field) ? problem.field : '';
    const params = problem.params;
    const shown: FormProblem = {
      message: problem.message,
      ...(typeof problem.code === 'string' ? { code: problem.code } : {}),
      ...(typeof params === 'object' && params !== null && !Array.isArray(params) ? { params: params as NonNullable<FormProblem['params']> } : {}),
    };
    byField.set(field, [...(byField.get(field) ?? []), text(shown)]);
  }
  return byField;
}

/** The form's fields, for problemsByField: the request's own and one per parameter. */
export function formFields(algorithm: RefineryAlgorithm | undefined): string[] {
  return ['name', 'algorithm', 'teacherIds', 'datasetId', 'studentArch', 'visibility', ...(algorithm?.params ?? []).map((p) => `params.${p.name}`)];
}

/** A dataset as the validator sees it: status and image count from the dataset's stats. */
export function datasetInfo(dataset: { id: string; name: string; status: string; stats: unknown }): RefineryDatasetInfo {
  const images = (dataset.stats as { images?: unknown } | null)?.images;
  return { id: dataset.id, name: dataset.name, status: dataset.status, ...(typeof images === 'number' ? { images } : {}) };
}
