import { describe, expect, it } from 'vitest';
import { refineryAlgorithm, validateRefineryTask, type RefineryAlgorithm, type RefineryModelInfo } from '@aip/workflows';
import {
  chosenTeachers,
  datasetInfo,
  formFields,
  paramValue,
  problemsByField,
  refineryRequest,
  studentChoices,
  teacherBlocks,
  teacherRows,
  toggleTeacher,
  type RefineryFormState,
} from './refinery-form.ts';

const algorithm = (id: string): RefineryAlgorithm => refineryAlgorithm(id)!;

const model = (id: string, patch: Partial<RefineryModelInfo> = {}): RefineryModelInfo => ({
  id,
  name: id,
  task: 'classification',
  arch: 'tiny_cnn',
  format: 'aip',
  status: 'ready',
  classes: ['a', 'b'],
  input: { size: [32, 32] },
  ...patch,
});

const reasons = (m: RefineryModelInfo, id: string, chosen: RefineryModelInfo[] = []) =>
  teacherBlocks(m, algorithm(id), chosen).map((b) => b.reason);

describe('refinery teacher picker', () => {
  it('takes a ready platform model of a task the algorithm works with', () => {
    expect(reasons(model('m'), 'auto_prune')).toEqual([]);
    expect(reasons(model('m', { format: 'onnx' }), 'distill')).toEqual([]);
    expect(reasons(model('d', { task: 'depth', format: 'torchscript' }), 'task_branch')).toEqual([]);
  });

  it('says why a model cannot be a teacher', () => {
    expect(reasons(model('m', { status: 'validating' }), 'distill')).toEqual(['validating']);
    expect(reasons(model('m', { status: 'invalid' }), 'distill')).toEqual(['invalid']);
    expect(reasons(model('m', { task: 'detection', arch: 'tiny_det' }), 'distill')).toEqual(['task']);
    expect(reasons(model('m', { format: 'onnx' }), 'amalgamate')).toEqual(['format']);
    expect(reasons(model('m', { format: 'torchscript' }), 'auto_prune')).toEqual(['format']);
    expect(reasons(model('m', { arch: 'something_custom' }), 'auto_prune')).toEqual(['notRebuildable']);
    expect(reasons(model('m', { task: 'classification' }), 'task_branch')).toEqual(['task']);
  });

  it('requires the same architecture as the first chosen teacher for amalgamation only', () => {
    const first = model('a');
    const other = model('b', { arch: 'resnet18' });
    expect(reasons(other, 'amalgamate', [first])).toEqual(['arch']);
    expect(reasons(other, 'common_feature', [first])).toEqual([]);
    expect(teacherBlocks(other, algorithm('amalgamate'), [first])[0]).toEqual({ reason: 'arch', arch: 'tiny_cnn' });
  });

  it('says when the algorithm has all the teachers it takes', () => {
    const chosen = [model('a')];
    expect(reasons(model('b'), 'distill', chosen)).toEqual(['full']);
    // The chosen one itself stays removable, with nothing against it.
    expect(reasons(chosen[0]!, 'distill', chosen)).toEqual([]);
  });

  it('lists chosen, then usable, then the user’s own, then by name', () => {
    const models = [
      { ...model('z'), owned: true },
      { ...model('bad', { format: 'onnx' }), owned: true },
      { ...model('y'), owned: false },
      { ...model('x'), owned: true },
    ];
    const rows = teacherRows(models, algorithm('amalgamate'), [models[0]!]);
    expect(rows.map((r) => r.model.id)).toEqual(['z', 'x', 'y', 'bad']);
    expect(rows.map((r) => r.chosen)).toEqual([true, false, false, false]);
  });

  it('lets a single-teacher algorithm swap its teacher by picking another', () => {
    const models = [model('a'), model('b')];
    const rows = teacherRows(models, algorithm('distill'), [models[0]!]);
    expect(rows.map((r) => [r.model.id, r.chosen, r.blocks.length])).toEqual([
      ['a', true, 0],
      ['b', false, 0],
    ]);
    expect(toggleTeacher(['a'], 'b', 1)).toEqual(['b']);
    expect(toggleTeacher(['a'], 'b', 8)).toEqual(['a', 'b']);
    expect(toggleTeacher(['a', 'b'], 'a', 8)).toEqual(['b']);
  });

  it('keeps the chosen order and drops ids no longer listed', () => {
    const models = [model('a'), model('b')];
    expect(chosenTeachers(models, ['b', 'gone', 'a']).map((m) => m.id)).toEqual(['b', 'a']);
  });
});

describe('refinery student and parameters', () => {
  it('offers the student architectures of the teacher’s task where the user chooses', () => {
    expect(studentChoices(algorithm('auto_prune'), [model('a')])).toBeNull();
    expect(studentChoices(algorithm('task_branch'), [])).toBeNull();
    expect(studentChoices(algorithm('distill'), [])).toEqual({ options: [], default: null });
    const seg = studentChoices(algorithm('distill'), [model('s', { task: 'segmentation', arch: 'tiny_unet' })]);
    expect(seg?.default).toBe('tiny_unet');
    expect(seg?.options.map((o) => o.id)).toContain('tiny_unet');
    const cls = studentChoices(algorithm('common_feature'), []);
    expect(cls?.default).toBe('tiny_cnn');
  });

  it('reads parameter fields: empty is the default, numbers are numbers, other text is kept for the validator', () => {
    expect(paramValue(' ')).toBeUndefined();
    expect(paramValue('0.5')).toBe(0.5);
    expect(paramValue('3')).toBe(3);
    expect(paramValue('abc')).toBe('abc');
  });

  const form = (patch: Partial<RefineryFormState> = {}): RefineryFormState => ({
    name: ' small digits ',
    algorithm: 'distill',
    teacherIds: ['a'],
    datasetId: 'ds',
    studentArch: 'resnet18',
    params: { epochs: '5', temperature: '', notOfThisAlgorithm: '3' },
    visibility: 'private',
    ...patch,
  });

  it('sends only the algorithm’s filled-in parameters and the student arch where it is a choice', () => {
    expect(refineryRequest(form(), algorithm('distill'))).toEqual({
      name: 'small digits',
      algorithm: 'distill',
      teacherIds: ['a'],
      datasetId: 'ds',
      studentArch: 'resnet18',
      params: { epochs: 5 },
      visibility: 'private',
    });
    expect(refineryRequest(form({ algorithm: 'auto_prune', params: { targetRatio: '0.3' } }), algorithm('auto_prune'))).toEqual({
      name: 'small digits',
      algorithm: 'auto_prune',
      teacherIds: ['a'],
      datasetId: 'ds',
      params: { targetRatio: 0.3 },
      visibility: 'private',
    });
  });

  it('puts the catalogue validator’s problems beside their fields', () => {
    const ready = { id: 'ds', name: 'digits', status: 'ready', stats: { images: 40 } };
    const request = refineryRequest(form({ name: '', teacherIds: [], params: { epochs: '0', temperature: 'warm' } }), algorithm('distill'));
    const problems = validateRefineryTask(request, { models: [model('a')], datasets: [datasetInfo(ready)] });
    const byField = problemsByField(problems, formFields(algorithm('distill')), (problem) => problem.message);
    expect([...byField.keys()].sort()).toEqual(['name', 'params.epochs', 'params.temperature', 'teacherIds']);
    expect(byField.get('params.temperature')?.[0]).toMatch(/number/);
    // Each problem is worded from its code and params (the form translates them).
    const coded = problemsByField(problems, formFields(algorithm('distill')), (problem) => `${problem.code}:${JSON.stringify(problem.params)}`);
    expect(coded.get('params.temperature')).toEqual(['param_not_number:{"param":"temperature"}']);
    // A field the form does not have (or a malformed problem from a server) lands in the general list or is skipped;
    // a malformed code or params is dropped, so the problem's message shows.
    const other = problemsByField(
      [{ field: 'somethingElse', message: 'm' }, { nope: 1 }, null, { field: 'name', code: 3, params: ['x'], message: 'n' }],
      ['name'],
      (problem) => JSON.stringify(problem),
    );
    expect([...other.entries()]).toEqual([
      ['', ['{"message":"m"}']],
      ['name', ['{"message":"n"}']],
    ]);
  });

  it('reads a dataset’s image count from its stats', () => {
    expect(datasetInfo({ id: 'd', name: 'n', status: 'ready', stats: { images: 3 } })).toEqual({ id: 'd', name: 'n', status: 'ready', images: 3 });
    expect(datasetInfo({ id: 'd', name: 'n', status: 'validating', stats: null })).toEqual({ id: 'd', name: 'n', status: 'validating' });
  });
});
