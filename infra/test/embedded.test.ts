/**
 * `npm start`'s process on its embedded defaults (PGlite, local blob folder, both workers inside),
 * against the Temporal dev server: it starts, prints where it is and its token, keeps the token in
 * AIP_HOME/token, serves the API and the web app, ingests an upload, and stops cleanly.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';
import { drawShapeImages, freePort, startEmbeddedPlatform, writeDetectionZip } from '../src/testing/index.ts';

describe('embedded all-in-one process (Temporal, PGlite, local blobs)', () => {
  let home: string | undefined;
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('starts, prints its URLs and token, ingests an upload and stops on SIGTERM; the API alone reopens it', async () => {
    const temporal = process.env.TEMPORAL_ADDRESS;
    if (!temporal) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test`');
    const platform = await startEmbeddedPlatform();
    home = platform.home;
    const { base, token } = platform;
    let stopped = false;
    try {
      expect(platform.output()).toContain(`Access token ${token}`);
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
