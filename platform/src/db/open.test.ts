import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_PREFIX, newId } from './ids.ts';
import { type Database, MIGRATIONS_FOLDER, type OpenedDatabase, openDatabase } from './open.ts';
import { datasets, models, runs, stageRuns, users } from './schema.ts';

const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
  entries: unknown[];
};
const TABLES = [
  'api_tokens',
  'bundles',
  'datasets',
  'flowcharts',
  'labeling_jobs',
  'model_parents',
  'models',
  'refinery_tasks',
  'runs',
  'stage_runs',
  'users',
];

async function tableNames(db: Database): Promise<string[]> {
  const result = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  return result.rows.map((row) => row.table_name);
}

async function appliedMigrations(db: Database): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return Number(result.rows[0]?.n);
}

/** Insert and read back through the shared Database type, including the idempotent upserts. */
async function roundTrip(db: Database): Promise<void> {
  const userId = newId(ID_PREFIX.user);
  await db.insert(users).values({ id: userId, email: `${userId}@example.com`, name: 'Ada' });
  const datasetId = newId(ID_PREFIX.dataset);
  await db.insert(datasets).values({
    id: datasetId,
    ownerId: userId,
    name: 'shapes',
    format: 'detection',
    blobPrefix: `datasets/${datasetId}/`,
    stats: { images: 3, classes: ['round', 'angular'] },
  });
  const [dataset] = await db.select().from(datasets).where(eq(datasets.id, datasetId));
  expect(dataset).toMatchObject({ name: 'shapes', status: 'uploading', visibility: 'private', stats: { images: 3 } });
  expect(dataset?.createdAt).toBeInstanceOf(Date);

  const runId = newId(ID_PREFIX.run);
  await db.insert(runs).values({ id: runId, ownerId: userId, flowchartRevision: 1, graph: { nodes: [], edges: [] }, plan: { version: 1, stages: [] }, workflowId: `wf-${runId}` });
  // Recording a stage twice (a retried activity) updates the one row.
  for (const state of ['training', 'succeeded'] as const) {
    await db
      .insert(stageRuns)
      .values({ id: newId(ID_PREFIX.stageRun), runId, nodeId: 'detect', state })
      .onConflictDoUpdate({ target: [stageRuns.runId, stageRuns.nodeId], set: { state } });
  }
  const stages = await db.select().from(stageRuns).where(eq(stageRuns.runId, runId));
  expect(stages.map((s) => s.state)).toEqual(['succeeded']);

  // Registering the same stage's model twice keeps the first row.
  const register = (id: string) =>
    db
      .insert(models)
      .values({ id, ownerId: userId, name: 'detect', task: 'detection', arch: 'tiny_det', classes: ['round', 'angular'], blobPrefix: `models/${id}/`, origin: 'run', originRunId: runId, originNodeId: 'detect' })
      .onConflictDoNothing({ target: [models.originRunId, models.originNodeId] });
  const firstModelId = newId(ID_PREFIX.model);
  await register(firstModelId);
  await register(newId(ID_PREFIX.model));
  const registered = await db.select().from(models).where(eq(models.originRunId, runId));
  expect(registered.map((m) => [m.id, m.classes])).toEqual([[firstModelId, ['round', 'angular']]]);

  // Unique (run_id, node_id) is enforced by the database itself.
  await expect(db.insert(stageRuns).values({ id: newId(ID_PREFIX.stageRun), runId, nodeId: 'detect' })).rejects.toThrow();
}

describe('newId', () => {
  it('makes prefixed, lowercase, unique ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('ds')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^ds_[0-9a-z]{25}$/);
    expect(() => newId('DS')).toThrow(/prefix/);
  });
});

describe('openDatabase on PGlite', () => {
  it('migrates an in-memory database and round-trips rows', async () => {
    const opened = await openDatabase('pglite://memory');
    try {
      expect(opened.kind).toBe('pglite');
      expect(await tableNames(opened.db)).toEqual(expect.arrayContaining(TABLES));
      expect(await appliedMigrations(opened.db)).toBe(journal.entries.length);
      await roundTrip(opened.db);
    } finally {
      await opened.close();
    }
  });

  it('keeps data in a folder across reopenings without re-migrating', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aip-pglite-'));
    try {
      const url = `pglite://${path.join(dir, 'db')}`;
      const first = await openDatabase(url);
      await first.db.insert(users).values({ id: 'usr_persist', email: 'p@example.com' });
      await first.close();
      const second = await openDatabase(url);
      try {
        expect(await second.db.select({ id: users.id }).from(users)).toEqual([{ id: 'usr_persist' }]);
        expect(await appliedMigrations(second.db)).toBe(journal.entries.length);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown URL scheme with the URL in the message, password hidden', async () => {
    await expect(openDatabase('mysql://root:hunter2@db/aip')).rejects.toThrow(/mysql:\/\/root:\*\*\*@db\/aip/);
  });
});

describe('openDatabase on PostgreSQL (needs AIP_TEST_POSTGRES_URL)', () => {
  const adminUrl = process.env.AIP_TEST_POSTGRES_URL;
  const dbName = `aip_platform_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  let url = '';
  const opened: OpenedDatabase[] = [];

  beforeAll(async () => {
    if (!adminUrl) throw new Error('AIP_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server (see infra/ dev services)');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${dbName}`;
    url = parsed.toString();
  });

  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close().catch(() => {})));
    if (!adminUrl) return;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  });

  it('migrates a fresh database from several processes at once under the advisory lock', async () => {
    // Three "replicas" starting together: without the lock they race on CREATE TABLE.
    const settled = await Promise.allSettled([openDatabase(url), openDatabase(url), openDatabase(url)]);
    const replicas = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    opened.push(...replicas);
    expect(settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []))).toEqual([]);
    for (const replica of replicas) expect(replica.kind).toBe('postgres');
    expect(await tableNames(replicas[0]!.db)).toEqual(expect.arrayContaining(TABLES));
    expect(await appliedMigrations(replicas[0]!.db)).toBe(journal.entries.length);
  });

  it('opens again without re-applying migrations and round-trips rows', async () => {
    const again = await openDatabase(url);
    opened.push(again);
    expect(await appliedMigrations(again.db)).toBe(journal.entries.length);
    await roundTrip(again.db);
  });
});
