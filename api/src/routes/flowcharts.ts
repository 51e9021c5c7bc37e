import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { and, desc, eq, sql } from 'drizzle-orm';
import { flowcharts, newId, ID_PREFIX } from '@aip/platform';
import { validateFlowchart } from '@aip/workflows';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { errorResponses, notFound } from '../errors.ts';
import { flowchartContext } from '../flowchart-context.ts';
import { flowchartOverviews } from '../flowchart-overview.ts';
import {
  FlowchartOverviewSchema,
  FlowchartProblemSchema,
  FlowchartSchema,
  GraphSchema,
  IdParams,
  flowchartSummary,
} from '../views.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });

const SavedSchema = Type.Object({
  id: Type.String(),
  revision: Type.Integer(),
  problems: Type.Array(FlowchartProblemSchema, { description: 'Empty when the flowchart can run; drafts may have problems.' }),
});

const flowchartRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  const problemsOf = async (userId: string, graph: unknown) =>
    validateFlowchart(graph, await flowchartContext(db, userId, graph));

  app.post(
    '/flowcharts',
    {
      schema: {
        tags: ['flowcharts'],
        summary: 'Save a new flowchart (drafts with problems are kept)',
        body: Type.Object({ name: Name, graph: GraphSchema }),
        response: { 201: SavedSchema, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const { name, graph } = request.body;
      const id = newId(ID_PREFIX.flowchart);
      await db.insert(flowcharts).values({ id, ownerId: user.id, name, graph, revision: 1 });
      return reply.status(201).send({ id, revision: 1, problems: await problemsOf(user.id, graph) });
    },
  );

  app.get(
    '/flowcharts',
    {
      schema: {
        tags: ['flowcharts'],
        summary: 'Your flowcharts, most recently changed first',
        description: "Each with a thumbnail of its graph and its latest run's status, stage states and bundle.",
        response: { 200: Type.Array(FlowchartOverviewSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const rows = await db
        .select()
        .from(flowcharts)
        .where(eq(flowcharts.ownerId, user.id))
        .orderBy(desc(flowcharts.updatedAt));
      return flowchartOverviews(db, user.id, rows);
    },
  );

  app.get(
    '/flowcharts/:id',
    {
      schema: {
        tags: ['flowcharts'],
        summary: 'A flowchart with its graph and its current problems',
        params: IdParams,
        response: { 200: FlowchartSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const [row] = await db
        .select()
        .from(flowcharts)
        .where(and(eq(flowcharts.id, request.params.id), eq(flowcharts.ownerId, user.id)));
      if (!row) throw notFound('Flowchart', request.params.id);
      return {
        ...flowchartSummary(row),
        graph: row.graph as Graph,
        problems: await problemsOf(user.id, row.graph),
      };
    },
  );

  app.put(
    '/flowcharts/:id',
    {
      schema: {
        tags: ['flowcharts'],
        summary: 'Save a new revision of a flowchart',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), graph: GraphSchema }),
        response: { 200: SavedSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { name, graph } = request.body;
      // One statement, so two concurrent saves get two distinct revisions.
      const [row] = await db
        .update(flowcharts)
        .set({
          graph,
          ...(name !== undefined ? { name } : {}),
          revision: sql`${flowcharts.revision} + 1`,
          updatedAt: new Date(),
        })
        .where(and(eq(flowcharts.id, request.params.id), eq(flowcharts.ownerId, user.id)))
        .returning({ id: flowcharts.id, revision: flowcharts.revision });
      if (!row) throw notFound('Flowchart', request.params.id);
      return { id: row.id, revision: row.revision, problems: await problemsOf(user.id, graph) };
    },
  );
};

type Graph = Static<typeof GraphSchema>;

export default flowchartRoutes;
