import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets, newId, runs, stageRuns, users } from '@aip/platform';
import { startHarness, type Harness } from './test-support.ts';

describe('API stage pages (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const addRun = async (ownerId: string) => {
    const runId = newId('run');
    const datasetId = newId('ds');
    await h.db.insert(runs).values({ id: runId, ownerId, flowchartRevision: 1, graph: {}, plan: { version: 1, stages: [] }, workflowId: runId });
    await h.db.insert(datasets).values({ id: datasetId, ownerId, name: 'crops', status: 'ready', format: 'classification', blobPrefix: `runs/${runId}/stages/kind/data/` });
    await h.db.insert(stageRuns).values({ id: newId('sr'), runId, nodeId: 'kind', state: 'succeeded', datasetId });
    return { runId, datasetId };
  };

  it("serves a stage's sample predictions with the URLs of their images, once evaluation wrote them", async () => {
    const { runId, datasetId } = await addRun(h.userId);
    const url = `/api/runs/${runId}/stages/kind/samples`;
    const early = await h.app.inject({ url, headers: h.auth });
    expect(early.statusCode).toBe(404);
    expect(early.json().error.code).toBe('samples_not_ready');

    const item = {
      path: 'images/3_0.png',
      width: 30,
      height: 30,
      truth: { class: 'ring' },
      prediction: { task: 'classification', class: 'ring', score: 0.97 },
    };
    await h.blobs.put(`runs/${runId}/stages/kind/samples.json`, JSON.stringify({ items: [item] }));
    const samples = await h.app.inject({ url, headers: h.auth });
    expect(samples.statusCode).toBe(200);
    expect(samples.json()).toEqual({ items: [{ ...item, url: `/api/datasets/${datasetId}/files/images/3_0.png` }] });
  });

  it("never shows another user's stage", async () => {
    const other = newId('usr');
    await h.db.insert(users).values({ id: other, email: `${other}@example.com` });
    const { runId } = await addRun(other);
    await h.blobs.put(`runs/${runId}/stages/kind/samples.json`, JSON.stringify({ items: [] }));
    const refused = await h.app.inject({ url: `/api/runs/${runId}/stages/kind/samples`, headers: h.auth });
    expect(refused.statusCode).toBe(404);
  });
});
