/**
 * `aip-dataset validate <zip> [--format <format>|auto] [--json]`: checks a dataset zip before it
 * is uploaded, with the importer the upload endpoint runs, so what it reports is exactly what the
 * upload would. Exit status 0 when valid, 1 when not, 2 for a usage error (or when the check
 * could not run at all). Started by bin/aip-dataset.js.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ImportPhase, ImportProgress } from './import.ts';
import { DATASET_FORMATS, type DatasetFormat } from './manifest.ts';
import type { ReportedProblem, ValidationReport } from './validate.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where relative paths start. */
  cwd: string;
  /** Draws a one-line progress indicator; absent when nobody watches (not a terminal). */
  progress?: (line: string) => void;
}

/** The human report lists this many errors, then the count of the rest (--json lists them all). */
export const ERRORS_LISTED = 100;
const CLASSES_LISTED = 30;

const USAGE = `Usage: aip-dataset validate <zip> [--format <format>|auto] [--json]

Checks a dataset zip exactly as the upload does (the same import, into a temporary
folder that is deleted afterwards) and reports the format, the text encoding of
label.txt, the counts, and every problem with its file and line.

  --format  ${DATASET_FORMATS.join(', ')},
            or auto (the default): inferred from the layout, and the report says why.
  --json    one JSON object: {ok, format, encoding, stats, errors, warnings, inferred?}.

Exit status: 0 valid, 1 invalid, 2 usage error (or the check could not run).
The file formats are described in datasets-spec/SPEC.md.`;

class UsageError extends Error {}

interface Command {
  zip: string;
  format: DatasetFormat | 'auto';
  json: boolean;
}

function parseCommand(args: string[]): Command | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, zip, ...extra] = positionals;
  if (command === undefined) throw new UsageError('Say what to do: aip-dataset validate <zip>.');
  if (command !== 'validate') throw new UsageError(`Unknown command "${command}"; the only command is "validate".`);
  if (zip === undefined) throw new UsageError('Give the zip to check: aip-dataset validate <zip>.');
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"; give one zip at a time.`);
  const format = values.format ?? 'auto';
  if (format !== 'auto' && !(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`Unknown format "${format}"; use one of ${DATASET_FORMATS.join(', ')}, or auto.`);
  }
  return { zip, format: format as DatasetFormat | 'auto', json: values.json ?? false };
}

/** Runs the command line `args` (without node and the script); resolves to the exit status. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let command: Command | 'help';
  try {
    command = parseCommand(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`aip-dataset: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const zipPath = path.resolve(io.cwd, command.zip);
  const file = await stat(zipPath).catch(() => null);
  if (file === null || !file.isFile()) {
    io.stderr(`aip-dataset: ${command.zip}: no such file.\n`);
    return 2;
  }
  let report: ValidationReport;
  try {
    // Loaded here, not at the top: the importer brings sharp, which a usage error or --help does not need.
    const { validateZip } = await import('./validate.ts');
    report = await validateZip(zipPath, command.format, io.progress ? { onProgress: progressLine(io.progress) } : {});
  } catch (err) {
    io.progress?.('');
    io.stderr(`aip-dataset: the check could not run: ${(err as Error).message}\n`);
    return 2;
  }
  io.progress?.('');
  io.stdout(command.json ? `${JSON.stringify(report, null, 2)}\n` : humanReport(command.zip, report));
  return report.ok ? 0 : 1;
}

const PHASE_WORDS: Record<ImportPhase, string> = { extract: 'Unpacking', check: 'Checking images', store: 'Storing' };

function progressLine(draw: (line: string) => void): (progress: ImportProgress) => void {
  let last = 0;
  return ({ phase, done, total }) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    draw(`${PHASE_WORDS[phase]} ${done}/${total}`);
  };
}

/** The report for people: what was understood, the counts, then every problem by file and line. */
export function humanReport(zip: string, report: ValidationReport): string {
  const out: string[] = [];
  const { inferred } = report;
  if (inferred) {
    out.push(inferred.format === null ? 'Format: could not be inferred' : `Format: ${inferred.format} (inferred)`);
    for (const reason of inferred.reasons) out.push(`  - ${reason}`);
    if (inferred.format === null && report.format !== null) out.push(`  Checked as ${report.format}, the importer's default for this layout; give --format to choose.`);
  } else if (report.format !== null) {
    out.push(`Format: ${report.format}`);
  }
  if (report.encoding !== null) out.push(`Encoding of label.txt: ${report.encoding}`);
  const { stats } = report;
  if (stats) {
    const { train, val, test } = stats.splits;
    out.push(`Images: ${stats.images} (train ${train}, val ${val}, test ${test})`);
    const classes = Object.entries(stats.classes);
    if (classes.length > 0) {
      const listed = classes.slice(0, CLASSES_LISTED).map(([name, count]) => `${name} ×${count}`);
      const more = classes.length > CLASSES_LISTED ? `, … and ${classes.length - CLASSES_LISTED} more (--json lists all)` : '';
      out.push(`Classes: ${classes.length} (${listed.join(', ')}${more})`);
    }
    if (stats.boxes !== undefined) out.push(`Boxes: ${stats.boxes}`);
    if (stats.polygons !== undefined) out.push(`Polygons: ${stats.polygons}`);
    if (stats.texts !== undefined) out.push(`Texts: ${stats.texts}`);
    if (stats.pairs !== undefined) out.push(`Input/target pairs: ${stats.pairs}`);
  }
  if (report.errors.length > 0) {
    const count = report.errors.length;
    const listed = count > ERRORS_LISTED ? `, the first ${ERRORS_LISTED} listed` : '';
    out.push('', `Errors: ${count}${listed}`);
    for (const problem of report.errors.slice(0, ERRORS_LISTED)) out.push(`  ${located(problem)}`);
    if (count > ERRORS_LISTED) out.push(`  … and ${count - ERRORS_LISTED} more (${count} errors in all; --json lists them all)`);
  }
  if (report.warnings.length > 0) {
    out.push('', `Warnings: ${report.warnings.length}`);
    for (const problem of report.warnings) out.push(`  ${located(problem)}`);
  }
  out.push(
    '',
    report.ok
      ? `${zip}: valid${report.format ? ` ${report.format} dataset` : ''}; the upload would be accepted.`
      : `${zip}: invalid, ${report.errors.length === 1 ? '1 error' : `${report.errors.length} errors`}; the upload would be refused.`,
  );
  while (out[0] === '') out.shift();
  return `${out.join('\n')}\n`;
}

/** `file:line: message`, as compilers write it, so editors and terminals can jump there. */
function located(problem: ReportedProblem): string {
  const file = problem.file === '' ? '(zip)' : problem.file;
  return problem.line === null ? `${file}: ${problem.message}` : `${file}:${problem.line}: ${problem.message}`;
}
