/**
 * Readiness: do the services this process needs answer? The API's `/readyz` and a worker
 * process's `/readyz` (infra/src/worker-http.ts) ask the same questions the same way: the
 * database, the blob store and Temporal, each given a few seconds.
 */
import { sql } from 'drizzle-orm';
import type { BlobStore } from './blobs/store.ts';
import type { Database } from './db/open.ts';

/** How long a readiness probe waits for one dependency before calling it down. */
export const PROBE_TIMEOUT_MS = 3000;

/** One question per dependency: resolves when it answers. */
export type ReadinessProbes = Record<string, () => Promise<unknown>>;

export interface Readiness {
  ok: boolean;
  /** Each dependency: `ok`, or why it is not (one line). */
  checks: Record<string, string>;
}

/** The probes of the services every AIP process shares; `temporal` asks Temporal for its system info. */
export function serviceProbes(db: Database, blobs: BlobStore, temporal: () => Promise<unknown>): ReadinessProbes {
  return {
    database: () => db.execute(sql`select 1`),
    blobs: () => blobs.exists('readyz/probe'),
    temporal,
  };
}

/** Runs every probe at once; `onFailure` hears each failure (for the log). */
export async function checkReadiness(
  probes: ReadinessProbes,
  options: { timeoutMs?: number; onFailure?: (dependency: string, error: unknown) => void } = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const results = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      try {
        await within(probe(), name, timeoutMs);
        return [name, 'ok'] as const;
      } catch (error) {
        options.onFailure?.(name, error);
        return [name, error instanceof Error ? error.message.split('\n', 1)[0]!.slice(0, 200) : String(error)] as const;
      }
    }),
  );
  return { ok: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
}

function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
