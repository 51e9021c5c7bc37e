import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { bundles, datasets, newId, runs, stageRuns } from '@aip/platform';
import { buildAppOn, startHarness, startedWorkflow, type Harness } from './test-support.ts';

/** dataset → detector (round, angular) → classifier of the round objects. */
function cascade(datasetId: string) {
  return {
    nodes: [
      { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
      { id: 'detect', type: 'detection', position: { x: 200, y: 0 }, data: { classes: ['round', 'angular'], label: 'Find shapes' } },
      {
        id: 'round-kind',
        type: 'classification',
        position: { x: 400, y: 0 },
        data: { classes: ['circle', 'ring'], parentClass: 'round', epochs: 3 },
      },
    ],
    edges: [
      { id: 'e1', source: 'data', target: 'detect' },
      { id: 'e2', source: 'detect', target: 'round-kind' },
    ],
  };
}

describe('API flowcharts and runs (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  let readyDataset: string;
  beforeAll(async () => {
    h = await startHarness();
    readyDataset = newId('ds');
    await h.db.insert(datasets).values({
      id: readyDataset,
      ownerId: h.userId,
      name: 'shapes',
      format: 'detection',
      status: 'ready',
      stats: { classes: ['angular', 'circle', 'ring', 'round'], images: 40 },
      blobPrefix: `datasets/${readyDataset}/`,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (url: string, payload?: object) => h.app.inject({ method: 'POST', url, headers: h.auth, ...(payload ? { payload } : {}) });

  it('stores drafts with their problems, and bumps the revision on save', async () => {
    const draft = await post('/api/flowcharts', { name: 'draft', graph: cascade('ds_missing') });
    expect(draft.statusCode).toBe(201);
    const { id, revision, problems } = draft.json();
    expect(revision).toBe(1);
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'dataset_not_found', nodeId: 'data' })]));

    const saved = await h.app.inject({ method: 'PUT', url: `/api/flowcharts/${id}`, headers: h.auth, payload: { graph: cascade(readyDataset) } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ id, revision: 2, problems: [] });

    const shown = await h.app.inject({ url: `/api/flowcharts/${id}`, headers: h.auth });
    expect(shown.json()).toMatchObject({ id, name: 'draft', revision: 2, problems: [], graph: { edges: [{ id: 'e1' }, { id: 'e2' }] } });
    expect(shown.json().graph.nodes[1].data.label).toBe('Find shapes');
    const list = await h.app.inject({ url: '/api/flowcharts', headers: h.auth });
    expect(list.json()).toEqual([expect.objectContaining({ id, name: 'draft', revision: 2 })]);

    const malformed = await post('/api/flowcharts', { name: 'x', graph: { nodes: 'no' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('bad_request');
  });

  it('refuses to run a flowchart with problems, listing them, and starts nothing', async () => {
    const bad = await post('/api/flowcharts', {
      name: 'bad',
      graph: { nodes: [{ id: 'c', type: 'classification', position: { x: 0, y: 0 }, data: { classes: ['a', 'b'] } }], edges: [] },
    });
    const res = await post(`/api/flowcharts/${bad.json().id}/runs`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_flowchart', problems: [expect.objectContaining({ code: 'missing_input', nodeId: 'c' })] });
    expect(await h.db.select().from(runs)).toHaveLength(0);
    expect((await post('/api/flowcharts/fc_nope/runs')).statusCode).toBe(404);
  });

  it('refuses a run that asks for AWS Batch where the platform has none, naming the stage; EXECUTOR is the default executor', async () => {
    const graph = cascade(readyDataset);
    Object.assign(graph.nodes[2]!.data, { executor: 'batch' });
    const flowchart = (await post('/api/flowcharts', { name: 'batch', graph })).json();
    const refused = await post(`/api/flowcharts/${flowchart.id}/runs`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toEqual({
      code: 'executor_unavailable',
      message: expect.stringMatching(/^The stage "round-kind" is set to train on AWS Batch \(executor "batch"\), but this platform has no AWS Batch configured/),
      problems: [expect.objectContaining({ code: 'batch_unavailable', nodeId: 'round-kind' })],
    });
    expect(await h.db.select().from(runs).where(eq(runs.flowchartId, flowchart.id))).toHaveLength(0);

    // With Batch configured (EXECUTOR=batch), the node that names no executor gets the platform's.
    const batch = { jobQueue: 'q', jobDefinition: 'd', region: 'us-east-1', endpoint: undefined, gpus: 1, pollMs: 1000 };
    const app = buildAppOn(h, { config: { executor: 'batch', batch } });
    try {
      Object.assign(graph.nodes[2]!.data, { executor: 'local' });
      const local = (await post('/api/flowcharts', { name: 'mixed', graph })).json();
      const started = await app.inject({ method: 'POST', url: `/api/flowcharts/${local.id}/runs`, headers: h.auth });
      expect(started.statusCode).toBe(201);
      h.started.add(started.json().workflowId);
      const [args] = (await startedWorkflow(h.temporal, started.json().workflowId)).args as [{ plan: { stages: { nodeId: string; executor: string }[] } }];
      expect(args.plan.stages.map((s) => [s.nodeId, s.executor])).toEqual([
        ['detect', 'batch'],
        ['round-kind', 'local'],
      ]);
    } finally {
      await app.close();
    }
  });

  it('runs a valid flowchart: run row, workflow started with the plan, status with pending stages, cancel, bundle', async () => {
    const flowchart = (await post('/api/flowcharts', { name: 'shapes', graph: cascade(readyDataset) })).json();
    const res = await post(`/api/flowcharts/${flowchart.id}/runs`);
    expect(res.statusCode).toBe(201);
    const { id: runId, workflowId } = res.json();
    h.started.add(workflowId);
    expect(workflowId).toBe(runId);

    const wf = await startedWorkflow(h.temporal, workflowId);
    expect(wf.type).toBe('runFlowchartWorkflow');
    expect(wf.taskQueue).toBe(h.taskQueue);
    expect(wf.args).toHaveLength(1);
    const [args] = wf.args as [{ runId: string; heartbeatTimeoutMs: number; plan: { version: number; stages: { nodeId: string; input: unknown; labelMap: unknown }[] } }];
    expect(args.runId).toBe(runId);
    expect(args.heartbeatTimeoutMs).toBe(12_345);
    expect(args).toMatchObject({ gpuTaskQueue: `${h.taskQueue}-gpu` });
    expect(args.plan.version).toBe(1);
    expect(args.plan.stages.map((s) => s.nodeId)).toEqual(['detect', 'round-kind']);
    expect(args.plan.stages[1]!.input).toEqual({ kind: 'stage', nodeId: 'detect', class: 'round' });
    expect(args.plan.stages[0]!.labelMap).toEqual({ circle: 'round', ring: 'round' });

    const [row] = await h.db.select().from(runs).where(eq(runs.id, runId));
    expect(row).toMatchObject({ flowchartId: flowchart.id, flowchartRevision: 1, status: 'queued', workflowId });

    // The workers mirror stage state; only the detector has reported so far.
    await h.db.insert(stageRuns).values({
      id: newId('sr'),
      runId,
      nodeId: 'detect',
      state: 'training',
      progress: 0.5,
      progressDetail: { epoch: 2, epochs: 4, message: 'epoch 2/4' },
      timeline: [
        { state: 'preparing', at: '2026-01-01T00:00:00.000Z' },
        { state: 'training', at: '2026-01-01T00:00:05.000Z' },
      ],
    });
    const status = await h.app.inject({ url: `/api/runs/${runId}`, headers: h.auth });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      id: runId,
      flowchartId: flowchart.id,
      flowchartName: 'shapes',
      graph: { nodes: [{ id: 'data' }, { id: 'detect' }, { id: 'round-kind' }], edges: [{ id: 'e1' }, { id: 'e2' }] },
      status: 'queued',
      error: null,
      startedAt: null,
      finishedAt: null,
      metrics: null,
      bundle: null,
      stages: [
        { nodeId: 'detect', name: 'Find shapes', task: 'detection', state: 'training', progress: 0.5, message: 'epoch 2/4', metrics: null, modelId: null },
        { nodeId: 'round-kind', name: 'round-kind', task: 'classification', state: 'pending', progress: 0, message: null, metrics: null, modelId: null, timeline: [] },
      ],
    });
    expect(status.json().stages[0].timeline.map((e: { state: string }) => e.state)).toEqual(['preparing', 'training']);
    expect(typeof status.json().createdAt).toBe('string');
    const listed = await h.app.inject({ url: `/api/runs?flowchartId=${flowchart.id}`, headers: h.auth });
    expect(listed.json().map((r: { id: string }) => r.id)).toEqual([runId]);

    const bundleKey = `bundles/${runId}.zip`;
    const missing = await h.app.inject({ url: `/api/runs/${runId}/bundle`, headers: h.auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'bundle_not_ready', message: expect.stringContaining('no bundle yet') });

    const zip = Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000'), 'latin1');
    await h.blobs.put(bundleKey, zip);
    await h.db.insert(bundles).values({ id: newId('bdl'), runId, blobKey: bundleKey, size: zip.length, sha256: 'abc' });
    const download = await h.app.inject({ url: `/api/runs/${runId}/bundle`, headers: h.auth });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    expect(download.headers['content-disposition']).toBe(`attachment; filename=aip-bundle-${runId}.zip`);
    expect(download.rawPayload.equals(zip)).toBe(true);
    expect((await h.app.inject({ url: `/api/runs/${runId}`, headers: h.auth })).json().bundle).toEqual({ size: zip.length, sha256: 'abc' });
    const withBundle = (await h.app.inject({ url: `/api/runs?flowchartId=${flowchart.id}`, headers: h.auth })).json();
    expect(withBundle).toEqual([expect.objectContaining({ id: runId, flowchartName: 'shapes', bundle: { size: zip.length, sha256: 'abc' } })]);

    // The detector's training log, once the worker has stored it.
    const logUrl = `/api/runs/${runId}/stages/detect/log`;
    expect((await h.app.inject({ url: logUrl, headers: h.auth })).json().error.code).toBe('log_not_ready');
    await h.blobs.put(`runs/${runId}/stages/detect/log.txt`, '{"event": "start"}\nepoch 1\n');
    await h.db.update(stageRuns).set({ logBlob: `runs/${runId}/stages/detect/log.txt` }).where(eq(stageRuns.runId, runId));
    const log = await h.app.inject({ url: logUrl, headers: h.auth });
    expect(log.statusCode).toBe(200);
    expect(log.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(log.body).toBe('{"event": "start"}\nepoch 1\n');
    expect((await h.app.inject({ url: `/api/runs/${runId}/stages/nope/log`, headers: h.auth })).statusCode).toBe(404);

    const cancel = await post(`/api/runs/${runId}/cancel`);
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json()).toEqual({ id: runId, status: 'cancelling' });
    const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);

    await h.db.update(runs).set({ status: 'cancelled' }).where(eq(runs.id, runId));
    const again = await post(`/api/runs/${runId}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('run_finished');
    expect((await post('/api/runs/run_nope/cancel')).statusCode).toBe(404);
    expect((await h.app.inject({ url: '/api/runs/run_nope', headers: h.auth })).statusCode).toBe(404);
  });
});
