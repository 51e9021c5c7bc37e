/**
 * The signed-in user's own account: who they are (and the server facts the web app links to), their
 * name and password, and their personal API tokens (shown once, stored hashed, revocable).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq, ne } from 'drizzle-orm';
import { apiTokens, newId, ID_PREFIX, sessions, users } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { hashToken, newTokenSecret, userOf } from '../auth.ts';
import { PasswordSchema, requireGoodPassword } from '../accounts.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import { DateTime, IdParams, Literals, Nullable, iso } from '../views.ts';

const MeSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Literals(['admin', 'user']),
  via: Literals(['session', 'token'], { description: 'How this request signed in' }),
  csrfToken: Nullable(
    Type.String({ description: 'Session requests: send it as the x-csrf-token header with every request that changes something.' }),
  ),
  temporal: Type.Object(
    {
      namespace: Type.String(),
      uiUrl: Nullable(Type.String({ description: 'null: the AIP host, port 8233 (the dev server’s UI).' })),
    },
    { description: 'Where the operators’ Temporal UI shows the workflows behind runs and stages.' },
  ),
});

const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  expiresAt: Nullable(DateTime),
});

const tokenView = (row: typeof apiTokens.$inferSelect) => ({
  id: row.id,
  name: row.name,
  createdAt: iso(row.createdAt)!,
  lastUsedAt: iso(row.lastUsedAt),
  expiresAt: iso(row.expiresAt),
});

const meRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, config }) => {
  app.get(
    '/me',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['account'],
        summary: 'The signed-in user, the session’s CSRF token, and where the Temporal UI is',
        response: { 200: MeSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        via: user.via,
        csrfToken: user.session?.csrfToken ?? null,
        temporal: { namespace: config.temporal.namespace, uiUrl: config.temporal.uiUrl ?? null },
      };
    },
  );

  app.patch(
    '/me',
    {
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['account'],
        summary: 'Change your display name',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ name: Type.String() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const name = request.body.name.trim();
      await db.update(users).set({ name }).where(eq(users.id, userOf(request).id));
      return { name };
    },
  );

  app.post(
    '/me/password',
    {
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.small,
      // Each attempt costs a memory-hard hash: a stolen session cannot guess the current password fast.
      preHandler: app.rateLimit({ max: 10, timeWindow: 15 * 60_000, keyGenerator: (request) => userOf(request).id }),
      schema: {
        tags: ['account'],
        summary: 'Change your password (needs the current one); ends your other sessions',
        body: Type.Object({ currentPassword: PasswordSchema, newPassword: PasswordSchema }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Changed' }), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const [row] = await db.select().from(users).where(eq(users.id, user.id));
      if (!row?.passwordHash || !(await verifyPassword(request.body.currentPassword, row.passwordHash))) {
        throw new ApiError(400, 'wrong_password', 'The current password is wrong.');
      }
      requireGoodPassword(request.body.newPassword, row.email);
      await db.update(users).set({ passwordHash: await hashPassword(request.body.newPassword) }).where(eq(users.id, user.id));
      await db
        .delete(sessions)
        .where(and(eq(sessions.userId, user.id), user.session ? ne(sessions.id, user.session.id) : undefined));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me/tokens',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['account'],
        summary: 'Your API tokens (names and dates; the secrets are never shown again)',
        response: { 200: Type.Array(TokenSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, userOf(request).id)).orderBy(desc(apiTokens.createdAt));
      return rows.map(tokenView);
    },
  );

  app.post(
    '/me/tokens',
    {
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['account'],
        summary: 'Create an API token for scripts and tools: the secret is in this answer only',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, description: 'What it is for, e.g. “CI uploads”' }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Omitted: it never expires' })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            ...TokenSchema.properties,
            token: Type.String({ description: 'Send as "Authorization: Bearer <token>". Shown once: store it now.' }),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const token = newTokenSecret();
      const expiresAt = request.body.expiresInDays ? new Date(Date.now() + request.body.expiresInDays * 24 * 3600_000) : null;
      const [row] = await db
        .insert(apiTokens)
        .values({ id: newId(ID_PREFIX.apiToken), userId: userOf(request).id, name: request.body.name.trim(), tokenHash: hashToken(token), expiresAt })
        .returning();
      return reply.status(201).send({ ...tokenView(row!), token });
    },
  );

  app.delete(
    '/me/tokens/:id',
    {
      config: { access: access.write('apiToken') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['account'],
        summary: 'Revoke an API token: it stops working at once',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const [row] = await db.delete(apiTokens).where(eq(apiTokens.id, request.params.id)).returning({ id: apiTokens.id });
      if (!row) throw notFound('API token', request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default meRoutes;
