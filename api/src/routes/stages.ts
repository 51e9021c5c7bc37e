/**
 * What a stage page shows beyond the run's status: sample predictions of the stage's model on
 * held-out images (written by the workers' evaluation), with URLs of the images they were made on.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, eq } from 'drizzle-orm';
import { BlobNotFoundError, runs, stageRuns } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { access } from '../access.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { Json } from '../views.ts';

const StageParams = Type.Object({ id: Type.String(), nodeId: Type.String() });

const SampleSchema = Type.Object({
  path: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  url: Type.String({ description: 'The image (same authentication)' }),
  truth: Json,
  prediction: Json,
});

const stageRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;

  app.get(
    '/runs/:id/stages/:nodeId/samples',
    {
      config: { access: access.read('run') },
      schema: {
        tags: ['runs'],
        summary: "Sample predictions of a stage's model on held-out images, with their ground truth",
        params: StageParams,
        response: { 200: Type.Object({ items: Type.Array(SampleSchema) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { id, nodeId } = request.params;
      const [stage] = await db
        .select({ datasetId: stageRuns.datasetId })
        .from(stageRuns)
        .innerJoin(runs, eq(stageRuns.runId, runs.id))
        .where(and(eq(runs.id, id), eq(stageRuns.nodeId, nodeId)));
      if (!stage) throw notFound('Stage', `${id}/${nodeId}`);
      const missing = () =>
        new ApiError(404, 'samples_not_ready', `Stage "${nodeId}" of run ${id} has no sample predictions yet: they come with its evaluation.`);
      if (!stage.datasetId) throw missing();
      let samples: { items: Array<{ path: string; width: number; height: number; truth: unknown; prediction: unknown }> };
      try {
        samples = JSON.parse((await blobs.getBuffer(`runs/${id}/stages/${nodeId}/samples.json`)).toString('utf8'));
      } catch (error) {
        if (error instanceof BlobNotFoundError) throw missing();
        throw error;
      }
      return {
        items: samples.items.map((item) => ({
          ...item,
          url: `/api/datasets/${stage.datasetId}/files/${item.path.split('/').map(encodeURIComponent).join('/')}`,
        })),
      };
    },
  );
};

export default stageRoutes;
