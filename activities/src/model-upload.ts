/**
 * Checking an uploaded model (docs/contracts.md "Model refinery"): the trainer's `validate_model`
 * loads it without running any uploaded Python, runs it once on a dummy input of its declared size
 * and checks its output against the declared task and classes. A model it accepts becomes `ready`
 * (with its parameter count; a `weights` upload also gets the platform's model.pt, model.onnx and
 * model.json under `models/<id>/`, so it can be reused in flowcharts; an `onnx` one its file as
 * model.onnx, for download); one it refuses becomes `invalid` with the trainer's message as its report.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { schema } from '@aip/platform';
import type { ActivityDeps } from './deps.ts';
import { requestAtlasUpdate } from './atlas-request.ts';
import { runTrainerJob, TrainerError } from './executors/local-trainer.ts';
import { localFolder } from './local-files.ts';
import { uploadedFileKey } from './refinery.ts';

export async function validateUploadedModel(deps: ActivityDeps, input: { modelId: string }): Promise<{ status: 'ready' | 'invalid' }> {
  const [model] = await deps.db.select().from(schema.models).where(eq(schema.models.id, input.modelId));
  if (!model) throw new Error(`model ${input.modelId} does not exist`);
  if (model.status !== 'validating') return { status: model.status === 'ready' ? 'ready' : 'invalid' };
  const invalid = async (message: string) => {
    await deps.db.update(schema.models).set({ status: 'invalid', report: { message } }).where(eq(schema.models.id, model.id));
    return { status: 'invalid' as const };
  };
  const key = await uploadedFileKey(deps, model.id);
  if (!key) return invalid('The upload has no file: upload the model again.');
  const folder = await localFolder(deps.blobs, path.posix.dirname(key), deps.config.workDir);
  const file = path.join(folder, path.posix.basename(key));
  const work = path.join(deps.config.workDir, 'models', model.id, 'validate');
  const output = path.join(work, 'out');
  const beat = setInterval(() => heartbeat(), 5_000);
  try {
    await runTrainerJob(
      {
        kind: 'validate_model',
        model: {
          file,
          format: model.format,
          task: model.task,
          arch: model.format === 'weights' ? model.arch : null,
          classes: model.classes,
          ...(model.input ? { input: { ...model.input } } : {}),
          name: model.name,
        },
        output,
        device: 'cpu',
        seed: 0,
      },
      { python: deps.config.python, trainerRoot: deps.trainerRoot, jobDir: work, signal: cancellationSignal() },
    );
  } catch (error) {
    // The file's own fault (not a state_dict, wrong keys, wrong class count …): the upload is invalid.
    // The worker's own paths mean nothing to the uploader (and are not theirs to see): their file's name instead.
    if (error instanceof TrainerError && error.userError) return invalid(error.message.split(file).join(path.posix.basename(key)));
    throw error;
  } finally {
    clearInterval(beat);
  }
  const description = JSON.parse(await readFile(path.join(output, 'model.json'), 'utf8')) as { parameters?: unknown };
  const prefix = model.blobPrefix.replace(/\/+$/, '');
  // A weights upload becomes a platform model too; the others keep only their description.
  const files = model.format === 'weights' ? ['model.pt', 'model.onnx', 'model.json'] : ['model.json'];
  for (const file of files) {
    const local = path.join(output, file);
    if (existsSync(local)) await deps.blobs.put(`${prefix}/${file}`, createReadStream(local));
  }
  // An ONNX teacher downloads as the file that was uploaded (a TorchScript one has no ONNX to offer).
  if (model.format === 'onnx') await deps.blobs.put(`${prefix}/model.onnx`, createReadStream(file));
  await deps.db
    .update(schema.models)
    .set({
      status: 'ready',
      report: null,
      parameters: typeof description.parameters === 'number' ? Math.round(description.parameters) : null,
    })
    .where(eq(schema.models.id, model.id));
  await requestAtlasUpdate(deps);
  return { status: 'ready' };
}
