/** Whole percent of an upload sent, 0..100; 0 while the total is unknown. */
export function uploadPercent(sent: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, Math.floor((sent / total) * 100)));
}
