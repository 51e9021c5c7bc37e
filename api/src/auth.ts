/**
 * Who is calling: an API token (`Authorization: Bearer <token>`, for scripts and tools) or a browser
 * session (the httpOnly `aip_session` cookie, for the web app). Tokens and session secrets are 32
 * random bytes; only their sha256 is stored, so a leaked database leaks no working credential.
 * What the caller may do is decided in one place, access.ts.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { and, asc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import { apiTokens, newId, ID_PREFIX, sessions, users, type Database, type Role } from '@aip/platform';
import { ApiError } from './errors.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** How the request proved who it is. */
  via: 'token' | 'session';
  /** Session requests: the session's id and the CSRF token state-changing requests must echo. */
  session?: { id: string; csrfToken: string };
}

export const SESSION_COOKIE = 'aip_session';
/** A session not used for this long ends; each use pushes the end forward. */
export const SESSION_IDLE_MS = 14 * 24 * 3600_000;
/** Prefix of API tokens, so secret scanners and people recognise one in a paste. */
const TOKEN_PREFIX = 'aip_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Constant-time equality of two strings (CSRF tokens, signatures). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export const ADMIN_EMAIL = 'admin@localhost';

export interface EnsuredAdmin {
  userId: string;
  /** The clear text of a token minted just now; shown once, never again retrievable. */
  token?: string;
}

async function ensureAdminUser(db: Database) {
  await db
    .insert(users)
    .values({ id: newId(ID_PREFIX.user), email: ADMIN_EMAIL, name: 'admin', role: 'admin' })
    .onConflictDoNothing({ target: users.email });
  const [admin] = await db.select().from(users).where(eq(users.role, 'admin')).orderBy(asc(users.createdAt)).limit(1);
  if (!admin) throw new Error('ensureAdmin: no admin user after creating one');
  return admin;
}

/**
 * First start: creates the admin user. Makes sure scripts can reach the API as the admin: with
 * `fixedToken` (AIP_TOKEN) that token is registered for the admin; otherwise a random token is
 * minted when the admin has none yet and returned in clear (the caller keeps it where only the
 * operator can read it). Safe to call on every start and from several replicas at once.
 */
export async function ensureAdminToken(db: Database, fixedToken?: string): Promise<EnsuredAdmin> {
  if (fixedToken !== undefined && fixedToken.length < 16) {
    throw new Error('ensureAdminToken: the fixed token (AIP_TOKEN) must be at least 16 characters long');
  }
  const admin = await ensureAdminUser(db);
  if (fixedToken !== undefined) {
    await db
      .insert(apiTokens)
      .values({ id: newId(ID_PREFIX.apiToken), userId: admin.id, name: 'AIP_TOKEN', tokenHash: hashToken(fixedToken) })
      .onConflictDoNothing({ target: apiTokens.tokenHash });
    return { userId: admin.id };
  }
  const [existing] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.userId, admin.id)).limit(1);
  if (existing) return { userId: admin.id };
  const token = newTokenSecret();
  await db
    .insert(apiTokens)
    .values({ id: newId(ID_PREFIX.apiToken), userId: admin.id, name: 'first start', tokenHash: hashToken(token) });
  return { userId: admin.id, token };
}

/**
 * First start: gives the admin a password so someone can sign in to the web app — `initial`
 * (AIP_ADMIN_PASSWORD) when set, else a generated one returned in clear (shown to the operator
 * once). Does nothing once the admin has a password, so a changed password is never reset.
 */
export async function ensureAdminPassword(
  db: Database,
  initial?: string,
): Promise<{ userId: string; email: string; password?: string }> {
  const admin = await ensureAdminUser(db);
  if (admin.passwordHash) return { userId: admin.id, email: admin.email };
  const password = initial ?? generatePassword();
  const [updated] = await db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(and(eq(users.id, admin.id), isNull(users.passwordHash)))
    .returning({ id: users.id });
  // Another replica set it first: theirs stands.
  return updated ? { userId: admin.id, email: admin.email, password } : { userId: admin.id, email: admin.email };
}

/** Whether `password` is still the admin's password (so a first-start note of it is still worth keeping). */
export async function isAdminPassword(db: Database, userId: string, password: string): Promise<boolean> {
  const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return !!row?.hash && (await verifyPassword(password, row.hash));
}

// lastUsedAt / lastSeenAt are informational: writing them at most once a minute spares a database
// write on every request.
const LAST_USED_RESOLUTION_MS = 60_000;

const requestUsers = new WeakMap<FastifyRequest, AuthUser>();

/** The authenticated user of a request (access.ts authenticated it before the handler ran). */
export function userOf(request: FastifyRequest): AuthUser {
  const user = requestUsers.get(request);
  if (!user) throw signInRequired();
  return user;
}

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);

/** The answer to a request without credentials on a route that needs them. */
export const signInRequired = () => unauthorized('Sign in, or send an API token as "Authorization: Bearer <token>".');
const stale = (at: Date | null, now: Date) => !at || now.getTime() - at.getTime() > LAST_USED_RESOLUTION_MS;

/**
 * Authenticates the request: a Bearer token when the Authorization header is sent (a bad one is a
 * 401 even when a session cookie is there too), else the session cookie. Null when neither is sent.
 */
export async function authenticate(db: Database, request: FastifyRequest): Promise<AuthUser | null> {
  const now = new Date();
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <token>".');
    const [row] = await db
      .select({ tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt, user: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, hashToken(match[1]!)), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))))
      .limit(1);
    if (!row) throw unauthorized('Invalid, revoked or expired API token.');
    if (row.user.disabledAt) throw unauthorized('This account is disabled; ask an administrator.');
    if (stale(row.lastUsedAt, now)) {
      await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
    }
    return remember(db, request, row.user, 'token', now);
  }

  const secret = request.cookies[SESSION_COOKIE];
  if (!secret) return null;
  const id = hashToken(secret);
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row) throw new ApiError(401, 'session_ended', 'Your session has ended; sign in again.');
  if (row.user.disabledAt) throw unauthorized('This account is disabled; ask an administrator.');
  if (stale(row.session.lastSeenAt, now)) {
    await db
      .update(sessions)
      .set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_IDLE_MS) })
      .where(eq(sessions.id, id));
  }
  return remember(db, request, row.user, 'session', now, { id, csrfToken: row.session.csrfToken });
}

async function remember(
  db: Database,
  request: FastifyRequest,
  user: typeof users.$inferSelect,
  via: AuthUser['via'],
  now: Date,
  session?: AuthUser['session'],
): Promise<AuthUser> {
  if (stale(user.lastSeenAt, now)) await db.update(users).set({ lastSeenAt: now }).where(eq(users.id, user.id));
  const auth: AuthUser = { id: user.id, email: user.email, name: user.name, role: user.role, via, ...(session ? { session } : {}) };
  requestUsers.set(request, auth);
  return auth;
}

/** Starts a browser session for `userId`: the row, and the cookie on `reply`. */
export async function startSession(db: Database, request: FastifyRequest, reply: FastifyReply, userId: string) {
  const secret = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_IDLE_MS);
  const userAgent = request.headers['user-agent']?.slice(0, 300) ?? null;
  await db.insert(sessions).values({ id: hashToken(secret), userId, csrfToken, expiresAt, userAgent });
  // Expired sessions are swept here rather than by a timer: sign-ins are rare enough.
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  reply.setCookie(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    // Secure whenever the request came over https (behind a proxy: with trustProxy set).
    secure: 'auto',
    // The cookie outlives a browser restart; the server's idle lifetime ends it.
    maxAge: Math.floor(SESSION_IDLE_MS / 1000),
  });
  return { csrfToken };
}

export async function endSession(db: Database, reply: FastifyReply, sessionId: string | undefined): Promise<void> {
  if (sessionId) await db.delete(sessions).where(eq(sessions.id, sessionId));
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
