import { describe, expect, it } from 'vitest';
import { REFINERY_ALGORITHMS, refineryAlgorithm } from './algorithms.ts';
import {
  type RefineryLookups,
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
    expect(problems[2]!.message).toContain('Unknown algorithm "magic"');
    expect(validateRefineryTask(task({ name: 'x'.repeat(201) }), lookups(model('m1')))[0]!.message).toContain('too long');
  });

  it('checks the dataset: found, ready, with images', () => {
    const l = lookups(model('m1'));
    expect(validateRefineryTask(task({ datasetId: '' }), l)[0]).toEqual({ field: 'datasetId', message: 'Choose a dataset of images to train on.' });
    expect(validateRefineryTask(task({ datasetId: 'nope' }), l)[0]!.message).toContain('not found');
    expect(validateRefineryTask(task({ datasetId: 'ds2' }), l)[0]!.message).toContain('not ready yet (it is validating)');
    expect(validateRefineryTask(task({ datasetId: 'ds3' }), l)[0]!.message).toContain('has no images');
  });

  it('counts teachers and refuses duplicates and unknown ones', () => {
    const l = lookups(model('m1'), model('m2'));
    expect(validateRefineryTask(task({ teacherIds: [] }), l)[0]!.message).toBe('Knowledge distillation needs exactly 1 teacher model; 0 were chosen.');
    expect(validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['m1'] }), l)[0]!.message).toBe(
      'Layer-wise amalgamation needs 2 to 8 teacher models; 1 was chosen.',
    );
    const dup = validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['m1', 'm1', 'm2'] }), l);
    expect(dup.map((p) => p.message)).toContain('Model m1 is chosen twice; each teacher can be used once.');
    expect(validateRefineryTask(task({ teacherIds: ['zz'] }), l)[0]!.message).toBe('Model zz was not found (or is not shared with you).');
  });

  it('refuses teachers that are not ready', () => {
    const l = lookups(model('v', { status: 'validating' }), model('i', { status: 'invalid' }));
    expect(validateRefineryTask(task({ teacherIds: ['v'] }), l)[0]!.message).toContain('still being checked');
    expect(validateRefineryTask(task({ teacherIds: ['i'] }), l)[0]!.message).toContain('failed its check');
  });

  it('refuses teachers of the wrong task', () => {
    const l = lookups(model('det', { task: 'detection', arch: 'tiny_det' }), model('dep', { task: 'depth', arch: 'tiny_unet_depth' }));
    expect(validateRefineryTask(task({ teacherIds: ['det'] }), l)[0]!.message).toBe(
      'Model "Model det" is an object detection model; Knowledge distillation works with classification, segmentation or depth estimation models.',
    );
    const prune = validateRefineryTask(task({ algorithm: 'auto_prune', teacherIds: ['dep'] }), l);
    expect(prune[0]!.message).toContain('Automatic pruning works with classification or segmentation models');
  });

  it('refuses TorchScript and ONNX teachers where the network must be PyTorch, saying why', () => {
    const l = lookups(model('o', { format: 'onnx' }), model('t', { format: 'torchscript' }));
    const problems = validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['o', 't'] }), l);
    expect(fields(problems)).toEqual(['teacherIds', 'teacherIds']);
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
      { field: 'teacherIds', message: 'Layer-wise amalgamation needs teachers of the same architecture; these have "tiny_cnn" and "resnet18".' },
    ]);
    expect(validateRefineryTask(task({ algorithm: 'common_feature', teacherIds: ['a', 'b'] }), l)).toEqual([]);
  });

  it('refuses PyTorch teachers whose architecture the trainer cannot rebuild', () => {
    const l = lookups(model('a', { arch: 'mystery' }), model('b', { arch: 'mystery' }));
    expect(validateRefineryTask(task({ algorithm: 'amalgamate', teacherIds: ['a', 'b'] }), l)[0]!.message).toContain('cannot rebuild');
  });

  it('checks the student architecture against the algorithm', () => {
    const l = lookups(model('m1'), model('s', { task: 'segmentation', arch: 'tiny_unet' }), model('d', { task: 'depth', arch: 'x', format: 'onnx' }));
    expect(validateRefineryTask(task({ studentArch: 'tiny_unet' }), l)[0]).toEqual({
      field: 'studentArch',
      message:
        '"tiny_unet" is not a classification architecture; choose one of "tiny_cnn", "resnet18", "mobilenet_v3_small", "efficientnet_b0" or "resnet50".',
    });
    expect(validateRefineryTask(task({ algorithm: 'auto_prune', studentArch: 'resnet18' }), l)[0]!.message).toContain('keeps the teachers');
    expect(validateRefineryTask(task({ algorithm: 'task_branch', teacherIds: ['s', 'd'], studentArch: 'tiny_unet' }), l)[0]!.message).toContain(
      'always builds a "branch_unet_tiny" model',
    );
  });

  it('checks every parameter: known, numeric, whole where it must be, in range', () => {
    const problems = validateRefineryTask(
      task({ algorithm: 'auto_prune', params: { targetRatio: 0.99, steps: 2.5, epochsPerStep: '3', epochs: 5, batchSize: null } }),
      lookups(model('m1')),
    );
    expect(problems).toEqual([
      { field: 'params.targetRatio', message: 'Size to keep must be between 0.05 and 0.95 (got 0.99).' },
      { field: 'params.steps', message: 'Pruning steps must be a whole number.' },
      { field: 'params.epochsPerStep', message: 'Retraining epochs per step must be a number.' },
      {
        field: 'params.epochs',
        message: 'Automatic pruning has no parameter "epochs"; it has targetRatio, steps, epochsPerStep, learningRate, batchSize or imageSize.',
      },
    ]);
    expect(validateRefineryTask(task({ params: [] as unknown as Record<string, unknown> }), lookups(model('m1')))[0]!.field).toBe('params');
  });
});
