/**
 * A refinery request problem (the catalogue validator's, run live in the form, or the API's 400
 * `invalid_refinery_task`) in the user's language: the translation of `refinery.problem.<code>`,
 * with the catalogue's ids shown as the dictionaries name them (algorithm and parameter titles,
 * task titles, model formats, dataset statuses, the algorithm's format reason).
 */
import { dictionaries, isMessageKey, type MessageKey } from '../../i18n/dictionaries.ts';
import { taskTitle } from '../../utilities/task-title.ts';
import { algorithmKeys, paramTitleKey } from './catalogue-keys.ts';

export interface RefineryProblemLike {
  /**
   * The stable code (`teacher_count`, `param_out_of_range` …). Absent on a problem the form makes
   * itself, whose message is already in the user's language.
   */
  code?: string;
  /** The values the sentence fills in, by name; lists stay lists. Absent from an older server. */
  params?: Record<string, string | number | string[]>;
  /** The validator's English sentence. */
  message: string;
}

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** List params joined with "and" (the teachers' differing architectures); every other list is a choice. */
const AND_LISTS = new Set(['archs']);

/**
 * The problem's sentence in the user's language, or `refinery.problem.<code>.<variant>` when the
 * validator says which wording applies. The validator's English `message` is shown instead when
 * the code is unknown (a newer server) or a value the translation needs is missing (an algorithm or
 * parameter this web app has no title for), so the user never reads a raw `{placeholder}`.
 */
export function refineryProblemText(problem: RefineryProblemLike, t: Translate): string {
  if (problem.code === undefined) return problem.message;
  const params = problem.params ?? {};
  const variant = typeof params.variant === 'string' ? `.${params.variant}` : '';
  const key = `refinery.problem.${problem.code}${variant}`;
  if (!isMessageKey(key)) return problem.message;
  const filled = displayParams(params, t);
  // Every language uses the same placeholders (a dictionary test checks it): English says which.
  const needed = [...dictionaries.en[key].matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  if (!needed.every((name) => Object.hasOwn(filled, name))) return problem.message;
  return t(key, filled);
}

/** The params as the sentence shows them, plus `reason` (why the algorithm takes only some formats). */
function displayParams(params: NonNullable<RefineryProblemLike['params']>, t: Translate): Record<string, string | number> {
  const shown: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      const items = name === 'tasks' ? value.map((task) => taskTitle(task, undefined, t)) : value;
      shown[name] = list(items, AND_LISTS.has(name) ? 'refinery.list.and' : 'refinery.list.or', t);
    } else if (name === 'algorithm') {
      // Left out when unknown here, so the English message shows rather than a bare id.
      const title = algorithmKeys(String(value)).title;
      if (isMessageKey(title)) shown.algorithm = t(title);
    } else if (name === 'param') {
      const title = paramTitleKey(String(value));
      if (isMessageKey(title)) shown.param = t(title);
    } else if (name === 'task') {
      shown.task = taskTitle(String(value), undefined, t);
    } else if (name === 'format' || name === 'status') {
      // A model format and a dataset status read as the models and datasets pages name them.
      const label = `${name === 'format' ? 'models.format' : 'status'}.${String(value)}`;
      shown[name] = isMessageKey(label) ? t(label) : value;
    } else {
      shown[name] = value;
    }
  }
  if (typeof params.algorithm === 'string') {
    const reason = algorithmKeys(params.algorithm).formatReason;
    if (isMessageKey(reason)) shown.reason = t(reason);
  }
  return shown;
}

/** `"a", "b" or "c"` in the user's language. */
function list(items: readonly string[], joiner: 'refinery.list.and' | 'refinery.list.or', t: Translate): string {
  const quoted = items.map((item) => t('refinery.list.item', { item }));
  if (quoted.length <= 1) return quoted.join('');
  return t(joiner, { items: quoted.slice(0, -1).join(t('refinery.list.separator')), last: quoted[quoted.length - 1]! });
}
