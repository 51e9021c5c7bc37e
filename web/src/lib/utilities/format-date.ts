import type { Locale } from '../i18n/dictionaries.ts';

/** An ISO timestamp as a short local date and time in the UI language ("2026/11/26 09:30"). */
export function formatDate(iso: string, locale: Locale, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}
