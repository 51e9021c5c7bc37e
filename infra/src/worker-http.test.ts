import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerHttp, type WorkerHttp, type WorkerHttpOptions } from './worker-http.ts';

describe('worker health server', () => {
  let server: WorkerHttp | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (options: Partial<WorkerHttpOptions>) => {
    server = await startWorkerHttp({
      port: 0,
      host: '127.0.0.1',
      workers: () => [{ taskQueue: 'aip-gpu', state: 'RUNNING' }],
      ready: async () => ({ ok: true, checks: { database: 'ok', blobs: 'ok', temporal: 'ok' } }),
      onError: () => undefined,
      ...options,
    });
    const base = `http://127.0.0.1:${server.port}`;
    return async (url: string, init?: RequestInit) => {
      const response = await fetch(`${base}${url}`, init);
      const text = await response.text();
      return { status: response.status, type: response.headers.get('content-type'), text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
    };
  };

  it('is healthy while every Temporal worker runs, and says which does not', async () => {
    let states = [
      { taskQueue: 'aip-gpu', state: 'RUNNING' },
      { taskQueue: 'aip-gpu-blue', state: 'RUNNING' },
    ];
    const get = await start({ workers: () => states });
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { ok: true, workers: states } });
    states = [states[0]!, { taskQueue: 'aip-gpu-blue', state: 'FAILED' }];
    expect(await get('/healthz')).toMatchObject({ status: 503, body: { ok: false, workers: [{ state: 'RUNNING' }, { taskQueue: 'aip-gpu-blue', state: 'FAILED' }] } });
  });

  it('is ready when its services answer, and names the one that does not', async () => {
    let down = false;
    const get = await start({
      ready: async () => (down ? { ok: false, checks: { database: 'ok', blobs: 'ok', temporal: 'temporal did not answer within 3000 ms' } } : { ok: true, checks: { database: 'ok', blobs: 'ok', temporal: 'ok' } }),
    });
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { ok: true } });
    down = true;
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { ok: false, checks: { temporal: 'temporal did not answer within 3000 ms' } } });
  });

  it('serves /metrics from the handler plugged in, else 404; unknown routes, other methods and failing checks get their status', async () => {
    const without = await start({});
    expect((await without('/metrics')).status).toBe(404);
    expect((await without('/nope')).status).toBe(404);
    expect((await without('/healthz', { method: 'POST' })).status).toBe(405);
    await server!.close();

    const get = await start({
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'aip_training_slots 4\n' }),
      ready: async () => Promise.reject(new Error('boom')),
    });
    expect(await get('/metrics')).toMatchObject({ status: 200, type: 'text/plain; version=0.0.4', text: 'aip_training_slots 4\n' });
    expect(await get('/readyz')).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
  });
});
