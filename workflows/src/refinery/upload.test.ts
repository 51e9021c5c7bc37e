import { describe, expect, it } from 'vitest';
import { flowchartUseProblem, parseClassList, parseModelUploadFields, uploadFileProblem } from './upload.ts';

const good = {
  name: ' Segmenter ',
  format: 'onnx',
  task: 'segmentation',
  classes: '["road", "car"]',
  inputHeight: '256',
  inputWidth: '320',
  colorSpace: 'BGR',
  valueRange: '0-1',
  mean: '0.485, 0.456,0.406',
  std: '0.229,0.224,0.225',
  visibility: 'public',
};

describe('model upload fields', () => {
  it('parses a complete form', () => {
    expect(parseModelUploadFields(good)).toEqual({
      problems: [],
      upload: {
        name: 'Segmenter',
        format: 'onnx',
        task: 'segmentation',
        arch: 'onnx',
        classes: ['road', 'car'],
        input: { size: [256, 320], colorSpace: 'BGR', range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
        visibility: 'public',
      },
    });
  });

  it('defaults colour order, range and visibility, and reads one class per line', () => {
    const { upload } = parseModelUploadFields({ name: 'c', format: 'weights', task: 'classification', arch: 'resnet18', classes: 'cat\r\n dog \n\n', inputHeight: '224', inputWidth: '224' });
    expect(upload).toMatchObject({ arch: 'resnet18', classes: ['cat', 'dog'], input: { colorSpace: 'RGB', range: [0, 255], mean: null, std: null }, visibility: 'private' });
    expect(parseClassList('')).toEqual([]);
    expect(parseClassList('[1, 2]')).toBeNull();
  });

  it('names every bad field, with what to do', () => {
    const { problems } = parseModelUploadFields({ format: 'weights', task: 'depth', arch: 'tiny_cnn', classes: 'x', inputHeight: '5000', inputWidth: '64', mean: '1,2,3', valueRange: '0-100', visibility: 'friends' });
    expect(problems).toEqual([
      { field: 'name', message: 'Give the model a name.' },
      { field: 'arch', message: '"tiny_cnn" is not a depth architecture of the platform: choose one of tiny_unet_depth.' },
      { field: 'classes', message: 'A depth model has no classes; leave the field empty.' },
      { field: 'inputHeight', message: 'The input height must be a whole number of pixels from 8 to 4096.' },
      { field: 'valueRange', message: 'The pixel value range must be 0-255 or 0-1.' },
      { field: 'std', message: 'Give both the mean and the standard deviation, or neither.' },
      { field: 'visibility', message: 'Visibility must be private or public.' },
    ]);
    const classes = parseModelUploadFields({ ...good, task: 'classification', classes: 'a\na' }).problems.map((p) => p.message);
    expect(classes).toEqual(['Each class name can appear only once.']);
    expect(parseModelUploadFields({ ...good, task: 'classification', classes: 'a' }).problems[0]!.message).toBe(
      'A classifier needs at least 2 classes, in the order of its outputs.',
    );
    expect(parseModelUploadFields({ ...good, std: '1,0,1' }).problems).toEqual([{ field: 'std', message: 'Each standard deviation must be above 0.' }]);
  });

  it('refuses files that would run code, and files of another format', () => {
    expect(uploadFileProblem('weights', 'net.pth')).toBeNull();
    expect(uploadFileProblem('weights', 'net.pkl')).toContain('would run the uploader');
    expect(uploadFileProblem('torchscript', 'hubconf.py')).toContain('would run the uploader');
    expect(uploadFileProblem('onnx', 'net.pt')).toBe('An ONNX file must end in .onnx; "net.pt" does not.');
  });

  it('says why flowcharts cannot use a model', () => {
    expect(flowchartUseProblem({ name: 'm', status: 'ready', format: 'weights' })).toBeNull();
    expect(flowchartUseProblem({ name: 'm', status: 'validating', format: 'weights' })).toContain('still being checked');
    expect(flowchartUseProblem({ name: 'm', status: 'invalid', format: 'aip' })).toContain('failed its check');
    expect(flowchartUseProblem({ name: 'm', status: 'ready', format: 'torchscript' })).toContain('is a TorchScript upload');
  });
});
