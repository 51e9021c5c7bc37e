import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq, or } from 'drizzle-orm';
import { datasets } from '@aip/platform';
import { DEFAULT_UPLOAD_MAX_BYTES, type AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { receiveDatasetUpload } from '../upload.ts';
import { DatasetSchema, IdParams, datasetView } from '../views.ts';
import { workflowStarter } from '../workflows.ts';

const datasetRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;
  const workflows = workflowStarter(deps.temporal, deps.config.taskQueues);

  app.post(
    '/datasets',
    {
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
        maxBytes: deps.config.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES,
      });
      return reply.status(202).send({ id, status: 'validating' as const });
    },
  );

  app.get(
    '/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Your datasets and the public ones, newest first',
        response: { 200: Type.Array(DatasetSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const rows = await db
        .select()
        .from(datasets)
        .where(or(eq(datasets.ownerId, user.id), eq(datasets.visibility, 'public')))
        .orderBy(desc(datasets.createdAt));
      return rows.map((row) => datasetView(row, user.id));
    },
  );

  app.get(
    '/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'A dataset: status, format, classes, stats and the validation problems',
        params: IdParams,
        response: { 200: DatasetSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const [row] = await db
        .select()
        .from(datasets)
        .where(
          and(eq(datasets.id, request.params.id), or(eq(datasets.ownerId, user.id), eq(datasets.visibility, 'public'))),
        );
      if (!row) throw notFound('Dataset', request.params.id);
      return datasetView(row, user.id);
    },
  );

  app.delete(
    '/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Delete one of your datasets and its files',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const [row] = await db
        .delete(datasets)
        .where(and(eq(datasets.id, request.params.id), eq(datasets.ownerId, user.id)))
        .returning();
      if (!row) throw notFound('Dataset', request.params.id);
      // The row goes first: a failure below leaves orphan files, never a row without its files.
      await blobs.deletePrefix(row.blobPrefix.endsWith('/') ? row.blobPrefix : `${row.blobPrefix}/`);
      return reply.status(204).send(null);
    },
  );
};

export default datasetRoutes;
