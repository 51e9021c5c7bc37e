/**
 * What the end-to-end tests do through the platform's public API, as a user's client would: upload
 * a dataset zip and wait for its check, save a flowchart, run it and wait for the run, download its
 * bundle — and start that bundle as its README says (unzip, ./deploy.sh) and ask it POST /aip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './free-port.ts';

/** Run states after which nothing happens without the user (`attention`: a stage failed and waits for a retry). */
export const RUN_FINISHED = ['succeeded', 'failed', 'cancelled', 'attention'];

/** Polls `read` every second until `done` holds; `check` may throw to stop waiting early (a process died). */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, check?: () => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    check?.();
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s; last value: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Parsed JSON of the API: its shape is what the tests check, so it stays untyped here. */
export type Json = any;

export interface ApiResponse {
  status: number;
  body: Json;
}

export class PlatformApi {
  constructor(
    readonly base: string,
    readonly token: string,
    /** Throws when the platform can no longer answer (its process died), so waits stop at once. */
    private readonly check?: () => void,
  ) {}

  async call(method: string, url: string, body?: unknown): Promise<ApiResponse> {
    const response = await fetch(`${this.base}${url}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Uploads a dataset zip and waits for its check; throws unless it is ready. Returns the dataset. */
  async uploadDataset(zipPath: string, options: { name: string; format?: string }): Promise<Json> {
    const form = new FormData();
    form.set('name', options.name);
    if (options.format) form.set('format', options.format);
    form.set('file', await openAsBlob(zipPath), path.basename(zipPath));
    const upload = await fetch(`${this.base}/api/datasets`, { method: 'POST', headers: { authorization: `Bearer ${this.token}` }, body: form });
    const uploaded = (await upload.json()) as { id?: string };
    if (upload.status !== 202 || !uploaded.id) throw new Error(`upload refused (${upload.status}): ${JSON.stringify(uploaded)}`);
    const { body } = await waitFor(
      () => this.call('GET', `/api/datasets/${uploaded.id}`),
      ({ body }) => body.status !== 'uploading' && body.status !== 'validating',
      5 * 60_000,
      this.check,
    );
    if (body.status !== 'ready') throw new Error(`dataset ${uploaded.id} is ${body.status}: ${JSON.stringify(body.problems ?? body.report)}`);
    return body;
  }

  /** Saves a flowchart and starts a run of it; throws when the validator finds problems. Returns the run id. */
  async startRun(name: string, graph: unknown): Promise<string> {
    const created = await this.call('POST', '/api/flowcharts', { name, graph });
    if (created.status !== 201) throw new Error(`flowchart refused (${created.status}): ${JSON.stringify(created.body)}`);
    if (created.body.problems?.length) throw new Error(`flowchart has problems: ${JSON.stringify(created.body.problems)}`);
    const started = await this.call('POST', `/api/flowcharts/${created.body.id}/runs`);
    if (started.status !== 201) throw new Error(`run refused (${started.status}): ${JSON.stringify(started.body)}`);
    return started.body.id as string;
  }

  /** Waits for a run to finish (whatever the outcome) and returns it. */
  async waitForRun(runId: string, timeoutMs: number): Promise<Json> {
    const { body } = await waitFor(() => this.call('GET', `/api/runs/${runId}`), ({ body }) => RUN_FINISHED.includes(body.status), timeoutMs, this.check);
    return body;
  }

  /** Downloads a file of the API (a bundle, a log) as bytes; throws unless 200. */
  async download(url: string): Promise<Buffer> {
    const response = await fetch(`${this.base}${url}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return Buffer.from(await response.arrayBuffer());
  }
}

export interface RunningBundle {
  url: string;
  dir: string;
  /** POST /aip with this image; the HTTP status and the JSON envelope. */
  ask(image: Buffer): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/**
 * Unzips a bundle into `dir` and starts it as its README says (`./deploy.sh`), on a free port, with
 * the bundled Node runtime — Docker would outlive the test in a container it does not own — and
 * waits for its health check.
 */
export async function startBundle(zip: Buffer, dir: string, timeoutMs = 5 * 60_000): Promise<RunningBundle> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'bundle.zip'), zip);
  // unzip keeps deploy.sh executable.
  await runCommand('unzip', ['-q', '-o', path.join(dir, 'bundle.zip'), '-d', path.join(dir, 'files')]);
  const cwd = path.join(dir, 'files');
  const port = await freePort();
  const server: ChildProcess = spawn('./deploy.sh', [], {
    cwd,
    env: { ...process.env, PORT: String(port), AIP_DEPLOY: 'node' },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group, so stopping it also stops the node server deploy.sh execs.
    detached: true,
  });
  let failure: Error | undefined;
  server.once('error', (error) => (failure = error));
  server.once('exit', (code) => (failure = new Error(`deploy.sh exited with ${code}`)));
  const stop = async () => {
    if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      () => fetch(`${url}/healthz`).then((r) => r.status).catch(() => 0),
      (status) => status === 200,
      timeoutMs,
      () => {
        if (failure) throw failure;
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const ask = async (image: Buffer): Promise<ApiResponse> => {
    const response = await fetch(`${url}/aip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: image.toString('base64') }),
    });
    return { status: response.status, body: await response.json() };
  };
  return { url, dir: cwd, ask, stop };
}

function runCommand(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}
