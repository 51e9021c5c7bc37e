/**
 * The fields of a model upload (POST /api/models, multipart) and their checks, shared by the API
 * and the web form. A model is uploaded as a file the platform can load without running code the
 * uploader wrote: a PyTorch state_dict of a registry architecture (`weights`, loaded with
 * weights_only), a TorchScript program or an ONNX graph. Pickled modules and hub code (hubconf.py)
 * would execute the uploader's Python on the workers, so they are refused.
 */
import { refineryArchitectures, REFINERY_TEACHER_TASKS, UPLOAD_MODEL_FORMATS, type RefineryTeacherTask, type UploadModelFormat } from './algorithms.ts';

/** What each upload format is, for the form. */
export const UPLOAD_FORMAT_HELP: Readonly<Record<UploadModelFormat, string>> = {
  weights:
    'PyTorch weights (a state_dict saved with torch.save, .pt or .pth) of one of the platform\'s architectures: the model becomes a full platform model you can also reuse in flowcharts, prune and amalgamate.',
  torchscript: 'A TorchScript file (torch.jit.save): usable as a frozen teacher for distillation and task branching.',
  onnx: 'An ONNX file: usable as a frozen teacher for distillation and task branching.',
};

/** Why other files are refused, in one sentence for the form and the API's error. */
export const REFUSED_FORMATS_REASON =
  'Whole pickled models (torch.save of a module) and hub code (hubconf.py) would run the uploader\'s Python on the platform\'s workers, so they are refused: save the state_dict, a TorchScript file or an ONNX file instead.';

/** File name endings each format accepts. */
export const UPLOAD_EXTENSIONS: Readonly<Record<UploadModelFormat, readonly string[]>> = {
  weights: ['.pt', '.pth'],
  torchscript: ['.pt', '.pth', '.ts', '.torchscript'],
  onnx: ['.onnx'],
};

export const MODEL_NAME_MAX = 200;
export const MAX_UPLOAD_CLASSES = 1000;

/** The raw text fields of the multipart form, as sent. */
export type ModelUploadFields = Partial<
  Record<'name' | 'format' | 'task' | 'arch' | 'classes' | 'inputHeight' | 'inputWidth' | 'colorSpace' | 'valueRange' | 'mean' | 'std' | 'visibility', string>
>;

/** The parsed upload: what the model row and the trainer's validate_model job get. */
export interface ModelUpload {
  name: string;
  format: UploadModelFormat;
  task: RefineryTeacherTask;
  /** The registry arch (weights), else the format's name. */
  arch: string;
  classes: string[];
  input: {
    size: [number, number];
    colorSpace: 'RGB' | 'BGR';
    range: [number, number];
    mean: [number, number, number] | null;
    std: [number, number, number] | null;
  };
  visibility: 'private' | 'public';
}

export interface UploadProblem {
  field: string;
  message: string;
}

/** "a\nb" or '["a","b"]' → ["a","b"]. */
export function parseClassList(text: string): string[] | null {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    try {
      const value = JSON.parse(trimmed) as unknown;
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.map((v) => v.trim()) : null;
    } catch {
      return null;
    }
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function triple(text: string | undefined): [number, number, number] | null | 'bad' {
  if (text === undefined || text.trim() === '') return null;
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || String(p) === '')) return 'bad';
  return [parts[0]!, parts[1]!, parts[2]!];
}

function side(text: string | undefined): number | null {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 8 && n <= 4096 ? n : null;
}

/** Every problem of the fields at once (`field` names the form field); the parsed upload when there are none. */
export function parseModelUploadFields(fields: ModelUploadFields): { upload: ModelUpload; problems: [] } | { upload: null; problems: UploadProblem[] } {
  const problems: UploadProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  const name = (fields.name ?? '').trim();
  if (name === '') add('name', 'Give the model a name.');
  else if (name.length > MODEL_NAME_MAX) add('name', `The name is too long (at most ${MODEL_NAME_MAX} characters).`);

  const format = fields.format?.trim() ?? '';
  const knownFormat = (UPLOAD_MODEL_FORMATS as readonly string[]).includes(format);
  if (!knownFormat) {
    add('format', `${format === '' ? 'Choose the file format' : `"${format}" is not a format that can be uploaded`}: weights, torchscript or onnx. ${REFUSED_FORMATS_REASON}`);
  }

  const task = fields.task?.trim() ?? '';
  const knownTask = (REFINERY_TEACHER_TASKS as readonly string[]).includes(task);
  if (!knownTask) add('task', `${task === '' ? 'Choose what the model does' : `"${task}" is not a task models can be uploaded for`}: classification, segmentation or depth.`);

  let arch = format;
  if (format === 'weights' && knownTask) {
    arch = fields.arch?.trim() ?? '';
    const options = refineryArchitectures(task as RefineryTeacherTask).map((a) => a.id);
    if (!options.includes(arch)) {
      add('arch', `${arch === '' ? 'Weights need their architecture' : `"${arch}" is not a ${task} architecture of the platform`}: choose one of ${options.join(', ')}.`);
    }
  }

  const classes = parseClassList(fields.classes ?? '');
  if (classes === null) add('classes', 'Classes must be a JSON array of names or one name per line.');
  else if (knownTask) {
    if (task === 'classification' && classes.length < 2) add('classes', 'A classifier needs at least 2 classes, in the order of its outputs.');
    if (task === 'segmentation' && classes.length < 1) add('classes', 'A segmentation model needs its classes (after the background, which is output 0).');
    if (task === 'depth' && classes.length > 0) add('classes', 'A depth model has no classes; leave the field empty.');
    if (classes.some((c) => c === '')) add('classes', 'Class names cannot be empty.');
    if (new Set(classes).size !== classes.length) add('classes', 'Each class name can appear only once.');
    if (classes.length > MAX_UPLOAD_CLASSES) add('classes', `At most ${MAX_UPLOAD_CLASSES} classes.`);
  }

  const height = side(fields.inputHeight);
  const width = side(fields.inputWidth);
  if (height === null) add('inputHeight', 'The input height must be a whole number of pixels from 8 to 4096.');
  if (width === null) add('inputWidth', 'The input width must be a whole number of pixels from 8 to 4096.');

  const colorSpace = fields.colorSpace?.trim() || 'RGB';
  if (colorSpace !== 'RGB' && colorSpace !== 'BGR') add('colorSpace', 'The colour order must be RGB or BGR.');
  const valueRange = fields.valueRange?.trim() || '0-255';
  if (valueRange !== '0-255' && valueRange !== '0-1') add('valueRange', 'The pixel value range must be 0-255 or 0-1.');

  const mean = triple(fields.mean);
  const std = triple(fields.std);
  if (mean === 'bad') add('mean', 'The mean must be three numbers separated by commas (one per colour channel), or empty.');
  if (std === 'bad') add('std', 'The standard deviation must be three numbers separated by commas (one per colour channel), or empty.');
  else if (std !== null && std.some((v) => v <= 0)) add('std', 'Each standard deviation must be above 0.');
  if (mean !== 'bad' && std !== 'bad' && (mean === null) !== (std === null)) {
    add(mean === null ? 'mean' : 'std', 'Give both the mean and the standard deviation, or neither.');
  }

  const visibility = fields.visibility?.trim() || 'private';
  if (visibility !== 'private' && visibility !== 'public') add('visibility', 'Visibility must be private or public.');

  if (problems.length > 0) return { upload: null, problems };
  return {
    upload: {
      name,
      format: format as UploadModelFormat,
      task: task as RefineryTeacherTask,
      arch,
      classes: classes!,
      input: {
        size: [height!, width!],
        colorSpace: colorSpace as 'RGB' | 'BGR',
        range: valueRange === '0-1' ? [0, 1] : [0, 255],
        mean: mean as [number, number, number] | null,
        std: std as [number, number, number] | null,
      },
      visibility: visibility as 'private' | 'public',
    },
    problems: [],
  };
}

/** Whether a file name fits the format (its ending); null when it does, else the sentence saying why not. */
export function uploadFileProblem(format: UploadModelFormat, fileName: string): string | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.py') || lower.endsWith('.pkl') || lower.endsWith('.pickle') || lower.endsWith('.zip') || lower.endsWith('.tar')) {
    return `"${fileName}" cannot be uploaded. ${REFUSED_FORMATS_REASON}`;
  }
  const endings = UPLOAD_EXTENSIONS[format];
  const noun = { weights: 'A weights file', torchscript: 'A TorchScript file', onnx: 'An ONNX file' }[format];
  if (!endings.some((e) => lower.endsWith(e))) return `${noun} must end in ${endings.join(' or ')}; "${fileName}" does not.`;
  return null;
}

/** Where a model may be used: flowcharts need a ready model the trainer can load as PyTorch. */
export function flowchartUseProblem(model: { name: string; status: string; format: string }): string | null {
  if (model.status === 'validating') return `Model "${model.name}" is still being checked; it can be used once it is ready.`;
  if (model.status === 'invalid') return `Model "${model.name}" failed its check and cannot be used.`;
  if (model.format === 'torchscript' || model.format === 'onnx') {
    return `Model "${model.name}" is ${model.format === 'onnx' ? 'an ONNX' : 'a TorchScript'} upload: it can only be a teacher in the model refinery (distill it into a platform model to use it in flowcharts).`;
  }
  return null;
}
