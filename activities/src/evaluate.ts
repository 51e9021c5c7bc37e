/**
 * Step 4 of a stage: metrics on the held-out split, by the trainer's own `evaluate` job, so a
 * reused model is measured on this stage's data exactly like a freshly trained one; and sample
 * predictions on held-out images (`samples.json` beside the stage's log) for the stage page.
 */
import path from 'node:path';
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import type { PlanStage } from '@aip/workflows';
import type { Metrics, PreparedData, TrainedModel } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { runTrainerJob, TrainerError } from './executors/local-trainer.ts';
import { userError } from './failures.ts';
import { stagePrefix } from './keys.ts';
import { localFolder } from './local-files.ts';
import { predictSamples } from './stage-samples.ts';

export async function evaluateStage(
  deps: ActivityDeps,
  input: { runId: string; stage: PlanStage; data: PreparedData; model: TrainedModel },
): Promise<Metrics> {
  const { runId, stage, data, model } = input;
  const work = path.join(deps.config.workDir, 'runs', runId, stage.nodeId, 'evaluate');
  const dataDir = await localFolder(deps.blobs, data.prefix, deps.config.workDir);
  const modelDir = await localFolder(deps.blobs, model.prefix, deps.config.workDir);
  const beat = setInterval(() => heartbeat(), 5_000);
  try {
    const { metrics } = await runTrainerJob(
      {
        kind: 'evaluate',
        task: stage.task,
        arch: stage.arch,
        classes: stage.classes,
        labelMap: data.labelMap,
        hyper: {},
        manifest: path.join(dataDir, 'manifest.jsonl'),
        imageRoot: dataDir,
        initWeights: null,
        model: path.join(modelDir, 'model.pt'),
        output: path.join(work, 'out'),
        device: 'auto',
        seed: 0,
      },
      { python: deps.config.python, trainerRoot: deps.trainerRoot, jobDir: work, signal: cancellationSignal() },
    );
    const samples = await predictSamples({ stage, dataDir, modelDir, labelMap: data.labelMap });
    await deps.blobs.put(`${stagePrefix(runId, stage.nodeId)}/samples.json`, JSON.stringify({ items: samples }), {
      contentType: 'application/json',
    });
    return metrics;
  } catch (error) {
    if (error instanceof TrainerError && error.userError) {
      throw userError(`Evaluating "${stage.name}" failed: ${error.message}`, { log: error.logTail });
    }
    throw error;
  } finally {
    clearInterval(beat);
  }
}
