/**
 * Step 3 of a stage: training through the configured executor. The local executor runs the
 * trainer here; its output folder is stable per run and stage, so a retried activity (after a
 * worker crash) resumes from the trainer's last checkpoint instead of starting over.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { schema } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { PreparedData, TrainedModel } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { runTrainerJob, TrainerError, type TrainerJob } from './executors/local-trainer.ts';
import { progressOf, type TrainerEvent } from './executors/trainer-events.ts';
import { userError } from './failures.ts';
import { stagePrefix } from './keys.ts';
import { localFolder } from './local-files.ts';
import { recordStageProgress } from './records.ts';

/** Heartbeat at least this often, also while the trainer is quiet (exporting, evaluating). */
const HEARTBEAT_EVERY_MS = 5_000;
/** Database progress writes at most this often (every epoch end is written regardless). */
const PROGRESS_EVERY_MS = 2_000;

export const MODEL_FILES = ['model.onnx', 'model.pt', 'model.json', 'metrics.json'] as const;

export async function trainStage(
  deps: ActivityDeps,
  input: { runId: string; stage: PlanStage; data: PreparedData },
): Promise<TrainedModel> {
  const { runId, stage, data } = input;
  if (stage.executor !== 'local') {
    throw userError(`Stage "${stage.name}" asks for the ${stage.executor} executor, which this platform does not offer yet.`);
  }
  const work = path.join(deps.config.workDir, 'runs', runId, stage.nodeId, 'train');
  const dataDir = await localFolder(deps.blobs, data.prefix, deps.config.workDir);
  const job: TrainerJob = {
    kind: 'train',
    task: stage.task,
    arch: stage.arch,
    classes: stage.classes,
    labelMap: data.labelMap,
    hyper: { ...stage.hyper },
    manifest: path.join(dataDir, 'manifest.jsonl'),
    imageRoot: dataDir,
    initWeights: stage.initModelId ? await modelWeights(deps, stage.initModelId) : null,
    model: null,
    output: path.join(work, 'out'),
    device: 'auto',
    seed: 0,
  };

  let last: Record<string, unknown> = { state: 'starting' };
  let lastWrite = 0;
  const beat = setInterval(() => heartbeat(last), HEARTBEAT_EVERY_MS);
  const onEvent = (event: TrainerEvent) => {
    last = { ...event };
    heartbeat(last);
    const progress = progressOf(event);
    const now = Date.now();
    if (progress !== undefined && (event.event === 'epoch' || now - lastWrite > PROGRESS_EVERY_MS)) {
      lastWrite = now;
      void recordStageProgress(deps, runId, stage.nodeId, progress, { ...event }).catch(() => undefined);
    }
  };
  try {
    const { logFile } = await runTrainerJob(job, {
      python: deps.config.python,
      trainerRoot: deps.trainerRoot,
      jobDir: work,
      onEvent,
      signal: cancellationSignal(),
    }).catch((error: unknown) => {
      if (error instanceof TrainerError && error.userError) {
        throw userError(`Training "${stage.name}" failed: ${error.message}`, { log: error.logTail });
      }
      throw error;
    });
    const prefix = `${stagePrefix(runId, stage.nodeId)}/model`;
    for (const file of MODEL_FILES) await deps.blobs.put(`${prefix}/${file}`, createReadStream(path.join(job.output, file)));
    const logKey = `${stagePrefix(runId, stage.nodeId)}/log.txt`;
    await deps.blobs.put(logKey, createReadStream(logFile));
    await deps.db
      .update(schema.stageRuns)
      .set({ logBlob: logKey })
      .where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, stage.nodeId)));
    return { prefix };
  } finally {
    clearInterval(beat);
  }
}

/** Local path of a registry model's PyTorch weights (for warm starts and evaluation). */
export async function modelWeights(deps: ActivityDeps, modelId: string): Promise<string> {
  const [model] = await deps.db.select().from(schema.models).where(eq(schema.models.id, modelId));
  if (!model) throw userError(`The model ${modelId} does not exist (any more).`);
  const folder = await localFolder(deps.blobs, model.blobPrefix.replace(/\/+$/, ''), deps.config.workDir);
  return path.join(folder, 'model.pt');
}
