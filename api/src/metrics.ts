/**
 * The API's own Prometheus metrics, read when `GET /metrics` is scraped (each source given a few
 * seconds): how many stages and runs are in each state (the database) and how many tasks wait in
 * the task queues (Temporal's DescribeTaskQueue). Served together with the process's metrics
 * (platform's `processMetrics`: Node's own, and in the embedded process the workers' too).
 */
import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { Gauge, Registry, checkReadiness, renderMetrics, runs, stageRuns, type Database, type MetricsResponse } from '@aip/platform';
import { RUN_STATUSES, STAGE_STATES } from '@aip/workflows';

/** How long one source may take before its series are left out (and its `aip_metrics_source_up` is 0). */
const SOURCE_TIMEOUT_MS = 2500;

/** `temporal.api.enums.v1.TaskQueueType`. */
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;
export type TaskType = keyof typeof TASK_QUEUE_TYPES;

export interface WatchedTaskQueue {
  name: string;
  /** The orchestration queue has workflow and activity tasks; a GPU queue only activity tasks. */
  types: TaskType[];
}

export interface ApiMetricsDeps {
  db: Database;
  temporal: Client;
  taskQueues: WatchedTaskQueue[];
}

/**
 * The backlog of one task queue and task type: the server's approximate count (`report_stats`;
 * the dev server of `npm start` reports it), else the older backlog hint (`include_task_queue_status`).
 */
async function backlogOf(temporal: Client, queue: string, type: TaskType): Promise<number | undefined> {
  const { connection } = temporal;
  const response = await connection.withDeadline(Date.now() + SOURCE_TIMEOUT_MS, () =>
    connection.workflowService.describeTaskQueue({
      namespace: temporal.options.namespace,
      taskQueue: { name: queue },
      taskQueueType: TASK_QUEUE_TYPES[type],
      reportStats: true,
      includeTaskQueueStatus: true,
    }),
  );
  const count = response.stats?.approximateBacklogCount ?? response.taskQueueStatus?.backlogCountHint;
  return count === null || count === undefined ? undefined : Number(count);
}

/** Renders the API's metrics; each call reads its sources anew (`onError` hears of a source that failed). */
export function apiMetrics(deps: ApiMetricsDeps): (onError?: (source: string, error: unknown) => void) => Promise<MetricsResponse> {
  const registry = new Registry();
  const up = new Gauge({
    name: 'aip_metrics_source_up',
    help: 'Whether a source of the API metrics answered this scrape (1) or not (0, its series are left out): database, temporal',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const stages = new Gauge({
    name: 'aip_stages',
    help: 'Stages of all runs by their recorded state (pending, preparing, awaiting_labels, training, …)',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const runCount = new Gauge({
    name: 'aip_runs',
    help: 'Runs by status (queued, running, attention: a failed stage waits for the user, …)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const backlog = new Gauge({
    name: 'aip_task_queue_backlog',
    help: 'Tasks waiting in a Temporal task queue for a worker (approximate), by task queue and task type (workflow, activity)',
    labelNames: ['task_queue', 'task_type'] as const,
    registers: [registry],
  });

  const countRows = () =>
    Promise.all([
      deps.db.select({ state: stageRuns.state, n: sql<number>`count(*)::int` }).from(stageRuns).groupBy(stageRuns.state),
      deps.db.select({ status: runs.status, n: sql<number>`count(*)::int` }).from(runs).groupBy(runs.status),
    ]);
  const readBacklogs = () => {
    const wanted = deps.taskQueues.flatMap((queue) => queue.types.map((type) => ({ queue: queue.name, type })));
    return Promise.all(wanted.map(async ({ queue, type }) => ({ queue, type, count: await backlogOf(deps.temporal, queue, type) })));
  };

  return async (onError) => {
    // Each source within its time (the readiness checks' rule); what one answers late is dropped.
    let counts: Awaited<ReturnType<typeof countRows>> | undefined;
    let backlogs: Awaited<ReturnType<typeof readBacklogs>> | undefined;
    const { checks } = await checkReadiness(
      {
        database: async () => (counts = await countRows()),
        temporal: async () => (backlogs = await readBacklogs()),
      },
      { timeoutMs: SOURCE_TIMEOUT_MS, ...(onError ? { onFailure: onError } : {}) },
    );
    for (const gauge of [stages, runCount, backlog]) gauge.reset();
    for (const source of ['database', 'temporal']) up.set({ source }, checks[source] === 'ok' ? 1 : 0);
    if (checks.database === 'ok' && counts) {
      const [byState, byStatus] = counts;
      for (const state of STAGE_STATES) stages.set({ state }, 0);
      for (const status of RUN_STATUSES) runCount.set({ status }, 0);
      for (const row of byState) stages.set({ state: row.state }, Number(row.n));
      for (const row of byStatus) runCount.set({ status: row.status }, Number(row.n));
    }
    if (checks.temporal === 'ok' && backlogs) {
      for (const { queue, type, count } of backlogs) {
        if (count !== undefined) backlog.set({ task_queue: queue, task_type: type }, count);
      }
    }
    return renderMetrics([registry]);
  };
}
