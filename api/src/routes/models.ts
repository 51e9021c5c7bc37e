import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq, or } from 'drizzle-orm';
import { BlobNotFoundError, models } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { IdParams, ModelSchema, modelView } from '../views.ts';

/** A file name for the download: the model's name reduced to characters safe in any file system and header. */
export function onnxFileName(name: string, id: string): string {
  const safe = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return `${safe || 'model'}-${id}.onnx`;
}

const modelRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, blobs }) => {
  /** A model is visible to its owner, and to everyone once public. */
  const visibleTo = (userId: string) => or(eq(models.ownerId, userId), eq(models.visibility, 'public'));

  app.get(
    '/models',
    {
      schema: {
        tags: ['models'],
        summary: 'Your models and the public ones, newest first',
        querystring: Type.Object({ task: Type.Optional(Type.String({ description: 'Only models of this task' })) }),
        response: { 200: Type.Array(ModelSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { task } = request.query;
      const rows = await db
        .select()
        .from(models)
        .where(and(visibleTo(user.id), task ? eq(models.task, task) : undefined))
        .orderBy(desc(models.createdAt));
      return rows.map((row) => modelView(row, user.id));
    },
  );

  const visibleModel = async (userId: string, id: string) => {
    const [row] = await db
      .select()
      .from(models)
      .where(and(eq(models.id, id), visibleTo(userId)));
    if (!row) throw notFound('Model', id);
    return row;
  };

  app.get(
    '/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'A model: task, architecture, classes, parent class, metrics and origin',
        params: IdParams,
        response: { 200: ModelSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return modelView(await visibleModel(user.id, request.params.id), user.id);
    },
  );

  app.get(
    '/models/:id/onnx',
    {
      schema: {
        tags: ['models'],
        summary: "Download a model's ONNX file (raw pixels in, see docs/contracts.md)",
        params: IdParams,
        produces: ['application/octet-stream'],
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The model.onnx file' }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      const model = await visibleModel(userOf(request).id, request.params.id);
      const key = `${model.blobPrefix.replace(/\/+$/, '')}/model.onnx`;
      let size, stream;
      try {
        size = await blobs.size(key);
        stream = await blobs.get(key);
      } catch (error) {
        if (error instanceof BlobNotFoundError) {
          throw new ApiError(404, 'model_file_missing', `The ONNX file of model ${model.id} is missing from the blob store.`);
        }
        throw error;
      }
      return reply
        .type('application/octet-stream')
        .header('content-length', size)
        .header('content-disposition', `attachment; filename=${onnxFileName(model.name, model.id)}`)
        .send(stream);
    },
  );
};

export default modelRoutes;
