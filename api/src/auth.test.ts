import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiTokens, users } from '@aip/platform';
import { ensureAdminToken, hashToken } from './auth.ts';
import { startHarness, type Harness } from './test-support.ts';

describe('API auth (PGlite, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('mints the admin token once, stores only its sha256, and registers a fixed token', async () => {
    expect(h.token).toMatch(/^aip_[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url, recognisable prefix
    const rows = await h.db.select().from(apiTokens);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(hashToken(h.token));
    expect(JSON.stringify(rows)).not.toContain(h.token);

    const again = await ensureAdminToken(h.db);
    expect(again).toEqual({ userId: h.userId });

    const fixed = 'fixed-token-for-tests-0123456789';
    expect(await ensureAdminToken(h.db, fixed)).toEqual({ userId: h.userId });
    expect(await ensureAdminToken(h.db, fixed)).toEqual({ userId: h.userId }); // idempotent
    expect(await h.db.select().from(apiTokens)).toHaveLength(2);
    const res = await h.app.inject({ url: '/api/datasets', headers: { authorization: `Bearer ${fixed}` } });
    expect(res.statusCode).toBe(200);
    expect(await h.db.select().from(users)).toHaveLength(1);
  });

  it('answers 401 with a JSON error without a token, with a wrong one and with a malformed header', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: 'Basic abc' }]) {
      const res = await h.app.inject({ url: '/api/datasets', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    // Also for routes that do not exist, so the API does not reveal its surface to strangers.
    expect((await h.app.inject({ url: '/api/nope' })).statusCode).toBe(401);
  });

  it('accepts the token, records its last use, and leaves health and the OpenAPI document open', async () => {
    const res = await h.app.inject({ url: '/api/architectures', headers: h.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(expect.arrayContaining([expect.objectContaining({ task: 'classification', default: 'tiny_cnn' })]));
    const [row] = await h.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hashToken(h.token)));
    expect(row!.lastUsedAt).toBeInstanceOf(Date);

    expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await h.app.inject({ url: '/api/openapi.json' })).statusCode).toBe(200);
  });

  it('tells the web app who is signed in and where the Temporal UI is', async () => {
    const res = await h.app.inject({ url: '/api/me', headers: h.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: h.userId,
      email: expect.stringContaining('@'),
      name: expect.any(String),
      role: 'admin',
      via: 'token',
      csrfToken: null,
      temporal: { namespace: h.temporal.options.namespace, uiUrl: null },
    });
    expect((await h.app.inject({ url: '/api/me' })).statusCode).toBe(401);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await h.app.inject({ url: '/api/nope', headers: h.auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});
