import { describe, expect, it } from 'vitest';
import { REFINERY_ALGORITHMS, refineryAlgorithm } from './algorithms.ts';
import {
  REFINERY_PROBLEM_CODES,
  type RefineryLookups,
  type RefineryProblem,
  type RefineryModelInfo,
  type RefineryTaskInput,
  resolveRefineryParams,
  resolveStudentArch,
  validateRefineryTask,
} from './validate.ts';

const model = (id: string, over: Partial<RefineryModelInfo> = {}): RefineryModelInfo => ({
  id,
  name: `Model ${id}`,
  task: 'classification',
  arch: 'tiny_cnn',
  format: 'aip',
  status: 'ready',
  classes: ['a', 'b'],
  input: { size: [48, 48] },
  ...over,
});

const lookups = (...models: RefineryModelInfo[]): RefineryLookups => ({
  models,
  datasets: [
    { id: 'ds1', name: 'Images', status: 'ready', images: 10 },
    { id: 'ds2', name: 'Busy', status: 'validating' },
    { id: 'ds3', name: 'Empty', status: 'ready', images: 0 },
  ],
});

const task = (over: Partial<RefineryTaskInput> = {}): RefineryTaskInput => ({
  name: 'Smaller',
  algorithm: 'distill',
  teacherIds: ['m1'],
  datasetId: 'ds1',
  ...over,
});

const fields = (problems: { field: string }[]) => problems.map((p) => p.field);
const codes = (problems: RefineryProblem[]) => problems.map((p) => p.code);

describe('refinery catalogue', () => {
  it('describes every algorithm with parameters whose defaults are in range', () => {
    expect(REFINERY_ALGORITHMS.map((a) => a.id)).toEqual(['auto_prune', 'distill', 'amalgamate', 'common_feature', 'task_branch']);
    for (const a of REFINERY_ALGORITHMS) {
      expect(a.description.length).toBeGreaterThan(80);
      expect(a.teachers.min).toBeLessThanOrEqual(a.teachers.max);
      const names = a.params.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(['learningRate', 'batchSize', 'imageSize']));
      for (const p of a.params) {
        expect(p.help.length, `${a.id}.${p.name}`).toBeGreaterThan(20);
        if (p.default !== null) {
          expect(p.default).toBeGreaterThanOrEqual(p.min);
          expect(p.default).toBeLessThanOrEqual(p.max);
          if (p.type === 'int') expect(Number.isInteger(p.default)).toBe(true);
        }
      }
    }
  });

  it('has the contract defaults', () => {
    const prune = resolveRefineryParams(refineryAlgorithm('auto_prune')!, {}, [model('m1')]);
    expect(prune).toEqual({ targetRatio: 0.5, steps: 3, epochsPerStep: 3, learningRate: 0.003, batchSize: 32, imageSize: 48 });
    const cfl = resolveRefineryParams(refineryAlgorithm('common_feature')!, { epochs: 2 }, [model('m1'), model('m2')]);
    expect(cfl).toMatchObject({ epochs: 2, temperature: 4, commonDim: 128, mmdWeight: 1, reconstructionWeight: 1 });
    expect(resolveRefineryParams(refineryAlgorithm('task_branch')!, { bogus: 3 }, [])).toEqual({
      epochs: 20,
      searchEpochs: 2,
      learningRate: 0.003,
      batchSize: 32,
      imageSize: 64,
    });
    expect(resolveRefineryParams(refineryAlgorithm('distill')!, null, [model('m1')])).toMatchObject({ ceWeight: 0, temperature: 4, epochs: 20 });
  });

  it('chooses the student architecture per algorithm', () => {
    const seg = model('s', { task: 'segmentation', arch: 'tiny_unet' });
    expect(resolveStudentArch(refineryAlgorithm('auto_prune')!, [model('m1', { arch: 'resnet18' })])).toBe('resnet18');
    expect(resolveStudentArch(refineryAlgorithm('distill')!, [seg])).toBe('tiny_unet');
    expect(resolveStudentArch(refineryAlgorithm('distill')!, [model('d', { task: 'depth', format: 'onnx' })])).toBe('tiny_unet_depth');
    expect(resolveStudentArch(refineryAlgorithm('distill')!, [model('m1')], 'resnet18')).toBe('resnet18');
    expect(resolveStudentArch(refineryAlgorithm('common_feature')!, [])).toBe('tiny_cnn');
    expect(resolveStudentArch(refineryAlgorithm('task_branch')!, [seg])).toBe('branch_unet_tiny');
    expect(resolveStudentArch(refineryAlgorithm('distill')!, [])).toBeNull();
  });
});

describe('validateRefineryTask', () => {
  it('accepts a valid request of every algorithm', () => {
    const seg = model('s', { task: 'segmentation', arch: 'tiny_unet', format: 'torchscript' });
    const depth = model('d', { task: 'depth', arch: 'unknown', format: 'onnx' });
    const l = lookups(model('m1'), model('m2', { format: 'weights', classes: ['b', 'c'] }), model('m3', { arch: 'resnet18' }), seg, depth);
    expect(validateRefineryTask(task({ algorithm: 'auto_prune', params: { targetRatio: 0.3 } }), l)).toEqual([]);
    expect(validateRefineryTask(task({ algorithm: 'distill', teacherIds: ['d'], studentArch: 'tiny_unet_depth' }), l)).toEqual([]);
    expect(validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['m1', 'm2'], visibility: 'public' }), l)).toEqual([]);
    expect(validateRefineryTask(task({ algorithm: 'common_feature', teacherIds: ['m1', 'm3'], studentArch: 'resnet18' }), l)).toEqual([]);
    expect(validateRefineryTask(task({ algorithm: 'task_branch', teacherIds: ['s', 'd'] }), l)).toEqual([]);
  });

  it('names the missing name, unknown algorithm and bad visibility', () => {
    const problems = validateRefineryTask(task({ name: '  ', algorithm: 'magic', visibility: 'everyone' }), lookups(model('m1')));
    expect(fields(problems)).toEqual(['name', 'visibility', 'algorithm']);
    expect(codes(problems)).toEqual(['name_missing', 'invalid_visibility', 'unknown_algorithm']);
    expect(problems[2]!.message).toContain('Unknown algorithm "magic"');
    expect(problems[2]!.params).toEqual({ name: 'magic', choices: ['auto_prune', 'distill', 'amalgamate', 'common_feature', 'task_branch'] });
    const long = validateRefineryTask(task({ name: 'x'.repeat(201) }), lookups(model('m1')))[0]!;
    expect(long.message).toContain('too long');
    expect(long).toMatchObject({ code: 'name_too_long', params: { max: 200 } });
  });

  it('checks the dataset: found, ready, with images', () => {
    const l = lookups(model('m1'));
    expect(validateRefineryTask(task({ datasetId: '' }), l)[0]).toEqual({
      field: 'datasetId',
      code: 'dataset_missing',
      params: {},
      message: 'Choose a dataset of images to train on.',
    });
    const gone = validateRefineryTask(task({ datasetId: 'nope' }), l)[0]!;
    expect(gone.message).toContain('not found');
    expect(gone).toMatchObject({ code: 'dataset_not_found', params: { datasetId: 'nope' } });
    const busy = validateRefineryTask(task({ datasetId: 'ds2' }), l)[0]!;
    expect(busy.message).toContain('not ready yet (it is validating)');
    expect(busy).toMatchObject({ code: 'dataset_not_ready', params: { dataset: 'Busy', status: 'validating' } });
    const empty = validateRefineryTask(task({ datasetId: 'ds3' }), l)[0]!;
    expect(empty.message).toContain('has no images');
    expect(empty).toMatchObject({ code: 'dataset_empty', params: { dataset: 'Empty' } });
  });

  it('counts teachers and refuses duplicates and unknown ones', () => {
    const l = lookups(model('m1'), model('m2'));
    expect(validateRefineryTask(task({ teacherIds: [] }), l)[0]).toEqual({
      field: 'teacherIds',
      code: 'teacher_count',
      params: { algorithm: 'distill', min: 1, max: 1, count: 0, variant: 'single' },
      message: 'Knowledge distillation needs exactly 1 teacher model; 0 were chosen.',
    });
    expect(validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['m1'] }), l)[0]).toMatchObject({
      params: { algorithm: 'amalgamate', min: 2, max: 8, count: 1, variant: 'one_chosen' },
      message: 'Layer-wise amalgamation needs 2 to 8 teacher models; 1 was chosen.',
    });
    expect(validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: [] }), l)[0]!.params).toEqual({ algorithm: 'amalgamate', min: 2, max: 8, count: 0 });
    const dup = validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['m1', 'm1', 'm2'] }), l);
    expect(dup).toContainEqual({
      field: 'teacherIds',
      code: 'teacher_duplicate',
      params: { modelId: 'm1' },
      message: 'Model m1 is chosen twice; each teacher can be used once.',
    });
    expect(validateRefineryTask(task({ teacherIds: ['zz'] }), l)[0]).toMatchObject({
      code: 'teacher_not_found',
      params: { modelId: 'zz' },
      message: 'Model zz was not found (or is not shared with you).',
    });
  });

  it('refuses teachers that are not ready', () => {
    const l = lookups(model('v', { status: 'validating' }), model('i', { status: 'invalid' }));
    const checking = validateRefineryTask(task({ teacherIds: ['v'] }), l)[0]!;
    expect(checking.message).toContain('still being checked');
    expect(checking).toMatchObject({ code: 'teacher_validating', params: { model: 'Model v' } });
    const failed = validateRefineryTask(task({ teacherIds: ['i'] }), l)[0]!;
    expect(failed.message).toContain('failed its check');
    expect(failed).toMatchObject({ code: 'teacher_invalid', params: { model: 'Model i' } });
  });

  it('refuses teachers of the wrong task', () => {
    const l = lookups(model('det', { task: 'detection', arch: 'tiny_det' }), model('dep', { task: 'depth', arch: 'tiny_unet_depth' }));
    expect(validateRefineryTask(task({ teacherIds: ['det'] }), l)[0]).toEqual({
      field: 'teacherIds',
      code: 'teacher_wrong_task',
      params: { model: 'Model det', task: 'detection', algorithm: 'distill', tasks: ['classification', 'segmentation', 'depth'] },
      message:
        'Model "Model det" is an object detection model; Knowledge distillation works with classification, segmentation or depth estimation models.',
    });
    const prune = validateRefineryTask(task({ algorithm: 'auto_prune', teacherIds: ['dep'] }), l);
    expect(prune[0]!.message).toContain('Automatic pruning works with classification or segmentation models');
  });

  it('refuses TorchScript and ONNX teachers where the network must be PyTorch, saying why', () => {
    const l = lookups(model('o', { format: 'onnx' }), model('t', { format: 'torchscript' }));
    const problems = validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['o', 't'] }), l);
    expect(fields(problems)).toEqual(['teacherIds', 'teacherIds']);
    expect(codes(problems)).toEqual(['teacher_wrong_format', 'teacher_wrong_format']);
    expect(problems[0]!.params).toEqual({ model: 'Model o', format: 'onnx', algorithm: 'amalgamate' });
    expect(problems[0]!.message).toMatch(/^Model "Model o" is ONNX and cannot be a teacher here\. This algorithm reaches inside the teacher network/);
    expect(problems[1]!.message).toContain('is TorchScript');
    expect(validateRefineryTask(task({ algorithm: 'auto_prune', teacherIds: ['o'] }), l)[0]!.message).toContain('Pruning removes channels');
    // Distillation takes any format.
    expect(validateRefineryTask(task({ teacherIds: ['o'] }), l)).toEqual([]);
  });

  it('needs one architecture for layer-wise amalgamation but not for common feature learning', () => {
    const l = lookups(model('a'), model('b', { arch: 'resnet18' }));
    const problems = validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['a', 'b'] }), l);
    expect(problems).toEqual([
      {
        field: 'teacherIds',
        code: 'teacher_arch_mismatch',
        params: { algorithm: 'amalgamate', archs: ['tiny_cnn', 'resnet18'] },
        message: 'Layer-wise amalgamation needs teachers of the same architecture; these have "tiny_cnn" and "resnet18".',
      },
    ]);
    expect(validateRefineryTask(task({ algorithm: 'common_feature', teacherIds: ['a', 'b'] }), l)).toEqual([]);
  });

  it('refuses PyTorch teachers whose architecture the trainer cannot rebuild', () => {
    const l = lookups(model('a', { arch: 'mystery' }), model('b', { arch: 'mystery' }));
    const problem = validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['a', 'b'] }), l)[0]!;
    expect(problem.message).toContain('cannot rebuild');
    expect(problem).toMatchObject({ code: 'teacher_not_rebuildable', params: { model: 'Model a', arch: 'mystery', algorithm: 'amalgamate' } });
  });

  it('checks the student architecture against the algorithm', () => {
    const l = lookups(model('m1'), model('s', { task: 'segmentation', arch: 'tiny_unet' }), model('d', { task: 'depth', arch: 'x', format: 'onnx' }));
    expect(validateRefineryTask(task({ studentArch: 'tiny_unet' }), l)[0]).toEqual({
      field: 'studentArch',
      code: 'unknown_student_arch',
      params: { name: 'tiny_unet', task: 'classification', choices: ['tiny_cnn', 'resnet18', 'mobilenet_v3_small', 'efficientnet_b0', 'resnet50'] },
      message:
        '"tiny_unet" is not a classification architecture; choose one of "tiny_cnn", "resnet18", "mobilenet_v3_small", "efficientnet_b0" or "resnet50".',
    });
    const kept = validateRefineryTask(task({ algorithm: 'auto_prune', studentArch: 'resnet18' }), l)[0]!;
    expect(kept.message).toContain('keeps the teachers');
    expect(kept).toMatchObject({ code: 'student_arch_teacher', params: { algorithm: 'auto_prune', arch: 'tiny_cnn' } });
    const fixed = validateRefineryTask(task({ algorithm: 'task_branch', teacherIds: ['s', 'd'], studentArch: 'tiny_unet' }), l)[0]!;
    expect(fixed.message).toContain('always builds a "branch_unet_tiny" model');
    expect(fixed).toMatchObject({ code: 'student_arch_fixed', params: { algorithm: 'task_branch', arch: 'branch_unet_tiny' } });
  });

  it('checks every parameter: known, numeric, whole where it must be, in range', () => {
    const problems = validateRefineryTask(
      task({ algorithm: 'auto_prune', params: { targetRatio: 0.99, steps: 2.5, epochsPerStep: '3', epochs: 5, batchSize: null } }),
      lookups(model('m1')),
    );
    expect(problems).toEqual([
      {
        field: 'params.targetRatio',
        code: 'param_out_of_range',
        params: { param: 'targetRatio', min: 0.05, max: 0.95, value: 0.99 },
        message: 'Size to keep must be between 0.05 and 0.95 (got 0.99).',
      },
      { field: 'params.steps', code: 'param_not_integer', params: { param: 'steps' }, message: 'Pruning steps must be a whole number.' },
      { field: 'params.epochsPerStep', code: 'param_not_number', params: { param: 'epochsPerStep' }, message: 'Retraining epochs per step must be a number.' },
      {
        field: 'params.epochs',
        code: 'unknown_param',
        params: { algorithm: 'auto_prune', name: 'epochs', choices: ['targetRatio', 'steps', 'epochsPerStep', 'learningRate', 'batchSize', 'imageSize'] },
        message: 'Automatic pruning has no parameter "epochs"; it has targetRatio, steps, epochsPerStep, learningRate, batchSize or imageSize.',
      },
    ]);
    expect(validateRefineryTask(task({ params: [] as unknown as Record<string, unknown> }), lookups(model('m1')))[0]).toMatchObject({
      field: 'params',
      code: 'params_not_object',
      params: {},
    });
  });

  it('gives every problem a catalogue code', () => {
    const l = lookups(model('m1'), model('o', { format: 'onnx' }));
    const problems = [
      ...validateRefineryTask(task({ name: '', algorithm: 'magic', visibility: 'x', datasetId: 'ds2' }), l),
      ...validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['o', 'o', 'zz'], studentArch: 'x', params: { nope: 1, epochs: 0 } }), l),
    ];
    expect(problems.length).toBeGreaterThan(5);
    for (const problem of problems) expect(REFINERY_PROBLEM_CODES, problem.message).toContain(problem.code);
  });
});
