/**
 * The whole platform for browser tests, as `npm start` runs it: infra/src/main.ts (API, web app and
 * both workers on PGlite and a local blob folder) against the Temporal server at TEMPORAL_ADDRESS,
 * on a free port, with task queues of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../paths.ts';
import { freePort } from './free-port.ts';

/** The administrator every fresh platform starts with (api/src/auth.ts). */
const ADMIN_EMAIL = 'admin@localhost';

export interface EmbeddedPlatform {
  base: string;
  port: number;
  /** The admin's API token (AIP_HOME/token), for calls as the admin with `Authorization: Bearer`. */
  token: string;
  /** The admin's sign-in for the web app: admin@localhost … */
  adminEmail: string;
  /** … and the first password the platform generated (AIP_HOME/initial-admin-password); '' once changed. */
  adminPassword: string;
  home: string;
  /** Its task queues: start another process on the same home and queues to restart it. */
  queues: { orchestration: string; gpu: string };
  /** What the process printed so far (stdout and stderr). */
  output(): string;
  /** Stops it (SIGTERM) and resolves with its exit code; removes AIP_HOME unless told to keep it. */
  stop(options?: { keepHome?: boolean }): Promise<number | null>;
}

/**
 * Starts the platform on a fresh AIP_HOME, or — given the `home` and `queues` of one stopped with
 * `keepHome` — restarts it on the same state and task queues (its workflows carry on).
 */
export async function startEmbeddedPlatform(restart?: Pick<EmbeddedPlatform, 'home' | 'queues'>): Promise<EmbeddedPlatform> {
  const temporal = process.env.TEMPORAL_ADDRESS;
  if (!temporal) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test` (it starts Temporal)');
  const home = restart?.home ?? (await mkdtemp(path.join(os.tmpdir(), 'aip-web-test-')));
  const port = await freePort();
  const suffix = `${Date.now().toString(36)}-${process.pid}`;
  const queues = restart?.queues ?? { orchestration: `web-test-${suffix}`, gpu: `web-test-gpu-${suffix}` };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'infra/src/main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      AIP_HOME: home,
      AIP_PORT: String(port),
      TEMPORAL_ADDRESS: temporal,
      AIP_ORCHESTRATION_QUEUE: queues.orchestration,
      AIP_GPU_QUEUE: queues.gpu,
      DATABASE_URL: '',
      BLOB_URL: '',
      AIP_TOKEN: '',
      AIP_ADMIN_PASSWORD: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (options: { keepHome?: boolean } = {}) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const code = await exited;
    if (!options.keepHome) await rm(home, { recursive: true, force: true });
    return code;
  };
  try {
    const deadline = Date.now() + 120_000;
    while (!output.includes('Stop with Ctrl-C')) {
      if (child.exitCode !== null) throw new Error(`infra/src/main.ts exited with ${child.exitCode}:\n${output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`infra/src/main.ts did not start in 120 s:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const token = (await readFile(path.join(home, 'token'), 'utf8')).trim();
    const passwordFile = path.join(home, 'initial-admin-password');
    const adminPassword = existsSync(passwordFile) ? (await readFile(passwordFile, 'utf8')).trim() : '';
    return {
      base: `http://127.0.0.1:${port}`,
      port,
      token,
      adminEmail: ADMIN_EMAIL,
      adminPassword,
      home,
      queues,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
