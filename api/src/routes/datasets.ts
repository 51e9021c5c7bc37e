import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { desc, eq } from 'drizzle-orm';
import { EXPORT_TARGETS, MANIFEST_FILE, exportTargets, parseManifest, type DatasetFormat } from '@aip/datasets-spec';
import { datasets } from '@aip/platform';
import { DEFAULT_UPLOAD_MAX_BYTES, type AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { ownerNames } from '../owners.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { Scope, scopeFilter } from '../scope.ts';
import { exportZip } from '../dataset-export.ts';
import { receiveDatasetUpload } from '../upload.ts';
import { DatasetSchema, IdParams, Literals, VisibilitySchema, datasetView } from '../views.ts';
import { workflowStarter } from '../workflows.ts';
import { IMAGE_TYPES } from '../image-types.ts';


const BoxSchema = Type.Object({ x1: Type.Number(), y1: Type.Number(), x2: Type.Number(), y2: Type.Number(), label: Type.String() });
const SampleSchema = Type.Object({
  path: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  split: Type.String(),
  class: Type.Optional(Type.String({ description: 'Classification datasets: the image class' })),
  boxes: Type.Optional(Type.Array(BoxSchema, { description: 'Detection and text detection: pixel boxes, xyxy (text detection: the label is the text)' })),
  polygons: Type.Optional(
    Type.Array(
      Type.Object({
        points: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: 'Clockwise, in image pixels' }),
        label: Type.String(),
      }),
      { description: 'Segmentation (label = class) and text detection (label = the text)' },
    ),
  ),
  text: Type.Optional(Type.String({ description: 'Text recognition: the text in the image' })),
  target: Type.Optional(Type.String({ description: 'Enhancement: the target image’s path' })),
  url: Type.String({ description: 'Where the image is served (same authentication)' }),
});

const datasetRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;
  const workflows = workflowStarter(deps.temporal, deps.config.taskQueues);

  const uploadMaxBytes = deps.config.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES;

  app.post(
    '/datasets',
    {
      config: { access: access.signedIn },
      // The zip streams to storage; upload.ts enforces this size on the file part itself.
      bodyLimit: uploadMaxBytes,
      schema: {
        tags: ['datasets'],
        summary: 'Upload a dataset zip',
        description:
          'multipart/form-data with the fields `name` (optional, default: the file name) and `format` ' +
          '(optional: classification | detection; detected otherwise), then the file part `file` (.zip). ' +
          'The zip is stored as it arrives and checked by the ingest workflow: poll GET /api/datasets/{id} ' +
          'until the status is `ready` or `invalid`.',
        consumes: ['multipart/form-data'],
        response: {
          202: Type.Object({ id: Type.String(), status: Type.Literal('validating') }),
          ...errorResponses(400, 401, 413, 415, 500),
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new ApiError(415, 'unsupported_media_type', 'Send the dataset as multipart/form-data with the zip in the part "file".');
      }
      const id = await receiveDatasetUpload(request, {
        db,
        blobs,
        userId: userOf(request).id,
        workflows,
        maxBytes: uploadMaxBytes,
      });
      return reply.status(202).send({ id, status: 'validating' as const });
    },
  );

  app.get(
    '/datasets',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['datasets'],
        summary: 'Your datasets and the public ones, newest first',
        querystring: Type.Object({ scope: Type.Optional(Scope) }),
        response: { 200: Type.Array(DatasetSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const rows = await db
        .select()
        .from(datasets)
        .where(scopeFilter(request.query.scope, user, datasets))
        .orderBy(desc(datasets.createdAt));
      const owners = await ownerNames(db, rows);
      return rows.map((row) => datasetView(row, user.id, owners));
    },
  );

  app.get(
    '/datasets/:id',
    {
      config: { access: access.read('dataset') },
      schema: {
        tags: ['datasets'],
        summary: 'A dataset: status, format, classes, stats and the validation problems',
        params: IdParams,
        response: { 200: DatasetSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const [row] = await db.select().from(datasets).where(eq(datasets.id, request.params.id));
      if (!row) throw notFound('Dataset', request.params.id);
      return datasetView(row, userOf(request).id, await ownerNames(db, [row]));
    },
  );

  /** A dataset (the access layer has checked it is readable) with its canonical manifest (only a ready dataset has one). */
  async function readableManifest(id: string) {
    const [row] = await db.select().from(datasets).where(eq(datasets.id, id));
    if (!row) throw notFound('Dataset', id);
    if (row.status !== 'ready' || !row.format) {
      throw new ApiError(409, 'dataset_not_ready', `Dataset ${id} is ${row.status}: its images can be browsed once it is ready.`);
    }
    const prefix = `${row.blobPrefix.replace(/\/+$/, '')}/normalized`;
    const text = (await blobs.getBuffer(`${prefix}/${MANIFEST_FILE}`)).toString('utf8');
    return { row, prefix, entries: parseManifest(text, row.format as DatasetFormat) };
  }

  app.get(
    '/datasets/:id/samples',
    {
      config: { access: access.read('dataset') },
      schema: {
        tags: ['datasets'],
        summary: 'A page of a ready dataset\'s images with their labels (class, boxes) and image URLs',
        params: IdParams,
        querystring: Type.Object({
          offset: Type.Integer({ minimum: 0, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 24 }),
          split: Type.Optional(Type.Union([Type.Literal('train'), Type.Literal('val'), Type.Literal('test')])),
        }),
        response: {
          200: Type.Object({
            total: Type.Integer({ description: 'Images matching the filter' }),
            items: Type.Array(SampleSchema),
          }),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request) => {
      const { offset, limit, split } = request.query;
      const { row, entries } = await readableManifest(request.params.id);
      const matching = split ? entries.filter((entry) => entry.split === split) : entries;
      return {
        total: matching.length,
        items: matching.slice(offset, offset + limit).map((entry) => ({
          ...entry,
          url: `/api/datasets/${row.id}/files/${entry.path.split('/').map(encodeURIComponent).join('/')}`,
        })),
      };
    },
  );

  app.get(
    '/datasets/:id/files/*',
    {
      config: { access: access.read('dataset') },
      schema: {
        tags: ['datasets'],
        summary: 'One image of a ready dataset (a path listed in its manifest)',
        params: Type.Object({ id: Type.String(), '*': Type.String() }),
        produces: ['image/*'],
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The image' }),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { prefix, entries } = await readableManifest(request.params.id);
      // Only paths the manifest lists are served: no path trick reaches anything else.
      const wanted = request.params['*'];
      const entry = entries.find((candidate) => candidate.path === wanted);
      if (!entry) throw notFound('Image', wanted);
      const type = IMAGE_TYPES[path.posix.extname(entry.path).toLowerCase()] ?? 'application/octet-stream';
      return reply
        .type(type)
        .header('cache-control', 'private, max-age=3600')
        .send(await blobs.get(`${prefix}/${entry.path}`));
    },
  );

  app.get(
    '/datasets/:id/export',
    {
      config: { access: access.read('dataset') },
      schema: {
        tags: ['datasets'],
        summary: 'Download a ready dataset in a format other tools read: COCO JSON or YOLO txt (detection, segmentation), one folder per class (classification)',
        params: IdParams,
        querystring: Type.Object({ to: Literals(EXPORT_TARGETS) }),
        produces: ['application/zip'],
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The exported dataset, zipped' }),
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { to } = request.query;
      const { row, prefix } = await readableManifest(request.params.id);
      const format = row.format as DatasetFormat;
      const targets = exportTargets(format);
      if (!targets.includes(to)) {
        throw new ApiError(
          400,
          'export_unavailable',
          `A ${format} dataset cannot be exported as ${to}; ` + (targets.length > 0 ? `it can be exported as ${targets.join(' or ')}.` : 'it has no export format.'),
        );
      }
      const stream = await exportZip(blobs, prefix, to, row.name);
      const fileName = `${row.name.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80) || row.id}-${to}.zip`;
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${row.id}-${to}.zip"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
        .send(stream);
    },
  );

  app.patch(
    '/datasets/:id',
    {
      config: { access: access.write('dataset') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['datasets'],
        summary: 'Rename a dataset, or make it public (everyone can see and use it) or private again',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), visibility: Type.Optional(VisibilitySchema) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DatasetSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const [row] = await db
        .update(datasets)
        // Sharing is not an edit: only a rename moves it up the "recently changed" order.
        .set({ ...request.body, ...(request.body.name !== undefined ? { updatedAt: new Date() } : {}) })
        .where(eq(datasets.id, request.params.id))
        .returning();
      if (!row) throw notFound('Dataset', request.params.id);
      return datasetView(row, userOf(request).id, await ownerNames(db, [row]));
    },
  );

  app.delete(
    '/datasets/:id',
    {
      config: { access: access.write('dataset') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['datasets'],
        summary: 'Delete one of your datasets and its files',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const [row] = await db.delete(datasets).where(eq(datasets.id, request.params.id)).returning();
      if (!row) throw notFound('Dataset', request.params.id);
      // The row goes first: a failure below leaves orphan files, never a row without its files.
      await blobs.deletePrefix(row.blobPrefix.endsWith('/') ? row.blobPrefix : `${row.blobPrefix}/`);
      return reply.status(204).send(null);
    },
  );
};

export default datasetRoutes;
