/**
 * Step 3 of a stage: training through the node's executor. The local executor runs the trainer
 * here; its output folder is stable per run and stage, so a retried activity (after a worker
 * crash) resumes from the trainer's last checkpoint instead of starting over. The batch executor
 * (executors/batch.ts) runs it in an AWS Batch job and only follows it from here, so it needs no
 * GPU on this worker.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { PlanStage } from '@aip/workflows';
import type { PreparedData, TrainedModel } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { trainOnBatch } from './executors/batch.ts';
import { stageCheckpoints } from './executors/checkpoints.ts';
import { runTrainerJob, TrainerError } from './executors/local-trainer.ts';
import {
  heartbeatEveryMs,
  MODEL_FILES,
  modelWeightsKey,
  recordTrainerEvent,
  setStageLog,
  stageLogKey,
  stageModelPrefix,
  trainJobSpec,
} from './executors/stage-output.ts';
import { progressOf, type TrainerEvent } from './executors/trainer-events.ts';
import { userError } from './failures.ts';
import { stageCheckpointKey } from './keys.ts';
import { localFolder } from './local-files.ts';
import { currentTrainingEnv } from './training-slots.ts';

/** Database progress writes at most this often (every epoch end is written regardless). */
const PROGRESS_EVERY_MS = 2_000;

export { MODEL_FILES };

export async function trainStage(
  deps: ActivityDeps,
  input: { runId: string; stage: PlanStage; data: PreparedData },
): Promise<TrainedModel> {
  const { runId, stage, data } = input;
  if (stage.executor === 'batch') return trainOnBatch(deps, input);
  const work = path.join(deps.config.workDir, 'runs', runId, stage.nodeId, 'train');
  const dataDir = await localFolder(deps.blobs, data.prefix, deps.config.workDir);
  const job = trainJobSpec(stage, data, {
    manifest: path.join(dataDir, 'manifest.jsonl'),
    imageRoot: dataDir,
    initWeights: stage.initModelId ? await modelWeights(deps, stage.initModelId) : null,
    output: path.join(work, 'out'),
  });

  // The checkpoint also goes to the blob store after each epoch, so that a worker taking this stage
  // over from one that died resumes where it stopped (restored here when this host has none).
  const checkpointKey = stageCheckpointKey(runId, stage.nodeId);
  const checkpoints = await stageCheckpoints(deps.blobs, checkpointKey, job.output, (error) =>
    log.warn('could not store the training checkpoint; training goes on', { key: checkpointKey, error: String(error) }),
  );
  if (checkpoints.restored) log.info('restored the training checkpoint another attempt stored', { key: checkpointKey });

  let last: Record<string, unknown> = { state: 'starting' };
  let lastWrite = 0;
  const beat = setInterval(() => heartbeat(last), heartbeatEveryMs());
  const onEvent = (event: TrainerEvent) => {
    last = { ...event };
    heartbeat(last);
    if (event.event === 'epoch') checkpoints.epochDone();
    const now = Date.now();
    if (progressOf(event) !== undefined && (event.event === 'epoch' || now - lastWrite > PROGRESS_EVERY_MS)) {
      lastWrite = now;
      void recordTrainerEvent(deps, runId, stage.nodeId, event).catch(() => undefined);
    }
  };
  try {
    const { logFile } = await runTrainerJob(job, {
      python: deps.config.python,
      trainerRoot: deps.trainerRoot,
      jobDir: work,
      onEvent,
      signal: cancellationSignal(),
      // The GPU of this job's training slot (CUDA_VISIBLE_DEVICES), on a GPU worker.
      env: currentTrainingEnv(),
    }).catch((error: unknown) => {
      if (error instanceof TrainerError && error.userError) {
        throw userError(`Training "${stage.name}" failed: ${error.message}`, { log: error.logTail });
      }
      throw error;
    });
    const prefix = stageModelPrefix(runId, stage.nodeId);
    for (const file of MODEL_FILES) await deps.blobs.put(`${prefix}/${file}`, createReadStream(path.join(job.output, file)));
    const logKey = stageLogKey(runId, stage.nodeId);
    await deps.blobs.put(logKey, createReadStream(logFile));
    await setStageLog(deps, runId, stage.nodeId, logKey);
    return { prefix };
  } finally {
    clearInterval(beat);
    await checkpoints.settled();
  }
}

/** Local path of a registry model's PyTorch weights (for warm starts and evaluation). */
export async function modelWeights(deps: ActivityDeps, modelId: string): Promise<string> {
  const key = await modelWeightsKey(deps, modelId);
  const folder = await localFolder(deps.blobs, path.posix.dirname(key), deps.config.workDir);
  return path.join(folder, path.posix.basename(key));
}
