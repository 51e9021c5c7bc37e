/**
 * Test harness shared by the API tests: the real app on an in-memory PGlite, a local blob store in
 * a temporary folder and a real Temporal client (TEMPORAL_ADDRESS). Workflows go to a task queue
 * of their own that no worker polls, so tests start workflows without running them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client, Connection, defaultPayloadConverter } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { apiTokens, newId, ID_PREFIX, openBlobStore, openDatabase, users, type BlobStore, type Database, type Role } from '@aip/platform';
import { ensureSearchAttributes } from '@aip/workflows/temporal';
import { buildApp } from './app.ts';
import type { ApiConfig, AppDeps } from './deps.ts';
import { ensureAdminToken, hashToken, newTokenSecret } from './auth.ts';
import { hashPassword } from './passwords.ts';

export interface Harness {
  app: FastifyInstance;
  db: Database;
  blobs: BlobStore;
  temporal: Client;
  taskQueue: string;
  userId: string;
  token: string;
  auth: { authorization: string };
  /** Workflow ids to terminate when the tests are done. */
  started: Set<string>;
  close(): Promise<void>;
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error('TEMPORAL_ADDRESS is not set: these tests need the Temporal dev server (e.g. TEMPORAL_ADDRESS=127.0.0.1:7233).');
  }
  return address;
}

export async function startHarness(options: { uploadMaxBytes?: number } = {}): Promise<Harness> {
  const address = temporalAddress();
  const opened = await openDatabase('pglite://memory');
  const blobDir = await mkdtemp(path.join(os.tmpdir(), 'aip-api-test-'));
  const blobs = await openBlobStore(`file://${blobDir}`);
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  // The API starts runs with AIP's search attributes, as the real server does after registering them.
  await ensureSearchAttributes(connection, temporal.options.namespace);
  const taskQueue = `aip-api-test-${randomBytes(6).toString('hex')}`;
  const { userId, token } = await ensureAdminToken(opened.db);
  if (!token) throw new Error('ensureAdminToken did not mint a token on an empty database');
  const app = buildApp({
    config: {
      heartbeatTimeoutMs: 12_345,
      temporal: { namespace: temporal.options.namespace, uiUrl: undefined },
      taskQueues: { orchestration: taskQueue, gpu: `${taskQueue}-gpu` },
      ...(options.uploadMaxBytes ? { uploadMaxBytes: options.uploadMaxBytes } : {}),
    },
    db: opened.db,
    blobs,
    temporal,
  });
  await app.ready();
  const started = new Set<string>();
  return {
    app,
    db: opened.db,
    blobs,
    temporal,
    taskQueue,
    userId,
    token,
    auth: { authorization: `Bearer ${token}` },
    started,
    async close() {
      await Promise.all(
        [...started].map((id) =>
          temporal.workflow
            .getHandle(id)
            .terminate('api test done')
            .catch(() => {}),
        ),
      );
      await app.close();
      await connection.close();
      await opened.close();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  auth: { authorization: string };
}

// One hash for every test user: scrypt at full strength costs ~0.3 s a hash.
const TEST_PASSWORD = 'correct horse battery staple';
let testPasswordHash: Promise<string> | undefined;

/** A user with a password (TEST_PASSWORD) and an API token, straight into the database. */
export async function addUser(db: Database, options: { role?: Role; name?: string } = {}): Promise<TestUser> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  const id = newId(ID_PREFIX.user);
  const email = `${options.name ?? 'user'}-${id.slice(-6)}@example.com`;
  await db.insert(users).values({ id, email, name: options.name ?? 'Test user', role: options.role ?? 'user', passwordHash: await testPasswordHash });
  const token = newTokenSecret();
  await db.insert(apiTokens).values({ id: newId(ID_PREFIX.apiToken), userId: id, name: 'test', tokenHash: hashToken(token) });
  return { id, email, password: TEST_PASSWORD, token, auth: { authorization: `Bearer ${token}` } };
}

/** Signs in through the API: the session cookie and CSRF token as headers for app.inject. */
export async function signIn(app: FastifyInstance, email: string, password: string) {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'aip_session');
  if (!cookie) throw new Error('sign-in set no session cookie');
  const csrfToken = res.json().csrfToken as string;
  return {
    cookie: `aip_session=${cookie.value}`,
    csrfToken,
    /** Headers of a read. */
    read: { cookie: `aip_session=${cookie.value}` },
    /** Headers of a write (the CSRF token too). */
    write: { cookie: `aip_session=${cookie.value}`, 'x-csrf-token': csrfToken },
  };
}

/**
 * Another app on the harness's database, blobs and Temporal (not ready, not listening): with its
 * own configuration, logger, web root or a dependency swapped for a broken one. Close it yourself.
 */
export function buildAppOn(h: Harness, overrides: Partial<Omit<AppDeps, 'config'>> & { config?: Partial<ApiConfig> } = {}): FastifyInstance {
  const { config, ...deps } = overrides;
  return buildApp({
    config: {
      heartbeatTimeoutMs: 1000,
      temporal: { namespace: h.temporal.options.namespace, uiUrl: undefined },
      taskQueues: { orchestration: h.taskQueue, gpu: `${h.taskQueue}-gpu` },
      ...config,
    },
    db: h.db,
    blobs: h.blobs,
    temporal: h.temporal,
    ...deps,
  });
}

/** The type, task queue and decoded arguments a workflow was started with. */
export async function startedWorkflow(temporal: Client, workflowId: string) {
  const handle = temporal.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  return {
    type: description.type,
    taskQueue: description.taskQueue,
    status: description.status.name,
    args: payloads.map((p) => defaultPayloadConverter.fromPayload(p)),
  };
}

/**
 * A multipart/form-data body as a stream: the given fields, then (optionally) one file part of
 * `file.bytes` generated bytes, produced chunk by chunk, then `fieldsAfterFile`.
 */
export function multipartBody(
  fields: Record<string, string>,
  file?: { field?: string; filename: string; bytes: number },
  fieldsAfterFile: Record<string, string> = {},
): { payload: Readable; headers: Record<string, string> } {
  const boundary = `----aip-test-${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  async function* generate() {
    for (const [name, value] of Object.entries(fields)) yield field(name, value);
    if (file) {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\n` +
          'Content-Type: application/zip\r\n\r\n',
      );
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      for (let left = file.bytes; left > 0; left -= chunk.length) {
        yield left >= chunk.length ? chunk : chunk.subarray(0, left);
      }
      yield Buffer.from('\r\n');
    }
    for (const [name, value] of Object.entries(fieldsAfterFile)) yield field(name, value);
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return {
    payload: Readable.from(generate()),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
