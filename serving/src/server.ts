import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { envelope } from './envelope.ts';
import { ImageDecodeError, decodeImage } from './image.ts';
import type { Pipeline } from './pipeline.ts';
import { BadImageFieldError, MAX_IMAGE_BYTES, imageBytesFromBody } from './request-image.ts';

export interface ServerOptions {
  /** Fastify's logger option (false by default; main.ts turns it on). */
  logger?: FastifyServerOptions['logger'];
}

/**
 * Largest request body: the contract's 4 MB plus room for the JSON envelope around the base64.
 * Larger bodies are answered with the 400 envelope by the error handler below.
 */
export const MAX_BODY_BYTES = MAX_IMAGE_BYTES + 16 * 1024;

/** The HTTP service of a bundle: `POST /aip` (docs/contracts.md) and `GET /healthz`. */
export function createServer(pipeline: Pipeline, options: ServerOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAX_BODY_BYTES });

  // Clients often post JSON with curl's default form content type, or none: read any body as JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(Object.assign(new Error(`malformed body: ${(err as Error).message}`), { statusCode: 400 }), undefined);
    }
  });

  // Framework errors (body too large, invalid JSON, …) must still answer with the envelope.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(400).send(envelope(400, 'request body is larger than 4 MB'));
    if (status >= 400 && status < 500) {
      return reply.code(400).send(envelope(400, `malformed body: ${error.message}`));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(401).send(envelope(401, `prediction failed: ${error.message}`));
  });

  app.post('/aip', async (request, reply) => {
    let image;
    try {
      image = await decodeImage(imageBytesFromBody(request.body));
    } catch (err) {
      if (err instanceof BadImageFieldError || err instanceof ImageDecodeError) {
        return reply.code(400).send(envelope(400, err.message));
      }
      throw err;
    }
    try {
      const data = await pipeline.run(image);
      return reply.code(200).send(envelope(200, 'success', data));
    } catch (err) {
      request.log.error({ err }, 'prediction failed');
      return reply.code(401).send(envelope(401, `prediction failed: ${(err as Error).message}`));
    }
  });

  app.get('/healthz', async () => ({
    status: 'ok',
    pipeline: pipeline.spec.name,
    stages: pipeline.spec.stages.map((s) => s.id),
  }));

  return app;
}
