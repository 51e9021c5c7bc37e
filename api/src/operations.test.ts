import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { AipFlowchartId, AipNodeId, AipOwner, AipRunId, AipStageState } from '@aip/workflows/temporal';
import { saveCascadeFlowchart, standInActivities, startStandInWorkers, waitUntil } from './stand-in-workers.ts';
import { buildAppOn, startHarness, type Harness } from './test-support.ts';

/** The workflows a visibility query finds; polled, since visibility lags behind the workflows. */
async function listed(temporal: Client, query: string, expected: number): Promise<WorkflowExecutionInfo[]> {
  return waitUntil(
    `${expected} workflows for ${query}`,
    async () => {
      const found: WorkflowExecutionInfo[] = [];
      for await (const workflow of temporal.workflow.list({ query })) found.push(workflow);
      return found;
    },
    (found) => found.length >= expected,
    30_000,
  );
}

describe("operators' view: search attributes and Prometheus metrics (PGlite, Temporal dev server with stand-in workers)", () => {
  let h: Harness;
  let workers: { stop(): Promise<void> } | undefined;
  let runId: string;
  let flowchartId: string;

  beforeAll(async () => {
    h = await startHarness();
    workers = await startStandInWorkers(h, standInActivities(h));
    flowchartId = await saveCascadeFlowchart(h);
    runId = (await h.app.inject({ method: 'POST', url: `/api/flowcharts/${flowchartId}/runs`, headers: h.auth })).json().id;
    h.started.add(runId);
    await waitUntil(
      'the run to succeed',
      async () => (await h.app.inject({ url: `/api/runs/${runId}`, headers: h.auth })).json().status,
      (status) => status === 'succeeded',
    );
  });
  afterAll(async () => {
    await workers?.stop();
    await h?.close();
  });

  it("finds a run's workflows by run id, and its stages by their state, in Temporal's visibility", async () => {
    const all = await listed(h.temporal, `AipRunId="${runId}"`, 3);
    expect(all.map((w) => w.workflowId).sort()).toEqual([runId, `${runId}/detect`, `${runId}/round-kind`]);
    for (const workflow of all) {
      expect(workflow.typedSearchAttributes.get(AipFlowchartId)).toBe(flowchartId);
      expect(workflow.typedSearchAttributes.get(AipOwner)).toBe(h.userId);
    }

    const succeeded = await listed(h.temporal, `AipRunId="${runId}" AND AipStageState="succeeded"`, 2);
    expect(succeeded.map((w) => [w.workflowId, w.typedSearchAttributes.get(AipNodeId)]).sort()).toEqual([
      [`${runId}/detect`, 'detect'],
      [`${runId}/round-kind`, 'round-kind'],
    ]);
    expect(succeeded.every((w) => w.typedSearchAttributes.get(AipStageState) === 'succeeded')).toBe(true);
    const stillTraining = [];
    for await (const w of h.temporal.workflow.list({ query: `AipRunId="${runId}" AND AipStageState="training"` })) stillTraining.push(w);
    expect(stillTraining).toEqual([]);
    expect(all.find((w) => w.workflowId === runId)!.typedSearchAttributes.get(AipRunId)).toBe(runId);
  });

  it('serves Prometheus metrics at /metrics without credentials: stages and runs by state, queue backlogs, durations, Node', async () => {
    const res = await h.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toMatch(/^aip_stages\{state="succeeded"\} 2$/m);
    expect(text).toMatch(/^aip_stages\{state="failed"\} 0$/m);
    expect(text).toMatch(/^aip_runs\{status="succeeded"\} 1$/m);
    expect(text).toMatch(new RegExp(`^aip_task_queue_backlog\\{task_queue="${h.taskQueue}",task_type="workflow"\\} \\d+$`, 'm'));
    expect(text).toMatch(new RegExp(`^aip_task_queue_backlog\\{task_queue="${h.taskQueue}-gpu",task_type="activity"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^aip_metrics_source_up\{source="database"\} 1$/m);
    expect(text).toMatch(/^aip_metrics_source_up\{source="temporal"\} 1$/m);
    for (const name of ['aip_activity_duration_seconds histogram', 'aip_stage_duration_seconds histogram', 'aip_stage_failures_total counter', 'aip_training_slots gauge']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toContain(h.userId);
  });

  it('leaves out the backlog, and says so, while Temporal does not answer', async () => {
    const down = Object.create(h.temporal) as Client;
    Object.defineProperty(down, 'connection', {
      value: {
        withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
        workflowService: { describeTaskQueue: () => Promise.reject(new Error('connection refused')) },
      },
    });
    const app = buildAppOn(h, { temporal: down });
    try {
      const text = (await app.inject({ url: '/metrics' })).body;
      expect(text).toMatch(/^aip_metrics_source_up\{source="temporal"\} 0$/m);
      expect(text).not.toMatch(/^aip_task_queue_backlog\{/m);
      expect(text).toMatch(/^aip_stages\{state="succeeded"\} 2$/m);
    } finally {
      await app.close();
    }
  });
});
