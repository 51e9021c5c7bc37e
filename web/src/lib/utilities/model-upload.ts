/**
 * The model upload form's pure logic: what each field must hold, checked in the browser before the
 * file goes over the network — the rules of the API's own check (@aip/workflows
 * parseModelUploadFields), as message keys in the user's language; the server then loads the file
 * and runs it once — and the multipart body in the order the API reads it (fields first, then the file).
 */
import {
  REFINERY_TEACHER_TASKS,
  refineryArchitectures,
  UPLOAD_EXTENSIONS,
  UPLOAD_MODEL_FORMATS,
  type RefineryTeacherTask,
  type UploadModelFormat,
} from '@aip/workflows';

/** The formats a user may upload; none of them runs code from the upload when it is loaded. */
export const UPLOAD_FORMATS = UPLOAD_MODEL_FORMATS;
export type UploadFormat = UploadModelFormat;

/** The tasks an uploaded model may have (what the refinery's algorithms take as teachers). */
export const UPLOAD_TASKS = REFINERY_TEACHER_TASKS;
export type UploadTask = RefineryTeacherTask;

export const VALUE_RANGES = ['0-255', '0-1'] as const;
export type ValueRange = (typeof VALUE_RANGES)[number];

export const COLOR_SPACES = ['RGB', 'BGR'] as const;
export type ColorSpace = (typeof COLOR_SPACES)[number];

/** The file name endings each format is uploaded with (the server checks the content itself). */
export const FORMAT_EXTENSIONS = UPLOAD_EXTENSIONS;

/** The ImageNet normalization most published weights expect, in each value range's units. */
export const IMAGENET_NORMALIZATION: Readonly<Record<ValueRange, { mean: string; std: string }>> = {
  '0-1': { mean: '0.485, 0.456, 0.406', std: '0.229, 0.224, 0.225' },
  '0-255': { mean: '123.675, 116.28, 103.53', std: '58.395, 57.12, 57.375' },
};

export const INPUT_SIDE_MIN = 8;
export const INPUT_SIDE_MAX = 4096;
export const CLASSES_MAX = 1000;

export interface ModelUploadFields {
  name: string;
  format: UploadFormat;
  task: UploadTask;
  /** A registry architecture of the task; only `weights` names one. */
  arch: string;
  /** One class per line (or commas); depth models have none. */
  classes: string;
  inputHeight: string;
  inputWidth: string;
  colorSpace: ColorSpace;
  valueRange: ValueRange;
  /** Three numbers "a, b, c" in the value range's units, or empty for none. */
  mean: string;
  std: string;
  visibility: 'private' | 'public';
}

export type UploadField = keyof ModelUploadFields | 'file';

/** A problem of one field, as a message key of `modelUpload.problem.*` and its parameters. */
export interface UploadProblem {
  field: UploadField;
  code:
    | 'nameMissing'
    | 'archMissing'
    | 'archOfOtherTask'
    | 'classesMissing'
    | 'classesTooFew'
    | 'classesDuplicate'
    | 'classesTooMany'
    | 'sideInvalid'
    | 'tripleInvalid'
    | 'stdNotPositive'
    | 'meanStdPair'
    | 'fileMissing'
    | 'fileExtension';
  params?: Record<string, string | number>;
}

/** Does the task predict classes (and so need them declared)? Depth predicts a value per pixel. */
export const taskHasClasses = (task: string) => task !== 'depth';

/** Class names from one-per-line (or comma-separated) text, trimmed, empty lines dropped. */
export function parseClassList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * Three numbers from "a, b, c" (commas and/or spaces): null for an empty field (no normalization),
 * 'invalid' when it is not exactly three finite numbers.
 */
export function parseTriple(text: string): [number, number, number] | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const parts = trimmed.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length !== 3) return 'invalid';
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isFinite(n))) return 'invalid';
  return numbers as [number, number, number];
}

/** An input side in pixels, or null when it is not a whole number in range. */
export function parseSide(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const side = Number(text);
  return side >= INPUT_SIDE_MIN && side <= INPUT_SIDE_MAX ? side : null;
}

/** What is wrong with the form, field by field (empty: it can be sent). */
export function uploadProblems(fields: ModelUploadFields, file: { name: string } | null): UploadProblem[] {
  const problems: UploadProblem[] = [];
  if (fields.name.trim() === '') problems.push({ field: 'name', code: 'nameMissing' });
  if (fields.format === 'weights') {
    const arch = fields.arch.trim();
    if (arch === '') problems.push({ field: 'arch', code: 'archMissing' });
    else if (!refineryArchitectures(fields.task).some((option) => option.id === arch)) {
      problems.push({ field: 'arch', code: 'archOfOtherTask', params: { arch } });
    }
  }
  if (taskHasClasses(fields.task)) {
    const classes = parseClassList(fields.classes);
    const duplicate = classes.find((name, i) => classes.indexOf(name) !== i);
    if (classes.length === 0) problems.push({ field: 'classes', code: 'classesMissing' });
    else if (fields.task === 'classification' && classes.length < 2) problems.push({ field: 'classes', code: 'classesTooFew' });
    else if (duplicate !== undefined) problems.push({ field: 'classes', code: 'classesDuplicate', params: { class: duplicate } });
    else if (classes.length > CLASSES_MAX) problems.push({ field: 'classes', code: 'classesTooMany', params: { max: CLASSES_MAX } });
  }
  for (const field of ['inputHeight', 'inputWidth'] as const) {
    if (parseSide(fields[field]) === null) {
      problems.push({ field, code: 'sideInvalid', params: { min: INPUT_SIDE_MIN, max: INPUT_SIDE_MAX } });
    }
  }
  for (const field of ['mean', 'std'] as const) {
    const triple = parseTriple(fields[field]);
    if (triple === 'invalid') problems.push({ field, code: 'tripleInvalid' });
    else if (field === 'std' && triple !== null && triple.some((n) => n <= 0)) problems.push({ field, code: 'stdNotPositive' });
  }
  // Normalization needs both: a mean without a spread (or the reverse) is a half-filled form.
  const mean = parseTriple(fields.mean);
  const std = parseTriple(fields.std);
  if (mean !== 'invalid' && std !== 'invalid' && (mean === null) !== (std === null)) {
    problems.push({ field: mean === null ? 'mean' : 'std', code: 'meanStdPair' });
  }
  if (!file) problems.push({ field: 'file', code: 'fileMissing' });
  else {
    const endings = FORMAT_EXTENSIONS[fields.format];
    if (!endings.some((ending) => file.name.toLowerCase().endsWith(ending))) {
      problems.push({ field: 'file', code: 'fileExtension', params: { endings: endings.join(' ') } });
    }
  }
  return problems;
}

/**
 * The multipart body: fields as the API names them, the file last (the server streams it to the
 * blob store once the fields are read). Empty optional fields are left out.
 */
export function uploadFormData(fields: ModelUploadFields, file: File): FormData {
  const form = new FormData();
  form.set('name', fields.name.trim());
  form.set('format', fields.format);
  form.set('task', fields.task);
  if (fields.format === 'weights') form.set('arch', fields.arch.trim());
  if (taskHasClasses(fields.task)) form.set('classes', JSON.stringify(parseClassList(fields.classes)));
  form.set('inputHeight', fields.inputHeight.trim());
  form.set('inputWidth', fields.inputWidth.trim());
  form.set('colorSpace', fields.colorSpace);
  form.set('valueRange', fields.valueRange);
  // Normalized to "a,b,c"; text that is not three numbers goes as typed, for the server to refuse.
  for (const field of ['mean', 'std'] as const) {
    const triple = parseTriple(fields[field]);
    if (Array.isArray(triple)) form.set(field, triple.join(','));
    else if (triple === 'invalid') form.set(field, fields[field].trim());
  }
  form.set('visibility', fields.visibility);
  form.set('file', file, file.name);
  return form;
}
