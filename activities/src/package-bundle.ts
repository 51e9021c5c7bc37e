/**
 * After every stage: the deployment bundle (pipeline.json, the stages' ONNX models and the serving
 * runtime with its deploy files), stored in the blob store and recorded with its size and hash.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { newId, schema } from '@aip/platform';
import { bundleRuntimeFiles } from '@aip/serving';
import type { Plan } from '@aip/workflows';
import type { ActivityDeps } from './deps.ts';
import { writeBundleZip } from './bundle-zip.ts';
import { bundleKey } from './keys.ts';
import { writePipelineFolder } from './pipeline-folder.ts';

export async function packageBundle(
  deps: ActivityDeps,
  input: { runId: string; plan: Plan; models: Record<string, string> },
): Promise<{ bundleKey: string; size: number; sha256: string }> {
  const { runId, plan } = input;
  // The bundle is named after its flowchart, as people will find it among their deployments.
  const [named] = await deps.db
    .select({ name: schema.flowcharts.name })
    .from(schema.runs)
    .leftJoin(schema.flowcharts, eq(schema.runs.flowchartId, schema.flowcharts.id))
    .where(eq(schema.runs.id, runId));
  const work = path.join(deps.config.workDir, 'runs', runId, 'bundle');
  await rm(work, { recursive: true, force: true });
  const { spec, modelFiles } = await writePipelineFolder(
    deps,
    named?.name ? `${named.name} (run ${runId})` : `run ${runId}`,
    plan.stages,
    input.models,
    path.join(work, 'pipeline'),
  );
  const zipFile = path.join(work, 'bundle.zip');
  const { size, sha256 } = await writeBundleZip(
    { spec, models: modelFiles, runtime: bundleRuntimeFiles().files },
    zipFile,
  );
  const key = bundleKey(runId);
  await deps.blobs.put(key, createReadStream(zipFile), { contentType: 'application/zip' });
  const values = { blobKey: key, size, sha256, createdAt: new Date() };
  await deps.db
    .insert(schema.bundles)
    .values({ id: newId('bdl'), runId, ...values })
    .onConflictDoUpdate({ target: schema.bundles.runId, set: values });
  await rm(work, { recursive: true, force: true });
  return { bundleKey: key, size, sha256 };
}
