/**
 * After packaging: the whole cascade evaluated end to end on the held-out images of the source
 * dataset, through the serving runtime — the answers a deployed bundle would give.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { readManifest } from '@aip/datasets-spec';
import { schema } from '@aip/platform';
import { loadPipeline, type TextLineResult } from '@aip/serving';
import type { Plan } from '@aip/workflows';
import type { Metrics } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { sourceDatasetId } from './prepare.ts';
import { cascadeMetrics, emptyTally, scoreDetections, scoreTextLines, withFineLabels, type CascadeLine, type CascadeObject, type FineLabel } from './cascade-score.ts';
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
      // Without ground truth (a reused model on images nobody labeled) there is nothing to score.
      if (!dataset || dataset.format !== root.task) continue;
      const dir = await localFolder(deps.blobs, normalizedPrefix(dataset), deps.config.workDir);
      const { entries } = await readManifest(dir);
      const fine = await fineLabelsOfCrops(deps, runId, plan, root.nodeId);
      const held = entries.filter((entry) => entry.split === 'test').map((entry) => withFineLabels(entry, fine.get(entry.path) ?? []));
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

/**
 * Source image path → the fine classes people gave the crops a root detector cut from it, in the
 * labeling jobs of the classifiers right below it.
 */
async function fineLabelsOfCrops(deps: ActivityDeps, runId: string, plan: Plan, rootId: string): Promise<Map<string, FineLabel[]>> {
  const children = plan.stages.filter((stage) => stage.input.kind === 'stage' && stage.input.nodeId === rootId && stage.task === 'classification');
  const fine = new Map<string, FineLabel[]>();
  if (children.length === 0) return fine;
  const rows = await deps.db
    .select({ labels: schema.labelingItems.labels, source: schema.labelingItems.source })
    .from(schema.labelingItems)
    .innerJoin(schema.labelingJobs, eq(schema.labelingItems.jobId, schema.labelingJobs.id))
    .where(
      and(
        eq(schema.labelingJobs.runId, runId),
        inArray(schema.labelingJobs.nodeId, children.map((child) => child.nodeId)),
        eq(schema.labelingJobs.state, 'completed'),
        isNotNull(schema.labelingItems.labels),
        isNotNull(schema.labelingItems.source),
      ),
    );
  for (const { labels, source } of rows) {
    const label = (labels as { class?: unknown } | null)?.class;
    if (!source || typeof label !== 'string') continue;
    fine.set(source.path, [...(fine.get(source.path) ?? []), { box: source.box, label }]);
  }
  return fine;
}

/** A found line and the text its recognizer read (the first text recognition stage below it). */
function readLine(line: TextLineResult): CascadeLine {
  const reading = Object.values(line.children).find((child) => child.task === 'text_recognition');
  return { points: line.points.map(([x, y]) => [x, y]), text: reading?.task === 'text_recognition' ? reading.text : undefined };
}
