import type { Locale } from '../i18n/dictionaries.ts';

/**
 * The language to show: the one the user chose (kept in localStorage), else Chinese for a browser
 * whose preferred language is any Chinese (zh, zh-TW, zh-Hans-CN …), else English.
 */
export function pickLocale(saved: string | null | undefined, browserLanguages: readonly string[]): Locale {
  if (saved === 'zh-CN' || saved === 'en') return saved;
  const first = browserLanguages[0]?.toLowerCase() ?? '';
  return first === 'zh' || first.startsWith('zh-') ? 'zh-CN' : 'en';
}
