/**
 * One user's private things stay invisible to another however they ask: by guessing ids, through
 * list filters, or by naming them in a flowchart. (Each route's status codes per caller are in
 * access-matrix.test.ts; these tests look at what the answers contain.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets, flowcharts, ID_PREFIX, labelingJobs, models, newId, runs, stageRuns, type Visibility } from '@aip/platform';
import { addUser, startHarness, type Harness, type TestUser } from './test-support.ts';

const ids = (res: { json(): unknown }) => (res.json() as Array<{ id: string }>).map((row) => row.id);

describe('isolation between users (PGlite, Temporal dev server)', () => {
  let h: Harness;
  let alice: TestUser;
  let bob: TestUser;
  const mine = { dataset: '', model: '', flowchart: '', run: '', job: '' };
  const shared = { dataset: '', model: '', flowchart: '' };

  async function dataset(visibility: Visibility) {
    const id = newId(ID_PREFIX.dataset);
    await h.db.insert(datasets).values({ id, ownerId: alice.id, name: `alice ${visibility}`, format: 'classification', status: 'ready', visibility, stats: { classes: ['circle', 'ring'], images: 10 }, blobPrefix: `datasets/${id}/` });
    return id;
  }
  async function model(visibility: Visibility) {
    const id = newId(ID_PREFIX.model);
    await h.db.insert(models).values({ id, ownerId: alice.id, name: `alice ${visibility}`, task: 'classification', arch: 'tiny_cnn', classes: ['circle', 'ring'], origin: 'upload', visibility, blobPrefix: `models/${id}/` });
    return id;
  }
  async function flowchart(visibility: Visibility) {
    const id = newId(ID_PREFIX.flowchart);
    await h.db.insert(flowcharts).values({ id, ownerId: alice.id, name: `alice ${visibility}`, graph: { nodes: [], edges: [] }, visibility });
    return id;
  }

  beforeAll(async () => {
    h = await startHarness();
    [alice, bob] = await Promise.all([addUser(h.db, { name: 'alice' }), addUser(h.db, { name: 'bob' })]);
    mine.dataset = await dataset('private');
    mine.model = await model('private');
    mine.flowchart = await flowchart('private');
    shared.dataset = await dataset('public');
    shared.model = await model('public');
    shared.flowchart = await flowchart('public');
    mine.run = newId(ID_PREFIX.run);
    await h.db.insert(runs).values({ id: mine.run, ownerId: alice.id, flowchartId: mine.flowchart, flowchartRevision: 1, graph: { nodes: [], edges: [] }, plan: { stages: [] }, workflowId: mine.run, status: 'running' });
    const stageRun = newId(ID_PREFIX.stageRun);
    await h.db.insert(stageRuns).values({ id: stageRun, runId: mine.run, nodeId: 'classify' });
    mine.job = newId(ID_PREFIX.labelingJob);
    await h.db.insert(labelingJobs).values({ id: mine.job, stageRunId: stageRun, runId: mine.run, nodeId: 'classify', workflowId: mine.run, task: 'classification', classes: ['circle'], datasetId: mine.dataset, webhookSecret: 'secret-secret-secret' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists only their own and public things, whatever the filter', async () => {
    const get = (url: string) => h.app.inject({ url, headers: bob.auth });
    for (const scope of ['', '?scope=all', '?scope=mine', '?scope=public']) {
      const seen = [...ids(await get(`/api/datasets${scope}`)), ...ids(await get(`/api/models${scope}`)), ...ids(await get(`/api/flowcharts${scope}`))];
      expect(seen).not.toContain(mine.dataset);
      expect(seen).not.toContain(mine.model);
      expect(seen).not.toContain(mine.flowchart);
    }
    expect(ids(await get('/api/datasets?scope=public'))).toContain(shared.dataset);
    expect(ids(await get('/api/models?scope=public&task=classification'))).toContain(shared.model);
    expect(ids(await get('/api/flowcharts?scope=public'))).toContain(shared.flowchart);
    expect(ids(await get('/api/flowcharts'))).not.toContain(shared.flowchart); // the default is "mine"
    // Filtering runs by someone else's flowchart finds nothing; their labeling jobs are not listed.
    expect(await get(`/api/runs?flowchartId=${mine.flowchart}`).then((r) => r.json())).toEqual([]);
    expect((await get('/api/labeling/jobs')).json()).toEqual({ items: [] });
    // Public things say whose they are; the owner sees them as theirs.
    expect((await get(`/api/datasets/${shared.dataset}`)).json()).toMatchObject({ owned: false, owner: { id: alice.id, name: 'alice' } });
    expect((await h.app.inject({ url: `/api/models/${shared.model}`, headers: alice.auth })).json()).toMatchObject({ owned: true, visibility: 'public' });
  });

  it('answers a guessed id of a private thing exactly as an id that does not exist', async () => {
    const guesses: Array<[string, string]> = [
      [`/api/datasets/${mine.dataset}`, `/api/datasets/${newId(ID_PREFIX.dataset)}`],
      [`/api/models/${mine.model}/onnx`, `/api/models/${newId(ID_PREFIX.model)}/onnx`],
      [`/api/flowcharts/${mine.flowchart}`, `/api/flowcharts/${newId(ID_PREFIX.flowchart)}`],
      [`/api/runs/${mine.run}`, `/api/runs/${newId(ID_PREFIX.run)}`],
      [`/api/labeling/jobs/${mine.job}/items`, `/api/labeling/jobs/${newId(ID_PREFIX.labelingJob)}/items`],
    ];
    for (const [real, invented] of guesses) {
      const [a, b] = await Promise.all([real, invented].map((url) => h.app.inject({ url, headers: bob.auth })));
      expect(a!.statusCode).toBe(404);
      expect(b!.statusCode).toBe(404);
      const idIn = (url: string) => url.split('/').find((part) => part.includes('_'))!;
      const [realId, inventedId] = [idIn(real), idIn(invented)];
      expect(a!.body.replace(realId, 'ID')).toBe(b!.body.replace(inventedId, 'ID'));
    }
  });

  it('refuses a flowchart that names someone else’s private dataset or model, at validation and at start', async () => {
    const graph = (datasetId: string, data: Record<string, string>) => ({
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
        { id: 'classify', type: 'classification', position: { x: 200, y: 0 }, data: { classes: ['circle', 'ring'], ...data } },
      ],
      edges: [{ id: 'e1', source: 'data', target: 'classify' }],
    });
    const problemCodes = async (g: object) => {
      const saved = await h.app.inject({ method: 'POST', url: '/api/flowcharts', headers: bob.auth, payload: { name: 'borrowing', graph: g } });
      expect(saved.statusCode).toBe(201);
      const { id, problems } = saved.json() as { id: string; problems: Array<{ code: string }> };
      return { id, codes: problems.map((p) => p.code) };
    };

    const theirData = await problemCodes(graph(mine.dataset, {}));
    expect(theirData.codes).toContain('dataset_not_found');
    const start = await h.app.inject({ method: 'POST', url: `/api/flowcharts/${theirData.id}/runs`, headers: bob.auth });
    expect(start.statusCode).toBe(400);
    expect(start.json().error.code).toBe('invalid_flowchart');
    expect(JSON.stringify(start.json().error.problems)).toContain('dataset_not_found');

    expect((await problemCodes(graph(shared.dataset, { initModelId: mine.model }))).codes).toContain('model_not_found');
    expect((await problemCodes(graph(shared.dataset, { mode: 'reuse', modelId: mine.model }))).codes).toContain('model_not_found');
    // Public ones are fine to use.
    const borrowed = await problemCodes(graph(shared.dataset, { initModelId: shared.model }));
    expect(borrowed.codes).not.toContain('dataset_not_found');
    expect(borrowed.codes).not.toContain('model_not_found');
  });

  it('lets others open a public template but not change, run or delete it', async () => {
    const opened = await h.app.inject({ url: `/api/flowcharts/${shared.flowchart}`, headers: bob.auth });
    expect(opened.json()).toMatchObject({ owned: false, visibility: 'public', owner: { name: 'alice' } });
    for (const [method, url, payload] of [
      ['PUT', `/api/flowcharts/${shared.flowchart}`, { graph: { nodes: [], edges: [] } }],
      ['PATCH', `/api/flowcharts/${shared.flowchart}`, { visibility: 'private' }],
      ['POST', `/api/flowcharts/${shared.flowchart}/runs`, undefined],
      ['DELETE', `/api/flowcharts/${shared.flowchart}`, undefined],
      ['PATCH', `/api/datasets/${shared.dataset}`, { visibility: 'private' }],
      ['DELETE', `/api/datasets/${shared.dataset}`, undefined],
      ['PATCH', `/api/models/${shared.model}`, { name: 'mine now' }],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: bob.auth, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    // Still there, unchanged.
    expect((await h.app.inject({ url: `/api/models/${shared.model}`, headers: alice.auth })).json()).toMatchObject({ name: 'alice public', visibility: 'public' });
  });

  it('shares and unshares: making a dataset private hides it from others again', async () => {
    const id = await dataset('private');
    const seen = async () => ids(await h.app.inject({ url: '/api/datasets', headers: bob.auth }));
    expect(await seen()).not.toContain(id);
    const shared = await h.app.inject({ method: 'PATCH', url: `/api/datasets/${id}`, headers: alice.auth, payload: { visibility: 'public' } });
    expect(shared.json()).toMatchObject({ visibility: 'public', owned: true });
    expect(await seen()).toContain(id);
    await h.app.inject({ method: 'PATCH', url: `/api/datasets/${id}`, headers: alice.auth, payload: { visibility: 'private' } });
    expect(await seen()).not.toContain(id);
    expect((await h.app.inject({ method: 'PATCH', url: `/api/datasets/${id}`, headers: alice.auth, payload: { owner: bob.id } })).statusCode).toBe(400);
  });
});
