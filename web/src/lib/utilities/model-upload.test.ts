import { describe, expect, it } from 'vitest';
import { parseModelUploadFields, uploadFileProblem, type ModelUploadFields as ServerFields } from '@aip/workflows';
import {
  parseClassList,
  parseSide,
  parseTriple,
  taskHasClasses,
  uploadFormData,
  uploadProblems,
  type ModelUploadFields,
} from './model-upload.ts';

const fields = (patch: Partial<ModelUploadFields> = {}): ModelUploadFields => ({
  name: 'digits',
  format: 'weights',
  task: 'classification',
  arch: 'tiny_cnn',
  classes: 'zero\none\n',
  inputHeight: '32',
  inputWidth: '32',
  colorSpace: 'RGB',
  valueRange: '0-255',
  mean: '',
  std: '',
  visibility: 'private',
  ...patch,
});

const codes = (patch: Partial<ModelUploadFields>, file: { name: string } | null = { name: 'm.pt' }) =>
  uploadProblems(fields(patch), file).map((p) => `${p.field}:${p.code}`);

describe('model upload form', () => {
  it('parses classes one per line or comma-separated, dropping blanks', () => {
    expect(parseClassList(' cat \n\n dog,bird\n')).toEqual(['cat', 'dog', 'bird']);
    expect(parseClassList('  ')).toEqual([]);
  });

  it('parses mean/std as exactly three numbers, empty as none', () => {
    expect(parseTriple('0.485, 0.456,0.406')).toEqual([0.485, 0.456, 0.406]);
    expect(parseTriple('1 2 3')).toEqual([1, 2, 3]);
    expect(parseTriple('  ')).toBeNull();
    expect(parseTriple('1,2')).toBe('invalid');
    expect(parseTriple('1,2,x')).toBe('invalid');
    expect(parseTriple('1,2,3,4')).toBe('invalid');
  });

  it('accepts whole input sides within the limits only', () => {
    expect(parseSide('224')).toBe(224);
    expect(parseSide('4')).toBeNull();
    expect(parseSide('22.5')).toBeNull();
    expect(parseSide('')).toBeNull();
    expect(parseSide('99999')).toBeNull();
  });

  it('finds nothing wrong with a complete form', () => {
    expect(codes({})).toEqual([]);
    expect(codes({ format: 'onnx', arch: '' }, { name: 'model.ONNX' })).toEqual([]);
    expect(codes({ task: 'depth', classes: '', arch: 'tiny_unet_depth' })).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(codes({ name: ' ' })).toEqual(['name:nameMissing']);
    expect(codes({ arch: '' })).toEqual(['arch:archMissing']);
    expect(codes({ task: 'depth', classes: '' })).toEqual(['arch:archOfOtherTask']);
    expect(codes({ classes: '\n' })).toEqual(['classes:classesMissing']);
    expect(codes({ classes: 'a\nb\na' })).toEqual(['classes:classesDuplicate']);
    expect(codes({ inputHeight: '0', inputWidth: 'abc' })).toEqual(['inputHeight:sideInvalid', 'inputWidth:sideInvalid']);
    expect(codes({ mean: '1,2', std: '1,0,1' })).toEqual(['mean:tripleInvalid', 'std:stdNotPositive']);
    expect(codes({ mean: '0.5,0.5,0.5' })).toEqual(['std:meanStdPair']);
    expect(codes({ std: '0.5,0.5,0.5' })).toEqual(['mean:meanStdPair']);
    expect(codes({ classes: 'only' })).toEqual(['classes:classesTooFew']);
    expect(codes({ task: 'segmentation', classes: 'only', arch: 'tiny_unet' })).toEqual([]);
    expect(codes({}, null)).toEqual(['file:fileMissing']);
    expect(codes({ format: 'onnx' }, { name: 'model.pt' })).toEqual(['file:fileExtension']);
    expect(codes({ format: 'weights' }, { name: 'model.onnx' })).toEqual(['file:fileExtension']);
  });

  it('knows which tasks declare classes', () => {
    expect(taskHasClasses('classification')).toBe(true);
    expect(taskHasClasses('segmentation')).toBe(true);
    expect(taskHasClasses('depth')).toBe(false);
  });

  it('sends the fields the API names, the file last, leaving out what does not apply', () => {
    const file = new File([new Uint8Array([1, 2, 3])], 'm.pt');
    const form = uploadFormData(fields({ mean: '0.5 0.5 0.5', std: '0.25,0.25,0.25', name: ' digits ' }), file);
    // The server reads "a,b,c" (commas only): spaces typed by the user are normalized.
    const keys = [...form.keys()];
    expect(keys.at(-1)).toBe('file');
    expect(Object.fromEntries([...form.entries()].filter(([key]) => key !== 'file'))).toEqual({
      name: 'digits',
      format: 'weights',
      task: 'classification',
      arch: 'tiny_cnn',
      classes: '["zero","one"]',
      inputHeight: '32',
      inputWidth: '32',
      colorSpace: 'RGB',
      valueRange: '0-255',
      mean: '0.5,0.5,0.5',
      std: '0.25,0.25,0.25',
      visibility: 'private',
    });
    const onnx = uploadFormData(fields({ format: 'onnx', task: 'depth' }), new File([], 'd.onnx'));
    expect(onnx.has('arch')).toBe(false);
    expect(onnx.has('classes')).toBe(false);
    expect(onnx.has('mean')).toBe(false);
  });

  it('agrees with the API’s own check of the body it sends: the same fields are wrong, and a clean form is accepted', () => {
    const cases: Partial<ModelUploadFields>[] = [
      {},
      { format: 'onnx', arch: '' },
      { format: 'torchscript' },
      { task: 'depth', classes: '' },
      { task: 'depth', classes: '', arch: 'tiny_unet_depth' },
      { task: 'segmentation', classes: 'road', arch: 'tiny_unet' },
      { mean: '0.5, 0.5, 0.5', std: '0.2 0.2 0.2', valueRange: '0-1', colorSpace: 'BGR' },
      { name: ' ' },
      { classes: 'only' },
      { classes: 'a\nb\na' },
      { inputHeight: '4', inputWidth: '5000' },
      { mean: '1,2' },
      { std: '1,0,1', mean: '1,1,1' },
      { mean: '0.5,0.5,0.5' },
      { visibility: 'public' },
    ];
    for (const patch of cases) {
      const filled = fields(patch);
      const body = uploadFormData(filled, new File([], 'm.pt'));
      const sent = Object.fromEntries([...body.entries()].filter(([key]) => key !== 'file')) as ServerFields;
      // Fields the form leaves out when they do not apply are what the server reads as empty.
      const server = parseModelUploadFields(sent).problems.map((p) => p.field);
      if (uploadFileProblem(filled.format, 'm.pt')) server.push('file');
      const client = uploadProblems(filled, { name: 'm.pt' }).map((p) => p.field);
      expect([...new Set(client)].sort(), JSON.stringify(patch)).toEqual([...new Set(server)].sort());
    }
  });
});
