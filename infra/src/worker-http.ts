/**
 * A worker process's own small HTTP server (AIP_HEALTH_PORT), for orchestrators' probes:
 *
 * - `GET /healthz` — 200 while every Temporal worker of the process is RUNNING (polling), 503
 *   otherwise (a worker that failed or stopped: restart the process). Lists each worker's state.
 * - `GET /readyz` — 200 when the database, the blob store and Temporal answer (the same checks as
 *   the API's /readyz, @aip/platform's checkReadiness), else 503 naming the one that does not.
 * - `GET /metrics` — whatever the `metrics` option serves (Prometheus text); 404 without it.
 *
 * No credentials, and nothing in the answers beyond states and which dependency failed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from '@aip/platform';

export interface WorkerHttpOptions {
  port: number;
  /** Default: all interfaces (probes come from outside the container). */
  host?: string;
  /** Each Temporal worker of the process and its state; healthy while every one is RUNNING. */
  workers: () => Array<{ taskQueue: string; state: string }>;
  /** The readiness checks (database, blob store, Temporal). */
  ready: () => Promise<Readiness>;
  /**
   * METRICS: plug the Prometheus exposition in here (GET /metrics answers with it). Absent, the
   * route answers 404.
   */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Told about a handler that failed (default: console.error). */
  onError?: (error: unknown) => void;
}

export interface WorkerHttp {
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startWorkerHttp(options: WorkerHttpOptions): Promise<WorkerHttp> {
  const onError = options.onError ?? ((error: unknown) => console.error('worker HTTP handler failed', error));
  const routes: Record<string, () => Promise<{ status: number; contentType: string; body: string }>> = {
    '/healthz': async () => {
      const workers = options.workers();
      const ok = workers.length > 0 && workers.every((worker) => worker.state === 'RUNNING');
      return json(ok ? 200 : 503, { ok, workers });
    },
    '/readyz': async () => {
      const readiness = await options.ready();
      return json(readiness.ok ? 200 : 503, readiness);
    },
    // METRICS: the handler another module supplies (WorkerHttpOptions.metrics).
    '/metrics': async () => {
      if (!options.metrics) return json(404, { error: { code: 'not_found', message: 'This worker serves no metrics.' } });
      const { contentType, body } = await options.metrics();
      return { status: 200, contentType, body };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://worker');
    const route = routes[url.pathname];
    let answer: { status: number; contentType: string; body: string };
    if (!route) answer = json(404, { error: { code: 'not_found', message: `No route ${url.pathname}; try /healthz, /readyz or /metrics.` } });
    else if (request.method !== 'GET' && request.method !== 'HEAD') answer = json(405, { error: { code: 'method_not_allowed', message: 'Only GET.' } });
    else {
      try {
        answer = await route();
      } catch (error) {
        onError(error);
        answer = json(500, { error: { code: 'internal', message: 'The check failed; see the worker log.' } });
      }
    }
    response.writeHead(answer.status, {
      'content-type': answer.contentType,
      'cache-control': 'no-store',
      ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}),
    });
    response.end(request.method === 'HEAD' ? undefined : answer.body);
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(status: number, value: unknown) {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}
