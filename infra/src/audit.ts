/**
 * Judges the output of `npm audit --json` and `pip-audit --format json` for infra/scripts/audit.sh:
 * which advisories fail the audit, which the exceptions file accepts, and whether the advisory
 * service answered at all (an unreachable service is not a clean audit).
 *
 *   tsx infra/src/audit.ts npm|python <exceptions.json> <prefix>
 *
 * reads <prefix>.json (the tool's stdout), <prefix>.err (its stderr) and <prefix>.status (its exit
 * status); prints the findings on stderr and exits 0 (clean), 1 (findings, or the tool failed), or
 * 75 with the reason on stdout when the advisory service could not be reached.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface Finding {
  /** The advisory's id: GHSA-… for npm, PYSEC-…/GHSA-… for Python. */
  id: string;
  /** Other ids of the same advisory (CVE-…, the npm advisory number); an exception may name any. */
  aliases: string[];
  package: string;
  /** The vulnerable range (npm) or installed version (Python). */
  version: string;
  /** npm's severity; pip-audit reports none ('unrated'). */
  severity: string;
  title: string;
  url?: string;
}

export type Verdict =
  | { kind: 'audited'; failing: Finding[]; excused: { finding: Finding; reason: string }[]; audited: number; skipped: string[] }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'error'; reason: string };

export interface ToolRun {
  stdout: string;
  stderr: string;
  status: number;
}

/** Severities that fail the audit (npm); pip-audit's advisories carry none, so each of them counts. */
const FAILING_SEVERITIES = new Set(['high', 'critical']);

/** Advisory id → why it is accepted. Keys starting with `$` (a `$comment`) are notes, not ids. */
export function parseExceptions(text: string, where = 'the exceptions file'): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${where} must be a JSON object of advisory id → reason`);
  }
  const exceptions = new Map<string, string>();
  for (const [id, reason] of Object.entries(parsed)) {
    if (id.startsWith('$')) continue;
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`${where}: ${id} needs a reason (a non-empty string saying why the advisory is accepted)`);
    }
    exceptions.set(id.toUpperCase(), reason.trim());
  }
  return exceptions;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((line) => line.trim() !== '').at(-1)?.trim() ?? '';
}

const NETWORK_FAILURE =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|request to \S+ failed|ConnectionError|ProxyError|ConnectTimeout|ReadTimeout|Max retries exceeded|Temporary failure in name resolution|Name or service not known|Network is unreachable/i;

function split(findings: Finding[], exceptions: Map<string, string>) {
  const failing: Finding[] = [];
  const excused: { finding: Finding; reason: string }[] = [];
  for (const finding of findings) {
    const id = [finding.id, ...finding.aliases].find((candidate) => exceptions.has(candidate.toUpperCase()));
    if (id === undefined) failing.push(finding);
    else excused.push({ finding, reason: exceptions.get(id.toUpperCase())! });
  }
  return { failing, excused };
}

interface NpmAdvisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
}

/** `npm audit --json` (report version 2): its high and critical advisories, or why it did not run. */
export function judgeNpmAudit(run: ToolRun, exceptions: Map<string, string>): Verdict {
  const report = parseJson(run.stdout) as
    | { vulnerabilities?: Record<string, { via?: (string | NpmAdvisory)[] }>; metadata?: { dependencies?: { total?: number } }; message?: string; statusCode?: number; error?: { code?: string; summary?: string } }
    | undefined;
  if (report?.vulnerabilities === undefined) {
    // npm answers a failed audit request with {"message": "405 Method Not Allowed - POST …/advisories/bulk", "statusCode": 405}
    // or {"message": "request to … failed, reason: connect ECONNREFUSED …"}.
    const reason = report?.message || report?.error?.summary || lastLine(run.stderr) || `npm audit exited ${run.status} without a report`;
    const unreachable = typeof report?.statusCode === 'number' || NETWORK_FAILURE.test(reason) || NETWORK_FAILURE.test(run.stderr);
    return { kind: unreachable ? 'unreachable' : 'error', reason: firstLine(reason) };
  }
  const findings = new Map<string, Finding>();
  for (const [name, vulnerability] of Object.entries(report.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      // A string names another vulnerable package this one depends on; its advisory is listed there.
      if (typeof via === 'string' || !FAILING_SEVERITIES.has(via.severity ?? '')) continue;
      const ghsa = /GHSA(-[0-9a-z]{4}){3}/i.exec(via.url ?? '')?.[0];
      const number = via.source === undefined ? undefined : String(via.source);
      const id = ghsa ?? number ?? via.url ?? via.title ?? 'unknown';
      const finding: Finding = {
        id,
        aliases: number !== undefined && number !== id ? [number] : [],
        package: via.name ?? name,
        version: via.range ?? '',
        severity: via.severity!,
        title: via.title ?? '',
        ...(via.url ? { url: via.url } : {}),
      };
      findings.set(`${finding.package} ${id}`, finding);
    }
  }
  return { kind: 'audited', ...split([...findings.values()], exceptions), audited: report.metadata?.dependencies?.total ?? 0, skipped: [] };
}

interface PipDependency {
  name: string;
  version?: string;
  vulns?: { id: string; aliases?: string[]; description?: string; fix_versions?: string[] }[];
  skip_reason?: string;
}

/**
 * `pip-audit --format json`: every advisory (PyPI's data has no severity), or why it did not run.
 * PyPI answering "not found" for every package means its advisory API is not there (this
 * workplace's mirror answers 404 to the per-version JSON API), not that nothing is vulnerable.
 */
export function judgePipAudit(run: ToolRun, exceptions: Map<string, string>): Verdict {
  const report = parseJson(run.stdout) as { dependencies?: PipDependency[] } | undefined;
  if (!Array.isArray(report?.dependencies)) {
    const reason = lastLine(run.stderr) || `pip-audit exited ${run.status} without a report`;
    return { kind: NETWORK_FAILURE.test(run.stderr) ? 'unreachable' : 'error', reason };
  }
  const dependencies = report.dependencies;
  const skipped = dependencies.filter((dependency) => dependency.skip_reason !== undefined);
  if (dependencies.length > 0 && skipped.length === dependencies.length) {
    return { kind: 'unreachable', reason: `none of the ${dependencies.length} packages could be audited (${skipped[0]!.skip_reason})` };
  }
  const findings: Finding[] = [];
  for (const dependency of dependencies) {
    for (const vuln of dependency.vulns ?? []) {
      findings.push({
        id: vuln.id,
        aliases: vuln.aliases ?? [],
        package: dependency.name,
        version: dependency.version ?? '',
        severity: 'unrated',
        title: `${firstLine(vuln.description ?? '').slice(0, 160)}${vuln.fix_versions?.length ? ` (fixed in ${vuln.fix_versions.join(', ')})` : ''}`,
        url: vuln.id.startsWith('GHSA-') ? `https://github.com/advisories/${vuln.id}` : `https://osv.dev/vulnerability/${vuln.id}`,
      });
    }
  }
  return {
    kind: 'audited',
    ...split(findings, exceptions),
    audited: dependencies.length - skipped.length,
    skipped: skipped.map((dependency) => `${dependency.name}: ${dependency.skip_reason}`),
  };
}

function describe(finding: Finding): string {
  const aliases = finding.aliases.length > 0 ? ` (${finding.aliases.join(', ')})` : '';
  return `${finding.id}${aliases} ${finding.severity} in ${finding.package} ${finding.version}: ${finding.title}${finding.url ? ` ${finding.url}` : ''}`;
}

function readRun(prefix: string): ToolRun {
  const read = (suffix: string) => {
    try {
      return readFileSync(`${prefix}${suffix}`, 'utf8');
    } catch {
      return '';
    }
  };
  return { stdout: read('.json'), stderr: read('.err'), status: Number(read('.status').trim() || 0) };
}

function main(argv: string[]): number {
  const [tool, exceptionsFile, prefix] = argv;
  const log = (line: string) => process.stderr.write(`[aip]     ${line}\n`);
  if ((tool !== 'npm' && tool !== 'python') || !exceptionsFile || !prefix) {
    log('usage: tsx infra/src/audit.ts npm|python <exceptions.json> <prefix of .json/.err/.status>');
    return 2;
  }
  let exceptions: Map<string, string>;
  try {
    exceptions = parseExceptions(readFileSync(exceptionsFile, 'utf8'), exceptionsFile);
  } catch (error) {
    log(`ERROR: ${(error as Error).message}`);
    return 1;
  }
  const run = readRun(prefix);
  const verdict = tool === 'npm' ? judgeNpmAudit(run, exceptions) : judgePipAudit(run, exceptions);
  if (verdict.kind === 'unreachable') {
    process.stdout.write(`${verdict.reason}\n`);
    return 75;
  }
  if (verdict.kind === 'error') {
    log(`ERROR: the ${tool} audit failed: ${verdict.reason}`);
    return 1;
  }
  for (const skipped of verdict.skipped) log(`not audited: ${skipped}`);
  for (const { finding, reason } of verdict.excused) log(`accepted (${exceptionsFile}): ${describe(finding)} — ${reason}`);
  for (const finding of verdict.failing) log(`FINDING: ${describe(finding)}`);
  const severities = tool === 'npm' ? 'high or critical ' : '';
  log(
    `${verdict.audited} packages audited: ${verdict.failing.length} ${severities}advisories to fix` +
      (verdict.excused.length > 0 ? `, ${verdict.excused.length} accepted` : '') +
      (verdict.failing.length > 0 ? ` (update the package, or list the id in ${exceptionsFile} with the reason it is accepted)` : ''),
  );
  return verdict.failing.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
