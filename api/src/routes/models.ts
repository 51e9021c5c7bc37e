import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq } from 'drizzle-orm';
import { BlobNotFoundError, modelParents, models, type Database } from '@aip/platform';
import { DEFAULT_UPLOAD_MAX_BYTES, type AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT, readableBy } from '../access.ts';
import { ownerNames } from '../owners.ts';
import { Scope, scopeFilter } from '../scope.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { IdParams, ModelDetailSchema, ModelSchema, VisibilitySchema, modelView } from '../views.ts';
import { receiveModelUpload } from '../model-upload.ts';
import { workflowStarter } from '../workflows.ts';

/** A model's lineage both ways, as far as `userId` may see the models at the other end. */
async function lineage(db: Database, modelId: string, userId: string) {
  const up = await db
    .select({ id: models.id, name: models.name, role: modelParents.role, position: modelParents.position })
    .from(modelParents)
    .innerJoin(models, eq(models.id, modelParents.parentModelId))
    .where(and(eq(modelParents.modelId, modelId), readableBy({ id: userId }, models)))
    .orderBy(modelParents.role, modelParents.position);
  const down = await db
    .select({ id: models.id, name: models.name, role: modelParents.role })
    .from(modelParents)
    .innerJoin(models, eq(models.id, modelParents.modelId))
    .where(and(eq(modelParents.parentModelId, modelId), readableBy({ id: userId }, models)))
    .orderBy(desc(models.createdAt));
  // The initial weights of a run's model are kept on the row itself (initModelId).
  const [row] = await db.select({ initModelId: models.initModelId }).from(models).where(eq(models.id, modelId));
  const init = row?.initModelId
    ? await db.select({ id: models.id, name: models.name }).from(models).where(and(eq(models.id, row.initModelId), readableBy({ id: userId }, models)))
    : [];
  const initChildren = await db
    .select({ id: models.id, name: models.name })
    .from(models)
    .where(and(eq(models.initModelId, modelId), readableBy({ id: userId }, models)));
  return {
    parents: [...up.map(({ id, name, role }) => ({ id, name, role })), ...init.map((m) => ({ ...m, role: 'init' as const }))],
    children: [...down, ...initChildren.map((m) => ({ ...m, role: 'init' as const }))],
  };
}

/** A file name for the download: the model's name reduced to characters safe in any file system and header. */
export function onnxFileName(name: string, id: string): string {
  const safe = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return `${safe || 'model'}-${id}.onnx`;
}

const modelRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;
  const workflows = workflowStarter(deps.temporal, deps.config.taskQueues);
  const uploadMaxBytes = deps.config.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES;

  app.post(
    '/models',
    {
      config: { access: access.signedIn },
      // The file streams to storage; model-upload.ts enforces this size on the file part itself.
      bodyLimit: uploadMaxBytes,
      schema: {
        tags: ['models'],
        summary: 'Upload a model (PyTorch weights of a registry architecture, TorchScript or ONNX)',
        description:
          'multipart/form-data: the fields `name`, `format` (weights | torchscript | onnx), `task` (classification | segmentation | depth), ' +
          '`arch` (weights only: a registry architecture of the task), `classes` (a JSON array or one per line, in output order; segmentation: the classes after the background), ' +
          '`inputHeight`, `inputWidth`, `colorSpace` (RGB | BGR), `valueRange` (0-255 | 0-1), `mean`, `std` (optional, "a,b,c"), `visibility`; then the file part `file`. ' +
          'The model is checked by the trainer: poll GET /api/models/{id} until its status is `ready` or `invalid` (with a report). ' +
          'Whole pickled models and hub code are refused: they would run the uploader\'s Python on the platform.',
        consumes: ['multipart/form-data'],
        response: { 202: Type.Object({ model: ModelSchema }), ...errorResponses(400, 401, 413, 415, 500) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new ApiError(415, 'unsupported_media_type', 'Send the model as multipart/form-data: the fields, then the file in the part "file".');
      }
      const user = userOf(request);
      const id = await receiveModelUpload(request, { db, blobs, userId: user.id, workflows, maxBytes: uploadMaxBytes });
      const row = await modelById(id);
      return reply.status(202).send({ model: modelView(row, user.id, await ownerNames(db, [row])) });
    },
  );

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
        summary: 'A model: task, architecture, classes, parent class, metrics, origin, status and lineage',
        params: IdParams,
        response: { 200: ModelDetailSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const row = await modelById(request.params.id);
      const userId = userOf(request).id;
      return { ...modelView(row, userId, await ownerNames(db, [row])), ...(await lineage(db, row.id, userId)) };
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
