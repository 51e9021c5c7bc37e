/**
 * Lays out a runnable pipeline folder (pipeline.json + models/*.onnx) for a set of stages from
 * their registered models — the layout of a bundle, so derivation, packaging and cascade
 * evaluation all load models the way a deployed bundle does.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { schema } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { ActivityDeps } from './deps.ts';
import { localFolder } from './local-files.ts';
import { buildPipelineSpec, type ModelDescription, type PipelineSpecFile } from './pipeline-spec.ts';

export async function writePipelineFolder(
  deps: ActivityDeps,
  name: string,
  stages: PlanStage[],
  modelIds: Record<string, string>,
  dir: string,
): Promise<{ spec: PipelineSpecFile; modelFiles: Record<string, string> }> {
  const ids = stages.map((stage) => {
    const id = modelIds[stage.nodeId];
    if (!id) throw new Error(`stage "${stage.nodeId}" has no registered model yet`);
    return id;
  });
  const rows = await deps.db.select().from(schema.models).where(inArray(schema.models.id, ids));
  const byId = new Map(rows.map((row) => [row.id, row]));

  const descriptions: Record<string, ModelDescription> = {};
  const modelFiles: Record<string, string> = {};
  await mkdir(path.join(dir, 'models'), { recursive: true });
  for (const stage of stages) {
    const row = byId.get(modelIds[stage.nodeId]!);
    if (!row) throw new Error(`model ${modelIds[stage.nodeId]} of stage "${stage.nodeId}" does not exist`);
    const folder = await localFolder(deps.blobs, row.blobPrefix.replace(/\/+$/, ''), deps.config.workDir);
    descriptions[stage.nodeId] = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
    const target = path.join(dir, 'models', `${stage.nodeId}.onnx`);
    await copyFile(path.join(folder, 'model.onnx'), target);
    modelFiles[stage.nodeId] = target;
  }
  const spec = buildPipelineSpec(name, stages, descriptions);
  await writeFile(path.join(dir, 'pipeline.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return { spec, modelFiles };
}
