import { describe, expect, it } from 'vitest';
import { formatPercent } from './format-percent.ts';

describe('formatPercent', () => {
  it('formats a fraction as a whole or one-digit percent', () => {
    expect(formatPercent(0.913)).toBe('91%');
    expect(formatPercent(0.9137, 1)).toBe('91.4%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
  });
  it('never shows a perfect or a zero score that was not reached', () => {
    expect(formatPercent(0.998)).toBe('99%');
    expect(formatPercent(0.9999, 1)).toBe('99.9%');
    expect(formatPercent(0.001)).toBe('1%');
  });
  it('clamps and marks what is not a number', () => {
    expect(formatPercent(1.2)).toBe('100%');
    expect(formatPercent(-0.1)).toBe('0%');
    expect(formatPercent(Number.NaN)).toBe('—');
  });
});
