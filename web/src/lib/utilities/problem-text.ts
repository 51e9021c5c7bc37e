import { dictionaries, isMessageKey, type MessageKey } from '../i18n/dictionaries.ts';

/** A dataset validation problem as the API sends it (the file and line are shown in their own columns). */
export interface ProblemLike {
  /** The stable code (`label_count_mismatch`, `zip_slip` …); absent on problems stored before codes existed. */
  code?: string;
  /** The values the sentence fills in, by name. */
  params?: Record<string, string | number>;
  /** The server's English sentence. */
  message: string;
}

/**
 * The problem's sentence in the user's language: the translation of `dataset.problem.<code>` with
 * its params filled in. The server's English `message` is shown instead when the code is unknown
 * (a newer server) or a value the translation needs is missing, so the user never reads a raw
 * `{placeholder}`.
 */
export function problemText(
  problem: ProblemLike,
  t: (key: MessageKey, params?: Record<string, string | number>) => string,
): string {
  const key = `dataset.problem.${problem.code}`;
  if (problem.code === undefined || !isMessageKey(key)) return problem.message;
  const params = problem.params ?? {};
  // Every language uses the same placeholders (a dictionary test checks it): English says which.
  const needed = [...dictionaries.en[key].matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  if (!needed.every((name) => Object.hasOwn(params, name))) return problem.message;
  return t(key, params);
}
