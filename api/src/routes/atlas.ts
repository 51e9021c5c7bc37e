/**
 * The model atlas (docs/contracts.md "Model atlas"): how transferable the models a user can see are
 * to each other, as a graph of each model's nearest neighbours, and one model's nearest models. The
 * distances come from the atlas workflow, which places models as they become ready; reading the atlas
 * while models wait nudges it (at most every half minute), so a missed wake-up heals itself.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, eq } from 'drizzle-orm';
import { models } from '@aip/platform';
import { ATLAS_PROBE_SET } from '@aip/workflows/temporal';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { ATLAS_METRICS, atlasGraph, modelDatasets, nearestModels } from '../atlas.ts';
import { errorResponses, notFound } from '../errors.ts';
import { ownerNames } from '../owners.ts';
import { Scope, scopeFilter } from '../scope.ts';
import { IdParams, Literals, ModelSchema, modelView } from '../views.ts';
import { workflowStarter } from '../workflows.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Metric = Literals(ATLAS_METRICS, {
  description: '`attribution` (default): 1 − mean cosine of the models’ attribution maps over the probe set; `depara`: the attribution graph (maps and the rank similarity of how each model relates the probes).',
});
const K = Type.Integer({ minimum: 1, maximum: 20, description: 'Neighbours per model (default 5).' });
const PlacementSchema = Literals(['placed', 'pending', 'unsupported', 'failed'], {
  description: 'placed: in the atlas; pending: waiting for its signature; unsupported / failed: the atlas cannot place it (see reason).',
});
const Distance = Type.Number({ description: '0: the models attribute alike (identical ones); 1: unrelated.' });

const AtlasNodeSchema = Type.Object({
  model: ModelSchema,
  dataset: Nullable(Type.Object({ id: Type.String(), name: Type.String() }, { description: 'The uploaded dataset it was trained or refined on (derived stage data followed to its root).' })),
  placement: PlacementSchema,
  reason: Nullable(Type.String({ description: 'Why it is not placed.' })),
  neighbours: Type.Array(Type.Object({ id: Type.String(), distance: Distance }), { description: 'Its nearest models in this scope, nearest first.' }),
});

const AtlasSchema = Type.Object({
  probeSet: Type.String(),
  metric: Metric,
  k: Type.Integer(),
  updating: Type.Boolean({ description: 'Models of this scope wait for their signature: poll again.' }),
  nodes: Type.Array(AtlasNodeSchema),
  links: Type.Array(Type.Object({ source: Type.String(), target: Type.String(), distance: Distance }), { description: 'Each model to its k nearest, once per pair.' }),
  lineage: Type.Array(
    Type.Object({ parent: Type.String(), child: Type.String(), role: Literals(['teacher', 'pruned_from', 'init']) }, { description: 'Made-from edges between models of this scope.' }),
  ),
});

/** How often reading the atlas may wake its workflow. */
const NUDGE_EVERY_MS = 30_000;

const atlasRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db } = deps;
  const workflows = workflowStarter(deps.temporal, deps.config.taskQueues);
  let lastNudge = 0;
  const nudge = async () => {
    if (Date.now() - lastNudge < NUDGE_EVERY_MS) return;
    lastNudge = Date.now();
    await workflows.refreshAtlas().catch((error: unknown) => app.log.warn({ err: error }, 'could not wake the model atlas'));
  };

  app.get(
    '/atlas',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['atlas'],
        summary: 'The model atlas: ready models of a scope, each with its nearest models by transferability',
        description:
          'Distances are computed once per pair by the atlas workflow as models become ready (attribution maps over a shared probe set). ' +
          'Models not yet placed are listed with placement `pending`; those the atlas cannot place with the reason.',
        querystring: Type.Object({
          scope: Type.Optional(Scope),
          datasetId: Type.Optional(Type.String({ description: 'Only models trained or refined on this dataset.' })),
          metric: Type.Optional(Metric),
          k: Type.Optional(K),
        }),
        response: { 200: AtlasSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { scope, datasetId } = request.query;
      const metric = request.query.metric ?? 'attribution';
      const k = request.query.k ?? 5;
      const ready = await db
        .select()
        .from(models)
        .where(and(scopeFilter(scope, user, models), eq(models.status, 'ready')))
        .orderBy(models.createdAt, models.id);
      const datasetsOf = await modelDatasets(db, user, ready);
      const rows = datasetId ? ready.filter((m) => datasetsOf.get(m.id)?.id === datasetId) : ready;
      const graph = await atlasGraph(db, rows, datasetsOf, metric, k);
      const updating = graph.nodes.some((n) => n.placement === 'pending');
      if (updating) await nudge();
      const owners = await ownerNames(db, rows);
      return {
        probeSet: ATLAS_PROBE_SET,
        metric,
        k,
        updating,
        nodes: graph.nodes.map((n) => ({ ...n, model: modelView(n.model, user.id, owners) })),
        links: graph.links,
        lineage: graph.lineage,
      };
    },
  );

  app.get(
    '/models/:id/neighbours',
    {
      config: { access: access.read('model') },
      schema: {
        tags: ['atlas'],
        summary: 'The models nearest to this one in the atlas (those you can see), nearest first',
        params: IdParams,
        querystring: Type.Object({ metric: Type.Optional(Metric), k: Type.Optional(K) }),
        response: {
          200: Type.Object({
            placement: PlacementSchema,
            reason: Nullable(Type.String()),
            neighbours: Type.Array(Type.Object({ model: ModelSchema, distance: Distance })),
          }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const [row] = await db.select().from(models).where(eq(models.id, request.params.id));
      if (!row) throw notFound('model', request.params.id);
      const near = await nearestModels(db, user, row, request.query.metric ?? 'attribution', request.query.k ?? 5);
      if (near.placement === 'pending' && row.status === 'ready') await nudge();
      const owners = await ownerNames(db, near.neighbours.map((n) => n.model));
      return { ...near, neighbours: near.neighbours.map((n) => ({ model: modelView(n.model, user.id, owners), distance: n.distance })) };
    },
  );

  app.post(
    '/atlas/refresh',
    {
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['atlas'],
        summary: 'Ask the atlas workflow to place models that wait now',
        response: { 202: Type.Object({ started: Type.Boolean() }), ...errorResponses(401, 503) },
      },
    },
    async (_request, reply) => {
      lastNudge = Date.now();
      await workflows.refreshAtlas();
      return reply.code(202).send({ started: true });
    },
  );
};

export default atlasRoutes;
