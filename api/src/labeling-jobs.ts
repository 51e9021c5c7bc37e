/**
 * What both the labeler's routes and the external tools' webhook do to a labeling job: find it,
 * show it, save labels into it, and complete it (which signals the stage workflow waiting for it).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { labelingCompleteSignal } from '@aip/workflows/temporal';
import { flowcharts, labelingItems, labelingJobs, runs, type Database, type LabelingItem, type LabelingJob } from '@aip/platform';
import type { LabelingTarget, LabelTask } from '@aip/datasets-spec';
import { ApiError, notFound } from './errors.ts';
import { iso } from './views.ts';

/** A labeling job, with the names it is shown under (access is checked by the caller: access.ts or the webhook's HMAC). */
export async function findJob(db: Database, jobId: string): Promise<LabelingJob & { stageName: string | null; flowchartName: string | null }> {
  const [row] = await db
    .select({ job: labelingJobs, plan: runs.plan, flowchartName: flowcharts.name })
    .from(labelingJobs)
    .innerJoin(runs, eq(labelingJobs.runId, runs.id))
    .leftJoin(flowcharts, eq(runs.flowchartId, flowcharts.id))
    .where(eq(labelingJobs.id, jobId));
  if (!row) throw notFound('Labeling job', jobId);
  const stages = (row.plan as { stages?: Array<{ nodeId: string; name: string }> } | null)?.stages ?? [];
  return { ...row.job, stageName: stages.find((stage) => stage.nodeId === row.job.nodeId)?.name ?? null, flowchartName: row.flowchartName };
}

export function targetOf(job: LabelingJob): LabelingTarget {
  return { task: job.task as LabelTask, classes: job.classes };
}

export async function countLabeled(db: Database, jobId: string): Promise<{ total: number; labeled: number }> {
  const [row] = await db
    .select({ total: sql<number>`count(*)::int`, labeled: sql<number>`count(${labelingItems.labels})::int` })
    .from(labelingItems)
    .where(eq(labelingItems.jobId, jobId));
  return { total: row?.total ?? 0, labeled: row?.labeled ?? 0 };
}

export async function jobView(db: Database, job: Awaited<ReturnType<typeof findJob>>, origin: string) {
  return {
    id: job.id,
    runId: job.runId,
    flowchartName: job.flowchartName,
    nodeId: job.nodeId,
    stageName: job.stageName ?? job.nodeId,
    task: job.task as LabelTask,
    classes: job.classes,
    state: job.state,
    ...(await countLabeled(db, job.id)),
    datasetId: job.datasetId,
    outputDatasetId: job.outputDatasetId,
    createdAt: iso(job.createdAt)!,
    completedAt: iso(job.completedAt),
    webhook: { url: `${origin}/api/hooks/labeling/${job.id}`, secret: job.webhookSecret },
  };
}

export function itemView(item: LabelingItem) {
  return {
    id: item.id,
    index: item.index,
    path: item.path,
    width: item.width,
    height: item.height,
    url: `/api/labeling/jobs/${item.jobId}/items/${item.id}/image`,
    labels: item.labels ?? null,
    prelabel: item.prelabel ?? null,
    confidence: item.confidence,
    version: item.version,
    labeledAt: iso(item.labeledAt),
    assignedTo: item.assignedTo,
    leaseUntil: iso(item.leaseUntil),
    source: item.source ?? null,
  };
}

/** Lowest confidence first (items without a prediction after those with one), then in dataset order. */
export const ITEM_ORDER = [sql`${labelingItems.confidence} asc nulls last`, asc(labelingItems.index)];

export function requireOpen(job: LabelingJob): void {
  if (job.state === 'open') return;
  const why =
    job.state === 'completed'
      ? 'its labeling is finished and the stage has moved on'
      : 'the stage stopped waiting for it (the run was cancelled or the stage failed); retry the stage to label again';
  throw new ApiError(409, 'job_closed', `Labeling job ${job.id} is ${job.state}: ${why}.`);
}

/**
 * Declares the job's labeling finished and signals the stage. Repeating it is harmless. Refused
 * while nothing is labeled, and — unless `force` — while some items are still unlabeled (those are
 * then left out of the stage's data).
 */
export async function completeJob(db: Database, temporal: Client, job: LabelingJob, force: boolean): Promise<void> {
  if (job.state === 'completed') return;
  requireOpen(job);
  const { total, labeled } = await countLabeled(db, job.id);
  if (labeled === 0) {
    throw new ApiError(409, 'nothing_labeled', `No image of labeling job ${job.id} has labels yet: label at least one before finishing.`);
  }
  if (labeled < total && !force) {
    const left = total - labeled;
    throw new ApiError(
      409,
      'unlabeled_items_left',
      `${left} of ${total} images have no labels yet. Finish anyway to train without them, or label them first.`,
      [{ message: `${left} images left`, left, total }],
    );
  }
  const [updated] = await db
    .update(labelingJobs)
    .set({ state: 'completed', completedAt: new Date() })
    .where(and(eq(labelingJobs.id, job.id), eq(labelingJobs.state, 'open')))
    .returning({ id: labelingJobs.id });
  if (!updated) return; // completed concurrently: that call signals
  try {
    await temporal.workflow.getHandle(job.workflowId).signal(labelingCompleteSignal, { labelingJobId: job.id });
  } catch (error) {
    // The stage is gone (its run ended): nothing waits for these labels, the job is not complete.
    await db.update(labelingJobs).set({ state: error instanceof WorkflowNotFoundError ? 'cancelled' : 'open', completedAt: null }).where(eq(labelingJobs.id, job.id));
    if (error instanceof WorkflowNotFoundError) throw new ApiError(409, 'job_closed', `The stage of labeling job ${job.id} no longer waits for labels.`);
    throw error;
  }
}
