import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { runs } from '@aip/platform';
import type { PlatformActivities } from '@aip/workflows/temporal';
import { saveCascadeFlowchart, standInActivities, startStandInWorkers, waitUntil } from './stand-in-workers.ts';
import { startHarness, type Harness } from './test-support.ts';

/**
 * Stand-ins for the platform's activities: they exercise the run workflow and the API, not
 * training. `recordRun` writes the run's status where the API reads it; the classifier's data
 * fails to prepare the first time (a user error), so the run waits for a retry.
 */
/** The classifier's data fails to prepare the first time (a user error), so the run waits for a retry. */
function testActivities(h: Harness): PlatformActivities {
  let classifierTries = 0;
  return standInActivities(h, {
    async prepareStage({ runId, stage }) {
      if (stage.nodeId === 'round-kind' && classifierTries++ === 0) {
        throw ApplicationFailure.create({ type: 'UserError', message: 'No "round" box of the detector matched a labelled shape.' });
      }
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 4, labeled: true, labelMap: {} };
    },
  });
}

describe('API retry of a failed stage (PGlite, local blob store, Temporal dev server with a worker)', () => {
  let h: Harness;
  let workers: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    h = await startHarness();
    workers = await startStandInWorkers(h, testActivities(h));
  });
  afterAll(async () => {
    await workers?.stop();
    await h?.close();
  });

  const post = (url: string, payload?: object) => h.app.inject({ method: 'POST', url, headers: h.auth, ...(payload ? { payload } : {}) });

  it('retries the failed stage of a waiting run, which then succeeds; refuses other stages and ended runs', async () => {
    const flowchartId = await saveCascadeFlowchart(h);
    const started = await post(`/api/flowcharts/${flowchartId}/runs`);
    expect(started.statusCode).toBe(201);
    const runId: string = started.json().id;
    h.started.add(runId);
    const statusOf = async () => (await h.app.inject({ url: `/api/runs/${runId}`, headers: h.auth })).json().status;

    await waitUntil('the run to wait for the user', statusOf, (status) => status === 'attention');

    const notFailed = await post(`/api/runs/${runId}/stages/detect/retry`);
    expect(notFailed.statusCode).toBe(409);
    expect(notFailed.json().error).toEqual({
      code: 'retry_refused',
      message: `The stage "detect" of run ${runId} is succeeded: only a failed stage the run waits for can be retried.`,
    });
    expect((await post(`/api/runs/${runId}/stages/nope/retry`)).json().error).toMatchObject({ code: 'not_found', message: `Stage ${runId}/nope does not exist (or is not yours).` });
    expect((await post('/api/runs/run_nope/stages/detect/retry')).statusCode).toBe(404);

    const retried = await post(`/api/runs/${runId}/stages/round-kind/retry`);
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toEqual({ id: runId, nodeId: 'round-kind', status: 'retrying' });

    const result = await h.temporal.workflow.getHandle(runId).result();
    expect(result.models).toEqual({ detect: 'mdl-detect', 'round-kind': 'mdl-round-kind' });
    const attempt = await h.temporal.workflow.getHandle(`${runId}/round-kind/retry-1`).describe();
    expect(attempt.status.name).toBe('COMPLETED');
    await waitUntil('the run to be recorded succeeded', statusOf, (status) => status === 'succeeded');

    const ended = await post(`/api/runs/${runId}/stages/round-kind/retry`);
    expect(ended.statusCode).toBe(409);
    expect(ended.json().error).toEqual({ code: 'run_finished', message: `Run ${runId} has already succeeded; start a new run.` });
  });
});
