import { dictionaries, isMessageKey, type MessageKey } from '../i18n/dictionaries.ts';
import { taskTitle } from './task-title.ts';

/** A flowchart validation problem as the validator (in the browser) or the API reports it. */
export interface FlowchartProblemLike {
  /** The stable code (`missing_input`, `cycle` …). */
  code: string;
  /** The values the sentence fills in, by name; lists stay lists. Absent from an older server. */
  params?: Record<string, string | number | string[]>;
  /** The validator's English sentence. */
  message: string;
}

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Params that hold a task id (shown as the task's translated title). */
const TASK_PARAMS = new Set(['task', 'modelTask', 'sourceTask']);
/** List params that hold task ids. */
const TASK_LIST_PARAMS = new Set(['feeds']);
/** Lists are cut short after this many items, as the validator's English does. */
const LIST_SHOWN = 8;

/**
 * The problem's sentence in the user's language: the translation of `flowchart.problem.<code>`
 * (or `flowchart.problem.<code>.<variant>`, when the validator says which wording applies) with
 * its params filled in — task ids as translated task titles, lists joined the language's way.
 * The validator's English `message` is shown instead when the code is unknown (a newer server) or
 * a value the translation needs is missing, so the user never reads a raw `{placeholder}`.
 */
export function flowchartProblemText(problem: FlowchartProblemLike, t: Translate): string {
  const params = problem.params ?? {};
  const variant = typeof params.variant === 'string' ? `.${params.variant}` : '';
  const key = `flowchart.problem.${problem.code}${variant}`;
  if (!isMessageKey(key)) return problem.message;
  const filled = displayParams(params, t);
  // Every language uses the same placeholders (a dictionary test checks it): English says which.
  const needed = [...dictionaries.en[key].matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  if (!needed.every((name) => Object.hasOwn(filled, name))) return problem.message;
  return t(key, filled);
}

/** The params as the sentence shows them, plus `where` (which box) and `requirement` (what a setting must be). */
function displayParams(params: NonNullable<FlowchartProblemLike['params']>, t: Translate): Record<string, string | number> {
  const shown: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      if (name === 'loop') shown[name] = value.map((item) => t('flowchart.list.item', { item })).join(' → ');
      else shown[name] = list(TASK_LIST_PARAMS.has(name) ? value.map((task) => taskTitle(task, undefined, t)) : value, t);
    } else if (TASK_PARAMS.has(name)) {
      shown[name] = taskTitle(String(value), undefined, t);
    } else {
      shown[name] = value;
    }
  }
  const { node, box, setting, status, format } = params;
  if (typeof node === 'string' && (box === 'dataset' || box === 'stage')) shown.where = t(`flowchart.where.${box}`, { node });
  if (typeof setting === 'string') {
    // A setting is named as its field in the side panel, where there is one.
    const label = `panel.${setting}`;
    if (isMessageKey(label)) shown.setting = t(label);
    const requirement = `flowchart.setting.${setting}`;
    if (isMessageKey(requirement)) shown.requirement = t(requirement);
  }
  // A dataset's status and format read as the datasets page names them.
  const statusKey = `status.${String(status)}`;
  if (typeof status === 'string' && isMessageKey(statusKey)) shown.status = t(statusKey);
  const formatKey = `format.${String(format)}`;
  if (typeof format === 'string' && isMessageKey(formatKey)) shown.format = t(formatKey);
  return shown;
}

/** `"a", "b" and "c"` in the user's language, cut short when long. */
function list(items: readonly string[], t: Translate): string {
  const quoted = items.slice(0, LIST_SHOWN).map((item) => t('flowchart.list.item', { item }));
  if (items.length > LIST_SHOWN) quoted.push(t('flowchart.list.more', { count: items.length - LIST_SHOWN }));
  if (quoted.length <= 1) return quoted.join('');
  return t('flowchart.list.and', { items: quoted.slice(0, -1).join(t('flowchart.list.separator')), last: quoted[quoted.length - 1]! });
}
