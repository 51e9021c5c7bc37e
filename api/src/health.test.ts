import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '@aip/platform';
import { buildAppOn, startHarness, type Harness } from './test-support.ts';

describe('health and readiness (PGlite, local blobs, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is live, and ready when the database, blob store and Temporal answer, without credentials', async () => {
    expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    const ready = await h.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ok: true, checks: { database: 'ok', blobs: 'ok', temporal: 'ok' } });
  });

  it('is not ready (503) while a dependency fails, and says which', async () => {
    const broken = Object.create(h.blobs) as BlobStore;
    broken.exists = () => Promise.reject(new Error('the blob folder is gone'));
    const app = buildAppOn(h, { blobs: broken });
    try {
      const res = await app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ ok: false, checks: { database: 'ok', blobs: 'the blob folder is gone', temporal: 'ok' } });
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
