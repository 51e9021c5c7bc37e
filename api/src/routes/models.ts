import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq } from 'drizzle-orm';
import { BlobNotFoundError, models } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { ownerNames } from '../owners.ts';
import { Scope, scopeFilter } from '../scope.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { IdParams, ModelSchema, VisibilitySchema, modelView } from '../views.ts';

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
  app.get(
    '/models',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['models'],
        summary: 'Your models and the public ones, newest first, with their metrics, owner and origin',
        description: 'Public models are everyone’s choices for “reuse” and “initial weights” in flowcharts.',
        querystring: Type.Object({
          task: Type.Optional(Type.String({ description: 'Only models of this task' })),
          scope: Type.Optional(Scope),
        }),
        response: { 200: Type.Array(ModelSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { task, scope } = request.query;
      const rows = await db
        .select()
        .from(models)
        .where(and(scopeFilter(scope, user, models), task ? eq(models.task, task) : undefined))
        .orderBy(desc(models.createdAt));
      const owners = await ownerNames(db, rows);
      return rows.map((row) => modelView(row, user.id, owners));
    },
  );

  /** The model the access layer has checked the caller may see. */
  const modelById = async (id: string) => {
    const [row] = await db.select().from(models).where(eq(models.id, id));
    if (!row) throw notFound('Model', id);
    return row;
  };

  app.get(
    '/models/:id',
    {
      config: { access: access.read('model') },
      schema: {
        tags: ['models'],
        summary: 'A model: task, architecture, classes, parent class, metrics and origin',
        params: IdParams,
        response: { 200: ModelSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const row = await modelById(request.params.id);
      return modelView(row, userOf(request).id, await ownerNames(db, [row]));
    },
  );

  app.patch(
    '/models/:id',
    {
      config: { access: access.write('model') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['models'],
        summary: 'Rename a model, or make it public (everyone can reuse it or start from its weights) or private again',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), visibility: Type.Optional(VisibilitySchema) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ModelSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const [row] = await db.update(models).set(request.body).where(eq(models.id, request.params.id)).returning();
      if (!row) throw notFound('Model', request.params.id);
      return modelView(row, userOf(request).id, await ownerNames(db, [row]));
    },
  );

  app.get(
    '/models/:id/onnx',
    {
      config: { access: access.read('model') },
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
      const model = await modelById(request.params.id);
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
