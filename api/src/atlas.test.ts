import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atlasDistances, atlasSignatures, datasets, models, newId, refineryTasks, runs, stageRuns, users } from '@aip/platform';
import { startHarness, type Harness } from './test-support.ts';

describe('API model atlas (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  let other: string;
  beforeAll(async () => {
    h = await startHarness();
    other = newId('usr');
    await h.db.insert(users).values({ id: other, email: 'atlas-other@example.com' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const base = { task: 'classification', arch: 'tiny_cnn', classes: ['a', 'b'], origin: 'run' as const };
  async function model(name: string, over: Partial<typeof models.$inferInsert> = {}) {
    const id = newId('mdl');
    await h.db.insert(models).values({ ...base, id, ownerId: h.userId, name, blobPrefix: `models/${id}/`, ...over });
    return id;
  }
  async function sign(id: string, status: 'ready' | 'unsupported' | 'failed' = 'ready', reason: string | null = null) {
    await h.db.insert(atlasSignatures).values({ modelId: id, probeSet: 'v1', status, blobKey: status === 'ready' ? `atlas/v1/${id}/signature.npz` : null, reason });
  }
  async function distance(a: string, b: string, attribution: number, depara = attribution + 0.1) {
    const [x, y] = a < b ? [a, b] : [b, a];
    await h.db.insert(atlasDistances).values({ modelA: x, modelB: y, probeSet: 'v1', attribution, depara });
  }
  const get = async (url: string) => {
    const response = await h.app.inject({ url, headers: h.auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  it('lists the scope’s ready models with their placement, k nearest and the kNN links; hides what the user cannot read', async () => {
    const dataset = newId('ds');
    const derived = newId('ds');
    await h.db.insert(datasets).values([
      { id: dataset, ownerId: h.userId, name: 'shapes', status: 'ready', blobPrefix: `datasets/${dataset}/` },
      { id: derived, ownerId: h.userId, name: 'crops', status: 'ready', blobPrefix: `runs/r/stages/c/data/`, parentDatasetId: dataset },
    ]);
    const run = newId('run');
    await h.db.insert(runs).values({ id: run, ownerId: h.userId, workflowId: run, flowchartRevision: 1, graph: {}, plan: {} });
    const a = await model('a', { originRunId: run, originNodeId: 'detect' });
    const b = await model('b', { originRunId: run, originNodeId: 'classify', initModelId: a });
    const task = newId('rt');
    await h.db.insert(refineryTasks).values({ id: task, ownerId: h.userId, name: 'smaller', algorithm: 'distill', inputs: {}, datasetId: dataset, params: {} });
    const c = await model('c', { origin: 'refinery', refineryTaskId: task });
    await h.db.insert(stageRuns).values([
      { id: newId('st'), runId: run, nodeId: 'detect', datasetId: dataset, modelId: a },
      { id: newId('st'), runId: run, nodeId: 'classify', datasetId: derived, modelId: b },
    ]);
    const onnx = await model('onnx upload', { origin: 'upload', format: 'onnx' });
    const waiting = await model('waiting');
    const invalid = await model('broken upload', { status: 'invalid', origin: 'upload', format: 'weights' });
    const theirsPublic = await model('public one', { ownerId: other, visibility: 'public' });
    const theirsPrivate = await model('private one', { ownerId: other });
    for (const id of [a, b, c, theirsPublic, theirsPrivate]) await sign(id);
    await sign(onnx, 'unsupported', 'an ONNX upload has no gradients to attribute');
    await distance(a, b, 0.1);
    await distance(a, c, 0.3);
    await distance(b, c, 0.2);
    await distance(a, theirsPublic, 0.5);
    await distance(b, theirsPublic, 0.6);
    await distance(c, theirsPublic, 0.7);
    // The closest of all, but private to someone else: never shown, not even as a distance.
    await distance(a, theirsPrivate, 0.01);

    const atlas = await get('/api/atlas?k=2');
    expect(atlas).toMatchObject({ probeSet: 'v1', metric: 'attribution', k: 2, updating: true });
    const node = (id: string) => atlas.nodes.find((n: { model: { id: string } }) => n.model.id === id);
    expect(atlas.nodes.map((n: { model: { id: string } }) => n.model.id).sort()).toEqual([a, b, c, onnx, waiting, theirsPublic].sort());
    expect(node(invalid)).toBeUndefined();
    expect(node(theirsPrivate)).toBeUndefined();
    expect(JSON.stringify(atlas)).not.toContain(theirsPrivate);
    expect(node(a)).toMatchObject({ placement: 'placed', reason: null, dataset: { id: dataset, name: 'shapes' }, neighbours: [{ id: b, distance: expect.closeTo(0.1, 5) }, { id: c, distance: expect.closeTo(0.3, 5) }] });
    // Derived stage data is followed to the dataset the user uploaded; a refined model names its task's dataset.
    expect(node(b).dataset).toEqual({ id: dataset, name: 'shapes' });
    expect(node(c).dataset).toEqual({ id: dataset, name: 'shapes' });
    expect(node(onnx)).toMatchObject({ placement: 'unsupported', reason: expect.stringContaining('ONNX'), neighbours: [] });
    expect(node(waiting)).toMatchObject({ placement: 'pending', neighbours: [] });
    const pairs = atlas.links.map((l: { source: string; target: string }) => [l.source, l.target].sort().join(' ')).sort();
    expect(pairs).toEqual([[a, b], [a, c], [b, c], [a, theirsPublic], [b, theirsPublic]].map((p) => p.sort().join(' ')).sort());
    expect(atlas.lineage).toEqual([{ parent: a, child: b, role: 'init' }]);

    const depara = await get('/api/atlas?k=1&metric=depara&scope=mine');
    expect(depara.nodes.map((n: { model: { id: string } }) => n.model.id).sort()).toEqual([a, b, c, onnx, waiting].sort());
    expect(depara.nodes.find((n: { model: { id: string } }) => n.model.id === c).neighbours).toEqual([{ id: b, distance: expect.closeTo(0.3, 5) }]);

    const onDataset = await get(`/api/atlas?datasetId=${dataset}`);
    expect(onDataset.nodes.map((n: { model: { id: string } }) => n.model.id).sort()).toEqual([a, b, c].sort());

    const near = await get(`/api/models/${a}/neighbours?k=3`);
    expect(near.placement).toBe('placed');
    expect(near.neighbours.map((n: { model: { id: string }; distance: number }) => [n.model.id, Number(n.distance.toFixed(3))])).toEqual([
      [b, 0.1],
      [c, 0.3],
      [theirsPublic, 0.5],
    ]);
    expect(await get(`/api/models/${onnx}/neighbours`)).toMatchObject({ placement: 'unsupported', neighbours: [] });
    const hidden = await h.app.inject({ url: `/api/models/${theirsPrivate}/neighbours`, headers: h.auth });
    expect(hidden.statusCode).toBe(404);
  });

  it('refuses unknown metrics and k out of range, naming the parameter', async () => {
    const bad = await h.app.inject({ url: '/api/atlas?metric=cosine', headers: h.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('metric');
    const many = await h.app.inject({ url: '/api/atlas?k=50', headers: h.auth });
    expect(many.statusCode).toBe(400);
    expect(many.body).toContain('k');
  });
});
