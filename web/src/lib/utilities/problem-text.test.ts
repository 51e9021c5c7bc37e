import { describe, expect, it } from 'vitest';
// Node-only package (sharp, yauzl): imported by this test, never by the web bundle.
import { PROBLEM_CODES, checkEntryName, parseLabelText } from '@aip/datasets-spec';
import { LOCALES, dictionaries, type MessageKey } from '../i18n/dictionaries.ts';
import { interpolate } from './interpolate.ts';
import { problemText } from './problem-text.ts';

const translator = (locale: (typeof LOCALES)[number]) => (key: MessageKey, params?: Record<string, string | number>) =>
  interpolate(dictionaries[locale][key], params);
const zh = translator('zh-CN');
const en = translator('en');

describe('problemText', () => {
  it('translates a known code with its params', () => {
    const problem = {
      code: 'label_count_mismatch',
      params: { image: 'a.png', declared: 3, found: 2 },
      message: 'The number of objects for a.png is given as 3, but 2 object lines follow.',
    };
    expect(problemText(problem, zh)).toBe('a.png 的目标数量写的是 3，但后面跟着 2 行目标。请让数量与目标行数一致。');
    expect(problemText(problem, en)).toBe('The number of objects for a.png is given as 3, but the object lines that follow number 2.');
  });

  it('translates codes without params', () => {
    expect(problemText({ code: 'zip_empty', message: 'The zip holds no files.' }, zh)).toBe(dictionaries['zh-CN']['dataset.problem.zip_empty']);
  });

  it('falls back to the English message for unknown or missing codes and missing params', () => {
    expect(problemText({ code: 'something_new', message: 'A newer check.' }, zh)).toBe('A newer check.');
    expect(problemText({ message: 'Stored before codes.' }, zh)).toBe('Stored before codes.');
    expect(problemText({ code: 'single_class', message: 'Only one class was found (cat).' }, zh)).toBe('Only one class was found (cat).');
  });

  it('reads in English as the server says it', () => {
    const text = ['a.png,10,10', '1', '1,x,5,5,cat', 'b.png,10,10', 'two', 'what is this'].join('\n');
    for (const problem of parseLabelText(text).problems) expect(problemText(problem, en)).toBe(problem.message);
    for (const name of ['/etc/passwd', 'C:\\x.dll']) {
      const checked = checkEntryName(name);
      if (!('refusal' in checked)) throw new Error(`${name} should be refused`);
      expect(problemText({ code: checked.code, message: `Refused: ${checked.refusal}.` }, en)).toBe(`Refused: ${checked.refusal}.`);
    }
  });
});

describe('dataset problem dictionary', () => {
  it('translates every code of the datasets-spec catalogue, in every language', () => {
    for (const locale of LOCALES) {
      const missing = PROBLEM_CODES.filter((code) => !Object.hasOwn(dictionaries[locale], `dataset.problem.${code}`));
      expect(missing, locale).toEqual([]);
    }
  });

  it('has no key for a code the catalogue does not know', () => {
    const codes = new Set<string>(PROBLEM_CODES);
    const stale = Object.keys(dictionaries.en).filter((key) => key.startsWith('dataset.problem.') && !codes.has(key.slice('dataset.problem.'.length)));
    expect(stale).toEqual([]);
  });
});
