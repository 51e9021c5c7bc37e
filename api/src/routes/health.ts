import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkReadiness, serviceProbes } from '@aip/platform';
import type { AppDeps } from '../deps.ts';

const CheckSchema = Type.Union([Type.Literal('ok'), Type.String({ description: 'Why it failed' })]);

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
      const probes = serviceProbes(db, blobs, () => temporal.connection.workflowService.getSystemInfo({}));
      const { ok, checks } = await checkReadiness(probes, {
        onFailure: (dependency, error) => request.log.warn({ err: error, dependency }, 'readiness probe failed'),
      });
      return ok ? { ok: true as const, checks } : reply.status(503).send({ ok: false as const, checks });
    },
  );
};

export default healthRoutes;
