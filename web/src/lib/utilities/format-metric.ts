import { formatPercent } from './format-percent.ts';

/** Metrics measured in decibels (PSNR); every other metric is a 0..1 fraction shown as a percent. */
const DECIBELS = new Set(['psnr', 'inputPsnr']);

/** Whether the metric is a 0..1 fraction (charts then span 0 to 100%). */
export function isFraction(name: string): boolean {
  return !DECIBELS.has(name);
}

/** A metric's value as people read it: "28.4 dB" for PSNR, "91.3%" for the fractions. */
export function formatMetric(name: string, value: number): string {
  if (!Number.isFinite(value)) return '—';
  return isFraction(name) ? formatPercent(value, 1) : `${value.toFixed(1)} dB`;
}
