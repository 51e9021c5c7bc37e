/**
 * Security headers on every answer (@fastify/helmet): a Content-Security-Policy made for the
 * static SvelteKit app served at `/`, nosniff, no referrer, no framing, no X-Powered-By.
 *
 * The policy allows scripts only from this origin plus the inline scripts of the served
 * index.html, by their sha256 (SvelteKit's bootstrap script, the placeholder page's script): the
 * hashes are read from the file at start and again whenever it changes (a web app rebuilt under a
 * running server keeps working).
 * Styles may be inline ('unsafe-inline'): Svelte and Svelte Flow set style attributes. Images may
 * be data: and blob: URLs (dataset images are fetched with the session and shown as object URLs).
 * The same policy fits the Swagger UI at /api/docs: it has no inline script, its own files come
 * from this origin and its logo and icons are data: images.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import { servedWebRoot } from './web.ts';

/**
 * The CSP source expressions (`'sha256-…'`) of the inline `<script>` elements of an HTML page, in
 * document order without repeats. The hash covers the script's text as the browser sees it, after
 * the HTML parser's line-ending normalisation (CRLF and CR become LF).
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/(?:^|\s)src\s*=/i.test(match[1] ?? '')) continue;
    const text = (match[2] ?? '').replace(/\r\n?/g, '\n');
    hashes.add(`'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
  }
  return [...hashes];
}

/**
 * The CSP directives for a web app whose index.html has the inline scripts `scriptHashes()` returns
 * (asked on each answer).
 */
export function contentSecurityPolicyDirectives(scriptHashes: () => readonly string[]) {
  return {
    'default-src': ["'self'"],
    'script-src': [() => ["'self'", ...scriptHashes()].join(' ')],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/**
 * The inline script hashes of the served index.html (none without one), read now and again
 * whenever the file's modification time or size changes.
 */
export function indexScriptHashes(webRoot?: string): () => readonly string[] {
  const root = servedWebRoot(webRoot);
  const index = root === undefined ? undefined : join(root, 'index.html');
  let seen = '';
  let hashes: readonly string[] = [];
  const current = () => {
    const stat = index === undefined ? undefined : statSync(index, { throwIfNoEntry: false });
    const version = stat ? `${stat.mtimeMs} ${stat.size}` : '';
    if (version !== seen) {
      seen = version;
      try {
        hashes = stat ? inlineScriptHashes(readFileSync(index!, 'utf8')) : [];
      } catch {
        // Removed between the two calls: the next answer looks again.
        seen = '';
        hashes = [];
      }
    }
    return hashes;
  };
  current();
  return current;
}

/**
 * Installs the headers on every route, the web app's files and the not-found answers included.
 * Call it before anything that adds hooks or routes, so its hooks run first (a 401 answered by an
 * earlier hook would otherwise go out without them). `webRoot` as given to installWebApp.
 */
export function installSecurityHeaders(app: FastifyInstance, webRoot?: string): void {
  app.register(helmet, {
    contentSecurityPolicy: {
      // Only these directives: helmet's defaults add `upgrade-insecure-requests`, which breaks an
      // AIP served over plain HTTP on a LAN address.
      useDefaults: false,
      directives: contentSecurityPolicyDirectives(indexScriptHashes(webRoot)),
    },
    referrerPolicy: { policy: 'no-referrer' },
    // frame-ancestors 'none' says the same to browsers that read CSP.
    xFrameOptions: { action: 'deny' },
  });
}
