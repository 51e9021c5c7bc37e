/**
 * What a user uses (GET /api/admin/users → `usage`), as short lines for the admin's table:
 * counts in the UI language's digits, stage time as hours and minutes, bundle storage in KB/MB/GB.
 */
import { formatBytes } from './format-bytes.ts';

export interface Usage {
  datasets: number;
  images: number;
  flowcharts: number;
  runs: number;
  activeRuns: number;
  models: number;
  publicThings: number;
  stageHours: number;
  bundleBytes: number;
}

export type UsageKey =
  | 'usage.data'
  | 'usage.runs'
  | 'usage.runsActive'
  | 'usage.models'
  | 'usage.modelsPublic'
  | 'usage.time'
  | 'usage.timeMinutes'
  | 'usage.nothing';

type Translate = (key: UsageKey, params?: Record<string, string | number>) => string;

/** Hours as whole hours and minutes, rounded to the minute: 2.5 → {h: 2, m: 30}, 0.01 → {h: 0, m: 1}. */
export function hoursAndMinutes(hours: number): { h: number; m: number } {
  const minutes = Math.max(0, Math.round(hours * 60));
  return { h: Math.floor(minutes / 60), m: minutes % 60 };
}

/** The lines to show for `usage`; one "nothing yet" line for a user who has made nothing. */
export function usageLines(usage: Usage, locale: string, t: Translate): string[] {
  const n = (value: number) => new Intl.NumberFormat(locale).format(value);
  const nothing = Object.values(usage).every((value) => value === 0);
  if (nothing) return [t('usage.nothing')];
  const { h, m } = hoursAndMinutes(usage.stageHours);
  return [
    t('usage.data', { datasets: n(usage.datasets), images: n(usage.images) }),
    usage.activeRuns > 0
      ? t('usage.runsActive', { flowcharts: n(usage.flowcharts), runs: n(usage.runs), active: n(usage.activeRuns) })
      : t('usage.runs', { flowcharts: n(usage.flowcharts), runs: n(usage.runs) }),
    usage.publicThings > 0
      ? t('usage.modelsPublic', { models: n(usage.models), shared: n(usage.publicThings) })
      : t('usage.models', { models: n(usage.models) }),
    h > 0
      ? t('usage.time', { h: n(h), m: n(m), size: formatBytes(usage.bundleBytes) })
      : t('usage.timeMinutes', { m: n(m), size: formatBytes(usage.bundleBytes) }),
  ];
}
