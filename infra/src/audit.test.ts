import { describe, expect, it } from 'vitest';
import { judgeNpmAudit, judgePipAudit, parseExceptions } from './audit.ts';

const none = new Map<string, string>();

/** An `npm audit --json` report (version 2) as npm prints it, trimmed to what the judge reads. */
const npmReport = {
  auditReportVersion: 2,
  vulnerabilities: {
    'fast-xml-parser': {
      name: 'fast-xml-parser',
      severity: 'high',
      via: [
        { source: 1101211, name: 'fast-xml-parser', title: 'ReDoS in currency parsing', url: 'https://github.com/advisories/GHSA-mpg4-rc92-vx8v', severity: 'high', range: '<4.4.1' },
        { source: 1102000, name: 'fast-xml-parser', title: 'Something minor', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'moderate', range: '<4.5.0' },
      ],
    },
    '@aws-sdk/core': { name: '@aws-sdk/core', severity: 'high', via: ['fast-xml-parser'] },
    'path-to-regexp': {
      name: 'path-to-regexp',
      severity: 'critical',
      via: [{ source: 1099999, name: 'path-to-regexp', title: 'Backtracking regular expressions', url: 'https://github.com/advisories/GHSA-9wv6-86v2-598j', severity: 'critical', range: '<0.1.12' }],
    },
  },
  metadata: { dependencies: { total: 1234 } },
};

describe('the npm audit judge', () => {
  it('counts high and critical advisories once each, leaves moderate ones, and accepts listed ids with their reason', () => {
    const run = { stdout: JSON.stringify(npmReport), stderr: '', status: 1 };
    const verdict = judgeNpmAudit(run, none);
    expect(verdict.kind).toBe('audited');
    if (verdict.kind !== 'audited') return;
    expect(verdict.audited).toBe(1234);
    expect(verdict.failing.map((finding) => [finding.id, finding.package, finding.severity, finding.aliases])).toEqual([
      ['GHSA-mpg4-rc92-vx8v', 'fast-xml-parser', 'high', ['1101211']],
      ['GHSA-9wv6-86v2-598j', 'path-to-regexp', 'critical', ['1099999']],
    ]);

    const accepted = parseExceptions(JSON.stringify({ $comment: 'why', 'ghsa-9wv6-86v2-598j': 'only the docs site uses it', '1101211': 'no XML from users' }));
    const excused = judgeNpmAudit(run, accepted);
    expect(excused).toMatchObject({ kind: 'audited', failing: [] });
    if (excused.kind !== 'audited') return;
    expect(excused.excused.map(({ finding, reason }) => [finding.id, reason])).toEqual([
      ['GHSA-mpg4-rc92-vx8v', 'no XML from users'],
      ['GHSA-9wv6-86v2-598j', 'only the docs site uses it'],
    ]);
  });

  it('is clean on a report without advisories', () => {
    const run = { stdout: JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { dependencies: { total: 9 } } }), stderr: '', status: 0 };
    expect(judgeNpmAudit(run, none)).toEqual({ kind: 'audited', failing: [], excused: [], audited: 9, skipped: [] });
  });

  it('tells an advisory service that did not answer (HTTP error, network) from an audit that failed', () => {
    // What npm prints here: the registry mirror refuses the bulk advisory request.
    const refused = {
      stdout: JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', method: 'POST', statusCode: 405, body: '', error: { summary: '', detail: '' } }),
      stderr: 'npm warn audit 405 Method Not Allowed\nnpm error audit endpoint returned an error\n',
      status: 1,
    };
    expect(judgeNpmAudit(refused, none)).toEqual({ kind: 'unreachable', reason: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk' });
    const offline = {
      stdout: JSON.stringify({ message: 'request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9', error: { summary: '', detail: '' } }),
      stderr: '',
      status: 1,
    };
    expect(judgeNpmAudit(offline, none)).toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
    const noLock = { stdout: JSON.stringify({ error: { code: 'ENOLOCK', summary: 'This command requires an existing lockfile.', detail: '' } }), stderr: '', status: 1 };
    expect(judgeNpmAudit(noLock, none)).toEqual({ kind: 'error', reason: 'This command requires an existing lockfile.' });
    expect(judgeNpmAudit({ stdout: '', stderr: 'npm error something odd\n', status: 1 }, none)).toEqual({ kind: 'error', reason: 'npm error something odd' });
  });
});

describe('the pip-audit judge', () => {
  it('counts every advisory (PyPI gives no severity) and accepts one listed under any of its ids', () => {
    const report = {
      dependencies: [
        { name: 'pillow', version: '10.0.0', vulns: [{ id: 'PYSEC-2023-175', fix_versions: ['10.0.1'], aliases: ['CVE-2023-4863', 'GHSA-j7hp-h8jx-5ppr'], description: 'libwebp heap overflow.\nMore.' }] },
        { name: 'jsonschema', version: '4.26.0', vulns: [] },
        { name: 'torch', version: '2.0.0', vulns: [{ id: 'GHSA-pg7h-5qx3-wjr3', fix_versions: [], aliases: ['CVE-2024-31580'], description: 'Heap buffer overflow' }] },
        { name: 'local-thing', skip_reason: 'Dependency not found on PyPI and could not be audited: local-thing (1.0)' },
      ],
      fixes: [],
    };
    const run = { stdout: JSON.stringify(report), stderr: '', status: 1 };
    const verdict = judgePipAudit(run, parseExceptions(JSON.stringify({ 'CVE-2024-31580': 'the trainer loads only weights it wrote itself' })));
    expect(verdict.kind).toBe('audited');
    if (verdict.kind !== 'audited') return;
    expect(verdict.audited).toBe(3);
    expect(verdict.skipped).toEqual(['local-thing: Dependency not found on PyPI and could not be audited: local-thing (1.0)']);
    expect(verdict.failing).toMatchObject([
      { id: 'PYSEC-2023-175', package: 'pillow', version: '10.0.0', severity: 'unrated', title: 'libwebp heap overflow. (fixed in 10.0.1)' },
    ]);
    expect(verdict.excused).toMatchObject([{ finding: { id: 'GHSA-pg7h-5qx3-wjr3' }, reason: 'the trainer loads only weights it wrote itself' }]);
  });

  it('calls PyPI unreachable when it could audit none of the packages, or the connection failed', () => {
    // What pip-audit prints here: the mirror answers 404 to PyPI's per-version JSON API.
    const notFound = {
      stdout: JSON.stringify({
        dependencies: ['torch (2.15.0)', 'numpy (2.4.6)'].map((pin) => ({ name: pin.split(' ')[0], skip_reason: `Dependency not found on PyPI and could not be audited: ${pin}` })),
        fixes: [],
      }),
      stderr: 'No known vulnerabilities found\n',
      status: 0,
    };
    expect(judgePipAudit(notFound, none)).toEqual({
      kind: 'unreachable',
      reason: 'none of the 2 packages could be audited (Dependency not found on PyPI and could not be audited: torch (2.15.0))',
    });
    const offline = {
      stdout: '',
      stderr: "Traceback (most recent call last):\n  …\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='index.example', port=443): Max retries exceeded\n",
      status: 1,
    };
    expect(judgePipAudit(offline, none)).toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('requests.exceptions.ConnectionError') });
    expect(judgePipAudit({ stdout: '', stderr: 'ERROR: invalid requirement: torch=2\n', status: 1 }, none)).toEqual({ kind: 'error', reason: 'ERROR: invalid requirement: torch=2' });
  });
});

describe('the exceptions file', () => {
  it('maps advisory ids to the reason each is accepted, and refuses an exception without a reason', () => {
    expect(parseExceptions('{"$comment": "notes", "GHSA-xxxx-yyyy-zzzz": " not reachable from the API "}')).toEqual(new Map([['GHSA-XXXX-YYYY-ZZZZ', 'not reachable from the API']]));
    expect(() => parseExceptions('{"GHSA-xxxx-yyyy-zzzz": ""}', 'security/audit-exceptions.json')).toThrow(
      'security/audit-exceptions.json: GHSA-xxxx-yyyy-zzzz needs a reason',
    );
    expect(() => parseExceptions('["GHSA-x"]')).toThrow('must be a JSON object');
    expect(() => parseExceptions('{')).toThrow('is not JSON');
  });
});
