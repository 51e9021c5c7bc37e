import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.ts';
import { interpolate } from './interpolate.ts';
import { labelProblemText } from './label-problem-text.ts';

const t = (key: keyof typeof en, params?: Record<string, string | number>) => interpolate(en[key], params);

describe('labelProblemText', () => {
  it('names the shape, counted from 1', () => {
    expect(labelProblemText({ code: 'box_outside', index: 1 }, t)).toContain('2');
    expect(labelProblemText({ code: 'empty_text', index: 0 }, t)).toContain('1');
  });

  it('names an unknown class', () => {
    expect(labelProblemText({ code: 'unknown_class', label: 'cow' }, t)).toContain('cow');
    expect(labelProblemText({ code: 'no_class' }, t)).not.toBe('');
    expect(labelProblemText({ code: 'empty_text', index: null }, t)).not.toBe('');
  });
});
