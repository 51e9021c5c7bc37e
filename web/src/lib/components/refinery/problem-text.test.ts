import { describe, expect, it } from 'vitest';
import {
  REFINERY_PROBLEM_CODES,
  validateRefineryTask,
  type RefineryLookups,
  type RefineryModelInfo,
  type RefineryProblem,
  type RefineryTaskInput,
} from '@aip/workflows';
import { LOCALES, dictionaries, type MessageKey } from '../../i18n/dictionaries.ts';
import { interpolate } from '../../utilities/interpolate.ts';
import { refineryProblemText } from './problem-text.ts';

const translator = (locale: (typeof LOCALES)[number]) => (key: MessageKey, params?: Record<string, string | number>) =>
  interpolate(dictionaries[locale][key], params);
const zh = translator('zh-CN');
const en = translator('en');

const model = (id: string, over: Partial<RefineryModelInfo> = {}): RefineryModelInfo => ({
  id,
  name: `Model ${id}`,
  task: 'classification',
  arch: 'tiny_cnn',
  format: 'aip',
  status: 'ready',
  classes: ['a', 'b'],
  ...over,
});

const lookups: RefineryLookups = {
  models: [
    model('m1'),
    model('m2', { arch: 'resnet18' }),
    model('busy', { status: 'validating' }),
    model('broken', { status: 'invalid' }),
    model('det', { task: 'detection', arch: 'tiny_det' }),
    model('onnx', { format: 'onnx' }),
    model('odd', { arch: 'mystery' }),
    model('seg', { task: 'segmentation', arch: 'tiny_unet' }),
    model('depth', { task: 'depth', arch: 'tiny_unet_depth', format: 'onnx' }),
  ],
  datasets: [
    { id: 'ds', name: 'Images', status: 'ready', images: 10 },
    { id: 'ds-busy', name: 'Fresh', status: 'validating' },
    { id: 'ds-empty', name: 'Empty', status: 'ready', images: 0 },
  ],
};

const request = (over: Partial<RefineryTaskInput>): RefineryTaskInput => ({ name: 'Smaller', algorithm: 'distill', teacherIds: ['m1'], datasetId: 'ds', ...over });

/** Refused requests that, between them, make the validator report every code. */
const refused: RefineryTaskInput[] = [
  request({ name: ' ', algorithm: 'magic', visibility: 'everyone', datasetId: '' }),
  request({ name: 'x'.repeat(201), datasetId: 'ds-gone', teacherIds: [] }),
  request({ datasetId: 'ds-busy', teacherIds: ['det'], studentArch: 'tiny_unet' }),
  request({ datasetId: 'ds-empty', algorithm: 'amalgamate', teacherIds: ['m1', 'm1', 'gone', 'busy', 'broken', 'onnx', 'odd', 'm2'] }),
  request({ algorithm: 'auto_prune', studentArch: 'resnet18', params: { targetRatio: 0.99, steps: 2.5, epochsPerStep: 'three', epochs: 5 } }),
  request({ algorithm: 'task_branch', teacherIds: ['seg', 'depth'], studentArch: 'tiny_unet' }),
  request({ studentArch: 'tiny_unet', params: [] as unknown as Record<string, unknown> }),
  request({ algorithm: 'amalgamate', teacherIds: ['m1'] }),
];
const problems: RefineryProblem[] = refused.flatMap((input) => validateRefineryTask(input, lookups));

/** Codes whose English wording in the web differs from the validator's (lists quoted, task and status titles). */
const REWORDED = new Set(['unknown_algorithm', 'dataset_not_ready', 'teacher_wrong_task', 'unknown_student_arch', 'unknown_param']);

describe('refineryProblemText', () => {
  it('translates every problem the validator reports, filling in each value', () => {
    expect(REFINERY_PROBLEM_CODES.filter((code) => !problems.some((p) => p.code === code))).toEqual([]);
    for (const problem of problems) {
      const text = refineryProblemText(problem, zh);
      expect(text, problem.message).not.toBe(problem.message);
      expect(text, problem.message).not.toMatch(/\{\w+\}/);
      expect(refineryProblemText(problem, en), problem.message).not.toMatch(/\{\w+\}/);
    }
  });

  it('reads in English as the validator says it, but for a few rewordings', () => {
    for (const problem of problems.filter((p) => !REWORDED.has(p.code))) expect(refineryProblemText(problem, en), problem.code).toBe(problem.message);
  });

  it('names algorithms, parameters, tasks, formats, statuses and lists in the user language', () => {
    const text = (problem: Omit<RefineryProblem, 'field'>) => refineryProblemText(problem, zh);
    expect(text({ code: 'teacher_count', params: { algorithm: 'amalgamate', min: 2, max: 8, count: 1, variant: 'one_chosen' }, message: '' })).toBe(
      '逐层合并需要 2 到 8 个教师模型，现在只选了 1 个。',
    );
    expect(
      text({ code: 'teacher_wrong_task', params: { model: 'D', task: 'detection', algorithm: 'distill', tasks: ['classification', 'depth'] }, message: '' }),
    ).toBe(`模型“D”做的是“${zh('task.detection')}”；知识蒸馏只接受“${zh('task.classification')}”或“${zh('task.depth')}”模型。`);
    expect(text({ code: 'param_out_of_range', params: { param: 'learningRate', min: 0.0001, max: 1, value: 3 }, message: '' })).toBe(
      '“学习率”必须在 0.0001 到 1 之间（现在是 3）。',
    );
    expect(text({ code: 'dataset_not_ready', params: { dataset: 'Fresh', status: 'validating' }, message: '' })).toContain('（状态：校验中）');
    expect(text({ code: 'teacher_wrong_format', params: { model: 'O', format: 'onnx', algorithm: 'auto_prune' }, message: '' })).toBe(
      `模型“O”是 ONNX 格式，不能在这里作为教师模型。${zh('refinery.formatReason.auto_prune')}`,
    );
    expect(text({ code: 'teacher_arch_mismatch', params: { algorithm: 'amalgamate', archs: ['a', 'b', 'c'] }, message: '' })).toContain('“a”、“b”和“c”');
  });

  it('has a wording for every variant the validator can name', () => {
    const count = (variant: string, min: number, max: number, count: number) =>
      refineryProblemText({ code: 'teacher_count', params: { algorithm: 'distill', min, max, count, variant }, message: 'English.' }, en);
    expect(count('single', 1, 1, 0)).toBe('Knowledge distillation needs exactly 1 teacher model; 0 were chosen.');
    expect(count('exactly', 3, 3, 2)).toBe('Knowledge distillation needs exactly 3 teacher models; 2 were chosen.');
    expect(count('exactly_one_chosen', 3, 3, 1)).toBe('Knowledge distillation needs exactly 3 teacher models; 1 was chosen.');
    expect(count('one_chosen', 2, 8, 1)).toBe('Knowledge distillation needs 2 to 8 teacher models; 1 was chosen.');
    const noReason = { code: 'teacher_wrong_format', params: { model: 'O', format: 'onnx', algorithm: 'distill', variant: 'no_reason' }, message: 'English.' };
    expect(refineryProblemText(noReason, zh)).toBe('模型“O”是 ONNX 格式，不能在这里作为教师模型。');
  });

  it('falls back to the English message for unknown codes, variants, algorithms and missing params', () => {
    expect(refineryProblemText({ code: 'something_new', params: {}, message: 'A newer check.' }, zh)).toBe('A newer check.');
    expect(refineryProblemText({ code: 'teacher_count', params: { variant: 'dual' }, message: 'Odd wording.' }, zh)).toBe('Odd wording.');
    expect(refineryProblemText({ code: 'dataset_empty', message: 'From an older server.' }, zh)).toBe('From an older server.');
    expect(refineryProblemText({ code: 'student_arch_fixed', params: { algorithm: 'newer_one', arch: 'x' }, message: 'Newer algorithm.' }, zh)).toBe(
      'Newer algorithm.',
    );
    expect(refineryProblemText({ code: 'param_not_number', params: { param: 'newerParam' }, message: 'Newer parameter.' }, zh)).toBe('Newer parameter.');
    // The form's own problems carry no code: their message is already in the user's language.
    expect(refineryProblemText({ message: zh('refinery.form.chooseAlgorithm') }, zh)).toBe('请选择要做什么。');
  });
});

describe('refinery problem dictionary', () => {
  it('translates every code of the workflows catalogue, in every language', () => {
    for (const locale of LOCALES) {
      const missing = REFINERY_PROBLEM_CODES.filter((code) => !Object.hasOwn(dictionaries[locale], `refinery.problem.${code}`));
      expect(missing, locale).toEqual([]);
    }
  });

  it('has no key for a code the catalogue does not know', () => {
    const codes = new Set<string>(REFINERY_PROBLEM_CODES);
    const stale = Object.keys(dictionaries.en)
      .filter((key) => key.startsWith('refinery.problem.'))
      .map((key) => key.slice('refinery.problem.'.length).split('.')[0]!)
      .filter((code) => !codes.has(code));
    expect(stale).toEqual([]);
  });
});
