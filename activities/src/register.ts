/**
 * Step 5 of a stage: the model row. Registration is idempotent per run and stage (a retried
 * activity returns the same id), and the row points at the artifacts where training wrote them.
 */
import { and, eq } from 'drizzle-orm';
import { newId, schema } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { Metrics, TrainedModel } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { requestAtlasUpdate } from './atlas-request.ts';
import { userError } from './failures.ts';

export async function registerModel(
  deps: ActivityDeps,
  input: { runId: string; stage: PlanStage; model: TrainedModel; metrics: Metrics },
): Promise<{ modelId: string }> {
  const { runId, stage, model, metrics } = input;
  if (stage.mode === 'reuse' && stage.modelId) return { modelId: stage.modelId };
  const [existing] = await deps.db
    .select({ id: schema.models.id })
    .from(schema.models)
    .where(and(eq(schema.models.originRunId, runId), eq(schema.models.originNodeId, stage.nodeId)));
  if (existing) {
    await deps.db.update(schema.models).set({ metrics }).where(eq(schema.models.id, existing.id));
    return { modelId: existing.id };
  }
  const [run] = await deps.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
  if (!run) throw new Error(`run ${runId} does not exist`);
  const description = JSON.parse((await deps.blobs.getBuffer(`${model.prefix}/model.json`)).toString('utf8')) as {
    classes: string[];
  };
  const modelId = newId('mdl');
  await deps.db
    .insert(schema.models)
    .values({
      id: modelId,
      ownerId: run.ownerId,
      name: stage.name,
      task: stage.task,
      arch: stage.arch,
      classes: description.classes,
      parentClass: stage.input.kind === 'stage' ? (stage.input.class ?? null) : null,
      metrics,
      blobPrefix: `${model.prefix}/`,
      visibility: stage.visibility,
      origin: 'run',
      originRunId: runId,
      originNodeId: stage.nodeId,
      initModelId: stage.initModelId ?? null,
    })
    .onConflictDoNothing();
  // A concurrent attempt may have won the insert: the unique (run, node) pair decides.
  const [row] = await deps.db
    .select({ id: schema.models.id })
    .from(schema.models)
    .where(and(eq(schema.models.originRunId, runId), eq(schema.models.originNodeId, stage.nodeId)));
  await requestAtlasUpdate(deps);
  return { modelId: row!.id };
}

export async function resolveModel(deps: ActivityDeps, input: { modelId: string }): Promise<TrainedModel> {
  const [model] = await deps.db.select().from(schema.models).where(eq(schema.models.id, input.modelId));
  if (!model) throw userError(`The model ${input.modelId} chosen for reuse does not exist (any more).`);
  return { prefix: model.blobPrefix.replace(/\/+$/, '') };
}
