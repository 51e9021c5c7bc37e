import { isMessageKey, type MessageKey } from '../i18n/dictionaries.ts';

/**
 * The server-side check of an upload in words: which phase (unzipping, checking images and labels,
 * storing) and how far, e.g. "Checking images and labels: 120 of 240".
 */
export function ingestPhaseText(
  progress: { phase: string; done: number; total: number },
  t: (key: MessageKey, params?: Record<string, string | number>) => string,
): string {
  const key = `datasets.upload.phase.${progress.phase}`;
  return isMessageKey(key) ? t(key, { done: progress.done, total: progress.total }) : `${progress.phase}: ${progress.done} / ${progress.total}`;
}
