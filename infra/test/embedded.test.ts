/**
 * `npm start`'s process on its embedded defaults (PGlite, local blob folder, both workers inside),
 * against the Temporal dev server: it starts, prints where it is and how to sign in (the admin's
 * first password and API token stay in owner-only files under AIP_HOME, never on the console),
 * serves the API and the web app, ingests an upload, and stops cleanly.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';
import { drawShapeImages, freePort, startEmbeddedPlatform, writeDetectionZip } from '../src/testing/index.ts';

describe('embedded all-in-one process (Temporal, PGlite, local blobs)', () => {
  let home: string | undefined;
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('starts, prints its URLs and how to sign in, ingests an upload and stops on SIGTERM; the API alone reopens it', async () => {
    const temporal = process.env.TEMPORAL_ADDRESS;
    if (!temporal) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test`');
    const platform = await startEmbeddedPlatform();
    home = platform.home;
    const { base, token } = platform;
    let stopped = false;
    try {
      const passwordFile = path.join(home, 'initial-admin-password');
      expect(platform.output()).toContain(`Sign in      as admin@localhost, password in ${passwordFile}`);
      expect(platform.output()).toContain(`API token    in ${path.join(home, 'token')}`);
      const password = (await readFile(passwordFile, 'utf8')).trim();
      expect((await stat(passwordFile)).mode & 0o077).toBe(0);
      expect(platform.output()).not.toContain(token);
      expect(platform.output()).not.toContain(password);
      const signIn = (pw: string) =>
        fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@localhost', password: pw }) });
      expect((await signIn(password)).status).toBe(200);
      // Choosing a password of one's own makes the generated one useless: the next start removes its file.
      const changed = await fetch(`${base}/api/me/password`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword: password, newPassword: 'a phrase chosen by ops' }),
      });
      expect(changed.status).toBe(204);
      expect(platform.output()).toContain(`http://127.0.0.1:${platform.port}/`);
      expect((await fetch(`${base}/`)).status).toBe(200);
      expect((await fetch(`${base}/api/datasets`)).status).toBe(401);

      const zip = path.join(home, 'shapes.zip');
      await writeDetectionZip(await drawShapeImages(12, 5), zip);
      const form = new FormData();
      form.set('file', new Blob([await readFile(zip)]), 'shapes.zip');
      const upload = await fetch(`${base}/api/datasets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      expect(upload.status).toBe(202);
      const { id } = (await upload.json()) as { id: string };
      let dataset: { status: string; stats?: { images: number } } = { status: 'validating' };
      await until(
        async () => {
          const response = await fetch(`${base}/api/datasets/${id}`, { headers: { authorization: `Bearer ${token}` } });
          dataset = (await response.json()) as typeof dataset;
          return dataset.status === 'ready' || dataset.status === 'invalid';
        },
        60_000,
        () => JSON.stringify(dataset),
      );
      expect(dataset.status).toBe('ready');
      expect(dataset.stats?.images).toBe(12);
      stopped = true;
      expect(await platform.stop({ keepHome: true })).toBe(0);
    } finally {
      if (!stopped) await platform.stop({ keepHome: true });
    }

    // The API's production entry point on the same state: same admin, same token, no workers.
    const apiPort = await freePort();
    const api = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'infra/src/api.ts')], {
      cwd: repoRoot,
      env: { ...process.env, AIP_HOME: home, AIP_PORT: String(apiPort), AIP_HOST: '127.0.0.1', TEMPORAL_ADDRESS: temporal },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let apiOutput = '';
    api.stdout.on('data', (chunk: Buffer) => (apiOutput += chunk.toString()));
    const apiExited = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)));
    try {
      await until(() => apiOutput.includes('AIP API listening'), 60_000, () => apiOutput);
      expect(apiOutput).toContain('sign in as admin@localhost');
      expect(apiOutput).not.toContain('initial-admin-password');
      expect(existsSync(path.join(home, 'initial-admin-password'))).toBe(false);
      const token = (await readFile(path.join(home, 'token'), 'utf8')).trim();
      const listed = await fetch(`http://127.0.0.1:${apiPort}/api/datasets`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as unknown[]).length).toBe(1);
    } finally {
      api.kill('SIGTERM');
    }
    expect(await apiExited).toBe(0);
  }, 240_000);
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, last: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out; last: ${last().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
