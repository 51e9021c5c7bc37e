/**
 * After packaging: the whole cascade evaluated end to end on the held-out images of the source
 * dataset, through the serving runtime — the answers a deployed bundle would give.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { readManifest } from '@aip/datasets-spec';
import { schema } from '@aip/platform';
import { loadPipeline, type TextLineResult } from '@aip/serving';
import type { Plan } from '@aip/workflows';
import type { Metrics } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { sourceDatasetId } from './prepare.ts';
import { cascadeMetrics, emptyTally, scoreDetections, scoreTextLines, type CascadeLine, type CascadeObject } from './cascade-score.ts';
import { normalizedPrefix } from './keys.ts';
import { localFolder } from './local-files.ts';
import { writePipelineFolder } from './pipeline-folder.ts';

export async function evaluateCascade(
  deps: ActivityDeps,
  input: { runId: string; plan: Plan; models: Record<string, string> },
): Promise<Metrics> {
  const { runId, plan } = input;
  const metrics: Metrics = {};
  const work = path.join(deps.config.workDir, 'runs', runId, 'cascade');
  await rm(work, { recursive: true, force: true });
  await writePipelineFolder(deps, `run ${runId}`, plan.stages, input.models, work);
  const pipeline = await loadPipeline(work);
  try {
    for (const root of plan.stages.filter((stage) => stage.input.kind === 'dataset')) {
      if (root.input.kind !== 'dataset' || (root.task !== 'detection' && root.task !== 'text_detection')) continue;
      // The root's images with the labels people gave them, when they were labeled in AIP.
      const datasetId = await sourceDatasetId(deps, runId, plan, root.nodeId);
      const [dataset] = await deps.db.select().from(schema.datasets).where(eq(schema.datasets.id, datasetId));
      if (!dataset) continue;
      const dir = await localFolder(deps.blobs, normalizedPrefix(dataset), deps.config.workDir);
      const { entries } = await readManifest(dir);
      const held = entries.filter((entry) => entry.split === 'test');
      const tally = emptyTally();
      for (const [index, entry] of held.entries()) {
        const rootResult = (await pipeline.run(await readFile(path.join(dir, entry.path)))).results[root.nodeId];
        if (rootResult?.task === 'text_detection') scoreTextLines(tally, entry, rootResult.lines.map(readLine));
        else scoreDetections(tally, entry, (rootResult as { objects?: CascadeObject[] } | undefined)?.objects ?? [], root, plan.stages);
        heartbeat({ done: index + 1, total: held.length });
      }
      metrics[root.nodeId] = cascadeMetrics(tally);
    }
  } finally {
    await pipeline.close();
    await rm(work, { recursive: true, force: true });
  }
  return metrics;
}

/** A found line and the text its recognizer read (the first text recognition stage below it). */
function readLine(line: TextLineResult): CascadeLine {
  const reading = Object.values(line.children).find((child) => child.task === 'text_recognition');
  return { points: line.points.map(([x, y]) => [x, y]), text: reading?.task === 'text_recognition' ? reading.text : undefined };
}
