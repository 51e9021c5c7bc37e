/**
 * Path tricks against the endpoints that serve files: the static web app at `/` and a ready
 * dataset's images (GET /api/datasets/:id/files/*). Requests go over a real socket with the request
 * line written byte for byte, so no client library normalises `..`, backslashes or encodings away.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { datasets, newId, users } from '@aip/platform';
import { buildAppOn, startHarness, type Harness } from './test-support.ts';

interface RawResponse {
  status: number;
  head: string;
  body: Buffer;
}

/** The payload of a `Transfer-Encoding: chunked` body. */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (lineEnd < 0 || !(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** One request over a fresh connection; `target` goes into the request line exactly as given. */
function rawGet(port: number, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to GET ${target} in 10 s`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split < 0 ? raw.length : split).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? NaN);
      const body = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4);
      resolve({ status, head, body: /^transfer-encoding: chunked/im.test(head) ? dechunk(body) : body });
    });
    const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  });
}

/** Paths that try to climb out of a folder `depth` levels deep to `target` (a relative path). */
function climbs(target: string, depth: number): string[] {
  const up = (step: string, sep = '/') => `${Array(depth).fill(step).join(sep)}${sep}${target}`;
  const encodedTarget = target.split('/').join('%2f');
  return [
    up('..'),
    `/${up('..')}`,
    `${Array(depth).fill('..%2f').join('')}${encodedTarget}`,
    `${Array(depth).fill('..%2F').join('')}${target}`,
    up('%2e%2e'),
    up('%2E%2E'),
    up('.%2e'),
    `${Array(depth).fill('%2e%2e%2f').join('')}${encodedTarget}`,
    // Backslashes, raw and encoded (a Windows-style separator must not climb either).
    up('..', '\\').replace(/\//g, '\\'),
    `${Array(depth).fill('..%5c').join('')}${target.split('/').join('%5c')}`,
    // Double encoding: decoded once by the server, `%2e%2e` must stay a name, never become `..`.
    up('%252e%252e'),
    `${Array(depth).fill('%252e%252e%252f').join('')}${target.split('/').join('%252f')}`,
    // Null bytes, which once cut C-level paths short.
    `${up('..')}%00`,
    `${up('..')}%00.png`,
    `${up('..')}%00/index.html`,
    up('..%00'),
    // Overlong UTF-8 for '.' and '/', which old decoders turned into `../`.
    `${Array(depth).fill('%c0%ae%c0%ae%c0%af').join('')}${target}`,
    up('..;'),
  ];
}

function expectNothingOf(res: RawResponse, secrets: string[], what: string): void {
  const text = res.body.toString('latin1');
  for (const secret of secrets) expect(text.includes(secret), `${what} answered ${res.status} with ${secret}`).toBe(false);
}

describe('file-serving endpoints cannot be tricked into serving other files (PGlite, local blobs, Temporal dev server)', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('the web app at /', () => {
    const secret = `SECRET-${randomBytes(8).toString('hex')}`;
    let outer: string;
    let site: FastifyInstance;
    let sitePort: number;
    const index = '<!doctype html><html><body>INDEX-PAGE</body></html>';

    beforeAll(async () => {
      // outer/secret.txt, outer/web/secret.txt beside outer/web/site/{index.html,_app/app.js}
      outer = await mkdtemp(path.join(os.tmpdir(), 'aip-web-tricks-'));
      const root = path.join(outer, 'web', 'site');
      await mkdir(path.join(root, '_app'), { recursive: true });
      await writeFile(path.join(root, 'index.html'), index);
      await writeFile(path.join(root, '_app', 'app.js'), 'console.log("app")');
      await writeFile(path.join(outer, 'secret.txt'), secret);
      await writeFile(path.join(outer, 'web', 'secret.txt'), secret);
      site = buildAppOn(h, { webRoot: root });
      await site.listen({ host: '127.0.0.1', port: 0 });
      sitePort = (site.server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      await site?.close();
      if (outer) await rm(outer, { recursive: true, force: true });
    });

    it('serves its own files (the control)', async () => {
      const home = await rawGet(sitePort, '/');
      expect(home.status).toBe(200);
      expect(home.body.toString()).toBe(index);
      const asset = await rawGet(sitePort, '/_app/app.js');
      expect(asset.status).toBe(200);
      expect(asset.body.toString()).toBe('console.log("app")');
    });

    it('never serves a file above its root, however the path is written: 4xx or the app page', async () => {
      const tricks = [
        ...climbs('secret.txt', 1),
        ...climbs('secret.txt', 2),
        ...climbs('secret.txt', 3),
        ...climbs('secret.txt', 1).map((trick) => `_app/${trick}`),
        ...climbs('secret.txt', 3).map((trick) => `_app/${trick}`),
      ].map((trick) => (trick.startsWith('/') ? trick : `/${trick}`));
      // Absolute paths: the root is not the file system's.
      const absolute = path.join(outer, 'secret.txt');
      tricks.push(`/${absolute}`, `//${absolute}`, `/${absolute.split('/').join('%2f')}`, '//etc/passwd', '/%2fetc%2fpasswd', '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd');
      let appPages = 0;
      for (const trick of tricks) {
        const res = await rawGet(sitePort, trick);
        expectNothingOf(res, [secret, 'root:x:0:0'], trick);
        if (res.status === 200) {
          expect(res.body.toString(), trick).toBe(index);
          appPages += 1;
        } else {
          expect(res.status, trick).toBeGreaterThanOrEqual(400);
          expect(res.status, trick).toBeLessThan(500);
        }
      }
      // Most are refused outright; the few that fall through are client routes of the app.
      expect(appPages).toBeLessThan(tricks.length);
    });

    it('never serves the repository around the real web root (web/build or web/static)', async () => {
      const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
      const rootPackage = await readFile(path.join(repoRoot, 'package.json'), 'utf8');
      const webPackage = await readFile(path.join(repoRoot, 'web', 'package.json'), 'utf8');
      const secrets = [JSON.parse(rootPackage).description as string, '"@aip/web"', '"workspaces"'];
      const home = (await rawGet(port, '/')).body.toString();
      expect(webPackage).toContain('"@aip/web"');
      const tricks = [...climbs('package.json', 1), ...climbs('package.json', 2), ...climbs('package.json', 3)];
      tricks.push('/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/..\\..\\package.json', '/%252e%252e/%252e%252e/package.json');
      tricks.push(`//${path.join(repoRoot, 'package.json')}`, `/${path.join(repoRoot, 'package.json').split('/').join('%2f')}`);
      for (const raw of tricks) {
        const trick = raw.startsWith('/') ? raw : `/${raw}`;
        const res = await rawGet(port, trick);
        expectNothingOf(res, secrets, trick);
        if (res.status === 200) expect(res.body.toString(), trick).toBe(home);
        else expect(res.status, trick).toBeLessThan(500);
      }
    });
  });

  describe('a ready dataset\'s images: GET /api/datasets/:id/files/*', () => {
    const secret = `SECRET-${randomBytes(8).toString('hex')}`;
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const theirPng = Buffer.concat([png, Buffer.from(`THEIRS-${secret}`)]);
    let id: string;
    let theirs: string;

    beforeAll(async () => {
      id = newId('ds');
      theirs = newId('ds');
      const otherUser = newId('usr');
      await h.db.insert(users).values({ id: otherUser, email: `other-${otherUser}@example.com` });
      const entries = [
        { path: 'images/a.png', width: 8, height: 8, split: 'train', boxes: [] },
        { path: 'images/sub/b.png', width: 8, height: 8, split: 'test', boxes: [] },
      ];
      const manifest = entries.map((entry) => JSON.stringify(entry)).join('\n');
      for (const [dataset, image] of [[id, png], [theirs, theirPng]] as const) {
        await h.blobs.put(`datasets/${dataset}/normalized/manifest.jsonl`, manifest);
        await h.blobs.put(`datasets/${dataset}/normalized/images/a.png`, image);
        await h.blobs.put(`datasets/${dataset}/normalized/images/sub/b.png`, image);
        // Blobs of the dataset that are not its listed images: none may be served.
        await h.blobs.put(`datasets/${dataset}/normalized/secret.txt`, secret);
        await h.blobs.put(`datasets/${dataset}/normalized/images/secret.png`, secret);
        await h.blobs.put(`datasets/${dataset}/upload.zip`, secret);
      }
      await h.blobs.put('secret.txt', secret);
      await h.db.insert(datasets).values([
        { id, ownerId: h.userId, name: 'mine', status: 'ready', format: 'detection', blobPrefix: `datasets/${id}/` },
        { id: theirs, ownerId: otherUser, name: 'theirs', status: 'ready', format: 'detection', blobPrefix: `datasets/${theirs}/` },
      ]);
    });

    it('serves the images its manifest lists (the control)', async () => {
      // Encoded slashes and a trailing slash (ignored app-wide) name the same listed images.
      for (const image of ['images/a.png', 'images/sub/b.png', 'images/sub%2fb.png', 'images/a.png/']) {
        const res = await rawGet(port, `/api/datasets/${id}/files/${image}`, h.auth);
        expect(res.status, image).toBe(200);
        expect(res.head).toMatch(/content-type: image\/png/i);
        expect(res.body.equals(png), image).toBe(true);
      }
    });

    it('answers 4xx to every path that is not a listed image, and never with another file', async () => {
      const files = `/api/datasets/${id}/files/`;
      const blobFolder = fileURLToPath(h.blobs.url);
      const tricks = [
        'secret.txt',
        'manifest.jsonl',
        'images/secret.png',
        'images/./a.png',
        'images//a.png',
        './images/a.png',
        'images/sub/../secret.png',
        'images/sub/%2e%2e/secret.png',
        'images%2fsecret.png',
        'IMAGES/A.PNG',
        'images/a.png%00',
        'images/a.png%00.txt',
        'images/a.png%00/../../secret.txt',
        'images/a.png\\..\\..\\secret.txt',
        ...climbs('secret.txt', 1),
        ...climbs('secret.txt', 2).map((trick) => `images/${trick}`),
        ...climbs('upload.zip', 2),
        ...climbs('secret.txt', 4),
        ...climbs(`${theirs}/normalized/images/a.png`, 3),
        ...climbs(`${theirs}/normalized/secret.txt`, 3),
        // Absolute paths: a blob key, the blob folder, the file system.
        `/datasets/${theirs}/normalized/images/a.png`,
        `%2fdatasets%2f${theirs}%2fnormalized%2fimages%2fa.png`,
        '/etc/passwd',
        '%2fetc%2fpasswd',
        '//etc/passwd',
        // The local blob store's folder, absolute.
        `${blobFolder}/secret.txt`,
        `${blobFolder}/datasets/${theirs}/normalized/images/a.png`,
        `${blobFolder.split('/').join('%2f')}%2fsecret.txt`,
      ];
      for (const trick of tricks) {
        const res = await rawGet(port, files + trick, h.auth);
        expectNothingOf(res, [secret, 'root:x:0:0', 'THEIRS-'], trick);
        expect(res.status, `${trick} → ${res.status} ${res.body.toString().slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${trick} → ${res.status} ${res.body.toString().slice(0, 200)}`).toBeLessThan(500);
      }
      // Tricks in the id itself.
      for (const trick of [`..%2f${theirs}`, `${id}%2f..%2f${theirs}`, `%2e%2e`, `..%2f..%2f${theirs}`]) {
        const res = await rawGet(port, `/api/datasets/${trick}/files/images/a.png`, h.auth);
        expectNothingOf(res, [secret, 'THEIRS-'], trick);
        expect(res.status, trick).toBeGreaterThanOrEqual(400);
        expect(res.status, trick).toBeLessThan(500);
      }
      // A NUL byte in the id is refused before anything is looked up.
      const nul = await rawGet(port, `/api/datasets/${id}%00/files/images/a.png`, h.auth);
      expectNothingOf(nul, [secret, 'THEIRS-'], 'NUL in the id');
      expect(nul.status).toBe(400);
      expect(nul.body.toString()).toContain('NUL byte');
    });

    it('refuses every trick without credentials before looking at the path', async () => {
      for (const trick of ['images/a.png', '../secret.txt', '..%2fsecret.txt', '%2e%2e/%2e%2e/secret.txt', '/etc/passwd']) {
        const res = await rawGet(port, `/api/datasets/${id}/files/${trick}`);
        expectNothingOf(res, [secret], trick);
        expect(res.status, trick).toBe(401);
      }
    });
  });

  it('answers URLs it cannot even decode in the API\'s error shape', async () => {
    for (const target of ['/api/datasets/%ff', '/%ff']) {
      const res = await rawGet(port, target, h.auth);
      expect(res.status, target).toBe(400);
      expect(JSON.parse(res.body.toString()), target).toMatchObject({ error: { code: 'bad_request', message: expect.stringContaining('Malformed request') } });
    }
  });
});
