import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.ts';
import { interpolate } from './interpolate.ts';
import { ingestPhaseText } from './ingest-phase.ts';

const t = (key: keyof typeof en, params?: Record<string, string | number>) => interpolate(en[key], params);

describe('ingestPhaseText', () => {
  it('names each phase the server reports, with its count', () => {
    expect(ingestPhaseText({ phase: 'extract', done: 3, total: 10 }, t)).toBe('Unzipping: 3 of 10 files');
    expect(ingestPhaseText({ phase: 'check', done: 120, total: 240 }, t)).toBe('Checking images and labels: 120 of 240');
    expect(ingestPhaseText({ phase: 'store', done: 1, total: 2 }, t)).toBe('Storing the checked images: 1 of 2');
  });
  it('shows an unknown phase as it came', () => {
    expect(ingestPhaseText({ phase: 'dedupe', done: 1, total: 2 }, t)).toBe('dedupe: 1 / 2');
  });
});
