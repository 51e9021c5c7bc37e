/**
 * The model refinery's activities (docs/contracts.md "Model refinery"): the task row's bookkeeping,
 * resolving its teachers and dataset into a trainer job, running the `refine` and
 * `refine_evaluate` jobs and registering the produced model with its lineage.
 *
 * Blob keys: `refinery/<taskId>/attempt-<n>/model/` (the produced model, which the registered
 * model points at), `…/attempt-<n>/checkpoint/checkpoint.pt` (resume on another worker),
 * `refinery/<taskId>/log.txt` (the latest attempt's trainer log).
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { USER_FAILURE_TYPES, schema, type ModelInput, type StageTimelineEntry } from '@aip/platform';
import {
  refineryAlgorithm,
  refineryModelInfo,
  resolveRefineryParams,
  resolveStudentArch,
  validateRefineryTask,
} from '@aip/workflows';
import type { Metrics, RefineryJobInput, RefineryOutput, RefineryPhase, RefineryTeacherRef } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { requestAtlasUpdate } from './atlas-request.ts';
import { batchFolderKeys, batchJobName, runBatchJob, tagValue } from './executors/batch.ts';
import { stageCheckpoints } from './executors/checkpoints.ts';
import { runTrainerJob, TrainerError, type RefineTrainerJob, type TrainerTeacher } from './executors/local-trainer.ts';
import { heartbeatEveryMs, MODEL_FILES } from './executors/stage-output.ts';
import { progressOf, type TrainerEvent } from './executors/trainer-events.ts';
import { userError } from './failures.ts';
import { normalizedPrefix } from './keys.ts';
import { localFolder } from './local-files.ts';
import { currentTrainingEnv } from './training-slots.ts';

/** Database progress writes at most this often (every epoch end is written regardless). */
const PROGRESS_EVERY_MS = 2_000;

export const refineryAttemptPrefix = (taskId: string, attempt: number) => `refinery/${taskId}/attempt-${attempt}`;
export const refineryModelPrefix = (taskId: string, attempt: number) => `${refineryAttemptPrefix(taskId, attempt)}/model`;
export const refineryCheckpointKey = (taskId: string, attempt: number) => `${refineryAttemptPrefix(taskId, attempt)}/checkpoint/checkpoint.pt`;
export const refineryLogKey = (taskId: string) => `refinery/${taskId}/log.txt`;
/** Where an uploaded model's file is kept: `models/<id>/upload/<original name>`. */
export const modelUploadPrefix = (modelId: string) => `models/${modelId}/upload/`;

const FINISHED: RefineryPhase[] = ['succeeded', 'failed', 'cancelled'];

function stateOf(phase: RefineryPhase): schema.RefineryState {
  if (phase === 'queued' || FINISHED.includes(phase)) return phase as schema.RefineryState;
  return 'running';
}

/** Mirrors a phase into the task row; the timeline grows only when the phase changes (a retried write adds nothing). */
export async function recordRefinery(
  deps: ActivityDeps,
  input: { taskId: string; attempt?: number; phase: RefineryPhase; message?: string; failureType?: string; metrics?: Metrics; outputModelId?: string },
): Promise<void> {
  const now = new Date();
  const { phase } = input;
  const state = stateOf(phase);
  const failed = phase === 'failed';
  const entry: StageTimelineEntry = {
    state: (phase === 'queued' ? 'pending' : phase) as StageTimelineEntry['state'],
    at: now.toISOString(),
    ...(input.message === undefined ? {} : { message: input.message }),
  };
  const t = schema.refineryTasks;
  const timeline = sql`case when ${t.timeline}->-1->>'state' = ${entry.state} then ${t.timeline}
    else ${t.timeline} || jsonb_build_array(${JSON.stringify(entry)}::jsonb) end`;
  await deps.db
    .update(t)
    .set({
      state,
      timeline,
      updatedAt: now,
      ...(FINISHED.includes(phase) ? {} : { progressDetail: { phase, ...(input.message ? { message: input.message } : {}) } }),
      ...(state === 'running' ? { startedAt: sql`coalesce(${t.startedAt}, now())` } : {}),
      ...(phase === 'succeeded' ? { progress: 1 } : {}),
      ...(failed
        ? { error: input.message ?? 'failed', userError: input.failureType === undefined ? null : USER_FAILURE_TYPES.includes(input.failureType) }
        : { error: null, userError: null }),
      ...(input.metrics === undefined ? {} : { metrics: input.metrics }),
      ...(input.outputModelId === undefined ? {} : { outputModelId: input.outputModelId }),
      ...(FINISHED.includes(phase) ? { finishedAt: now } : {}),
    })
    .where(and(eq(t.id, input.taskId), input.attempt === undefined ? undefined : eq(t.attempt, input.attempt)));
}

/** Training progress: the progress columns, and an `epoch` event appended to the task's curve. */
export async function recordRefineryProgress(
  deps: ActivityDeps,
  taskId: string,
  progress: number,
  detail: Record<string, unknown>,
  /** The attempt reporting it: a job of an attempt the task has moved past changes nothing. */
  attempt?: number,
): Promise<void> {
  const t = schema.refineryTasks;
  const epoch = detail.event === 'epoch' && typeof detail.epoch === 'number' ? detail.epoch : undefined;
  // A resumed job repeats no epoch; one restarted from an earlier checkpoint replaces what it redoes.
  const epochs =
    epoch === undefined
      ? {}
      : {
          epochs: sql`(select coalesce(jsonb_agg(e order by (e->>'epoch')::int), '[]'::jsonb)
              from jsonb_array_elements(${t.epochs}) e where (e->>'epoch')::int < ${epoch})
            || jsonb_build_array(${JSON.stringify(detail)}::jsonb)`,
        };
  await deps.db
    .update(t)
    .set({ progress, progressDetail: { phase: 'training', ...detail }, updatedAt: new Date(), ...epochs })
    .where(and(eq(t.id, taskId), attempt === undefined ? undefined : eq(t.attempt, attempt)));
}

/** The stored input list of a task (`inputs` column): the teacher ids in order. */
export interface RefineryTaskInputs {
  teacherIds: string[];
  datasetId: string;
}

/**
 * Resolves the task's teachers and dataset (as its owner may use them: theirs or public) and
 * re-checks the catalogue's rules, since a teacher may have changed since the task was created.
 */
export async function validateRefineryInputs(deps: ActivityDeps, input: { taskId: string; attempt: number }): Promise<RefineryJobInput> {
  const [task] = await deps.db.select().from(schema.refineryTasks).where(eq(schema.refineryTasks.id, input.taskId));
  if (!task) throw userError(`The refinery task ${input.taskId} does not exist (any more).`);
  const inputs = task.inputs as RefineryTaskInputs;
  const teacherIds = inputs.teacherIds ?? [];
  const datasetId = task.datasetId ?? inputs.datasetId;
  const usable = (table: typeof schema.models | typeof schema.datasets) =>
    or(eq(table.ownerId, task.ownerId), eq(table.visibility, 'public'));
  const modelRows =
    teacherIds.length === 0
      ? []
      : await deps.db
          .select()
          .from(schema.models)
          .where(and(inArray(schema.models.id, teacherIds), usable(schema.models)));
  const datasetRows = datasetId
    ? await deps.db
        .select()
        .from(schema.datasets)
        .where(and(eq(schema.datasets.id, datasetId), usable(schema.datasets)))
    : [];
  const problems = validateRefineryTask(
    {
      name: task.name || task.id,
      algorithm: task.algorithm,
      teacherIds,
      datasetId: datasetId ?? '',
      studentArch: task.studentArch,
      params: task.params as Record<string, unknown>,
    },
    {
      models: modelRows.map(refineryModelInfo),
      datasets: datasetRows.map((d) => ({ id: d.id, name: d.name, status: d.status, images: imagesOf(d.stats) })),
    },
  );
  if (problems.length > 0) throw userError(`The task cannot run: ${problems.map((p) => p.message).join(' ')}`);
  const algorithm = refineryAlgorithm(task.algorithm)!;
  const byId = new Map(modelRows.map((m) => [m.id, m]));
  const teachers = teacherIds.map((id) => byId.get(id)!);
  const infos = teachers.map(refineryModelInfo);
  const refs: RefineryTeacherRef[] = [];
  for (const m of teachers) refs.push({ ...(await teacherFile(deps, m)), modelId: m.id, name: m.name, task: m.task, arch: m.arch, classes: m.classes, input: (m.input as Record<string, unknown> | null) ?? null });
  return {
    taskId: task.id,
    attempt: input.attempt,
    algorithm: algorithm.id,
    teachers: refs,
    // Pruning's student is the teacher itself; the trainer takes no student arch for it.
    studentArch: algorithm.id === 'auto_prune' ? null : resolveStudentArch(algorithm, infos, task.studentArch),
    dataPrefix: normalizedPrefix(datasetRows[0]!),
    params: resolveRefineryParams(algorithm, task.params as Record<string, unknown>, infos),
    executor: deps.config.executor === 'batch' ? 'batch' : 'local',
  };
}

function imagesOf(stats: unknown): number | undefined {
  const images = (stats as { images?: unknown } | null)?.images;
  return typeof images === 'number' ? images : undefined;
}

/** The file the trainer loads for a model: the platform's model.pt, or the uploaded file as it came. */
export async function teacherFile(deps: ActivityDeps, model: schema.Model): Promise<{ fileKey: string; format: RefineryTeacherRef['format'] }> {
  if (model.format === 'aip') return { fileKey: `${model.blobPrefix.replace(/\/+$/, '')}/model.pt`, format: 'aip' };
  const key = await uploadedFileKey(deps, model.id);
  if (!key) throw userError(`The uploaded file of model "${model.name}" is missing; upload it again.`);
  return { fileKey: key, format: model.format };
}

/** The key of a model's uploaded file (`models/<id>/upload/<name>`), if there is one. */
export async function uploadedFileKey(deps: ActivityDeps, modelId: string): Promise<string | undefined> {
  for await (const key of deps.blobs.list(modelUploadPrefix(modelId))) return key;
  return undefined;
}

/** A blob as a local file (the folder it is in is fetched once per worker). */
export async function localFile(deps: ActivityDeps, key: string): Promise<string> {
  const folder = await localFolder(deps.blobs, path.posix.dirname(key), deps.config.workDir);
  return path.join(folder, path.posix.basename(key));
}

/** A teacher as the trainer's job spec takes it (its file already local). */
export function trainerTeacher(ref: RefineryTeacherRef, file: string, name?: string): TrainerTeacher {
  return {
    file,
    format: ref.format,
    ...(ref.task === 'classification' || ref.task === 'segmentation' || ref.task === 'depth' ? { task: ref.task } : {}),
    arch: ref.format === 'torchscript' || ref.format === 'onnx' ? null : ref.arch,
    classes: ref.classes,
    ...(ref.input ? { input: ref.input } : {}),
    ...(name ? { name } : {}),
  };
}

/** The refine job of a task attempt, its data and teachers where the executor's trainer reads them (paths or S3 URIs). */
export function refineJobSpec(job: RefineryJobInput, where: { teachers: string[]; manifest: string; imageRoot: string; output: string }): RefineTrainerJob {
  return {
    kind: 'refine',
    algorithm: job.algorithm,
    teachers: job.teachers.map((t, i) => trainerTeacher(t, where.teachers[i]!, t.name)),
    student: job.studentArch ? { arch: job.studentArch } : null,
    manifest: where.manifest,
    imageRoot: where.imageRoot,
    output: where.output,
    params: job.params,
    device: 'auto',
    seed: 0,
  };
}

function workFolder(deps: ActivityDeps, job: RefineryJobInput): string {
  return path.join(deps.config.workDir, 'refinery', job.taskId, `attempt-${job.attempt}`);
}

/**
 * Runs the trainer's refine job on this worker. Its output folder is stable per task attempt, so
 * a retried activity resumes from the trainer's checkpoint (restored from the blob store when
 * another worker wrote it). The log goes to `refinery/<taskId>/log.txt`, also when it fails.
 */
export async function runRefineryJob(deps: ActivityDeps, input: { job: RefineryJobInput }): Promise<RefineryOutput> {
  const { job } = input;
  if (job.executor === 'batch') return refineOnBatch(deps, job);
  const work = workFolder(deps, job);
  const teachers = await Promise.all(job.teachers.map((t) => localFile(deps, t.fileKey)));
  const dataDir = await localFolder(deps.blobs, job.dataPrefix, deps.config.workDir);
  const spec = refineJobSpec(job, { teachers, manifest: path.join(dataDir, 'manifest.jsonl'), imageRoot: dataDir, output: path.join(work, 'out') });

  const checkpointKey = refineryCheckpointKey(job.taskId, job.attempt);
  const checkpoints = await stageCheckpoints(deps.blobs, checkpointKey, spec.output, (error) =>
    log.warn('could not store the refinery checkpoint; training goes on', { key: checkpointKey, error: String(error) }),
  );
  let last: Record<string, unknown> = { state: 'starting' };
  let lastWrite = 0;
  const beat = setInterval(() => heartbeat(last), heartbeatEveryMs());
  const onEvent = (event: TrainerEvent) => {
    last = { ...event };
    heartbeat(last);
    if (event.event === 'epoch') checkpoints.epochDone();
    const progress = refineProgressOf(event);
    const now = Date.now();
    if (progress !== undefined && (event.event === 'epoch' || now - lastWrite > PROGRESS_EVERY_MS)) {
      lastWrite = now;
      void recordRefineryProgress(deps, job.taskId, progress, { ...event }, job.attempt).catch(() => undefined);
    }
  };
  const logFile = path.join(work, 'refine.log');
  try {
    const { metrics: doneMetrics } = await runTrainerJob(spec, {
      python: deps.config.python,
      trainerRoot: deps.trainerRoot,
      jobDir: work,
      onEvent,
      signal: cancellationSignal(),
      env: currentTrainingEnv(),
    }).catch((error: unknown) => {
      if (error instanceof TrainerError && error.userError) throw userError(error.message, { log: error.logTail });
      throw error;
    });
    const prefix = refineryModelPrefix(job.taskId, job.attempt);
    for (const file of MODEL_FILES) await deps.blobs.put(`${prefix}/${file}`, createReadStream(path.join(spec.output, file)));
    const metrics = (await readJson(path.join(spec.output, 'metrics.json'))) ?? doneMetrics;
    return { prefix, metrics };
  } finally {
    clearInterval(beat);
    await checkpoints.settled();
    await keepLog(deps, job.taskId, logFile);
  }
}

/** The job folder of a task attempt on AWS Batch (job.json, progress.json, log.txt, result.json, checkpoint/). */
export const refineryBatchFolder = (taskId: string, attempt: number) => `refinery/${taskId}/batch/attempt-${attempt}`;

/**
 * The refine job in an AWS Batch job (the platform's EXECUTOR is batch), followed from this worker
 * like a stage's training (executors/batch.ts): same job folder layout, teachers and data as S3 URIs.
 */
async function refineOnBatch(deps: ActivityDeps, job: RefineryJobInput): Promise<RefineryOutput> {
  const [task] = await deps.db.select().from(schema.refineryTasks).where(eq(schema.refineryTasks.id, job.taskId));
  const name = task?.name || job.taskId;
  if (!deps.config.batch) {
    throw userError(`AWS Batch is not configured on this platform (AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION are not set), so the refinery task "${name}" cannot run there.`);
  }
  const uri = deps.blobs.uri?.bind(deps.blobs);
  if (!uri) throw userError(`The refinery task "${name}" runs on AWS Batch, which needs the platform's blobs in S3 (BLOB_URL=s3://…); this platform keeps them in ${deps.blobs.url}.`);
  const prefix = refineryModelPrefix(job.taskId, job.attempt);
  await runBatchJob(deps, {
    subject: `refinery task "${name}"`,
    doing: `The refinery task "${name}"`,
    jobName: batchJobName(job.taskId, `attempt-${job.attempt}`),
    keys: batchFolderKeys(refineryBatchFolder(job.taskId, job.attempt)),
    outputPrefix: prefix,
    outputFiles: MODEL_FILES,
    tags: { 'aip:refinery-task': tagValue(job.taskId), ...(task ? { 'aip:owner': tagValue(task.ownerId) } : {}) },
    cancelReason: `Cancelled in AIP (refinery task ${job.taskId}, attempt ${job.attempt})`,
    jobSpec: async () =>
      refineJobSpec(job, {
        teachers: job.teachers.map((t) => uri(t.fileKey)),
        manifest: uri(`${job.dataPrefix}/manifest.jsonl`),
        imageRoot: uri(job.dataPrefix),
        output: uri(prefix),
      }),
    recordEpoch: async (event) => {
      const progress = refineProgressOf(event);
      if (progress !== undefined) await recordRefineryProgress(deps, job.taskId, progress, { ...event }, job.attempt);
      return progress;
    },
    recordStatus: (progress, detail) => recordRefineryProgress(deps, job.taskId, progress, detail, job.attempt),
    keepLog: async (text) => {
      const key = refineryLogKey(job.taskId);
      await deps.blobs.put(key, text, { contentType: 'text/plain; charset=utf-8' });
      await deps.db.update(schema.refineryTasks).set({ logBlob: key }).where(eq(schema.refineryTasks.id, job.taskId));
    },
  });
  const metrics = JSON.parse((await deps.blobs.getBuffer(`${prefix}/metrics.json`)).toString('utf8')) as Metrics;
  return { prefix, metrics };
}

/**
 * Overall progress of a refine job's event: the trainer may say it outright (`fraction`, e.g.
 * across pruning rounds), else it follows from epoch/epochs as in training.
 */
export function refineProgressOf(event: TrainerEvent): number | undefined {
  const said = (event as { fraction?: unknown }).fraction;
  if (typeof said === 'number' && Number.isFinite(said)) return Math.max(0, Math.min(1, said));
  return progressOf(event);
}

async function keepLog(deps: ActivityDeps, taskId: string, logFile: string): Promise<void> {
  if (!existsSync(logFile)) return;
  try {
    const key = refineryLogKey(taskId);
    await deps.blobs.put(key, createReadStream(logFile), { contentType: 'text/plain; charset=utf-8' });
    await deps.db.update(schema.refineryTasks).set({ logBlob: key }).where(eq(schema.refineryTasks.id, taskId));
  } catch (error) {
    log.warn('could not store the refinery log', { taskId, error: String(error) });
  }
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The produced model's ONNX evaluated on the test split against the teachers (trainer `refine_evaluate`). */
export async function evaluateRefinery(deps: ActivityDeps, input: { job: RefineryJobInput; output: RefineryOutput }): Promise<Metrics> {
  const { job, output } = input;
  const work = path.join(workFolder(deps, job), 'evaluate');
  const teachers = await Promise.all(job.teachers.map((t) => localFile(deps, t.fileKey)));
  const dataDir = await localFolder(deps.blobs, job.dataPrefix, deps.config.workDir);
  const modelDir = await localFolder(deps.blobs, output.prefix, deps.config.workDir);
  const spec: RefineTrainerJob = {
    ...refineJobSpec(job, { teachers, manifest: path.join(dataDir, 'manifest.jsonl'), imageRoot: dataDir, output: path.join(work, 'out') }),
    kind: 'refine_evaluate',
    model: path.join(modelDir, 'model.pt'),
  };
  const beat = setInterval(() => heartbeat(), 5_000);
  try {
    const { metrics } = await runTrainerJob(spec, { python: deps.config.python, trainerRoot: deps.trainerRoot, jobDir: work, signal: cancellationSignal() });
    return (await readJson(path.join(spec.output, 'metrics.json'))) ?? metrics;
  } catch (error) {
    if (error instanceof TrainerError && error.userError) throw userError(`Evaluating the new model failed: ${error.message}`, { log: error.logTail });
    throw error;
  } finally {
    clearInterval(beat);
  }
}

/** What the trainer's model.json says of a model (the fields the registry keeps). */
interface ModelDescription {
  task?: string;
  arch?: string;
  classes?: string[];
  inputSize?: number[];
  input?: Partial<ModelInput> & { size?: number[] };
  parameters?: number;
}

/** `mdl_<task id without its prefix>`: one model per task, so registering twice finds the first. */
export function refineryModelId(taskId: string): string {
  return `mdl_${taskId.replace(/^[a-z]+_/, '')}`;
}

/** The produced model's row and lineage (teachers; the pruned model's origin). Idempotent. */
export async function registerRefineryModel(
  deps: ActivityDeps,
  input: { job: RefineryJobInput; output: RefineryOutput; metrics: Metrics },
): Promise<{ modelId: string }> {
  const { job, output, metrics } = input;
  const [task] = await deps.db.select().from(schema.refineryTasks).where(eq(schema.refineryTasks.id, job.taskId));
  if (!task) throw new Error(`refinery task ${job.taskId} does not exist`);
  const description = JSON.parse((await deps.blobs.getBuffer(`${output.prefix}/model.json`)).toString('utf8')) as ModelDescription;
  const modelId = refineryModelId(job.taskId);
  const size = description.input?.size ?? description.inputSize ?? [job.params.imageSize ?? 64, job.params.imageSize ?? 64];
  const modelInput: ModelInput = {
    size: [Number(size[0]), Number(size[1] ?? size[0])],
    colorSpace: 'RGB',
    range: [0, 255],
    mean: null,
    std: null,
  };
  const after = (metrics as { parameters?: { after?: unknown } | number }).parameters;
  const parameters =
    typeof description.parameters === 'number'
      ? description.parameters
      : typeof after === 'number'
        ? after
        : typeof after?.after === 'number'
          ? after.after
          : null;
  const values = {
    id: modelId,
    ownerId: task.ownerId,
    name: task.name || `Refined ${task.id}`,
    task: description.task ?? job.teachers[0]?.task ?? 'classification',
    arch: description.arch ?? job.studentArch ?? job.teachers[0]?.arch ?? 'unknown',
    classes: description.classes ?? [],
    metrics,
    blobPrefix: `${output.prefix}/`,
    visibility: task.visibility,
    origin: 'refinery' as const,
    refineryTaskId: task.id,
    status: 'ready' as const,
    format: 'aip' as const,
    input: modelInput,
    parameters: parameters === null ? null : Math.round(parameters),
  };
  await deps.db
    .insert(schema.models)
    .values(values)
    .onConflictDoUpdate({ target: schema.models.id, set: { metrics, blobPrefix: values.blobPrefix, arch: values.arch, classes: values.classes } });
  const parents: Array<typeof schema.modelParents.$inferInsert> = job.teachers.map((t, position) => ({
    modelId,
    parentModelId: t.modelId,
    role: 'teacher',
    position,
  }));
  if (job.algorithm === 'auto_prune' && job.teachers[0]) {
    parents.push({ modelId, parentModelId: job.teachers[0].modelId, role: 'pruned_from', position: 0 });
  }
  if (parents.length > 0) await deps.db.insert(schema.modelParents).values(parents).onConflictDoNothing();
  await requestAtlasUpdate(deps);
  return { modelId };
}
