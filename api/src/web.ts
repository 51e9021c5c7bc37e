/**
 * The web app at `/`: the SvelteKit static build (web/build) once built, else the placeholder page
 * (web/static). Unknown non-API GET paths without a file extension get the app's index.html so
 * client-side routes survive a reload; everything else unknown gets a JSON 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { errorBody } from './errors.ts';

const WEB_FOLDER = new URL('../../web/', import.meta.url);

export function defaultWebRoot(): string | undefined {
  for (const candidate of ['build', 'static']) {
    const folder = fileURLToPath(new URL(candidate, WEB_FOLDER));
    if (existsSync(folder)) return folder;
  }
  return undefined;
}

/** The folder actually served at `/`: `webRoot` (default: defaultWebRoot()) when it exists. */
export function servedWebRoot(webRoot = defaultWebRoot()): string | undefined {
  return webRoot !== undefined && existsSync(webRoot) ? webRoot : undefined;
}

export function installWebApp(app: FastifyInstance, webRoot?: string): void {
  const root = servedWebRoot(webRoot);
  if (root) app.register(fastifyStatic, { root, index: ['index.html'] });
  const hasIndex = root !== undefined && existsSync(join(root, 'index.html'));

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const isApi = path === '/api' || path.startsWith('/api/');
    // Paths with an extension are missing files (a stale asset), not client-side routes.
    const isRoute = !/\.[^/]*$/.test(path);
    if (hasIndex && !isApi && isRoute && (request.method === 'GET' || request.method === 'HEAD')) {
      // Not returned: handing the reply back to the caller makes Fastify await it again.
      void reply.type('text/html').sendFile('index.html');
      return;
    }
    void reply
      .status(404)
      .send(errorBody('not_found', `No route ${request.method} ${path}${isApi ? ' (see /api/openapi.json)' : ''}.`));
  });
}
