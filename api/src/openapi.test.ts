import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, newId, users } from '@aip/platform';
import { startHarness, type Harness } from './test-support.ts';
import { routeTable } from './access.ts';

describe('API models, OpenAPI and web app (PGlite, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists every route in /api/openapi.json, with tags, error responses and bearer security', async () => {
    const res = await h.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // The same routes as the app's route table (which the authorization matrix test covers one by one).
    const table = routeTable(h.app).map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')}`);
    // The document itself is the only hidden route.
    expect(routes.sort()).toEqual([...table.filter((route) => route !== 'GET /api/openapi.json'), 'GET /healthz', 'GET /readyz', 'GET /metrics'].sort());
    const getRun = doc.paths['/api/runs/{id}'].get;
    expect(getRun.tags).toEqual(['runs']);
    expect(Object.keys(getRun.responses).sort()).toEqual(['200', '401', '404']);
    expect(JSON.stringify(getRun.responses['404'])).toContain('Error');
    expect(doc.components.schemas.Error.properties.error.properties.code.type).toBe('string');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'aip_session' });
    expect(doc.paths['/api/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/metrics'].get.security).toEqual([]);
    // The webhook authenticates by its HMAC signature, not a token.
    expect(doc.paths['/api/hooks/labeling/{jobId}'].post.security).toEqual([]);

    const docs = await h.app.inject({ url: '/api/docs' });
    expect(docs.statusCode).toBeLessThan(400); // the viewer is public (redirects to its page)
  });

  it('serves the web app (placeholder until built) at / and for client-side routes', async () => {
    const home = await h.app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toContain('text/html');
    expect(home.body).toContain('/api/openapi.json');
    const deep = await h.app.inject({ url: '/flowcharts/fc_123' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toBe(home.body);
    expect((await h.app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('shows own and public models with their origin, never other users’ private ones', async () => {
    const other = newId('usr');
    await h.db.insert(users).values({ id: other, email: 'someone@example.com' });
    const mine = newId('mdl');
    const theirsPublic = newId('mdl');
    const theirsPrivate = newId('mdl');
    const base = { task: 'classification', arch: 'tiny_cnn', classes: ['circle', 'ring'], origin: 'upload' as const };
    await h.db.insert(models).values([
      { ...base, id: mine, ownerId: h.userId, name: 'mine', parentClass: 'round', metrics: { accuracy: 0.9 }, blobPrefix: `models/${mine}/` },
      { ...base, id: theirsPublic, ownerId: other, name: 'public', visibility: 'public', blobPrefix: `models/${theirsPublic}/` },
      { ...base, id: theirsPrivate, ownerId: other, name: 'private', task: 'detection', blobPrefix: `models/${theirsPrivate}/` },
    ]);
    const list = await h.app.inject({ url: '/api/models', headers: h.auth });
    expect(list.json().map((m: { id: string }) => m.id).sort()).toEqual([mine, theirsPublic].sort());
    const filtered = await h.app.inject({ url: '/api/models?task=detection', headers: h.auth });
    expect(filtered.json()).toEqual([]);

    const shown = await h.app.inject({ url: `/api/models/${mine}`, headers: h.auth });
    expect(shown.json()).toMatchObject({
      id: mine,
      task: 'classification',
      arch: 'tiny_cnn',
      classes: ['circle', 'ring'],
      parentClass: 'round',
      metrics: { accuracy: 0.9 },
      owned: true,
      origin: { kind: 'upload', runId: null, nodeId: null },
    });
    expect((await h.app.inject({ url: `/api/models/${theirsPrivate}`, headers: h.auth })).statusCode).toBe(404);
  });
});
