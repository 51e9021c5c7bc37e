import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles, flowcharts, newId, runs, stageRuns, users, type RunStatus } from '@aip/platform';
import { miniGraph, stageStates } from './flowchart-overview.ts';
import { startHarness, type Harness } from './test-support.ts';

/** dataset → detector → classifier, as the editor stores it (Svelte Flow adds its own fields). */
const graph = {
  nodes: [
    { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: 'ds_x' }, measured: { width: 150, height: 60 } },
    { id: 'detect', type: 'detection', position: { x: 220, y: 10 }, data: { classes: ['round'], label: 'Find shapes' } },
    { id: 'round-kind', type: 'classification', position: { x: 440, y: 40 }, data: { classes: ['circle', 'ring'] } },
  ],
  edges: [
    { id: 'e1', source: 'data', target: 'detect' },
    { id: 'e2', source: 'detect', target: 'round-kind' },
  ],
};
const plan = { version: 1, stages: [{ nodeId: 'detect' }, { nodeId: 'round-kind' }] };

describe('miniGraph and stageStates (pure)', () => {
  it('keeps only the boxes, their names and positions, and connections between boxes that exist', () => {
    const drawn = miniGraph({
      nodes: [...graph.nodes, { id: 'no-position', type: 'detection', data: {} }, 'junk', { id: 'nan', type: 'x', position: { x: Number.NaN, y: 0 } }],
      edges: [...graph.edges, { id: 'e3', source: 'round-kind', target: 'gone' }, null],
    });
    expect(drawn).toEqual({
      nodes: [
        { id: 'data', type: 'dataset', label: 'data', position: { x: 0, y: 0 } },
        { id: 'detect', type: 'detection', label: 'Find shapes', position: { x: 220, y: 10 } },
        { id: 'round-kind', type: 'classification', label: 'round-kind', position: { x: 440, y: 40 } },
      ],
      edges: [
        { source: 'data', target: 'detect' },
        { source: 'detect', target: 'round-kind' },
      ],
    });
    expect(miniGraph(null)).toEqual({ nodes: [], edges: [] });
    expect(miniGraph({ nodes: 'no' })).toEqual({ nodes: [], edges: [] });
  });

  it('lists every plan stage in plan order, pending until its row exists', () => {
    const stages = stageStates(plan.stages as never, [{ nodeId: 'round-kind', state: 'failed', progress: 0.3 }]);
    expect(stages).toEqual([
      { nodeId: 'detect', state: 'pending', progress: 0 },
      { nodeId: 'round-kind', state: 'failed', progress: 0.3 },
    ]);
  });
});

describe('GET /api/flowcharts with thumbnails and last runs (PGlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = async (name: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/api/flowcharts', headers: h.auth, payload: { name, graph } });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  /** A run row as the API and workers leave it; no workflow is needed to list it. */
  const addRun = async (flowchartId: string, status: RunStatus, createdAt: Date) => {
    const id = newId('run');
    await h.db.insert(runs).values({ id, ownerId: h.userId, flowchartId, flowchartRevision: 1, graph, plan, workflowId: id, status, createdAt });
    return id;
  };

  it('shows each flowchart with its graph and its newest run: status, stage states, bundle', async () => {
    const neverRun = await create('never run');
    const rerun = await create('rerun');
    const finished = await create('finished');

    const older = await addRun(rerun, 'succeeded', new Date('2026-01-01T00:00:00Z'));
    await h.db.insert(bundles).values({ id: newId('bdl'), runId: older, blobKey: `bundles/${older}.zip`, size: 22, sha256: 'x' });
    const newer = await addRun(rerun, 'attention', new Date('2026-01-02T00:00:00Z'));
    await h.db.insert(stageRuns).values([
      { id: newId('sr'), runId: newer, nodeId: 'detect', state: 'succeeded', progress: 1 },
      { id: newId('sr'), runId: newer, nodeId: 'round-kind', state: 'failed', progress: 0.4 },
      { id: newId('sr'), runId: older, nodeId: 'detect', state: 'succeeded', progress: 1 },
    ]);
    const done = await addRun(finished, 'succeeded', new Date('2026-01-03T00:00:00Z'));
    await h.db.insert(stageRuns).values([
      { id: newId('sr'), runId: done, nodeId: 'detect', state: 'succeeded', progress: 1 },
      { id: newId('sr'), runId: done, nodeId: 'round-kind', state: 'succeeded', progress: 1 },
    ]);
    await h.db.insert(bundles).values({ id: newId('bdl'), runId: done, blobKey: `bundles/${done}.zip`, size: 22, sha256: 'y' });

    const res = await h.app.inject({ url: '/api/flowcharts', headers: h.auth });
    expect(res.statusCode).toBe(200);
    const byId = new Map(res.json().map((row: { id: string }) => [row.id, row]));
    expect(byId.size).toBe(3);

    expect(byId.get(neverRun)).toMatchObject({ name: 'never run', revision: 1, lastRun: null });
    expect(byId.get(neverRun)).toMatchObject({ graph: miniGraph(graph) });

    expect(byId.get(rerun)).toMatchObject({
      lastRun: {
        id: newer,
        status: 'attention',
        createdAt: '2026-01-02T00:00:00.000Z',
        bundle: false,
        stages: [
          { nodeId: 'detect', state: 'succeeded', progress: 1 },
          { nodeId: 'round-kind', state: 'failed', progress: 0.4 },
        ],
      },
    });
    expect(byId.get(finished)).toMatchObject({
      lastRun: { id: done, status: 'succeeded', bundle: true, stages: [{ state: 'succeeded' }, { state: 'succeeded' }] },
    });
  });

  it("lists only the caller's flowcharts, and answers 401 without a token", async () => {
    const otherUser = newId('usr');
    await h.db.insert(users).values({ id: otherUser, email: `${otherUser}@example.com` });
    const theirs = newId('fc');
    await h.db.insert(flowcharts).values({ id: theirs, ownerId: otherUser, name: 'theirs', graph, revision: 1 });
    const res = await h.app.inject({ url: '/api/flowcharts', headers: h.auth });
    expect(res.json().map((row: { id: string }) => row.id)).not.toContain(theirs);
    expect((await h.app.inject({ url: '/api/flowcharts' })).statusCode).toBe(401);
  });
});
