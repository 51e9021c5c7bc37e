export interface HistogramBar {
  label: string;
  count: number;
  /** Share of the largest count, 0..1 (the longest bar is 1). */
  fraction: number;
}

/**
 * Bars for a class histogram, largest count first (ties by name), each scaled to the largest.
 * Non-numeric counts (a malformed stats object) count as 0 rather than breaking the page.
 */
export function histogramBars(counts: Record<string, unknown> | null | undefined): HistogramBar[] {
  const entries = Object.entries(counts ?? {}).map(([label, value]) => ({
    label,
    count: typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0,
  }));
  const max = Math.max(0, ...entries.map((e) => e.count));
  return entries
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
    .map((e) => ({ ...e, fraction: max > 0 ? e.count / max : 0 }));
}
