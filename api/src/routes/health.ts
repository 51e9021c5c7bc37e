import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';

/** How long a readiness probe waits for one dependency before calling it down. */
const PROBE_TIMEOUT_MS = 3000;

const CheckSchema = Type.Union([Type.Literal('ok'), Type.String({ description: 'Why it failed' })]);

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Liveness (`/healthz`: the process answers; nothing else touched) and readiness (`/readyz`: the
 * database, the blob store and Temporal answer, so a load balancer sends traffic only to replicas
 * that can serve it). Neither needs credentials nor says more than ok / which dependency failed.
 */
const healthRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, blobs, temporal }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['meta'],
        summary: 'Liveness check (no token needed)',
        security: [],
        response: { 200: Type.Object({ ok: Type.Literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['meta'],
        summary: 'Readiness check: the database, blob store and Temporal answer (no token needed)',
        security: [],
        response: {
          200: Type.Object({ ok: Type.Literal(true), checks: Type.Record(Type.String(), CheckSchema) }),
          503: Type.Object({ ok: Type.Literal(false), checks: Type.Record(Type.String(), CheckSchema) }),
        },
      },
    },
    async (request, reply) => {
      const probes: Record<string, () => Promise<unknown>> = {
        database: () => db.execute(sql`select 1`),
        blobs: () => blobs.exists('readyz/probe'),
        temporal: () => temporal.connection.workflowService.getSystemInfo({}),
      };
      const results = await Promise.all(
        Object.entries(probes).map(async ([name, probe]) => {
          try {
            await within(probe(), name);
            return [name, 'ok'] as const;
          } catch (error) {
            request.log.warn({ err: error, dependency: name }, 'readiness probe failed');
            return [name, error instanceof Error ? error.message.split('\n', 1)[0]!.slice(0, 200) : String(error)] as const;
          }
        }),
      );
      const checks = Object.fromEntries(results);
      const ok = results.every(([, state]) => state === 'ok');
      return ok ? { ok: true as const, checks } : reply.status(503).send({ ok: false as const, checks });
    },
  );
};

export default healthRoutes;
