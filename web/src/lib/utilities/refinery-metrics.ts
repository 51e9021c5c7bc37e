/**
 * A refinery task's metrics (the job's figures merged with the evaluation's, docs/contracts.md
 * "Model refinery") as the task page shows them: for pruning, a before/after table; for every
 * algorithm, the headline figures (agreement with the teachers, accuracy where the data has
 * labels, size and speed); task branching's chosen branch points; and every other figure the job
 * reported, so nothing it measured is hidden. The API types metrics as free JSON: this reads it
 * defensively and skips what it does not understand.
 */

/** How a figure is written: a 0..1 fraction as a percent, a count, FLOPs or MACs, milliseconds or a plain number. */
export type FigureKind = 'fraction' | 'count' | 'flops' | 'macs' | 'ms' | 'number';

export interface Figure {
  /** The metric's name as the job wrote it (a message key `refinery.metric.<name>` names it when known). */
  name: string;
  value: number;
  kind: FigureKind;
}

export interface ComparisonRow {
  name: 'parameters' | 'macs' | 'flops' | 'latencyMs' | 'accuracy';
  before: number | null;
  after: number | null;
  kind: FigureKind;
}

export interface RefineryMetricsView {
  /** Before/after rows (pruning, or any job that reports the teacher's figures beside the student's). */
  comparison: ComparisonRow[];
  /** Headline figures of the produced model, in a fixed order. */
  headline: Figure[];
  /** Where each task branches off the shared encoder (task branching), task → point. */
  branchPoints: { task: string; point: string }[];
  /** The new model against each teacher (`teachers`: agreement, the teacher's own accuracy; `heads`: per task). */
  perTeacher: { name: string; figures: Figure[] }[];
  /** Every other number the job reported, by its (dotted) name. */
  other: Figure[];
}

/** The headline figures, in the order the page shows them, with the names jobs may use for each. */
const HEADLINE: readonly { name: string; aliases: readonly string[]; kind: FigureKind }[] = [
  { name: 'agreement', aliases: ['agreement', 'top1Agreement', 'teacherAgreement'], kind: 'fraction' },
  { name: 'accuracy', aliases: ['accuracy', 'labelAccuracy'], kind: 'fraction' },
  { name: 'mIoU', aliases: ['mIoU', 'miou', 'teacherMIoU'], kind: 'fraction' },
  { name: 'pixelAgreement', aliases: ['pixelAgreement'], kind: 'fraction' },
  { name: 'meanAbsError', aliases: ['meanAbsError', 'mae', 'absError'], kind: 'number' },
  { name: 'absRel', aliases: ['absRel'], kind: 'number' },
  { name: 'parameters', aliases: ['parameters', 'params'], kind: 'count' },
  { name: 'macs', aliases: ['macs', 'MACs'], kind: 'macs' },
  { name: 'flops', aliases: ['flops', 'FLOPs'], kind: 'flops' },
  { name: 'latencyMs', aliases: ['latencyMs', 'latency'], kind: 'ms' },
];

const COMPARED: readonly ComparisonRow['name'][] = ['parameters', 'macs', 'flops', 'latencyMs', 'accuracy'];

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

function kindOf(name: string): FigureKind {
  const last = name.split('.').at(-1) ?? name;
  const known = HEADLINE.find((h) => h.aliases.includes(last));
  if (known) return known.kind;
  if (/flops/i.test(last)) return 'flops';
  if (/^macs$/i.test(last)) return 'macs';
  if (/(latency|Ms$)/i.test(last)) return 'ms';
  if (/(parameters|params)/i.test(last)) return 'count';
  if (/(accuracy|agreement|iou|ratio)/i.test(last)) return 'fraction';
  return 'number';
}

/** The value of `name` (or one of its aliases) in `record`. */
function pick(record: Record<string, unknown> | null, aliases: readonly string[]): number | null {
  if (!record) return null;
  for (const alias of aliases) if (isNumber(record[alias])) return record[alias];
  return null;
}

function aliasesOf(name: string): readonly string[] {
  return HEADLINE.find((h) => h.name === name)?.aliases ?? [name];
}

/**
 * A before/after pair from `{before:{…}, after:{…}}`, `{teacher:{…}, student:{…}}` or
 * `nameBefore`/`nameAfter`. Pruning's accuracy: the one teacher's own accuracy on the labels
 * (`teachers[0].accuracy`) before, the new model's after.
 */
function comparison(metrics: Record<string, unknown>): ComparisonRow[] {
  const before = asRecord(metrics.before) ?? asRecord(metrics.teacher);
  const after = asRecord(metrics.after) ?? asRecord(metrics.student);
  const teachers = Array.isArray(metrics.teachers) ? metrics.teachers : [];
  const onlyTeacher = teachers.length === 1 ? asRecord(teachers[0]) : null;
  const rows: ComparisonRow[] = [];
  for (const name of COMPARED) {
    const aliases = aliasesOf(name);
    let b = pick(before, aliases) ?? pick(metrics, aliases.map((a) => `${a}Before`));
    let a = pick(after, aliases) ?? pick(metrics, aliases.map((x) => `${x}After`));
    if (name === 'accuracy' && before && b === null && a === null) {
      b = pick(onlyTeacher, aliases);
      a = b === null ? null : pick(metrics, aliases);
    }
    if (b !== null || a !== null) rows.push({ name, before: b, after: a, kind: kindOf(name) });
  }
  // Only a comparison when something is on both sides; a lone "after" is a headline figure.
  return rows.some((row) => row.before !== null && row.after !== null) ? rows : [];
}

/** Branch points as `{seg: "enc3"}`, `[{task, point|layer|at}]` or `["enc3", …]` (then numbered). */
function branchPoints(metrics: Record<string, unknown>): { task: string; point: string }[] {
  const raw = metrics.branchPoints ?? metrics.chosenBranchPoints ?? metrics.branch_points;
  const text = (value: unknown) => (typeof value === 'string' || isNumber(value) ? String(value) : null);
  if (Array.isArray(raw)) {
    return raw.flatMap((entry, i) => {
      const record = asRecord(entry);
      if (record) {
        const point = text(record.point ?? record.layer ?? record.at ?? record.branchPoint);
        return point === null ? [] : [{ task: text(record.task ?? record.name) ?? String(i + 1), point }];
      }
      const point = text(entry);
      return point === null ? [] : [{ task: String(i + 1), point }];
    });
  }
  const record = asRecord(raw);
  if (!record) return [];
  return Object.entries(record).flatMap(([task, value]) => {
    const point = text(value);
    return point === null ? [] : [{ task, point }];
  });
}

/** Every number in `value`, by dotted name (arrays by index), `skip` names left out at the top level. */
function flatten(value: unknown, prefix: string, skip: ReadonlySet<string>, out: Figure[], depth = 0): void {
  if (depth > 4) return;
  if (isNumber(value)) {
    out.push({ name: prefix, value, kind: kindOf(prefix) });
    return;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(asRecord(value) ?? {});
  for (const [key, child] of entries) {
    if (depth === 0 && skip.has(key)) continue;
    flatten(child, prefix === '' ? key : `${prefix}.${key}`, skip, out, depth + 1);
  }
}

export function refineryMetricsView(metrics: unknown): RefineryMetricsView | null {
  const record = asRecord(metrics);
  if (!record) return null;
  const rows = comparison(record);
  const headline: Figure[] = [];
  const used = new Set<string>(['before', 'after', 'teacher', 'student', 'branchPoints', 'chosenBranchPoints', 'branch_points', 'teachers', 'heads']);
  for (const { name, aliases, kind } of HEADLINE) {
    const alias = aliases.find((a) => isNumber(record[a]));
    if (alias === undefined) continue;
    used.add(alias);
    // Shown in the comparison already (as the "after" side).
    if (rows.some((row) => row.name === name && row.after === record[alias])) continue;
    headline.push({ name, value: record[alias] as number, kind });
  }
  for (const row of rows) {
    for (const alias of aliasesOf(row.name)) used.add(`${alias}Before`).add(`${alias}After`);
  }
  const other: Figure[] = [];
  flatten(record, '', used, other);
  return { comparison: rows, headline, branchPoints: branchPoints(record), perTeacher: perTeacher(record), other };
}

/** `teachers: [{name, agreement, accuracy?}]` and `heads: [{teacher, task, miou | mae …}]`, numbers only. */
function perTeacher(metrics: Record<string, unknown>): { name: string; figures: Figure[] }[] {
  const rows = [...(Array.isArray(metrics.teachers) ? metrics.teachers : []), ...(Array.isArray(metrics.heads) ? metrics.heads : [])];
  return rows.flatMap((entry, i) => {
    const record = asRecord(entry);
    if (!record) return [];
    const name = typeof record.name === 'string' ? record.name : typeof record.teacher === 'string' ? record.teacher : String(i + 1);
    const figures = Object.entries(record).flatMap(([key, value]) => {
      if (!isNumber(value)) return [];
      const known = HEADLINE.find((h) => h.aliases.includes(key));
      return [{ name: known?.name ?? key, value, kind: known?.kind ?? kindOf(key) }];
    });
    return figures.length > 0 ? [{ name, figures }] : [];
  });
}

/** A figure as people read it: 91.3%, 1.25 M, 12.4 MFLOPs, 3.2 ms, 0.0123. */
export function formatFigure(kind: FigureKind, value: number, locale = 'en'): string {
  if (!Number.isFinite(value)) return '—';
  const fixed = (digits: number) => value.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  switch (kind) {
    case 'fraction':
      return `${(value * 100).toLocaleString(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 })}%`;
    case 'count':
      return compact(value, locale, '');
    case 'flops':
      return compact(value, locale, 'FLOPs');
    case 'macs':
      return compact(value, locale, 'MACs');
    case 'ms':
      return `${value.toLocaleString(locale, { maximumFractionDigits: value < 10 ? 2 : 1 })} ms`;
    default:
      return Math.abs(value) >= 100 || Number.isInteger(value) ? fixed(1) : fixed(4);
  }
}

function compact(value: number, locale: string, unit: string): string {
  const steps: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [size, prefix] = steps.find(([s]) => Math.abs(value) >= s) ?? [1, ''];
  const scaled = (value / size).toLocaleString(locale, { maximumFractionDigits: size === 1 ? 0 : 2 });
  const suffix = `${prefix}${unit}`;
  return suffix === '' ? scaled : `${scaled} ${suffix}`;
}

/** The relative change from before to after (−0.5: halved), or null when either is missing or before is 0. */
export function relativeChange(before: number | null, after: number | null): number | null {
  if (before === null || after === null || before === 0) return null;
  return after / before - 1;
}
