import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { apiTokens, invitations, openDatabase, sessions, users } from '@aip/platform';
import { ADMIN_EMAIL, ensureAdminPassword, hashToken, isAdminPassword } from './auth.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { addUser, buildAppOn, signIn, startHarness, type Harness, type TestUser } from './test-support.ts';

const json = (res: { json(): unknown }) => res.json() as Record<string, any>;

describe('accounts, sessions and tokens (PGlite, Temporal dev server)', () => {
  let h: Harness;
  let admin: TestUser;
  beforeAll(async () => {
    h = await startHarness();
    admin = await addUser(h.db, { role: 'admin', name: 'boss' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('hashes passwords with scrypt at OWASP strength, salted, and verifies them', async () => {
    const hash = await hashPassword('a long enough password');
    expect(hash).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await hashPassword('a long enough password')).not.toBe(hash); // salted
    expect(await verifyPassword('a long enough password', hash)).toBe(true);
    expect(await verifyPassword('a long enough passworD', hash)).toBe(false);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });

  it('gives the admin a first password once, and never resets one they chose', async () => {
    const { db, close } = await openDatabase('pglite://memory');
    try {
      const first = await ensureAdminPassword(db);
      expect(first.email).toBe(ADMIN_EMAIL);
      expect(first.password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){4}$/);
      expect(await isAdminPassword(db, first.userId, first.password!)).toBe(true);
      const [row] = await db.select().from(users).where(eq(users.id, first.userId));
      expect(row!.passwordHash).not.toContain(first.password);
      expect(await ensureAdminPassword(db, 'ignored now: the admin has one')).toEqual({ userId: first.userId, email: ADMIN_EMAIL });
      expect(await isAdminPassword(db, first.userId, 'ignored now: the admin has one')).toBe(false);
    } finally {
      await close();
    }
  });

  it('signs in with a password into an httpOnly, SameSite=Strict session stored only as a hash', async () => {
    const user = await addUser(h.db);
    const wrong = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'wrong password!!' } });
    const unknown = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.com', password: 'wrong password!!' } });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    // The same answer, so sign-in does not reveal which accounts exist.
    expect(json(wrong)).toEqual(json(unknown));
    expect(json(wrong).error).toEqual({ code: 'wrong_credentials', message: 'Wrong email or password.' });

    const res = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email.toUpperCase(), password: user.password } });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ user: { id: user.id, email: user.email, role: 'user', disabled: false }, csrfToken: expect.any(String) });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/^aip_session=[A-Za-z0-9_-]{43};/);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).toMatch(/Path=\//);
    const secret = res.cookies[0]!.value;
    const rows = await h.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows.map((row) => row.id)).toEqual([hashToken(secret)]);
    expect(JSON.stringify(rows)).not.toContain(secret);

    const me = await h.app.inject({ url: '/api/me', headers: { cookie: `aip_session=${secret}` } });
    expect(json(me)).toMatchObject({ id: user.id, via: 'session', csrfToken: json(res).csrfToken });
    // Plain http (a LAN install): no Secure flag, or the browser would drop the cookie.
    expect(header).not.toMatch(/Secure/);
  });

  it('marks the session cookie Secure over https, told by a trusted proxy only', async () => {
    const user = await addUser(h.db);
    const behindProxy = buildAppOn(h, { config: { trustProxy: ['127.0.0.1'] } });
    try {
      const login = (app: typeof behindProxy) =>
        app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { email: user.email, password: user.password } });
      expect(String((await login(behindProxy)).headers['set-cookie'])).toMatch(/; Secure/);
      // Without a trusted proxy anyone could claim https: the header is ignored.
      expect(String((await login(h.app)).headers['set-cookie'])).not.toMatch(/Secure/);
    } finally {
      await behindProxy.close();
    }
  });

  it('refuses cookie-authenticated writes without the CSRF token or from another origin; tokens need neither', async () => {
    const user = await addUser(h.db);
    const session = await signIn(h.app, user.email, user.password);
    const rename = (headers: Record<string, string>) =>
      h.app.inject({ method: 'PATCH', url: '/api/me', headers, payload: { name: 'Renamed' } });

    const missing = await rename(session.read);
    expect(missing.statusCode).toBe(403);
    expect(json(missing).error.code).toBe('csrf_failed');
    expect((await rename({ ...session.read, 'x-csrf-token': 'guessed' })).statusCode).toBe(403);
    const foreign = await rename({ ...session.write, origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(json(foreign).error.code).toBe('cross_origin');
    expect((await rename({ ...session.write, origin: 'http://localhost:80' })).statusCode).toBe(200);
    expect((await rename(session.write)).statusCode).toBe(200);
    // Reads need no CSRF token; bearer tokens are never sent by browsers on their own, so no CSRF either.
    expect((await h.app.inject({ url: '/api/datasets', headers: session.read })).statusCode).toBe(200);
    expect((await rename(user.auth)).statusCode).toBe(200);
    // A bad bearer token is refused even next to a good cookie.
    expect((await h.app.inject({ url: '/api/me', headers: { ...session.read, authorization: 'Bearer nope' } })).statusCode).toBe(401);
  });

  it('signs out: the session ends on the server and the cookie is cleared', async () => {
    const user = await addUser(h.db);
    const session = await signIn(h.app, user.email, user.password);
    const out = await h.app.inject({ method: 'POST', url: '/api/auth/logout', headers: session.write });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/aip_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await h.app.inject({ url: '/api/me', headers: session.read });
    expect(after.statusCode).toBe(401);
    expect(json(after).error).toMatchObject({ code: 'session_ended', message: expect.stringMatching(/session has ended/) });
  });

  it('rate-limits sign-in per address and email, with Retry-After, even for the right password', async () => {
    const user = await addUser(h.db);
    const attempt = (password: string) =>
      h.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.1.2.3', payload: { email: user.email, password } });
    for (let i = 0; i < 10; i++) expect((await attempt(`guess number ${i}`)).statusCode).toBe(401);
    const limited = await attempt(user.password);
    expect(limited.statusCode).toBe(429);
    expect(json(limited).error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held back by this one.
    const elsewhere = await h.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { email: user.email, password: user.password } });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('signs people up by invitation: one use, strong password, the role the admin chose', async () => {
    const invited = await h.app.inject({ method: 'POST', url: '/api/admin/invitations', headers: admin.auth, payload: { email: 'New.Person@Example.com', role: 'user' } });
    expect(invited.statusCode).toBe(201);
    const { url, id } = json(invited);
    expect(url).toMatch(/^http:\/\/localhost(:\d+)?\/invite#[A-Za-z0-9_-]{43}$/);
    const secret = url.split('#')[1];
    const [row] = await h.db.select().from(invitations).where(eq(invitations.id, id));
    expect(row!.tokenHash).toBe(hashToken(secret));
    expect((await h.app.inject({ url: '/api/admin/invitations', headers: admin.auth })).json()).toEqual(
      expect.arrayContaining([expect.not.objectContaining({ url: expect.anything() })]),
    );

    const inspected = await h.app.inject({ method: 'POST', url: '/api/auth/links/inspect', payload: { secret } });
    expect(json(inspected)).toMatchObject({ kind: 'invite', email: 'new.person@example.com' });
    const weak = await h.app.inject({ method: 'POST', url: '/api/auth/invitations/accept', payload: { secret, name: 'New', password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(json(weak).error).toMatchObject({ code: 'weak_password', message: expect.stringMatching(/at least 10/) });
    const withEmail = await h.app.inject({ method: 'POST', url: '/api/auth/invitations/accept', payload: { secret, name: 'New', password: 'new.person-2026' } });
    expect(json(withEmail).error.message).toMatch(/email/);
    expect(await h.db.select().from(users).where(eq(users.email, 'new.person@example.com'))).toEqual([]);

    const accepted = await h.app.inject({ method: 'POST', url: '/api/auth/invitations/accept', payload: { secret, name: ' New Person ', password: 'a good long password' } });
    expect(accepted.statusCode).toBe(201);
    expect(json(accepted)).toMatchObject({ user: { email: 'new.person@example.com', name: 'New Person', role: 'user' }, csrfToken: expect.any(String) });
    expect(accepted.cookies.map((c) => c.name)).toContain('aip_session');
    const again = await h.app.inject({ method: 'POST', url: '/api/auth/invitations/accept', payload: { secret, name: 'Twice', password: 'a good long password' } });
    expect(again.statusCode).toBe(400);
    expect(json(again).error.code).toBe('link_invalid');
    const taken = await h.app.inject({ method: 'POST', url: '/api/admin/invitations', headers: admin.auth, payload: { email: 'new.person@example.com', role: 'user' } });
    expect(taken.statusCode).toBe(409);
  });

  it('resets a password with an admin-made link: old password and sessions stop working', async () => {
    const user = await addUser(h.db);
    const old = await signIn(h.app, user.email, user.password);
    const link = json(await h.app.inject({ method: 'POST', url: `/api/admin/users/${user.id}/password-reset`, headers: admin.auth }));
    expect(link.url).toMatch(/\/reset-password#/);
    const secret = link.url.split('#')[1];
    const reset = await h.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { secret, password: 'brand new password' } });
    expect(reset.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/me', headers: old.read })).statusCode).toBe(401);
    await expect(signIn(h.app, user.email, user.password)).rejects.toThrow(/401/);
    await signIn(h.app, user.email, 'brand new password');
  });

  it('changes a password only with the current one, ending the other sessions', async () => {
    const user = await addUser(h.db);
    const here = await signIn(h.app, user.email, user.password);
    const elsewhere = await signIn(h.app, user.email, user.password);
    const change = (currentPassword: string, newPassword: string) =>
      h.app.inject({ method: 'POST', url: '/api/me/password', headers: here.write, payload: { currentPassword, newPassword } });
    expect(json(await change('not it at all', 'a whole new password')).error.code).toBe('wrong_password');
    expect(json(await change(user.password, 'aaaaaaaaaaaa')).error.code).toBe('weak_password');
    expect((await change(user.password, 'a whole new password')).statusCode).toBe(204);
    expect((await h.app.inject({ url: '/api/me', headers: here.read })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/me', headers: elsewhere.read })).statusCode).toBe(401);
  });

  it('mints personal API tokens shown once, hashed at rest, with last use, expiry and revocation', async () => {
    const user = await addUser(h.db);
    const created = await h.app.inject({ method: 'POST', url: '/api/me/tokens', headers: user.auth, payload: { name: 'CI uploads', expiresInDays: 30 } });
    expect(created.statusCode).toBe(201);
    const { token, id, expiresAt } = json(created);
    expect(token).toMatch(/^aip_[A-Za-z0-9_-]{43}$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
    const [row] = await h.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(row!.tokenHash).toBe(hashToken(token));
    const listed = json(await h.app.inject({ url: '/api/me/tokens', headers: user.auth }));
    expect(JSON.stringify(listed)).not.toContain(token);

    const bearer = { authorization: `Bearer ${token}` };
    expect(json(await h.app.inject({ url: '/api/me', headers: bearer }))).toMatchObject({ id: user.id, via: 'token', csrfToken: null });
    const used = (await h.app.inject({ url: '/api/me/tokens', headers: user.auth })).json().find((t: { id: string }) => t.id === id);
    expect(used.lastUsedAt).not.toBeNull();

    expect((await h.app.inject({ method: 'DELETE', url: `/api/me/tokens/${id}`, headers: user.auth })).statusCode).toBe(204);
    const revoked = await h.app.inject({ url: '/api/me', headers: bearer });
    expect(revoked.statusCode).toBe(401);
    expect(json(revoked).error.message).toMatch(/revoked/);

    await h.db.update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiTokens.tokenHash, hashToken(user.token)));
    expect((await h.app.inject({ url: '/api/me', headers: user.auth })).statusCode).toBe(401);
  });

  it('lets admins list usage, change roles and disable people, but never the last admin', async () => {
    const user = await addUser(h.db, { name: 'worker' });
    const session = await signIn(h.app, user.email, user.password);
    await h.app.inject({ method: 'POST', url: '/api/flowcharts', headers: user.auth, payload: { name: 'f', graph: { nodes: [], edges: [] }, visibility: 'public' } });
    const listed = json(await h.app.inject({ url: '/api/admin/users', headers: admin.auth })) as unknown as Array<Record<string, any>>;
    expect(listed.find((u) => u.id === user.id)).toMatchObject({ email: user.email, role: 'user', disabled: false, usage: { flowcharts: 1, publicThings: 1, runs: 0 } });
    expect(JSON.stringify(listed)).not.toMatch(/scrypt|passwordHash/);

    const disabled = await h.app.inject({ method: 'PATCH', url: `/api/admin/users/${user.id}`, headers: admin.auth, payload: { disabled: true } });
    expect(json(disabled)).toMatchObject({ disabled: true });
    expect((await h.app.inject({ url: '/api/me', headers: session.read })).statusCode).toBe(401);
    const byToken = await h.app.inject({ url: '/api/me', headers: user.auth });
    expect(byToken.statusCode).toBe(401);
    expect(json(byToken).error.message).toMatch(/disabled/);
    const login = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } });
    expect(json(login).error.code).toBe('account_disabled');
    await h.app.inject({ method: 'PATCH', url: `/api/admin/users/${user.id}`, headers: admin.auth, payload: { disabled: false, role: 'admin' } });
    expect(json(await h.app.inject({ url: '/api/admin/users', headers: user.auth })).length).toBeGreaterThan(0);

    // Demote everyone but one admin; that last one cannot be demoted or disabled.
    const admins = (await h.db.select().from(users).where(eq(users.role, 'admin'))).filter((u) => u.id !== admin.id);
    for (const other of admins) {
      expect((await h.app.inject({ method: 'PATCH', url: `/api/admin/users/${other.id}`, headers: admin.auth, payload: { role: 'user' } })).statusCode).toBe(200);
    }
    const demoted = await h.app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.id}`, headers: admin.auth, payload: { role: 'user' } });
    expect(demoted.statusCode).toBe(409);
    expect(json(demoted).error.code).toBe('last_admin');
    const self = await h.app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.id}`, headers: admin.auth, payload: { disabled: true } });
    expect(json(self).error.code).toBe('disable_self');
  });

  it('creates accounts directly, refusing taken emails and weak passwords', async () => {
    const make = (email: string, password: string) =>
      h.app.inject({ method: 'POST', url: '/api/admin/users', headers: admin.auth, payload: { email, name: 'Direct', role: 'user', password } });
    expect(json(await make('direct@example.com', 'weak')).error.code).toBe('weak_password');
    expect((await make('Direct@Example.com', 'a long enough password')).statusCode).toBe(201);
    expect(json(await make('direct@example.com', 'a long enough password')).error.code).toBe('email_taken');
    expect((await make('not an email', 'a long enough password')).statusCode).toBe(400);
  });
});

describe('logs (PGlite, Temporal dev server)', () => {
  it('never contain passwords, tokens, session cookies or CSRF tokens', async () => {
    const h = await startHarness();
    let logged = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const app = buildAppOn(h, { logger: { level: 'trace', stream } });
    try {
      await app.ready();
      const user = await addUser(h.db);
      const session = await signIn(app, user.email, user.password);
      await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'a wrong password typed' } });
      await app.inject({ method: 'PATCH', url: '/api/me', headers: session.write, payload: { name: 'x' } });
      await app.inject({ url: '/api/me', headers: user.auth });
      await app.inject({ url: '/api/nope', headers: { authorization: 'Bearer not-a-real-token-123' } });
      // Whatever a future log line carries, the credentials in it are redacted.
      app.log.info({ headers: { authorization: `Bearer ${user.token}`, cookie: session.cookie, 'x-csrf-token': session.csrfToken }, body: { password: user.password } }, 'request details');
      expect(logged).toContain('request details');
      expect(logged).toContain('[redacted]');
      for (const secret of [user.password, 'a wrong password typed', user.token, session.cookie.split('=')[1]!, session.csrfToken, 'not-a-real-token-123']) {
        expect(logged).not.toContain(secret);
      }
    } finally {
      await app.close();
      await h.close();
    }
  });
});
