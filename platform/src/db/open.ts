// Opens the database named by DATABASE_URL and brings its schema up to date, so every process can
// start against an empty database. PGlite (embedded Postgres, one process) and PostgreSQL (pg Pool)
// share one drizzle type, so queries are written once.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/**
 * What raw `db.execute(sql…)` resolves to on both drivers: PGlite's `Results` and pg's
 * `QueryResult` both carry `rows` (drizzle's own base type would say `unknown`).
 */
export interface AipQueryResultHKT extends PgQueryResultHKT {
  type: AipQueryResult<this['row']>;
}
export interface AipQueryResult<TRow> {
  rows: TRow[];
}
/** The one drizzle type of both drivers, so queries are written once. */
export type Database = PgDatabase<AipQueryResultHKT, Schema>;

export interface OpenedDatabase {
  db: Database;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations at open (default true). */
  migrate?: boolean;
  /** Maximum connections of the PostgreSQL pool (default 10). */
  poolSize?: number;
}

/** The committed migrations (platform/drizzle), found relative to this file since we run from source. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Arbitrary constant shared by every AIP process: replicas starting at once take turns migrating.
const MIGRATION_LOCK_KEY = 0x4149_5001; // "AIP" 01

/**
 * `pglite://memory` (in-memory, for tests), `pglite://<folder>` (absolute or relative to the cwd;
 * the folder is created), or `postgres://…` / `postgresql://…`.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const runMigrations = options.migrate ?? true;
  if (url.startsWith('pglite://')) return openPglite(url.slice('pglite://'.length), runMigrations);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url, runMigrations, options.poolSize ?? 10);
  }
  throw new Error(
    `openDatabase: unsupported database URL ${JSON.stringify(redact(url))}: expected pglite://<folder>, pglite://memory or postgres://…`,
  );
}

async function openPglite(location: string, runMigrations: boolean): Promise<OpenedDatabase> {
  if (!location) throw new Error('openDatabase: pglite:// URL names no folder (use pglite://memory for in-memory)');
  let dataDir: string | undefined;
  if (location !== 'memory') {
    dataDir = path.resolve(location);
    await mkdir(dataDir, { recursive: true });
  }
  const client = await PGlite.create(dataDir);
  try {
    const db = drizzlePglite({ client, schema });
    // PGlite is single-connection and single-process: no lock needed.
    if (runMigrations) await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return { db: db as unknown as Database, kind: 'pglite', close: () => client.close() };
  } catch (error) {
    await client.close().catch(() => {});
    throw new Error(`openDatabase: cannot open PGlite at ${dataDir ?? 'memory'}: ${message(error)}`, { cause: error });
  }
}

async function openPostgres(url: string, runMigrations: boolean, poolSize: number): Promise<OpenedDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => {});
  try {
    if (runMigrations) {
      const client = await pool.connect();
      try {
        // Session-level lock on this one connection; the migrator runs on the same connection.
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migratePg(drizzlePg({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`openDatabase: cannot migrate PostgreSQL at ${redact(url)}: ${message(error)}`, { cause: error });
  }
  const db = drizzlePg({ client: pool, schema });
  return { db: db as unknown as Database, kind: 'postgres', close: () => pool.end() };
}

/** Hide the password of a connection URL in error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
