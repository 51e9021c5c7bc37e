import { describe, expect, it } from 'vitest';
import { formatMetric } from './format-metric.ts';

describe('formatMetric', () => {
  it('shows PSNR in decibels and the fractions as percents', () => {
    expect(formatMetric('psnr', 28.437)).toBe('28.4 dB');
    expect(formatMetric('inputPsnr', 20)).toBe('20.0 dB');
    expect(formatMetric('mIoU', 0.7123)).toBe('71.2%');
    expect(formatMetric('cer', Number.NaN)).toBe('—');
  });
});
