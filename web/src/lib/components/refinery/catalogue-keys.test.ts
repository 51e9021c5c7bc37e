import { describe, expect, it } from 'vitest';
import { REFINERY_ALGORITHMS } from '@aip/workflows';
import { dictionaries, isMessageKey, LOCALES } from '../../i18n/dictionaries.ts';
import { algorithmKeys, paramHelpKeys, paramTitleKey } from './catalogue-keys.ts';

/** The English entry the page shows for these keys (the first that exists), else undefined. */
const english = (keys: readonly string[]) => {
  const key = keys.find(isMessageKey);
  return key ? dictionaries.en[key] : undefined;
};

describe('refinery catalogue texts in the dictionaries', () => {
  // A failure here means the catalogue (workflows/src/refinery/algorithms.ts) changed: copy the new
  // English into en.ts and translate it in zh-CN.ts.
  it('are the catalogue’s own English words, for every algorithm and parameter', () => {
    for (const algorithm of REFINERY_ALGORITHMS) {
      const keys = algorithmKeys(algorithm.id);
      expect(english([keys.title]), keys.title).toBe(algorithm.title);
      expect(english([keys.description]), keys.description).toBe(algorithm.description);
      if (algorithm.teachers.formatReason !== null) expect(english([keys.formatReason]), keys.formatReason).toBe(algorithm.teachers.formatReason);
      for (const param of algorithm.params) {
        expect(english([paramTitleKey(param.name)]), `${algorithm.id} ${param.name} title`).toBe(param.title);
        expect(english(paramHelpKeys(algorithm.id, param.name)), `${algorithm.id} ${param.name} help`).toBe(param.help);
      }
    }
  });

  it('are translated: no language shows the English text of a catalogue key', () => {
    const keys = Object.keys(dictionaries.en).filter((key) => /^refinery\.(algorithm|param|formatReason)\./.test(key));
    expect(keys.length).toBeGreaterThan(20);
    for (const locale of LOCALES.filter((l) => l !== 'en')) {
      for (const key of keys) expect(dictionaries[locale][key as keyof typeof dictionaries.en], `${locale} ${key}`).not.toBe(dictionaries.en[key as keyof typeof dictionaries.en]);
    }
  });
});
