import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SERVING_DIR, drawScene, makeModels, removeTempDirs, tempDir, writeBundle } from '../test/fixtures.ts';
import { bundleRuntimeFiles } from './bundle-files.ts';
import type { Envelope } from './envelope.ts';
import { type PipelineResult, collectObjects } from './pipeline.ts';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not answer ${url} within 30 s:\n${output()}`);
}

describe('bundle template', () => {
  it('pins the runtime dependencies at the versions of the repository lock file', () => {
    const template = readJson(join(SERVING_DIR, 'bundle-template', 'package.json'));
    const rootLock = readJson(join(REPO_ROOT, 'package-lock.json'));
    const templateLock = readJson(join(SERVING_DIR, 'bundle-template', 'package-lock.json'));
    expect(Object.keys(template.dependencies).sort()).toEqual(['fastify', 'onnxruntime-node', 'sharp']);
    for (const [name, version] of Object.entries(template.dependencies)) {
      expect(version, name).toBe(rootLock.packages[`node_modules/${name}`].version);
      expect(templateLock.packages[`node_modules/${name}`].version, `${name} in the template lock`).toBe(version);
    }
    expect(templateLock.packages[''].dependencies).toEqual(template.dependencies);
  });
});

describe('bundle: built server.mjs started by deploy.sh with Node, real HTTP', () => {
  let child: ChildProcess | undefined;
  let log = '';
  let port = 0;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '-w', 'serving'], { cwd: REPO_ROOT, stdio: 'pipe' });
    const bundle = writeBundle(makeModels(), undefined, undefined, tempDir('deploy'));
    const { files } = bundleRuntimeFiles();
    for (const file of files) {
      copyFileSync(file.source, join(bundle, file.path));
      chmodSync(join(bundle, file.path), file.mode);
    }
    // Tests only: reuse the repository's installed packages instead of deploy.sh's npm install.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(bundle, 'node_modules'), 'dir');
    port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), AIP_DEPLOY: 'node' };
    delete env.AIP_BUNDLE_DIR;
    child = spawn(join(bundle, 'deploy.sh'), [], { cwd: tempDir('cwd'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, child, () => log);
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    removeTempDirs();
  });

  it('lists server.mjs and the template files', () => {
    expect(bundleRuntimeFiles().files.map((f) => f.path).sort()).toEqual(
      ['.dockerignore', 'Dockerfile', 'README.md', 'deploy.sh', 'package-lock.json', 'package.json', 'server.mjs'].sort(),
    );
  });

  it('answers POST /aip over HTTP and stops cleanly on SIGTERM', async () => {
    const image = (await drawScene()).toString('base64');
    const response = await fetch(`http://127.0.0.1:${port}/aip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Envelope;
    expect(body.code).toBe(200);
    expect(body.time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(collectObjects(body.data as PipelineResult, 'detect').map((o) => o.fineClass)).toEqual(['red', 'blue']);

    const bad = await fetch(`http://127.0.0.1:${port}/aip`, { method: 'POST', body: '{"image": "%%%"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Envelope).code).toBe(400);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
