/**
 * A run's stages as the status page lists them: every stage of the run's plan, in plan order,
 * merged with what the workers have mirrored into stage_runs so far (a stage without a row yet is
 * `pending`).
 */
import type { StageRun } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import { iso } from './views.ts';

export function stageViews(stages: PlanStage[], rows: StageRun[]) {
  const byNode = new Map(rows.map((row) => [row.nodeId, row]));
  return stages.map((stage) => {
    const row = byNode.get(stage.nodeId);
    return {
      nodeId: stage.nodeId,
      name: stage.name,
      task: stage.task,
      state: row?.state ?? 'pending',
      progress: row?.progress ?? 0,
      // A retried stage keeps its last error in the row until it fails again: show it only while failed.
      message: (row?.state === 'failed' ? row.error : null) ?? progressMessage(row?.progressDetail),
      progressDetail: row?.progressDetail ?? null,
      epochs: row?.epochs ?? [],
      timeline: row?.timeline ?? [],
      metrics: row?.metrics ?? null,
      modelId: row?.modelId ?? null,
      datasetId: row?.datasetId ?? null,
      userError: row?.userError ?? null,
      labelingJobId: row?.labelingJobId ?? null,
      startedAt: iso(row?.startedAt),
      finishedAt: iso(row?.finishedAt),
    };
  });
}

function progressMessage(detail: unknown): string | null {
  const message = (detail as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : null;
}
