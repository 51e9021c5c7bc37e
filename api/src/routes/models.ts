import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq, or } from 'drizzle-orm';
import { models } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { errorResponses, notFound } from '../errors.ts';
import { IdParams, ModelSchema, modelView } from '../views.ts';

const modelRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
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
      const [row] = await db
        .select()
        .from(models)
        .where(and(eq(models.id, request.params.id), visibleTo(user.id)));
      if (!row) throw notFound('Model', request.params.id);
      return modelView(row, user.id);
    },
  );
};

export default modelRoutes;
