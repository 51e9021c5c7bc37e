/**
 * The UI language: chosen in the header and kept in localStorage; the first visit follows the
 * browser (any Chinese → 简体中文). `t()` reads the current language, so text re-renders on a switch.
 */
import { dictionaries, LOCALES, type Locale, type MessageKey } from '../i18n/dictionaries.ts';
import { interpolate } from '../utilities/interpolate.ts';
import { pickLocale } from '../utilities/pick-locale.ts';

const STORAGE_KEY = 'aip.locale';

class I18n {
  locale = $state<Locale>('zh-CN');

  constructor() {
    if (typeof window !== 'undefined') {
      this.locale = pickLocale(localStorage.getItem(STORAGE_KEY), navigator.languages ?? [navigator.language]);
      document.documentElement.lang = this.locale;
    }
  }

  set(locale: Locale): void {
    if (!LOCALES.includes(locale)) return;
    this.locale = locale;
    localStorage.setItem(STORAGE_KEY, locale);
    document.documentElement.lang = locale;
  }
}

export const i18n = new I18n();

/** The text of `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return interpolate(dictionaries[i18n.locale][key], params);
}
