import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { processMetrics } from '@aip/platform';
import { gpuTaskQueue } from '@aip/workflows';
import { access } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import { apiMetrics } from '../metrics.ts';

/**
 * Prometheus metrics (`/metrics`, beside `/healthz`, outside /api): the process's own (Node,
 * and the workers' in the embedded process) and the API's (stages and runs by state, task queue
 * backlog), in Prometheus's text format. No credentials, like the health checks: it carries
 * counts, never names or ids; keep it off the public internet with the reverse proxy if needed.
 */
const metricsRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, temporal, config }) => {
  processMetrics(); // Node's own (GC, event loop lag) are measured from now on
  const gpuQueues = (config.gpuPools ?? ['default']).map((pool) => gpuTaskQueue(config.taskQueues.gpu, pool));
  const render = apiMetrics({
    db,
    temporal,
    taskQueues: [
      { name: config.taskQueues.orchestration, types: ['workflow', 'activity'] },
      ...[...new Set(gpuQueues)].map((name) => ({ name, types: ['activity' as const] })),
    ],
  });

  app.get(
    '/metrics',
    {
      config: { access: access.anyone('Prometheus scrapes it; it holds counts, not data') },
      schema: {
        tags: ['meta'],
        summary: 'Prometheus metrics: stages and runs by state, task queue backlog, activity and stage durations (no token needed)',
        security: [],
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'The Prometheus text exposition format (0.0.4)' }) },
      },
    },
    async (request, reply) => {
      const { contentType, body } = await render((source, error) => request.log.warn({ err: error, source }, 'a metrics source did not answer'));
      return reply.type(contentType).send(body);
    },
  );
};

export default metricsRoutes;
