/**
 * The AIP HTTP API as a Fastify instance (not listening: the caller owns the server, as in
 * fastify/demo). Every route declares TypeBox schemas per status code; the OpenAPI document at
 * /api/openapi.json is generated from them.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './deps.ts';
import { installAuth } from './auth.ts';
import { installErrorHandling, ErrorSchema } from './errors.ts';
import { installWebApp } from './web.ts';
import architectureRoutes from './routes/architectures.ts';
import datasetRoutes from './routes/datasets.ts';
import flowchartRoutes from './routes/flowcharts.ts';
import healthRoutes from './routes/health.ts';
import labelingRoutes from './routes/labeling.ts';
import labelingHookRoutes from './routes/labeling-hooks.ts';
import meRoutes from './routes/me.ts';
import modelRoutes from './routes/models.ts';
import runRoutes from './routes/runs.ts';
import stageRoutes from './routes/stages.ts';

function createInstance(logger: AppDeps['logger']) {
  const loggerOptions =
    typeof logger === 'object' ? { loggerInstance: logger } : { logger: logger ?? false };
  return Fastify({
    ...loggerOptions,
    // `/api/datasets/` answers like `/api/datasets`.
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = createInstance(deps.logger);
  installErrorHandling(app);

  app.addSchema(ErrorSchema);
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'AIP API',
        description:
          'AIP: upload image datasets, draw flowcharts of vision stages, train them in order and download deployment bundles.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'datasets', description: 'Image dataset uploads and their validation' },
        { name: 'flowcharts', description: 'Stage graphs and their validation' },
        { name: 'runs', description: 'Training runs of flowcharts, their status and bundles' },
        { name: 'models', description: 'The model registry' },
        { name: 'labeling', description: 'Labeling jobs of stages whose data lacks labels, the built-in labeler and the external tools\' webhook' },
        { name: 'meta', description: 'Architectures, health, documentation' },
      ],
    },
    // `$id`-named schemas (Error) become components instead of being inlined everywhere.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.register(swaggerUi, { routePrefix: '/api/docs' });
  // File size limits are per route (the dataset upload sets its own).
  app.register(multipart);

  installAuth(app, deps.db);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.register(healthRoutes);
  app.register(
    async (api) => {
      api.register(architectureRoutes);
      api.register(meRoutes, deps);
      api.register(datasetRoutes, deps);
      api.register(flowchartRoutes, deps);
      api.register(runRoutes, deps);
      api.register(stageRoutes, deps);
      api.register(modelRoutes, deps);
      api.register(labelingRoutes, deps);
      api.register(labelingHookRoutes, deps);
    },
    { prefix: '/api' },
  );
  installWebApp(app, deps.webRoot);
  return app as unknown as FastifyInstance;
}
