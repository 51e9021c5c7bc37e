/**
 * API tokens: `Authorization: Bearer <token>` on every /api route but the public documentation.
 * Tokens are 32 random bytes (base64url); only their sha256 is stored, so a leaked database does
 * not leak working tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { apiTokens, newId, ID_PREFIX, users, type Database } from '@aip/platform';
import { ApiError } from './errors.ts';

export interface AuthUser {
  id: string;
  email: string;
  role: 'admin' | 'user';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}

const ADMIN_EMAIL = 'admin@localhost';

export interface EnsuredAdmin {
  userId: string;
  /** The clear text of a token minted just now; shown once, never again retrievable. */
  token?: string;
}

/**
 * First start: creates the admin user. Makes sure the admin can sign in: with `fixedToken`
 * (AIP_TOKEN) that token is registered for the admin; otherwise a random token is minted when the
 * admin has none yet and returned in clear (the caller prints it once). Safe to call on every start
 * and from several replicas at once.
 */
export async function ensureAdminToken(db: Database, fixedToken?: string): Promise<EnsuredAdmin> {
  if (fixedToken !== undefined && fixedToken.length < 16) {
    throw new Error('ensureAdminToken: the fixed token (AIP_TOKEN) must be at least 16 characters long');
  }
  await db
    .insert(users)
    .values({ id: newId(ID_PREFIX.user), email: ADMIN_EMAIL, name: 'admin', role: 'admin' })
    .onConflictDoNothing({ target: users.email });
  const [admin] = await db.select().from(users).where(eq(users.role, 'admin')).orderBy(asc(users.createdAt)).limit(1);
  if (!admin) throw new Error('ensureAdminToken: no admin user after creating one');

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

/** Routes under /api that answer without a token: the OpenAPI document and its viewer, webhooks. */
function isPublic(path: string): boolean {
  // The labeling webhook authenticates by its job's HMAC signature instead (routes/labeling-hooks.ts).
  return path === '/api/openapi.json' || path === '/api/docs' || path.startsWith('/api/docs/') || path.startsWith('/api/hooks/');
}

// lastUsedAt is informational: writing it at most once a minute per token spares a database write
// on every request.
const LAST_USED_RESOLUTION_MS = 60_000;

const requestUsers = new WeakMap<FastifyRequest, AuthUser>();

/** The authenticated user of a request (the auth hook ran for every /api route). */
export function userOf(request: FastifyRequest): AuthUser {
  const user = requestUsers.get(request);
  if (!user) throw new ApiError(401, 'unauthorized', 'This route needs an API token.');
  return user;
}

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);

export function installAuth(app: FastifyInstance, db: Database): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0]!;
    if ((path !== '/api' && !path.startsWith('/api/')) || isPublic(path)) return;
    const header = request.headers.authorization;
    if (!header) {
      throw unauthorized('Missing API token: send the header "Authorization: Bearer <token>".');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <token>".');
    const now = new Date();
    const [row] = await db
      .select({
        tokenId: apiTokens.id,
        lastUsedAt: apiTokens.lastUsedAt,
        id: users.id,
        email: users.email,
        role: users.role,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(
        and(eq(apiTokens.tokenHash, hashToken(match[1]!)), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))),
      )
      .limit(1);
    if (!row) throw unauthorized('Invalid or expired API token.');
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
    }
    requestUsers.set(request, { id: row.id, email: row.email, role: row.role });
  });
}
