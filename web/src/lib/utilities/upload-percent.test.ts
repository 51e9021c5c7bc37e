import { describe, expect, it } from 'vitest';
import { uploadPercent } from './upload-percent.ts';

describe('uploadPercent', () => {
  it('rounds down so 100% means everything was sent', () => {
    expect(uploadPercent(999, 1000)).toBe(99);
    expect(uploadPercent(1000, 1000)).toBe(100);
  });
  it('is 0 for an unknown total and clamps overshoot', () => {
    expect(uploadPercent(10, 0)).toBe(0);
    expect(uploadPercent(2000, 1000)).toBe(100);
  });
});
