/** A 0..1 fraction as a percent: 0.913 → "91%", or "91.3%" with one digit; "—" when not a number. */
export function formatPercent(fraction: number, digits = 0): string {
  if (!Number.isFinite(fraction)) return '—';
  const percent = Math.min(100, Math.max(0, fraction * 100));
  // Never round up to a perfect score that was not reached, nor down to 0 from a positive one.
  const factor = 10 ** digits;
  let rounded = Math.round(percent * factor) / factor;
  if (rounded === 100 && percent < 100) rounded = 100 - 1 / factor;
  if (rounded === 0 && percent > 0) rounded = 1 / factor;
  return `${rounded.toFixed(digits)}%`;
}
