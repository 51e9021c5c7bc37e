import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inlineScriptHashes } from './security-headers.ts';
import { buildAppOn, startHarness, type Harness } from './test-support.ts';

/** The CSP header as directive → sources. */
function policyOf(res: LightMyRequestResponse): Map<string, string[]> {
  const header = res.headers['content-security-policy'];
  expect(typeof header, `content-security-policy of ${res.statusCode} ${res.body.slice(0, 80)}`).toBe('string');
  const policy = new Map<string, string[]>();
  for (const part of String(header).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) policy.set(name, sources);
  }
  return policy;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The headers every answer carries, whatever its route and status. */
function expectSecurityHeaders(res: LightMyRequestResponse): Map<string, string[]> {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-powered-by']).toBeUndefined();
  const policy = policyOf(res);
  expect(Object.fromEntries([...policy].filter(([name]) => name !== 'script-src'))).toEqual({
    'default-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  });
  const scripts = policy.get('script-src') ?? [];
  expect(scripts[0]).toBe("'self'");
  // Only this origin and hashes: no 'unsafe-inline', 'unsafe-eval', wildcard or other host.
  for (const source of scripts.slice(1)) expect(source).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
  return policy;
}

/** Every inline script of an HTML page (found independently of the module under test) is allowed. */
function expectInlineScriptsAllowed(html: string, policy: Map<string, string[]>): number {
  const allowed = policy.get('script-src') ?? [];
  let count = 0;
  for (const [, attributes, text] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
    if (/\ssrc=/.test(attributes ?? '')) continue;
    count += 1;
    expect(allowed, `inline script ${text!.trim().slice(0, 60)}…`).toContain(sha256(text!.replace(/\r\n?/g, '\n')));
  }
  return count;
}

describe('security headers (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves the web app with a CSP whose script hashes match the inline scripts of the index.html served', async () => {
    const home = await h.app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    const policy = expectSecurityHeaders(home);
    // SvelteKit's bootstrap (web/build) or the placeholder's script (web/static): one at least.
    expect(expectInlineScriptsAllowed(home.body, policy)).toBeGreaterThan(0);
    expect(policy.get('script-src')).toEqual(["'self'", ...inlineScriptHashes(home.body)]);

    // A client-side route gets the same page under the same policy.
    const route = await h.app.inject({ url: '/flowcharts/fc_x' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toBe(home.body);
    expect(route.headers['content-security-policy']).toBe(home.headers['content-security-policy']);
  });

  it('puts the headers on API answers: JSON, errors, the OpenAPI document, missing routes', async () => {
    const health = await h.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expectSecurityHeaders(health);

    const openapi = await h.app.inject({ url: '/api/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    expect(openapi.json()).toHaveProperty('openapi');
    expectSecurityHeaders(openapi);

    const refused = await h.app.inject({ url: '/api/datasets' });
    expect(refused.statusCode).toBe(401);
    expectSecurityHeaders(refused);

    const missing = await h.app.inject({ url: '/api/no-such-thing' });
    // Unauthenticated: refused before the route is looked up, or not found.
    expect([401, 404]).toContain(missing.statusCode);
    expectSecurityHeaders(missing);

    const asset = await h.app.inject({ url: '/no-such-asset.js' });
    expect(asset.statusCode).toBe(404);
    expectSecurityHeaders(asset);
  });

  it('keeps the Swagger UI at /api/docs working under the policy: its scripts are files of this origin', async () => {
    const docs = await h.app.inject({ url: '/api/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    const policy = expectSecurityHeaders(docs);
    expectInlineScriptsAllowed(docs.body, policy);
    const scripts = [...docs.body.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      // Relative to /api/docs (no trailing slash): /api/docs/static/….
      expect(src).toMatch(/^\/api\/docs\/static\//);
      const script = await h.app.inject({ url: src });
      expect(script.statusCode, src).toBe(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      expectSecurityHeaders(script);
    }
    // The document it loads.
    expect((await h.app.inject({ url: '/api/docs/json' })).statusCode).toBe(200);
  });

  it('hashes the inline scripts of the web root it serves, as the browser reads them, again after a rebuild', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'aip-csp-'));
    const inline = 'window.first = 1;\r\n  window.second = 2;\r\n';
    await writeFile(
      path.join(root, 'index.html'),
      `<!doctype html><html><head><script src="/app.js"></script><script type="module" data-src="x">import('/a.js');</script></head>` +
        `<body><script>${inline}</script><SCRIPT>window.third = 3</SCRIPT ></body></html>`,
    );
    let app: FastifyInstance | undefined;
    try {
      app = buildAppOn(h, { webRoot: root });
      const home = await app.inject({ url: '/' });
      expect(home.statusCode).toBe(200);
      expect(policyOf(home).get('script-src')).toEqual([
        "'self'",
        sha256("import('/a.js');"),
        // The HTML parser turns CRLF into LF before the browser hashes the text.
        sha256('window.first = 1;\n  window.second = 2;\n'),
        sha256('window.third = 3'),
      ]);

      // The web app rebuilt under the running server: its new bootstrap script is allowed at once.
      await writeFile(path.join(root, 'index.html'), '<!doctype html><body><script>window.rebuilt = true;</script></body>');
      const rebuilt = await app.inject({ url: '/' });
      expect(policyOf(rebuilt).get('script-src')).toEqual(["'self'", sha256('window.rebuilt = true;')]);
      await rm(path.join(root, 'index.html'));
      expect(policyOf(await app.inject({ url: '/api/openapi.json' })).get('script-src')).toEqual(["'self'"]);
    } finally {
      await app?.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
