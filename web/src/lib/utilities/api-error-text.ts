import { isMessageKey, type MessageKey } from '../i18n/dictionaries.ts';

/** What the UI knows of a failed API call: the error body's code and message, or a network failure. */
export interface ApiFailureInfo {
  status: number;
  /** The API's `error.code` (`not_found`, `payload_too_large` …), or `network` when nothing answered. */
  code: string;
  /** The server's sentence (English), shown when the code has no translation. */
  message: string;
  /** What the server listed as wrong (an invalid flowchart's problems …), when it did. */
  problems?: unknown[];
}

/**
 * The text to show for a failed call, in the user's language: the translation of a known error
 * code, else the server's own message (which names the file, field or limit), else a generic line.
 * `bad_request` is deliberately not translated: its message carries the specifics.
 */
export function apiErrorText(
  failure: ApiFailureInfo,
  t: (key: MessageKey, params?: Record<string, string | number>) => string,
): string {
  const key = `error.${failure.code}`;
  if (failure.code !== 'bad_request' && isMessageKey(key)) return t(key);
  if (failure.message.trim() !== '') return failure.message;
  return t('error.unexpected', { status: failure.status });
}
