import { describe, expect, it } from 'vitest';
import { attachmentName } from './attachment-name.ts';

describe('attachmentName', () => {
  it('reads bare, quoted and extended file names', () => {
    expect(attachmentName('attachment; filename=Find-shapes-mdl_1.onnx', 'x')).toBe('Find-shapes-mdl_1.onnx');
    expect(attachmentName('attachment; filename="a b.onnx"; size=3', 'x')).toBe('a b.onnx');
    expect(attachmentName(`attachment; filename="fallback.onnx"; filename*=UTF-8''%E5%BD%A2.onnx`, 'x')).toBe('形.onnx');
  });
  it('keeps only the last path segment, and falls back when there is no usable name', () => {
    expect(attachmentName('attachment; filename="../../etc/passwd"', 'x')).toBe('passwd');
    expect(attachmentName('attachment; filename=".."', 'model.onnx')).toBe('model.onnx');
    expect(attachmentName('attachment', 'model.onnx')).toBe('model.onnx');
    expect(attachmentName(null, 'model.onnx')).toBe('model.onnx');
  });
});
