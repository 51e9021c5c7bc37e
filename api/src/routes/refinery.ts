/**
 * The model refinery (docs/contracts.md "Model refinery"): its algorithm catalogue, and tasks that
 * make a new model from existing ones (pruning, distillation, amalgamation …). A task is private
 * to its owner; its output model gets the visibility the task asked for. Each attempt runs as the
 * workflow `refinery-<taskId>-<attempt>`; a retry starts the next attempt.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { BlobNotFoundError, ID_PREFIX, datasets, models, newId, refineryTasks, type RefineryTask } from '@aip/platform';
import {
  REFINERY_ALGORITHMS,
  refineryAlgorithm,
  refineryModelInfo,
  resolveRefineryParams,
  resolveStudentArch,
  validateRefineryTask,
} from '@aip/workflows';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { access, BODY_LIMIT, readableBy } from '../access.ts';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import { IdParams, iso, Literals, VisibilitySchema } from '../views.ts';
import { refineryWorkflowId, workflowStarter } from '../workflows.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const Json = Type.Unknown();

const RefineryStateSchema = Literals(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

const ParamSchema = Type.Object({
  name: Type.String(),
  title: Type.String(),
  type: Literals(['int', 'float']),
  min: Type.Number(),
  max: Type.Number(),
  default: Nullable(Type.Number({ description: "Null: depends on the teachers (imageSize: the first teacher's input height)." })),
  step: Type.Number(),
  help: Type.String(),
});

const AlgorithmSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  teachers: Type.Object({
    min: Type.Integer(),
    max: Type.Integer(),
    tasks: Type.Array(Type.String()),
    formats: Type.Array(Type.String()),
    sameArch: Type.Boolean(),
    formatReason: Nullable(Type.String()),
  }),
  student: Type.Object(
    {
      kind: Literals(['teacher', 'choose', 'fixed']),
      task: Type.Optional(Type.String()),
      arch: Type.Optional(Type.String()),
    },
    { description: "teacher: the teachers' own arch; choose: any registry arch of `task` ('teacher': the teacher's task); fixed: always `arch`." },
  ),
  params: Type.Array(ParamSchema),
});

const TaskSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  algorithm: Type.String(),
  state: RefineryStateSchema,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  createdAt: DateTime,
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
  outputModelId: Nullable(Type.String()),
  error: Nullable(Type.String()),
});

const ModelRefSchema = Type.Object({ id: Type.String(), name: Type.String(), arch: Type.String(), task: Type.String() });

const TaskSchema = Type.Object({
  ...TaskSummarySchema.properties,
  teachers: Type.Array(ModelRefSchema, { description: 'In the order given; a teacher the caller can no longer see is left out.' }),
  dataset: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  studentArch: Nullable(Type.String()),
  params: Json,
  visibility: VisibilitySchema,
  progressDetail: Nullable(Json),
  timeline: Type.Array(Type.Object({ state: Type.String(), at: DateTime, message: Type.Optional(Type.String()) }), {
    description: 'Each phase the task entered (preparing, training, evaluating, registering, succeeded, failed, cancelled) and when.',
  }),
  epochs: Type.Array(Json, { description: "Each finished epoch's trainer event (epoch, loss, metric): the training curves." }),
  metrics: Nullable(Json),
  userError: Nullable(Type.Boolean({ description: 'True when a failure is due to the teachers, data or settings.' })),
  outputModel: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  workflowId: Nullable(Type.String()),
  attempt: Type.Integer(),
});

const CreateTaskBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    algorithm: Type.String({ maxLength: 100 }),
    teacherIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 16 }),
    datasetId: Type.String({ maxLength: 100 }),
    studentArch: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    params: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
    visibility: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

function summary(row: RefineryTask) {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    state: row.state,
    progress: row.progress,
    createdAt: iso(row.createdAt)!,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    outputModelId: row.outputModelId,
    error: row.error,
  };
}

const refineryRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;
  const workflows = workflowStarter(deps.temporal, deps.config.taskQueues, { searchAttributes: deps.config.searchAttributes });

  /** The task with what its page shows: teachers, dataset and output model (as far as the caller may see them). */
  async function taskView(row: RefineryTask, userId: string) {
    const teacherIds = ((row.inputs as { teacherIds?: string[] }).teacherIds ?? []).filter((id) => typeof id === 'string');
    const ids = [...teacherIds, ...(row.outputModelId ? [row.outputModelId] : [])];
    const rows = ids.length === 0 ? [] : await db.select().from(models).where(and(inArray(models.id, ids), readableBy({ id: userId }, models)));
    const byId = new Map(rows.map((m) => [m.id, m]));
    const [dataset] = row.datasetId
      ? await db
          .select({ id: datasets.id, name: datasets.name })
          .from(datasets)
          .where(and(eq(datasets.id, row.datasetId), readableBy({ id: userId }, datasets)))
      : [];
    const output = row.outputModelId ? byId.get(row.outputModelId) : undefined;
    return {
      ...summary(row),
      teachers: teacherIds.flatMap((id) => {
        const m = byId.get(id);
        return m ? [{ id: m.id, name: m.name, arch: m.arch, task: m.task }] : [];
      }),
      dataset: dataset ?? null,
      studentArch: row.studentArch,
      params: row.params,
      visibility: row.visibility,
      progressDetail: row.progressDetail ?? null,
      timeline: row.timeline,
      epochs: row.epochs,
      metrics: row.metrics ?? null,
      userError: row.userError,
      outputModel: output ? { id: output.id, name: output.name } : null,
      workflowId: row.workflowId,
      attempt: row.attempt,
    };
  }

  async function taskById(id: string): Promise<RefineryTask> {
    const [row] = await db.select().from(refineryTasks).where(eq(refineryTasks.id, id));
    if (!row) throw notFound('Refinery task', id);
    return row;
  }

  /** Starts an attempt's workflow; a task whose workflow never started would show `queued` forever. */
  async function start(taskId: string, attempt: number, ownerId: string): Promise<void> {
    try {
      await workflows.startRefinery({ taskId, attempt, heartbeatTimeoutMs: deps.config.heartbeatTimeoutMs, ownerId });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await db
        .update(refineryTasks)
        .set({ state: 'failed', error: `The task could not be started: ${message}`, userError: false, finishedAt: new Date() })
        .where(eq(refineryTasks.id, taskId));
      throw error;
    }
  }

  app.get(
    '/refinery/algorithms',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['refinery'],
        summary: 'The refinery algorithms: what each does, which teachers it takes, its student and parameters',
        response: { 200: Type.Object({ algorithms: Type.Array(AlgorithmSchema) }), ...errorResponses(401) },
      },
    },
    async () => ({ algorithms: REFINERY_ALGORITHMS.map((a) => ({ ...a, teachers: { ...a.teachers, tasks: [...a.teachers.tasks], formats: [...a.teachers.formats] }, params: [...a.params] })) }),
  );

  app.post(
    '/refinery/tasks',
    {
      config: { access: access.signedIn },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['refinery'],
        summary: 'Create a refinery task and start it',
        description:
          'Teachers and the dataset must be yours or public, and ready. A request the catalogue refuses answers 400 ' +
          '`invalid_refinery_task` with every problem as `{field, code, params, message}` (field: name, algorithm, teacherIds, datasetId, studentArch, visibility, params.<name>; ' +
          'code: one of REFINERY_PROBLEM_CODES in @aip/workflows, for a client to translate with `params`, the values the English `message` fills in).',
        body: CreateTaskBody,
        response: { 201: Type.Object({ task: TaskSchema }), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const body = request.body;
      const teacherIds = body.teacherIds;
      const modelRows =
        teacherIds.length === 0 ? [] : await db.select().from(models).where(and(inArray(models.id, teacherIds), readableBy(user, models)));
      const datasetRows = body.datasetId
        ? await db.select().from(datasets).where(and(eq(datasets.id, body.datasetId), readableBy(user, datasets)))
        : [];
      const problems = validateRefineryTask(
        { ...body, visibility: body.visibility ?? null },
        {
          models: modelRows.map(refineryModelInfo),
          datasets: datasetRows.map((d) => ({ id: d.id, name: d.name, status: d.status, images: imagesOf(d.stats) })),
        },
      );
      if (problems.length > 0) {
        const message = problems.length === 1 ? problems[0]!.message : `The task has ${problems.length} problems:\n${problems.map((p) => `- ${p.message}`).join('\n')}`;
        throw new ApiError(400, 'invalid_refinery_task', message, problems);
      }
      const algorithm = refineryAlgorithm(body.algorithm)!;
      const byId = new Map(modelRows.map((m) => [m.id, refineryModelInfo(m)]));
      const teachers = teacherIds.map((id) => byId.get(id)!);
      const taskId = newId(ID_PREFIX.refineryTask);
      const attempt = 1;
      const workflowId = refineryWorkflowId(taskId, attempt);
      const [row] = await db
        .insert(refineryTasks)
        .values({
          id: taskId,
          ownerId: user.id,
          name: body.name.trim(),
          algorithm: algorithm.id,
          inputs: { teacherIds, datasetId: body.datasetId },
          params: resolveRefineryParams(algorithm, body.params, teachers),
          datasetId: body.datasetId,
          studentArch: resolveStudentArch(algorithm, teachers, body.studentArch),
          visibility: body.visibility === 'public' ? 'public' : 'private',
          state: 'queued',
          attempt,
          workflowId,
          timeline: [{ state: 'pending', at: new Date().toISOString() }],
        })
        .returning();
      await start(taskId, attempt, user.id);
      return reply.status(201).send({ task: await taskView(row!, user.id) });
    },
  );

  app.get(
    '/refinery/tasks',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['refinery'],
        summary: 'Your refinery tasks, newest first',
        response: { 200: Type.Object({ tasks: Type.Array(TaskSummarySchema) }), ...errorResponses(401) },
      },
    },
    async (request) => {
      const rows = await db.select().from(refineryTasks).where(eq(refineryTasks.ownerId, userOf(request).id)).orderBy(desc(refineryTasks.createdAt));
      return { tasks: rows.map(summary) };
    },
  );

  app.get(
    '/refinery/tasks/:id',
    {
      config: { access: access.read('refineryTask') },
      schema: {
        tags: ['refinery'],
        summary: 'A refinery task: state, progress, curves, metrics, teachers, dataset and output model',
        params: IdParams,
        response: { 200: Type.Object({ task: TaskSchema }), ...errorResponses(401, 404) },
      },
    },
    async (request) => ({ task: await taskView(await taskById(request.params.id), userOf(request).id) }),
  );

  app.get(
    '/refinery/tasks/:id/log',
    {
      config: { access: access.read('refineryTask') },
      schema: {
        tags: ['refinery'],
        summary: "The trainer's log of the task's latest attempt (404 while there is none)",
        params: IdParams,
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'The log' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const task = await taskById(request.params.id);
      if (!task.logBlob) throw new ApiError(404, 'no_log', `Refinery task ${task.id} has no log yet.`);
      try {
        const text = (await blobs.getBuffer(task.logBlob)).toString('utf8');
        return reply.type('text/plain; charset=utf-8').send(text);
      } catch (error) {
        if (error instanceof BlobNotFoundError) throw new ApiError(404, 'no_log', `The log of refinery task ${task.id} is missing.`);
        throw error;
      }
    },
  );

  app.post(
    '/refinery/tasks/:id/cancel',
    {
      config: { access: access.write('refineryTask') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['refinery'],
        summary: 'Cancel a queued or running refinery task',
        params: IdParams,
        response: { 202: Type.Object({ id: Type.String(), state: Type.Literal('cancelling') }), ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const task = await taskById(request.params.id);
      if (TERMINAL.has(task.state)) {
        throw new ApiError(409, 'task_finished', `Refinery task ${task.id} has already ${task.state === 'cancelled' ? 'been cancelled' : task.state}.`);
      }
      if (!task.workflowId || !(await workflows.cancel(task.workflowId))) {
        throw new ApiError(409, 'task_finished', `Refinery task ${task.id} is no longer running.`);
      }
      return reply.status(202).send({ id: task.id, state: 'cancelling' as const });
    },
  );

  app.post(
    '/refinery/tasks/:id/retry',
    {
      config: { access: access.write('refineryTask') },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ['refinery'],
        summary: 'Run a failed or cancelled refinery task again (its next attempt, from the start)',
        params: IdParams,
        response: {
          202: Type.Object({ id: Type.String(), attempt: Type.Integer(), workflowId: Type.String(), state: Type.Literal('queued') }),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const task = await taskById(request.params.id);
      if (task.state !== 'failed' && task.state !== 'cancelled') {
        throw new ApiError(409, 'task_not_retryable', `Refinery task ${task.id} is ${task.state}: only a failed or cancelled task can be retried.`);
      }
      const attempt = task.attempt + 1;
      const workflowId = refineryWorkflowId(task.id, attempt);
      // Only the attempt that is still the task's latest may move it on: two retries at once start one attempt.
      const [updated] = await db
        .update(refineryTasks)
        .set({
          attempt,
          workflowId,
          state: 'queued',
          progress: 0,
          progressDetail: null,
          epochs: [],
          metrics: null,
          error: null,
          userError: null,
          finishedAt: null,
          updatedAt: new Date(),
          timeline: [...task.timeline, { state: 'pending', at: new Date().toISOString(), message: `Attempt ${attempt}` }],
        })
        .where(and(eq(refineryTasks.id, task.id), eq(refineryTasks.attempt, task.attempt)))
        .returning();
      if (!updated) throw new ApiError(409, 'task_not_retryable', `Refinery task ${task.id} is already being retried.`);
      await start(task.id, attempt, task.ownerId);
      return reply.status(202).send({ id: task.id, attempt, workflowId, state: 'queued' as const });
    },
  );
};

function imagesOf(stats: unknown): number | undefined {
  const images = (stats as { images?: unknown } | null)?.images;
  return typeof images === 'number' ? images : undefined;
}

export default refineryRoutes;
