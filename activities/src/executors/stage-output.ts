/**
 * What every training executor does the same way around the trainer: where a stage's model and
 * log go (docs/contracts.md, "Blob keys"), how trainer events become stage progress, where a warm
 * start's weights are.
 */
import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { schema } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { PreparedData } from '@aip/workflows/temporal';
import type { ActivityDeps } from '../deps.ts';
import { userError } from '../failures.ts';
import { stagePrefix } from '../keys.ts';
import { recordStageProgress } from '../records.ts';
import type { TrainerJob } from './local-trainer.ts';
import { progressOf, type TrainerEvent } from './trainer-events.ts';

/** The files a train job leaves in its output folder, all copied to the stage's model prefix. */
export const MODEL_FILES = ['model.onnx', 'model.pt', 'model.json', 'metrics.json'] as const;

/**
 * How often to heartbeat, also while the trainer is quiet (exporting, evaluating, queued): every
 * 5 s, or three times per heartbeat timeout where that is shorter, so one late beat never looks
 * like a dead worker.
 */
export function heartbeatEveryMs(): number {
  const timeout = Context.current().info.heartbeatTimeoutMs;
  return timeout ? Math.max(100, Math.min(5_000, Math.floor(timeout / 3))) : 5_000;
}

/** `runs/<runId>/stages/<nodeId>/model`: the trained stage's model files. */
export function stageModelPrefix(runId: string, nodeId: string): string {
  return `${stagePrefix(runId, nodeId)}/model`;
}

/** `runs/<runId>/stages/<nodeId>/log.txt`: the trainer's log, served as the stage's log. */
export function stageLogKey(runId: string, nodeId: string): string {
  return `${stagePrefix(runId, nodeId)}/log.txt`;
}

/** A stage's train job (docs/contracts.md, "Job spec"), its data and model where the executor's trainer reads and writes them. */
export function trainJobSpec(
  stage: PlanStage,
  data: PreparedData,
  where: Pick<TrainerJob, 'manifest' | 'imageRoot' | 'initWeights' | 'output'>,
): TrainerJob {
  return {
    kind: 'train',
    task: stage.task,
    arch: stage.arch,
    classes: stage.classes,
    labelMap: data.labelMap,
    hyper: { ...stage.hyper },
    manifest: where.manifest,
    imageRoot: where.imageRoot,
    initWeights: where.initWeights,
    model: null,
    output: where.output,
    device: 'auto',
    seed: 0,
  };
}

/** Points the stage's row at its log blob. */
export async function setStageLog(deps: ActivityDeps, runId: string, nodeId: string, key: string): Promise<void> {
  await deps.db
    .update(schema.stageRuns)
    .set({ logBlob: key })
    .where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, nodeId)));
}

/**
 * Records a trainer event as the stage's progress, when it says anything about progress (an
 * `epoch` event also extends the stage's curve). `extra` joins the stored detail of non-epoch
 * events (the curve keeps the trainer's epoch events as they are). Returns the progress recorded.
 */
export async function recordTrainerEvent(
  deps: ActivityDeps,
  runId: string,
  nodeId: string,
  event: TrainerEvent,
  extra: Record<string, unknown> = {},
): Promise<number | undefined> {
  const progress = progressOf(event);
  if (progress === undefined) return undefined;
  await recordStageProgress(deps, runId, nodeId, progress, event.event === 'epoch' ? { ...event } : { ...event, ...extra });
  return progress;
}

/** Blob key of a registry model's PyTorch weights (for warm starts). */
export async function modelWeightsKey(deps: ActivityDeps, modelId: string): Promise<string> {
  const [model] = await deps.db.select().from(schema.models).where(eq(schema.models.id, modelId));
  if (!model) throw userError(`The model ${modelId} does not exist (any more).`);
  return `${model.blobPrefix.replace(/\/+$/, '')}/model.pt`;
}
