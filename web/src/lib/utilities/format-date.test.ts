import { describe, expect, it } from 'vitest';
import { formatDate } from './format-date.ts';

describe('formatDate', () => {
  it('formats in the UI language', () => {
    const iso = '2026-11-26T09:30:00.000Z';
    expect(formatDate(iso, 'en', 'UTC')).toBe('Nov 26, 2026, 9:30 AM');
    expect(formatDate(iso, 'zh-CN', 'UTC')).toBe('2026年11月26日 09:30');
  });
  it('passes through what it cannot read', () => {
    expect(formatDate('not a date', 'en')).toBe('not a date');
  });
});
