/**
 * The AIP HTTP API as a Fastify instance (not listening: the caller owns the server, as in
 * fastify/demo). Every route declares TypeBox schemas per status code; the OpenAPI document at
 * /api/openapi.json is generated from them.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LOG_REDACT_CENSOR, LOG_REDACT_PATHS } from '@aip/platform';
import type { AppDeps } from './deps.ts';
import { access, installAccess } from './access.ts';
import { ApiError, errorBody, installErrorHandling, ErrorSchema } from './errors.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { installWebApp } from './web.ts';
import adminRoutes from './routes/admin.ts';
import architectureRoutes from './routes/architectures.ts';
import datasetRoutes from './routes/datasets.ts';
import flowchartRoutes from './routes/flowcharts.ts';
import authRoutes from './routes/auth.ts';
import healthRoutes from './routes/health.ts';
import labelingRoutes from './routes/labeling.ts';
import labelingHookRoutes from './routes/labeling-hooks.ts';
import meRoutes from './routes/me.ts';
import metricsRoutes from './routes/metrics.ts';
import modelRoutes from './routes/models.ts';
import refineryRoutes from './routes/refinery.ts';
import atlasRoutes from './routes/atlas.ts';
import runRoutes from './routes/runs.ts';
import stageRoutes from './routes/stages.ts';

// One list for every AIP process's logs (platform's logging): credentials never reach a line.
export { LOG_REDACT_PATHS };

function createInstance(logger: AppDeps['logger'], trustProxy: AppDeps['config']['trustProxy']) {
  const logging =
    logger === undefined || logger === false
      ? false
      : {
          level: (logger === true ? undefined : logger.level) ?? 'info',
          ...(logger !== true && logger.stream ? { stream: logger.stream } : {}),
          redact: { paths: LOG_REDACT_PATHS, censor: LOG_REDACT_CENSOR },
        };
  return Fastify({
    logger: logging,
    // Behind a proxy: the client's address (rate limits) and scheme (Secure cookies) from X-Forwarded-*.
    // A hop count becomes Fastify's own rule for it: trust the nearest `n` hops.
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : (trustProxy ?? false),
    // `/api/datasets/` answers like `/api/datasets`.
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // Requests Fastify cannot even route (a malformed URL, a bad content type header) answer in the
    // API's error shape too; no hook runs for them, so the no-sniffing header is set here.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply)
        .status(400)
        .header('x-content-type-options', 'nosniff')
        .send(errorBody('bad_request', `Malformed request: ${error.message}`));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = createInstance(deps.logger, deps.config.trustProxy);
  installErrorHandling(app);
  installSecurityHeaders(app, deps.webRoot);

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
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token (Account → API tokens).' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'aip_session',
            description: 'The web app’s session (POST /api/auth/login); writes also need the x-csrf-token header.',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      tags: [
        { name: 'datasets', description: 'Image dataset uploads and their validation' },
        { name: 'flowcharts', description: 'Stage graphs and their validation' },
        { name: 'runs', description: 'Training runs of flowcharts, their status and bundles' },
        { name: 'models', description: 'The model registry, and uploads of models made elsewhere' },
        { name: 'refinery', description: 'The model refinery: new models made from existing ones (pruning, distillation, amalgamation …)' },
        { name: 'atlas', description: 'The model atlas: how transferable models are to each other (attribution-map distances)' },
        { name: 'labeling', description: 'Labeling jobs of stages whose data lacks labels, the built-in labeler and the external tools\' webhook' },
        { name: 'account', description: 'Signing in, your account and API tokens' },
        { name: 'admin', description: 'Users, invitations and usage (administrators)' },
        { name: 'meta', description: 'Architectures, health, documentation' },
      ],
    },
    // `$id`-named schemas (Error) become components instead of being inlined everywhere.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.register(swaggerUi, { routePrefix: '/api/docs' });
  // File size limits are per route (the dataset upload sets its own).
  app.register(multipart);

  app.register(cookie);
  // Limits are per route (sign-in, invitations); nothing is limited unless it says so.
  app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate_limited', `Too many attempts; try again in ${context.after}.`),
  });
  installAccess(app, deps.db);

  app.get('/api/openapi.json', { schema: { hide: true }, config: { access: access.anyone('the public API description') } }, async () =>
    app.swagger(),
  );
  app.register(healthRoutes, deps);
  app.register(metricsRoutes, deps);
  app.register(
    async (api) => {
      api.register(architectureRoutes);
      api.register(authRoutes, deps);
      api.register(meRoutes, deps);
      api.register(adminRoutes, deps);
      api.register(datasetRoutes, deps);
      api.register(flowchartRoutes, deps);
      api.register(runRoutes, deps);
      api.register(stageRoutes, deps);
      api.register(modelRoutes, deps);
      api.register(refineryRoutes, deps);
      api.register(atlasRoutes, deps);
      api.register(labelingRoutes, deps);
      api.register(labelingHookRoutes, deps);
    },
    { prefix: '/api' },
  );
  installWebApp(app, deps.webRoot);
  return app as unknown as FastifyInstance;
}
