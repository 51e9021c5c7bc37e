/**
 * Signing in and out of the web app, and the one-time links: accepting an invitation (sign-up)
 * and choosing a new password from a reset link. Sign-in is rate limited per address + email and
 * takes as long for an unknown email as for a wrong password.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { newId, ID_PREFIX, sessions, users } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { endSession, startSession, userOf } from '../auth.ts';
import {
  Email,
  PasswordSchema,
  UserSchema,
  normalizeEmail,
  requireFreeEmail,
  requireGoodPassword,
  usableLink,
  useLink,
  userView,
} from '../accounts.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../passwords.ts';
import { DateTime, Literals } from '../views.ts';

const SignedInSchema = Type.Object({
  user: UserSchema,
  csrfToken: Type.String({ description: 'Send it as the x-csrf-token header with every request that changes something.' }),
});

const Secret = Type.String({ minLength: 16, maxLength: 200, description: 'The secret after “#” in the link' });
const Name = Type.String({ minLength: 1, maxLength: 100 });

const FIFTEEN_MINUTES = 15 * 60_000;

const authRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  const emailOf = (request: FastifyRequest) => {
    const email = (request.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' ? normalizeEmail(email) : '';
  };
  // Per address and email, so one guesser cannot lock the owner out from elsewhere. Guessing
  // across many accounts is slowed by the memory-hard hash (at most two run at once).
  const signInLimit = app.rateLimit({
    max: 10,
    timeWindow: FIFTEEN_MINUTES,
    keyGenerator: (request) => `${request.ip}|${emailOf(request)}`,
  });
  const linkLimit = app.rateLimit({ max: 30, timeWindow: FIFTEEN_MINUTES });

  app.post(
    '/auth/login',
    {
      config: { access: access.anyone('signing in') },
      bodyLimit: BODY_LIMIT.small,
      preHandler: signInLimit,
      schema: {
        tags: ['account'],
        summary: 'Sign in with email and password: starts a browser session (httpOnly cookie)',
        security: [],
        body: Type.Object({ email: Type.String({ maxLength: 254 }), password: PasswordSchema }, { additionalProperties: false }),
        response: { 200: SignedInSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      const [user] = await db.select().from(users).where(eq(users.email, email));
      const matches = user?.passwordHash
        ? await verifyPassword(request.body.password, user.passwordHash)
        : await verifyAgainstDecoy(request.body.password);
      if (!user || !matches) throw new ApiError(401, 'wrong_credentials', 'Wrong email or password.');
      if (user.disabledAt) throw new ApiError(403, 'account_disabled', 'This account is disabled; ask an administrator.');
      const { csrfToken } = await startSession(db, request, reply, user.id);
      return { user: userView(user), csrfToken };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['account'],
        summary: 'Sign out: ends this browser session',
        response: { 204: Type.Null({ description: 'Signed out' }), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await endSession(db, reply, userOf(request).session?.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/links/inspect',
    {
      config: { access: access.anyone('opening an invitation or password-reset link') },
      bodyLimit: BODY_LIMIT.small,
      preHandler: linkLimit,
      schema: {
        tags: ['account'],
        summary: 'What an invitation or password-reset link is for (the page shows it before asking for a password)',
        security: [],
        body: Type.Object({ secret: Secret }, { additionalProperties: false }),
        response: {
          200: Type.Object({ kind: Literals(['invite', 'reset']), email: Type.String(), expiresAt: DateTime }),
          ...errorResponses(400, 429),
        },
      },
    },
    async (request) => {
      const link = await usableLink(db, request.body.secret);
      return { kind: link.kind, email: link.email, expiresAt: link.expiresAt.toISOString() };
    },
  );

  app.post(
    '/auth/invitations/accept',
    {
      config: { access: access.anyone('signing up with an invitation') },
      bodyLimit: BODY_LIMIT.small,
      preHandler: linkLimit,
      schema: {
        tags: ['account'],
        summary: 'Sign up with an invitation link: creates the account and signs in',
        security: [],
        body: Type.Object({ secret: Secret, name: Name, password: PasswordSchema }, { additionalProperties: false }),
        response: { 201: SignedInSchema, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const link = await usableLink(db, request.body.secret);
      if (link.kind !== 'invite') throw new ApiError(400, 'link_invalid', 'This is a password-reset link, not an invitation.');
      requireGoodPassword(request.body.password, link.email);
      await requireFreeEmail(db, link.email);
      const passwordHash = await hashPassword(request.body.password);
      if (!(await useLink(db, link.id))) throw new ApiError(400, 'link_invalid', 'This invitation was used a moment ago.');
      const [user] = await db
        .insert(users)
        .values({ id: newId(ID_PREFIX.user), email: link.email, name: request.body.name.trim(), role: link.role, passwordHash })
        .returning();
      const { csrfToken } = await startSession(db, request, reply, user!.id);
      return reply.status(201).send({ user: userView(user!), csrfToken });
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { access: access.anyone('choosing a new password with a reset link') },
      bodyLimit: BODY_LIMIT.small,
      preHandler: linkLimit,
      schema: {
        tags: ['account'],
        summary: 'Choose a new password with a reset link: ends every other session and signs in',
        security: [],
        body: Type.Object({ secret: Secret, password: PasswordSchema }, { additionalProperties: false }),
        response: { 200: SignedInSchema, ...errorResponses(400, 403, 429) },
      },
    },
    async (request, reply) => {
      const link = await usableLink(db, request.body.secret);
      if (link.kind !== 'reset' || !link.userId) throw new ApiError(400, 'link_invalid', 'This is an invitation, not a password-reset link.');
      const [user] = await db.select().from(users).where(eq(users.id, link.userId));
      if (!user) throw new ApiError(400, 'link_invalid', 'The account of this link no longer exists.');
      if (user.disabledAt) throw new ApiError(403, 'account_disabled', 'This account is disabled; ask an administrator.');
      requireGoodPassword(request.body.password, user.email);
      const passwordHash = await hashPassword(request.body.password);
      if (!(await useLink(db, link.id))) throw new ApiError(400, 'link_invalid', 'This link was used a moment ago.');
      await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
      await db.delete(sessions).where(eq(sessions.userId, user.id));
      const { csrfToken } = await startSession(db, request, reply, user.id);
      return { user: userView(user), csrfToken };
    },
  );
};

export default authRoutes;
