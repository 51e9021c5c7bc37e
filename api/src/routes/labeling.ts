/**
 * The built-in labeler's API: a stage's labeling job, its items (lowest confidence first), leases
 * so two people never label the same item, autosave with versions so nobody overwrites newer work,
 * completion (which lets the waiting stage go on), and exports for external tools.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { and, desc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { checkItemLabels, labelingCoco, labelStudioTasks, type ExportItem, type ItemLabels } from '@aip/datasets-spec';
import { datasets, labelingItems, labelingJobs, runs } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT, ownedBy } from '../access.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { IMAGE_TYPES } from '../image-types.ts';
import { completeJob, findJob, ITEM_ORDER, itemView, jobView, requireOpen, targetOf } from '../labeling-jobs.ts';
import { DateTime, Json, Literals, Nullable } from '../views.ts';

/** How long a claimed item stays reserved for the person who claimed it. */
const LEASE_MS = 30 * 60_000;

const JobParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 100 }) });
const ItemParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 100 }), itemId: Type.String({ minLength: 1, maxLength: 100 }) });

const JobSchema = Type.Object({
  id: Type.String(),
  runId: Type.String(),
  flowchartName: Nullable(Type.String({ description: 'The flowchart the run was started from (null once it is deleted)' })),
  nodeId: Type.String(),
  stageName: Type.String(),
  task: Literals(['classification', 'detection', 'segmentation', 'text_detection', 'text_recognition']),
  classes: Type.Array(Type.String()),
  state: Literals(['open', 'completed', 'cancelled']),
  total: Type.Integer(),
  labeled: Type.Integer(),
  datasetId: Type.String(),
  outputDatasetId: Nullable(Type.String()),
  createdAt: DateTime,
  completedAt: Nullable(DateTime),
  webhook: Type.Object(
    { url: Type.String(), secret: Type.String() },
    { description: 'Where an external tool posts labels, and the secret it signs them with (see the labeling webhook)' },
  ),
});

const ItemSchema = Type.Object({
  id: Type.String(),
  index: Type.Integer(),
  path: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  url: Type.String({ description: 'The image (same authentication)' }),
  labels: Nullable(Json),
  prelabel: Nullable(
    Type.Object({ labels: Json, confidence: Nullable(Type.Number()), source: Literals(['model', 'upstream']) }, { description: "A model's prediction, to correct" }),
  ),
  confidence: Nullable(Type.Number()),
  version: Type.Integer({ description: 'Send it back with a save: a save of an older version is refused' }),
  labeledAt: Nullable(DateTime),
  assignedTo: Nullable(Type.String({ description: 'The user holding the item, while leaseUntil is ahead' })),
  leaseUntil: Nullable(DateTime),
  source: Nullable(
    Type.Object(
      { path: Type.String(), box: Type.Object({ x1: Type.Number(), y1: Type.Number(), x2: Type.Number(), y2: Type.Number() }) },
      { description: 'For a crop: the image it was cut from, and where' },
    ),
  ),
});

export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

const labelingRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;

  /** The job (checked by the access layer) and its item `itemId`. */
  async function jobItem(jobId: string, itemId: string) {
    const job = await findJob(db, jobId);
    const [item] = await db.select().from(labelingItems).where(and(eq(labelingItems.id, itemId), eq(labelingItems.jobId, job.id)));
    if (!item) throw notFound('Item', `${jobId}/${itemId}`);
    return { job, item };
  }

  app.get(
    '/labeling/jobs',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['labeling'],
        summary: 'My labeling jobs, open ones first',
        response: { 200: Type.Object({ items: Type.Array(JobSchema) }), ...errorResponses(401) },
      },
    },
    async (request) => {
      const rows = await db
        .select({ id: labelingJobs.id })
        .from(labelingJobs)
        .innerJoin(runs, eq(labelingJobs.runId, runs.id))
        .where(ownedBy(userOf(request), runs))
        .orderBy(sql`${labelingJobs.state} = 'open' desc`, desc(labelingJobs.createdAt))
        .limit(200);
      const items = [];
      for (const { id } of rows) items.push(await jobView(db, await findJob(db, id), originOf(request)));
      return { items };
    },
  );

  app.get(
    '/labeling/jobs/:jobId',
    {
      config: { access: access.read('labelingJob', 'jobId') },
      schema: {
        tags: ['labeling'],
        summary: 'A labeling job: its task, classes, progress and webhook',
        params: JobParams,
        response: { 200: JobSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => jobView(db, await findJob(db, request.params.jobId), originOf(request)),
  );

  app.get(
    '/labeling/jobs/:jobId/items',
    {
      config: { access: access.read('labelingJob', 'jobId') },
      schema: {
        tags: ['labeling'],
        summary: "A labeling job's items, lowest confidence first",
        params: JobParams,
        querystring: Type.Object({
          filter: Type.Optional(Literals(['all', 'unlabeled', 'labeled'])),
          offset: Type.Integer({ minimum: 0, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(ItemSchema) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const job = await findJob(db, request.params.jobId);
      const { filter = 'all', offset, limit } = request.query;
      const where = and(
        eq(labelingItems.jobId, job.id),
        filter === 'labeled' ? isNotNull(labelingItems.labels) : filter === 'unlabeled' ? isNull(labelingItems.labels) : undefined,
      );
      const [count] = await db.select({ total: sql<number>`count(*)::int` }).from(labelingItems).where(where);
      const rows = await db.select().from(labelingItems).where(where).orderBy(...ITEM_ORDER).offset(offset).limit(limit);
      return { total: count?.total ?? 0, items: rows.map(itemView) };
    },
  );

  app.post(
    '/labeling/jobs/:jobId/claim',
    {
      config: { access: access.write('labelingJob', 'jobId') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['labeling'],
        summary: 'Reserve unlabeled items to label (30 minutes), lowest confidence first; items the caller already holds come first',
        params: JobParams,
        body: Type.Optional(Type.Object({ count: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) })),
        response: { 200: Type.Object({ items: Type.Array(ItemSchema) }), ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const job = await findJob(db, request.params.jobId);
      requireOpen(job);
      const count = request.body?.count ?? 20;
      const now = new Date();
      const free = or(eq(labelingItems.assignedTo, user.id), isNull(labelingItems.assignedTo), isNull(labelingItems.leaseUntil), lt(labelingItems.leaseUntil, now));
      // One statement: two people claiming at once cannot both get an item.
      const chosen = db
        .select({ id: labelingItems.id })
        .from(labelingItems)
        .where(and(eq(labelingItems.jobId, job.id), isNull(labelingItems.labels), free))
        .orderBy(sql`${labelingItems.assignedTo} is not distinct from ${user.id} desc`, ...ITEM_ORDER)
        .limit(count)
        .for('update', { skipLocked: true });
      const claimed = await db
        .update(labelingItems)
        .set({ assignedTo: user.id, leaseUntil: new Date(now.getTime() + LEASE_MS) })
        .where(and(inArray(labelingItems.id, chosen), free))
        .returning();
      const order = await db.select({ id: labelingItems.id }).from(labelingItems).where(inArray(labelingItems.id, claimed.map((item) => item.id).concat(['']))).orderBy(...ITEM_ORDER);
      const byId = new Map(claimed.map((item) => [item.id, item]));
      return { items: order.map(({ id }) => itemView(byId.get(id)!)) };
    },
  );

  app.post(
    '/labeling/jobs/:jobId/release',
    {
      config: { access: access.write('labelingJob', 'jobId') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['labeling'],
        summary: 'Give back the items the caller holds (leaving the labeler), so others can take them at once',
        params: JobParams,
        response: { 200: Type.Object({ released: Type.Integer() }), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const job = await findJob(db, request.params.jobId);
      const released = await db
        .update(labelingItems)
        .set({ assignedTo: null, leaseUntil: null })
        .where(and(eq(labelingItems.jobId, job.id), eq(labelingItems.assignedTo, user.id)))
        .returning({ id: labelingItems.id });
      return { released: released.length };
    },
  );

  app.get(
    '/labeling/jobs/:jobId/items/:itemId',
    {
      config: { access: access.read('labelingJob', 'jobId') },
      schema: { tags: ['labeling'], summary: 'One item of a labeling job', params: ItemParams, response: { 200: ItemSchema, ...errorResponses(401, 404) } },
    },
    async (request) => itemView((await jobItem(request.params.jobId, request.params.itemId)).item),
  );

  app.put(
    '/labeling/jobs/:jobId/items/:itemId',
    {
      config: { access: access.write('labelingJob', 'jobId') },
      bodyLimit: BODY_LIMIT.json,
      schema: {
        tags: ['labeling'],
        summary: "Save an item's labels (null: back to unlabeled)",
        description:
          'Refused with 409 `item_changed` when `version` is not the item\'s current one (someone saved it since: load it again), ' +
          '409 `item_leased` while another person holds it, 400 `invalid_labels` naming what is wrong.',
        params: ItemParams,
        body: Type.Object({ labels: Nullable(Json), version: Type.Integer({ minimum: 0 }) }),
        response: { 200: ItemSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { job, item } = await jobItem(request.params.jobId, request.params.itemId);
      requireOpen(job);
      const now = new Date();
      if (item.assignedTo && item.assignedTo !== user.id && item.leaseUntil && item.leaseUntil > now) {
        throw new ApiError(409, 'item_leased', `Someone else is labeling ${item.path} until ${item.leaseUntil.toISOString()}.`);
      }
      let labels: ItemLabels | null = null;
      if (request.body.labels !== null) {
        const checked = checkItemLabels(request.body.labels, item, targetOf(job));
        if (checked.problems.length > 0) {
          throw new ApiError(400, 'invalid_labels', `The labels of ${item.path} were not saved: ${checked.problems.map((p) => p.message).join(' ')}`, checked.problems);
        }
        labels = checked.labels!;
      }
      const [saved] = await db
        .update(labelingItems)
        .set({
          labels: labels as Record<string, unknown> | null,
          version: sql`${labelingItems.version} + 1`,
          labeledBy: labels ? user.id : null,
          labeledAt: labels ? now : null,
          // Whoever saves it holds it a while longer.
          assignedTo: user.id,
          leaseUntil: new Date(now.getTime() + LEASE_MS),
        })
        .where(and(eq(labelingItems.id, item.id), eq(labelingItems.version, request.body.version)))
        .returning();
      if (!saved) {
        throw new ApiError(409, 'item_changed', `${item.path} was saved by someone else since you opened it (version ${request.body.version}, now ${item.version}): load it again.`);
      }
      return itemView(saved);
    },
  );

  app.get(
    '/labeling/jobs/:jobId/items/:itemId/image',
    {
      config: { access: access.read('labelingJob', 'jobId') },
      schema: {
        tags: ['labeling'],
        summary: "An item's image",
        params: ItemParams,
        produces: ['image/*'],
        response: { 200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The image' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { job, item } = await jobItem(request.params.jobId, request.params.itemId);
      const [dataset] = await db.select({ blobPrefix: datasets.blobPrefix }).from(datasets).where(eq(datasets.id, job.datasetId));
      if (!dataset) throw notFound('Dataset', job.datasetId);
      const type = IMAGE_TYPES[path.posix.extname(item.path).toLowerCase()] ?? 'application/octet-stream';
      // The item's path comes from the database, never from the request: no path trick reaches other files.
      return reply
        .type(type)
        .header('cache-control', 'private, max-age=3600')
        .send(await blobs.get(`${dataset.blobPrefix.replace(/\/+$/, '')}/normalized/${item.path}`));
    },
  );

  app.post(
    '/labeling/jobs/:jobId/complete',
    {
      config: { access: access.write('labelingJob', 'jobId') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['labeling'],
        summary: 'Finish labeling: the stage trains on the labeled items',
        description: 'With unlabeled items left and no `force`: 409 `unlabeled_items_left`, whose message says how many.',
        params: JobParams,
        body: Type.Optional(Type.Object({ force: Type.Optional(Type.Boolean()) })),
        response: { 200: JobSchema, ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const job = await findJob(db, request.params.jobId);
      await completeJob(db, deps.temporal, job, request.body?.force ?? false);
      return jobView(db, await findJob(db, job.id), originOf(request));
    },
  );

  app.get(
    '/labeling/jobs/:jobId/export',
    {
      config: { access: access.read('labelingJob', 'jobId') },
      schema: {
        tags: ['labeling'],
        summary: 'A labeling job for an external tool: Label Studio tasks (with pre-annotations) or COCO',
        params: JobParams,
        querystring: Type.Object({ format: Literals(['label-studio', 'coco']) }),
        produces: ['application/json'],
        response: { 200: Json, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const job = await findJob(db, request.params.jobId);
      const rows = await db.select().from(labelingItems).where(eq(labelingItems.jobId, job.id)).orderBy(...ITEM_ORDER);
      const items: ExportItem[] = rows.map((row) => ({
        id: row.id,
        path: row.path,
        width: row.width,
        height: row.height,
        labels: (row.labels as ItemLabels | null) ?? null,
        prelabel: row.prelabel ? { labels: row.prelabel.labels as ItemLabels, confidence: row.prelabel.confidence } : null,
      }));
      const { format } = request.query;
      let body: unknown;
      try {
        body =
          format === 'coco'
            ? labelingCoco(items, targetOf(job))
            : labelStudioTasks(items, targetOf(job), (item) => `${originOf(request)}/api/labeling/jobs/${job.id}/items/${item.id}/image`);
      } catch (error) {
        throw new ApiError(400, 'export_unsupported', error instanceof Error ? error.message : String(error));
      }
      const name = `${job.id}-${format}.json`;
      return reply.header('content-disposition', `attachment; filename="${name}"`).type('application/json').send(JSON.stringify(body));
    },
  );
};

export default labelingRoutes;
