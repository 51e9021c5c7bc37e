/**
 * Administrators: the users with what each one uses (data, runs, models, stage time, bundle
 * storage), accounts created directly or by invitation link, roles, disabling, password-reset links.
 * There is always at least one enabled administrator.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { and, asc, count, desc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import { bundles, datasets, flowcharts, invitations, models, newId, ID_PREFIX, runs, sessions, stageRuns, users, type Role } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { userOf } from '../auth.ts';
import {
  Email,
  PasswordSchema,
  RoleSchema,
  UserSchema,
  createLink,
  linkUrl,
  normalizeEmail,
  requireFreeEmail,
  requireGoodPassword,
  userView,
} from '../accounts.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { hashPassword } from '../passwords.ts';
import { DateTime, IdParams, Literals, Nullable, iso } from '../views.ts';
import { originOf } from './labeling.ts';

const UsageSchema = Type.Object({
  datasets: Type.Integer(),
  images: Type.Integer({ description: 'Images across the uploaded (not derived) datasets' }),
  flowcharts: Type.Integer(),
  runs: Type.Integer(),
  activeRuns: Type.Integer({ description: 'Queued, running or waiting for a retry' }),
  models: Type.Integer(),
  publicThings: Type.Integer({ description: 'Datasets, models and flowcharts shared publicly' }),
  stageHours: Type.Number({ description: 'Time stages spent from start to end (or until now), in hours' }),
  bundleBytes: Type.Integer({ description: 'Size of the deployment bundles kept' }),
});

const AdminUserSchema = Type.Object({ ...UserSchema.properties, usage: UsageSchema });

const LinkSchema = Type.Object({
  id: Type.String(),
  kind: Literals(['invite', 'reset']),
  email: Type.String(),
  role: RoleSchema,
  createdAt: DateTime,
  expiresAt: DateTime,
  url: Type.Optional(Type.String({ description: 'Only when just created: the link to hand over (shown once)' })),
});

type Usage = Static<typeof UsageSchema>;
const emptyUsage = (): Usage => ({
  datasets: 0,
  images: 0,
  flowcharts: 0,
  runs: 0,
  activeRuns: 0,
  models: 0,
  publicThings: 0,
  stageHours: 0,
  bundleBytes: 0,
});

const adminRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  async function usageOf(userIds: string[]): Promise<Map<string, Usage>> {
    const usage = new Map(userIds.map((id) => [id, emptyUsage()]));
    if (userIds.length === 0) return usage;
    const add = (rows: Array<{ ownerId: string; n: number | string | null }>, key: keyof Usage) => {
      for (const row of rows) usage.get(row.ownerId)![key] += Number(row.n ?? 0);
    };
    const [ds, fc, rn, md] = await Promise.all([
      db
        .select({
          ownerId: datasets.ownerId,
          n: count(),
          images: sql<string>`coalesce(sum(case when ${datasets.sourceRunId} is null then (${datasets.stats}->>'images')::bigint end), 0)`,
          shared: sql<string>`count(*) filter (where ${datasets.visibility} = 'public')`,
        })
        .from(datasets)
        .where(inArray(datasets.ownerId, userIds))
        .groupBy(datasets.ownerId),
      db
        .select({ ownerId: flowcharts.ownerId, n: count(), shared: sql<string>`count(*) filter (where ${flowcharts.visibility} = 'public')` })
        .from(flowcharts)
        .where(inArray(flowcharts.ownerId, userIds))
        .groupBy(flowcharts.ownerId),
      db
        .select({
          ownerId: runs.ownerId,
          n: count(),
          active: sql<string>`count(*) filter (where ${runs.status} in ('queued', 'running', 'attention'))`,
        })
        .from(runs)
        .where(inArray(runs.ownerId, userIds))
        .groupBy(runs.ownerId),
      db
        .select({ ownerId: models.ownerId, n: count(), shared: sql<string>`count(*) filter (where ${models.visibility} = 'public')` })
        .from(models)
        .where(inArray(models.ownerId, userIds))
        .groupBy(models.ownerId),
    ]);
    add(ds, 'datasets');
    add(ds.map((r) => ({ ownerId: r.ownerId, n: r.images })), 'images');
    add(fc, 'flowcharts');
    add(rn, 'runs');
    add(rn.map((r) => ({ ownerId: r.ownerId, n: r.active })), 'activeRuns');
    add(md, 'models');
    add([...ds, ...fc, ...md].map((r) => ({ ownerId: r.ownerId, n: r.shared })), 'publicThings');
    const [time, stored] = await Promise.all([
      db
        .select({
          ownerId: runs.ownerId,
          n: sql<string>`coalesce(sum(extract(epoch from (coalesce(${stageRuns.finishedAt}, now()) - ${stageRuns.startedAt}))), 0) / 3600`,
        })
        .from(stageRuns)
        .innerJoin(runs, eq(runs.id, stageRuns.runId))
        .where(and(inArray(runs.ownerId, userIds), sql`${stageRuns.startedAt} is not null`))
        .groupBy(runs.ownerId),
      db
        .select({ ownerId: runs.ownerId, n: sql<string>`coalesce(sum(${bundles.size}), 0)` })
        .from(bundles)
        .innerJoin(runs, eq(runs.id, bundles.runId))
        .where(inArray(runs.ownerId, userIds))
        .groupBy(runs.ownerId),
    ]);
    add(time, 'stageHours');
    add(stored, 'bundleBytes');
    for (const entry of usage.values()) entry.stageHours = Math.round(entry.stageHours * 100) / 100;
    return usage;
  }

  async function userById(id: string) {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    if (!row) throw notFound('User', id);
    return row;
  }

  /** Refuses a change that would leave no enabled administrator. */
  async function keepAnAdmin(changing: string): Promise<void> {
    const [row] = await db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, changing)));
    if ((row?.n ?? 0) === 0) throw new ApiError(409, 'last_admin', 'This is the only enabled administrator: make someone else an administrator first.');
  }

  app.get(
    '/admin/users',
    {
      config: { access: access.admin },
      schema: {
        tags: ['admin'],
        summary: 'Every user, with what they use',
        response: { 200: Type.Array(AdminUserSchema), ...errorResponses(401, 403) },
      },
    },
    async () => {
      const rows = await db.select().from(users).orderBy(asc(users.createdAt));
      const usage = await usageOf(rows.map((row) => row.id));
      return rows.map((row) => ({ ...userView(row), usage: usage.get(row.id)! }));
    },
  );

  app.post(
    '/admin/users',
    {
      config: { access: access.admin },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['admin'],
        summary: 'Create an account with a password you hand over (or invite them instead: POST /api/admin/invitations)',
        body: Type.Object(
          { email: Email, name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema, password: PasswordSchema },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      requireGoodPassword(request.body.password, email);
      await requireFreeEmail(db, email);
      const [row] = await db
        .insert(users)
        .values({
          id: newId(ID_PREFIX.user),
          email,
          name: request.body.name.trim(),
          role: request.body.role,
          passwordHash: await hashPassword(request.body.password),
        })
        .returning();
      return reply.status(201).send(userView(row!));
    },
  );

  app.patch(
    '/admin/users/:id',
    {
      config: { access: access.admin },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['admin'],
        summary: 'Change a user’s role or name, or disable (sessions and tokens stop at once; data stays) or enable them',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), role: Type.Optional(RoleSchema), disabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const target = await userById(request.params.id);
      const { name, role, disabled } = request.body;
      if (disabled === true && target.id === userOf(request).id) {
        throw new ApiError(409, 'disable_self', 'You cannot disable your own account; ask another administrator.');
      }
      const losesAdmin = target.role === 'admin' && !target.disabledAt && (role === 'user' || disabled === true);
      if (losesAdmin) await keepAnAdmin(target.id);
      const [row] = await db
        .update(users)
        .set({
          ...(name !== undefined ? { name: name.trim() } : {}),
          ...(role !== undefined ? { role: role as Role } : {}),
          ...(disabled !== undefined ? { disabledAt: disabled ? (target.disabledAt ?? new Date()) : null } : {}),
        })
        .where(eq(users.id, target.id))
        .returning();
      if (disabled) await db.delete(sessions).where(eq(sessions.userId, target.id));
      return userView(row!);
    },
  );

  app.post(
    '/admin/users/:id/password-reset',
    {
      config: { access: access.admin },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['admin'],
        summary: 'A one-time link (valid 24 h) with which the user chooses a new password',
        params: IdParams,
        response: { 201: LinkSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const target = await userById(request.params.id);
      const { row, secret } = await createLink(db, { kind: 'reset', email: target.email, role: target.role, userId: target.id, createdBy: userOf(request).id });
      return reply.status(201).send({ ...linkView(row), url: linkUrl(originOf(request), 'reset', secret) });
    },
  );

  app.get(
    '/admin/invitations',
    {
      config: { access: access.admin },
      schema: {
        tags: ['admin'],
        summary: 'Invitation and reset links not used yet and not expired',
        response: { 200: Type.Array(LinkSchema), ...errorResponses(401, 403) },
      },
    },
    async () => {
      const rows = await db
        .select()
        .from(invitations)
        .where(and(isNull(invitations.usedAt), gt(invitations.expiresAt, new Date())))
        .orderBy(desc(invitations.createdAt));
      return rows.map(linkView);
    },
  );

  app.post(
    '/admin/invitations',
    {
      config: { access: access.admin },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['admin'],
        summary: 'Invite someone: a one-time sign-up link (valid 7 days) for this email and role',
        body: Type.Object({ email: Email, role: RoleSchema }, { additionalProperties: false }),
        response: { 201: LinkSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      await requireFreeEmail(db, email);
      const { row, secret } = await createLink(db, { kind: 'invite', email, role: request.body.role, createdBy: userOf(request).id });
      return reply.status(201).send({ ...linkView(row), url: linkUrl(originOf(request), 'invite', secret) });
    },
  );

  app.delete(
    '/admin/invitations/:id',
    {
      config: { access: access.admin },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['admin'],
        summary: 'Withdraw an invitation or reset link',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Withdrawn' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const [row] = await db
        .delete(invitations)
        .where(and(eq(invitations.id, request.params.id), isNull(invitations.usedAt)))
        .returning({ id: invitations.id });
      if (!row) throw notFound('Invitation', request.params.id);
      return reply.status(204).send(null);
    },
  );
};

function linkView(row: typeof invitations.$inferSelect) {
  return { id: row.id, kind: row.kind, email: row.email, role: row.role, createdAt: iso(row.createdAt)!, expiresAt: iso(row.expiresAt)! };
}

export default adminRoutes;
