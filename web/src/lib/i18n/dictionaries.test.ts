import { describe, expect, it } from 'vitest';
import { LOCALES, dictionaries } from './dictionaries.ts';

describe('i18n dictionaries', () => {
  it('have exactly the same keys in every language', () => {
    const [first, ...rest] = LOCALES.map((locale) => Object.keys(dictionaries[locale]).sort());
    for (const keys of rest) expect(keys).toEqual(first);
  });

  it('have no empty strings and the same {parameters} in every language', () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(dictionaries[locale])) {
        expect(text.trim(), `${locale} ${key}`).not.toBe('');
        const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(params(text), `${locale} ${key}`).toEqual(params(dictionaries.en[key as keyof typeof dictionaries.en]));
      }
    }
  });
});
