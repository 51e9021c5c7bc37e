import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { desc, eq, sql } from 'drizzle-orm';
import { flowcharts, newId, ID_PREFIX } from '@aip/platform';
import { validateFlowchart } from '@aip/workflows';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { ownerNames } from '../owners.ts';
import { Scope, scopeFilter } from '../scope.ts';
import { errorResponses, notFound } from '../errors.ts';
import { flowchartContext } from '../flowchart-context.ts';
import { flowchartOverviews } from '../flowchart-overview.ts';
import {
  FlowchartOverviewSchema,
  FlowchartProblemSchema,
  FlowchartSchema,
  FlowchartSummarySchema,
  GraphSchema,
  IdParams,
  VisibilitySchema,
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
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.json,
      schema: {
        tags: ['flowcharts'],
        summary: 'Save a new flowchart (drafts with problems are kept)',
        description: 'To copy a public template, GET it and POST its graph under a name of your own.',
        body: Type.Object({ name: Name, graph: GraphSchema, visibility: Type.Optional(VisibilitySchema) }),
        response: { 201: SavedSchema, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const { name, graph, visibility } = request.body;
      const id = newId(ID_PREFIX.flowchart);
      await db.insert(flowcharts).values({ id, ownerId: user.id, name, graph, revision: 1, visibility: visibility ?? 'private' });
      return reply.status(201).send({ id, revision: 1, problems: await problemsOf(user.id, graph) });
    },
  );

  app.get(
    '/flowcharts',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['flowcharts'],
        summary: 'Your flowcharts (or the public templates), most recently changed first',
        description: "Each with a thumbnail of its graph and your latest run's status, stage states and bundle.",
        querystring: Type.Object({
          scope: Type.Optional({ ...Scope, description: '`mine` (default): your flowcharts; `public`: public templates; `all`: both.' }),
        }),
        response: { 200: Type.Array(FlowchartOverviewSchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const rows = await db
        .select()
        .from(flowcharts)
        .where(scopeFilter(request.query.scope ?? 'mine', user, flowcharts))
        .orderBy(desc(flowcharts.updatedAt));
      return flowchartOverviews(db, user.id, rows);
    },
  );

  app.get(
    '/flowcharts/:id',
    {
      config: { access: access.read('flowchart') },
      schema: {
        tags: ['flowcharts'],
        summary: 'A flowchart with its graph and its current problems',
        description: 'Problems are judged for the caller: a public template naming its owner’s private dataset has a problem for anyone else.',
        params: IdParams,
        response: { 200: FlowchartSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const [row] = await db.select().from(flowcharts).where(eq(flowcharts.id, request.params.id));
      if (!row) throw notFound('Flowchart', request.params.id);
      return {
        ...flowchartSummary(row, user.id, await ownerNames(db, [row])),
        graph: row.graph as Graph,
        problems: await problemsOf(user.id, row.graph),
      };
    },
  );

  app.put(
    '/flowcharts/:id',
    {
      config: { access: access.write('flowchart') },
      bodyLimit: BODY_LIMIT.json,
      schema: {
        tags: ['flowcharts'],
        summary: 'Save a new revision of a flowchart',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), graph: GraphSchema }),
        response: { 200: SavedSchema, ...errorResponses(400, 401, 403, 404) },
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
        .where(eq(flowcharts.id, request.params.id))
        .returning({ id: flowcharts.id, revision: flowcharts.revision });
      if (!row) throw notFound('Flowchart', request.params.id);
      return { id: row.id, revision: row.revision, problems: await problemsOf(user.id, graph) };
    },
  );

  app.patch(
    '/flowcharts/:id',
    {
      config: { access: access.write('flowchart') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['flowcharts'],
        summary: 'Rename a flowchart, or share it as a public template (or make it private again)',
        description: 'Not a new revision: the graph is unchanged.',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Name), visibility: Type.Optional(VisibilitySchema) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: FlowchartSummarySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const [row] = await db
        .update(flowcharts)
        // Sharing is not an edit: only a rename moves it up the "recently changed" order.
        .set({ ...request.body, ...(request.body.name !== undefined ? { updatedAt: new Date() } : {}) })
        .where(eq(flowcharts.id, request.params.id))
        .returning();
      if (!row) throw notFound('Flowchart', request.params.id);
      return flowchartSummary(row, userOf(request).id, await ownerNames(db, [row]));
    },
  );

  app.delete(
    '/flowcharts/:id',
    {
      config: { access: access.write('flowchart') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['flowcharts'],
        summary: 'Delete a flowchart (its runs, models and bundles stay)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const [row] = await db.delete(flowcharts).where(eq(flowcharts.id, request.params.id)).returning({ id: flowcharts.id });
      if (!row) throw notFound('Flowchart', request.params.id);
      return reply.status(204).send(null);
    },
  );
};

type Graph = Static<typeof GraphSchema>;

export default flowchartRoutes;
