import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, asc, desc, eq } from 'drizzle-orm';
import { BlobNotFoundError, bundles, flowcharts, newId, ID_PREFIX, runs, stageRuns } from '@aip/platform';
import { FlowchartInvalidError, RUN_STATUSES, STAGE_STATES, compileFlowchart, type Plan } from '@aip/workflows';
import { DEFAULT_DOWNLOAD_URL_SECONDS, type AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT, ownedBy } from '../access.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { flowchartContext, unusableModelProblems } from '../flowchart-context.ts';
import { stageViews } from '../run-stages.ts';
import { DateTime, IdParams, Json, Literals, Nullable, iso } from '../views.ts';
import { RetryRefusedError, workflowStarter } from '../workflows.ts';

const RunStatusSchema = Literals(RUN_STATUSES, {
  description: '`attention`: a stage has failed and the run waits for it to be retried (or the run cancelled).',
});

const StageSchema = Type.Object({
  nodeId: Type.String(),
  name: Type.String(),
  task: Type.String(),
  state: Literals(STAGE_STATES),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  message: Nullable(Type.String({ description: 'The error of a failed stage, else the latest progress note.' })),
  progressDetail: Nullable(Json),
  epochs: Type.Array(Json, {
    description: "Each finished epoch's trainer event (epoch, loss, metric, metricName): the training curves.",
  }),
  timeline: Type.Array(
    Type.Object({ state: Type.String(), at: DateTime, message: Type.Optional(Type.String()) }),
    { description: 'Each state the stage entered and when; a failure carries its error.' },
  ),
  metrics: Nullable(Json),
  modelId: Nullable(Type.String()),
  datasetId: Nullable(Type.String({ description: 'The data this stage trained on (possibly derived).' })),
  userError: Nullable(Type.Boolean({ description: 'True when a failure is due to the data or settings.' })),
  labelingJobId: Nullable(Type.String({ description: 'The labeling job of a stage whose data needed labels.' })),
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
});

const BundleSchema = Type.Object({ size: Type.Integer(), sha256: Type.String() });

const RunSummarySchema = Type.Object({
  id: Type.String(),
  flowchartId: Nullable(Type.String()),
  flowchartName: Nullable(Type.String({ description: 'The flowchart’s current name; null once it is deleted.' })),
  flowchartRevision: Type.Integer(),
  workflowId: Type.String(),
  status: RunStatusSchema,
  error: Nullable(Type.String()),
  createdAt: DateTime,
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
  bundle: Nullable(BundleSchema),
});

const RunSchema = Type.Object({
  ...RunSummarySchema.properties,
  metrics: Nullable(Json),
  graph: Type.Object(
    { nodes: Type.Array(Type.Object({}, { additionalProperties: true })), edges: Type.Array(Type.Object({}, { additionalProperties: true })) },
    { additionalProperties: true, description: 'The flowchart graph as it was when the run started.' },
  ),
  stages: Type.Array(StageSchema, { description: 'Every stage of the run in plan order; `pending` until it starts.' }),
});

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A stage that trains on AWS Batch where the platform has no Batch configured could only fail
 * once it gets there: the run is refused at start instead, naming each such stage.
 */
function refuseUnavailableExecutors(plan: Plan, config: AppDeps['config']): void {
  if (config.batch) return;
  const problems = plan.stages
    .filter((stage) => stage.mode === 'train' && stage.executor === 'batch')
    .map((stage) => ({
      code: 'batch_unavailable',
      nodeId: stage.nodeId,
      message: `The stage "${stage.name}" is set to train on AWS Batch (executor "batch"), but this platform has no AWS Batch configured; set its executor to "local", or ask the administrator to set AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION.`,
    }));
  if (problems.length === 0) return;
  const message = problems.length === 1 ? problems[0]!.message : `${problems.length} stages are set to train on AWS Batch, which this platform does not have:\n${problems.map((p) => `- ${p.message}`).join('\n')}`;
  throw new ApiError(400, 'executor_unavailable', message, problems);
}

function runSummary(
  row: typeof runs.$inferSelect,
  flowchartName: string | null,
  bundle: { size: number; sha256: string } | null,
) {
  return {
    id: row.id,
    flowchartId: row.flowchartId,
    flowchartName,
    flowchartRevision: row.flowchartRevision,
    workflowId: row.workflowId,
    status: row.status,
    error: row.error,
    createdAt: iso(row.createdAt)!,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    bundle,
  };
}

const runRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;
  const workflows = workflowStarter(deps.temporal, deps.config.taskQueues, { searchAttributes: deps.config.searchAttributes });

  /** The run the access layer has checked the caller may see or change. */
  const runById = async (runId: string) => {
    const [row] = await db.select().from(runs).where(eq(runs.id, runId));
    if (!row) throw notFound('Run', runId);
    return row;
  };

  app.post(
    '/flowcharts/:id/runs',
    {
      config: { access: access.write('flowchart') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['runs'],
        summary: 'Start training a flowchart (its current revision)',
        description: 'Validates and compiles the flowchart; a flowchart with problems answers 400 listing every one.',
        params: IdParams,
        response: {
          201: Type.Object({ id: Type.String(), workflowId: Type.String() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const [flowchart] = await db.select().from(flowcharts).where(eq(flowcharts.id, request.params.id));
      if (!flowchart) throw notFound('Flowchart', request.params.id);

      let plan;
      try {
        const context = await flowchartContext(db, user.id, flowchart.graph);
        plan = compileFlowchart(flowchart.graph, { ...context, defaultExecutor: deps.config.executor ?? 'local' });
      } catch (error) {
        if (error instanceof FlowchartInvalidError) {
          throw new ApiError(400, 'invalid_flowchart', error.message, error.problems);
        }
        throw error;
      }
      refuseUnavailableExecutors(plan, deps.config);
      const unusable = await unusableModelProblems(db, plan);
      if (unusable.length > 0) {
        const message = unusable.length === 1 ? unusable[0]!.message : `${unusable.length} models cannot be used:\n${unusable.map((p) => `- ${p.message}`).join('\n')}`;
        throw new ApiError(400, 'model_not_usable', message, unusable);
      }

      const runId = newId(ID_PREFIX.run);
      await db.insert(runs).values({
        id: runId,
        ownerId: user.id,
        flowchartId: flowchart.id,
        flowchartRevision: flowchart.revision,
        graph: flowchart.graph,
        plan,
        workflowId: runId,
        status: 'queued',
      });
      try {
        await workflows.startRun({ runId, plan, heartbeatTimeoutMs: deps.config.heartbeatTimeoutMs, flowchartId: flowchart.id, ownerId: user.id });
      } catch (error) {
        // A run whose workflow never started would show `queued` forever.
        const message = error instanceof Error ? error.message : String(error);
        await db
          .update(runs)
          .set({ status: 'failed', error: `The run could not be started: ${message}`, finishedAt: new Date() })
          .where(eq(runs.id, runId));
        throw error;
      }
      return reply.status(201).send({ id: runId, workflowId: runId });
    },
  );

  app.get(
    '/runs',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['runs'],
        summary: 'Your runs, newest first',
        querystring: Type.Object({ flowchartId: Type.Optional(Type.String()) }),
        response: { 200: Type.Array(RunSummarySchema), ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { flowchartId } = request.query;
      const rows = await db
        .select({ run: runs, flowchartName: flowcharts.name, bundleSize: bundles.size, bundleSha256: bundles.sha256 })
        .from(runs)
        .leftJoin(flowcharts, eq(flowcharts.id, runs.flowchartId))
        .leftJoin(bundles, eq(bundles.runId, runs.id))
        .where(and(ownedBy(user, runs), flowchartId ? eq(runs.flowchartId, flowchartId) : undefined))
        .orderBy(desc(runs.createdAt));
      return rows.map((row) =>
        runSummary(
          row.run,
          row.flowchartName,
          row.bundleSize === null || row.bundleSha256 === null ? null : { size: row.bundleSize, sha256: row.bundleSha256 },
        ),
      );
    },
  );

  app.get(
    '/runs/:id',
    {
      config: { access: access.read('run') },
      schema: {
        tags: ['runs'],
        summary: 'A run: status, stages (with progress and metrics) and its bundle',
        params: IdParams,
        response: { 200: RunSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const run = await runById(request.params.id);
      const [stageRows, [bundle], [flowchart]] = await Promise.all([
        db.select().from(stageRuns).where(eq(stageRuns.runId, run.id)).orderBy(asc(stageRuns.startedAt)),
        db.select().from(bundles).where(eq(bundles.runId, run.id)),
        run.flowchartId ? db.select({ name: flowcharts.name }).from(flowcharts).where(eq(flowcharts.id, run.flowchartId)) : [],
      ]);
      return {
        ...runSummary(run, flowchart?.name ?? null, bundle ? { size: bundle.size, sha256: bundle.sha256 } : null),
        metrics: run.metrics ?? null,
        graph: run.graph as { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] },
        stages: stageViews((run.plan as Plan).stages, stageRows),
      };
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      config: { access: access.write('run') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['runs'],
        summary: 'Cancel a run (its stages stop at their next checkpoint)',
        params: IdParams,
        response: {
          202: Type.Object({ id: Type.String(), status: Type.Literal('cancelling') }),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const run = await runById(request.params.id);
      if (TERMINAL.has(run.status)) {
        throw new ApiError(409, 'run_finished', `Run ${run.id} has already ${run.status === 'cancelled' ? 'been cancelled' : run.status}.`);
      }
      if (!(await workflows.cancel(run.workflowId))) {
        throw new ApiError(409, 'run_finished', `Run ${run.id} is no longer running.`);
      }
      return reply.status(202).send({ id: run.id, status: 'cancelling' as const });
    },
  );

  app.post(
    '/runs/:id/stages/:nodeId/retry',
    {
      config: { access: access.write('run') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['runs'],
        summary: 'Retry a failed stage of a run that waits for it (status `attention`)',
        description:
          'Runs the stage again from the start; the run is `running` again and goes on once the stage succeeds. ' +
          '409 when the stage has not failed or the run does not wait for it.',
        params: Type.Object({ id: Type.String(), nodeId: Type.String() }),
        response: {
          202: Type.Object({ id: Type.String(), nodeId: Type.String(), status: Type.Literal('retrying') }),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { nodeId } = request.params;
      const run = await runById(request.params.id);
      if (!(run.plan as Plan).stages.some((s) => s.nodeId === nodeId)) throw notFound('Stage', `${run.id}/${nodeId}`);
      if (TERMINAL.has(run.status)) {
        throw new ApiError(409, 'run_finished', `Run ${run.id} has already ${run.status === 'cancelled' ? 'been cancelled' : run.status}; start a new run.`);
      }
      try {
        await workflows.retryStage(run.workflowId, nodeId);
      } catch (error) {
        if (error instanceof RetryRefusedError) throw new ApiError(409, 'retry_refused', error.message);
        throw error;
      }
      return reply.status(202).send({ id: run.id, nodeId, status: 'retrying' as const });
    },
  );

  /** The run's bundle row and its blob's presence; a 404 naming the run's status otherwise. */
  async function bundleOf(runId: string) {
    const run = await runById(runId);
    const [bundle] = await db.select().from(bundles).where(eq(bundles.runId, run.id));
    const missing = () =>
      new ApiError(
        404,
        'bundle_not_ready',
        `Run ${run.id} has no bundle yet (status: ${run.status}); it is packaged after every stage has succeeded.`,
      );
    if (!bundle || !(await blobs.exists(bundle.blobKey))) throw missing();
    return { run, bundle, filename: `aip-bundle-${run.id}.zip`, missing };
  }

  /** A presigned link straight to the store (S3), or undefined where the store has none. */
  async function directLink(key: string, filename: string): Promise<{ url: string; expiresAt: string } | undefined> {
    if (!blobs.downloadUrl) return undefined;
    const seconds = deps.config.downloadUrlSeconds ?? DEFAULT_DOWNLOAD_URL_SECONDS;
    const url = await blobs.downloadUrl(key, { expiresInSeconds: seconds, filename, contentType: 'application/zip' });
    return { url, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
  }

  app.get(
    '/runs/:id/bundle',
    {
      config: { access: access.read('run') },
      schema: {
        tags: ['runs'],
        summary: 'Download the deployment bundle (zip) of a finished run',
        description:
          'Where bundles live in S3 this answers 302 with a presigned link (valid for a few minutes) ' +
          'so the download does not pass through the API; follow the redirect (curl -L). Elsewhere ' +
          'the zip itself.',
        params: IdParams,
        produces: ['application/zip'],
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The bundle zip' }),
          302: Type.Null({ description: 'The bundle is in S3: Location holds a short-lived presigned link to it' }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      const { run, bundle, filename, missing } = await bundleOf(request.params.id);
      const link = await directLink(bundle.blobKey, filename);
      if (link) return reply.header('cache-control', 'no-store').redirect(link.url, 302);
      let stream;
      try {
        stream = await blobs.get(bundle.blobKey);
      } catch (error) {
        if (error instanceof BlobNotFoundError) throw missing();
        throw error;
      }
      return reply
        .type('application/zip')
        .header('content-length', bundle.size)
        .header('content-disposition', `attachment; filename=aip-bundle-${run.id}.zip`)
        .send(stream);
    },
  );

  app.get(
    '/runs/:id/bundle/link',
    {
      config: { access: access.read('run') },
      schema: {
        tags: ['runs'],
        summary: "Where to download a finished run's bundle from",
        description:
          'direct: a presigned link to the store (S3) that works without credentials until expiresAt; ' +
          'otherwise url is this API\'s own download route, which needs the caller\'s credentials.',
        params: IdParams,
        response: {
          200: Type.Object({
            url: Type.String(),
            direct: Type.Boolean({ description: 'true: a presigned link straight to the store' }),
            expiresAt: Nullable(DateTime),
            filename: Type.String(),
            size: Type.Integer(),
            sha256: Type.String(),
          }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      const { run, bundle, filename } = await bundleOf(request.params.id);
      const link = await directLink(bundle.blobKey, filename);
      return reply.header('cache-control', 'no-store').send({
        url: link?.url ?? `/api/runs/${encodeURIComponent(run.id)}/bundle`,
        direct: link !== undefined,
        expiresAt: link?.expiresAt ?? null,
        filename,
        size: bundle.size,
        sha256: bundle.sha256,
      });
    },
  );

  app.get(
    '/runs/:id/stages/:nodeId/log',
    {
      config: { access: access.read('run') },
      schema: {
        tags: ['runs'],
        summary: "A stage's training log (the trainer's output, progress events included)",
        params: Type.Object({ id: Type.String(), nodeId: Type.String() }),
        produces: ['text/plain'],
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', description: 'The log, as plain text' }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      const run = await runById(request.params.id);
      const [stage] = await db
        .select()
        .from(stageRuns)
        .where(and(eq(stageRuns.runId, run.id), eq(stageRuns.nodeId, request.params.nodeId)));
      const missing = () =>
        new ApiError(404, 'log_not_ready', `Stage "${request.params.nodeId}" of run ${run.id} has no training log yet.`);
      if (!stage?.logBlob) throw missing();
      try {
        return reply.type('text/plain; charset=utf-8').send(await blobs.get(stage.logBlob));
      } catch (error) {
        if (error instanceof BlobNotFoundError) throw missing();
        throw error;
      }
    },
  );
};

export default runRoutes;
