/**
 * Labeling through the API against a real run workflow: a stage whose data has no labels opens a
 * job (written by a stand-in activity) and waits; a claim passes by items someone else holds; a save
 * of an outdated version or of someone else's item is refused; finishing with items left asks first;
 * finishing lets the stage train. The webhook: every bad delivery is refused with its reason and
 * changes nothing, a valid one imports once however often it is repeated, and completes the job.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { apiTokens, datasets, labelingItems, labelingJobs, newId, runs, stageRuns, users } from '@aip/platform';
import type { PlatformActivities } from '@aip/workflows/temporal';
import { hashToken } from './auth.ts';
import { signDelivery } from './routes/labeling-hooks.ts';
import { standInActivities, startStandInWorkers, waitUntil } from './stand-in-workers.ts';
import { startHarness, type Harness } from './test-support.ts';

const ITEMS = 4;
const SIZE = { width: 64, height: 48 };

function detector(datasetId: string) {
  return {
    nodes: [
      { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
      { id: 'detect', type: 'detection', position: { x: 200, y: 0 }, data: { classes: ['round', 'angular'] } },
    ],
    edges: [{ id: 'e1', source: 'data', target: 'detect' }],
  };
}

/** The detector's data needs labels; opening its job writes it as the real activity would. */
function testActivities(h: Harness, imported: string[]): PlatformActivities {
  return standInActivities(h, {
    async prepareStage({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: ITEMS, labeled: false, labelMap: {} };
    },
    async openLabelingJob({ runId, stage, workflowId }) {
      const [stageRun] = await h.db.select().from(stageRuns).where(and(eq(stageRuns.runId, runId), eq(stageRuns.nodeId, stage.nodeId)));
      const [run] = await h.db.select().from(runs).where(eq(runs.id, runId));
      const datasetId = (run!.plan as { stages: Array<{ input: { datasetId: string } }> }).stages[0]!.input.datasetId;
      const jobId = newId('lj');
      await h.db.insert(labelingJobs).values({ id: jobId, stageRunId: stageRun!.id, runId, nodeId: stage.nodeId, workflowId, task: stage.task, classes: stage.classes, datasetId, webhookSecret: randomBytes(16).toString('hex') });
      await h.db.insert(labelingItems).values(
        Array.from({ length: ITEMS }, (_, index) => ({
          id: newId('li'),
          jobId,
          index,
          path: `images/${index}.png`,
          ...SIZE,
          split: 'train',
          // Item 2 is the least sure prediction, item 0 the surest; item 3 has none.
          confidence: [0.9, 0.5, 0.1, null][index] ?? null,
          prelabel: index === 3 ? null : { labels: { boxes: [{ x1: 1, y1: 1, x2: 10, y2: 10, label: 'round' }] }, confidence: [0.9, 0.5, 0.1][index]!, source: 'model' as const },
        })),
      );
      return { jobId, items: ITEMS, labeled: 0, completed: false };
    },
    async importLabels({ runId, stage, jobId }) {
      imported.push(jobId);
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/labeled`, images: ITEMS, labeled: true, labelMap: {} };
    },
  });
}

describe('labeling API and webhook (PGlite, local blob store, Temporal dev server with a worker)', () => {
  let h: Harness;
  let workers: { stop(): Promise<void> } | undefined;
  const imported: string[] = [];
  let other: { authorization: string };
  let otherUserId: string;

  beforeAll(async () => {
    h = await startHarness();
    workers = await startStandInWorkers(h, testActivities(h, imported));
    // A second person: they cannot see the first one's jobs; their lease on an item is respected.
    const userId = (otherUserId = newId('usr'));
    const token = randomBytes(24).toString('base64url');
    await h.db.insert(users).values({ id: userId, email: 'second@localhost', name: 'second' });
    await h.db.insert(apiTokens).values({ id: newId('tok'), userId, tokenHash: hashToken(token) });
    other = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await workers?.stop();
    await h?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers = h.auth) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  /** Starts a run of an unlabeled detector and waits until its stage waits for labels; returns the run and job ids. */
  async function waitingRun(): Promise<{ runId: string; jobId: string }> {
    const datasetId = newId('ds');
    await h.db.insert(datasets).values({ id: datasetId, ownerId: h.userId, name: 'photos', format: 'unlabeled', status: 'ready', stats: { classes: [], images: ITEMS }, blobPrefix: `datasets/${datasetId}/` });
    const flowchart = (await call('POST', '/api/flowcharts', { name: 'to label', graph: detector(datasetId) })).json();
    const started = await call('POST', `/api/flowcharts/${flowchart.id}/runs`);
    expect(started.statusCode).toBe(201);
    const runId: string = started.json().id;
    h.started.add(runId);
    const stage = await waitUntil(
      'the detector to wait for labels',
      async () => (await call('GET', `/api/runs/${runId}`)).json().stages.find((s: { nodeId: string }) => s.nodeId === 'detect'),
      (s) => s?.labelingJobId !== null && s?.labelingJobId !== undefined,
    );
    return { runId, jobId: stage.labelingJobId };
  }

  const runStatus = async (runId: string) => (await call('GET', `/api/runs/${runId}`)).json().status;
  const box = (label: string) => ({ boxes: [{ x1: 4, y1: 4, x2: 30, y2: 20, label }] });

  it('serves items lowest confidence first, respects leases, refuses overwrites, asks before finishing early, then lets the stage train', async () => {
    const { runId, jobId } = await waitingRun();
    const job = (await call('GET', `/api/labeling/jobs/${jobId}`)).json();
    expect(job).toMatchObject({ id: jobId, runId, flowchartName: 'to label', nodeId: 'detect', task: 'detection', classes: ['round', 'angular'], state: 'open', total: ITEMS, labeled: 0 });
    expect(job.webhook.url).toMatch(new RegExp(`/api/hooks/labeling/${jobId}$`));
    expect((await call('GET', `/api/labeling/jobs/${jobId}`, undefined, other)).statusCode).toBe(404);
    expect((await call('GET', '/api/labeling/jobs')).json().items.map((j: { id: string }) => j.id)).toContain(jobId);

    // Lowest confidence first; items without a prediction last.
    const listed = (await call('GET', `/api/labeling/jobs/${jobId}/items?filter=unlabeled`)).json();
    expect(listed.items.map((i: { index: number }) => i.index)).toEqual([2, 1, 0, 3]);

    // Someone else holds the least sure item: a claim passes it by, and a save of it is refused.
    const [least] = await h.db.select().from(labelingItems).where(and(eq(labelingItems.jobId, jobId), eq(labelingItems.index, 2)));
    await h.db.update(labelingItems).set({ assignedTo: otherUserId, leaseUntil: new Date(Date.now() + 600_000) }).where(eq(labelingItems.id, least!.id));
    const claims = await Promise.all([call('POST', `/api/labeling/jobs/${jobId}/claim`, { count: 2 }), call('POST', `/api/labeling/jobs/${jobId}/claim`, { count: 2 })]);
    const first = claims[0].json().items as Array<{ id: string; index: number; version: number; path: string; assignedTo: string }>;
    expect(first.map((i) => i.index)).toEqual([1, 0]);
    expect(first.every((i) => i.assignedTo === h.userId)).toBe(true);
    // The same person claiming again (a second tab) gets the items they already hold.
    expect(claims[1].json().items.map((i: { index: number }) => i.index)).toEqual([1, 0]);
    const notMine = await call('PUT', `/api/labeling/jobs/${jobId}/items/${least!.id}`, { labels: box('round'), version: least!.version });
    expect(notMine.statusCode).toBe(409);
    expect(notMine.json().error.code).toBe('item_leased');

    const item = first[0]!;
    const url = `/api/labeling/jobs/${jobId}/items/${item.id}`;
    const saved = await call('PUT', url, { labels: box('round'), version: item.version });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ labels: box('round'), version: item.version + 1 });
    // A save of the version it was opened at, after a newer save: refused, nothing overwritten.
    const stale = await call('PUT', url, { labels: box('angular'), version: item.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('item_changed');
    expect((await call('GET', url)).json().labels).toEqual(box('round'));
    // Bad labels: refused with the reason, nothing saved.
    const bad = await call('PUT', url, { labels: { boxes: [{ x1: 40, y1: 4, x2: 300, y2: 20, label: 'round' }] }, version: item.version + 1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_labels');
    expect(bad.json().error.message).toMatch(/images\/\d\.png/);
    const unknownClass = await call('PUT', url, { labels: box('hexagon'), version: item.version + 1 });
    expect(unknownClass.statusCode).toBe(400);
    expect(unknownClass.json().error.message).toMatch(/hexagon/);

    // The image of an item, from the prepared dataset's files.
    await h.blobs.put(`datasets/${job.datasetId}/normalized/${item.path}`, Buffer.from('png bytes'));
    const image = await call('GET', `${url}/image`);
    expect({ status: image.statusCode, type: image.headers['content-type'], body: image.body }).toEqual({ status: 200, type: 'image/png', body: 'png bytes' });

    // Leaving the labeler gives back what the caller holds: the next claim starts from the least sure again.
    const released = await call('POST', `/api/labeling/jobs/${jobId}/release`);
    expect(released.json()).toEqual({ released: 2 });
    await h.db.update(labelingItems).set({ assignedTo: null, leaseUntil: null }).where(eq(labelingItems.id, least!.id));
    expect((await call('POST', `/api/labeling/jobs/${jobId}/claim`, { count: 1 })).json().items.map((i: { index: number }) => i.index)).toEqual([2]);

    // Finishing with items left asks first, and says how many.
    const early = await call('POST', `/api/labeling/jobs/${jobId}/complete`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'unlabeled_items_left', message: `3 of ${ITEMS} images have no labels yet. Finish anyway to train without them, or label them first.` });
    expect(await runStatus(runId)).toBe('running');

    const done = await call('POST', `/api/labeling/jobs/${jobId}/complete`, { force: true });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ state: 'completed', labeled: 1, total: ITEMS });
    await waitUntil('the run to finish', () => runStatus(runId), (status) => status === 'succeeded');
    expect(imported).toContain(jobId);
    // Repeating it is harmless; saving after it is refused.
    expect((await call('POST', `/api/labeling/jobs/${jobId}/complete`, { force: true })).statusCode).toBe(200);
    const late = await call('PUT', url, { labels: box('angular'), version: item.version + 1 });
    expect(late.json().error.code).toBe('job_closed');
  });

  it('webhook: refuses bad deliveries with a reason and changes nothing; imports a valid one once and completes', async () => {
    const { runId, jobId } = await waitingRun();
    const [job] = await h.db.select().from(labelingJobs).where(eq(labelingJobs.id, jobId));
    const items = await h.db.select().from(labelingItems).where(eq(labelingItems.jobId, jobId));
    const secret = job!.webhookSecret;
    const now = () => String(Math.floor(Date.now() / 1000));
    const deliver = (body: string, options: { secret?: string; timestamp?: string; job?: string } = {}) => {
      const timestamp = options.timestamp ?? now();
      return h.app.inject({
        method: 'POST',
        url: `/api/hooks/labeling/${options.job ?? jobId}`,
        headers: { 'content-type': 'application/json', 'x-aip-timestamp': timestamp, 'x-aip-signature': signDelivery(options.secret ?? secret, timestamp, body) },
        payload: body,
      });
    };
    const labeledCount = async () => (await h.db.select().from(labelingItems).where(eq(labelingItems.jobId, jobId))).filter((i) => i.labels !== null).length;

    const entries = items.map((item) => ({ path: item.path, ...box(item.index % 2 === 0 ? 'round' : 'angular') }));
    const valid = JSON.stringify({ format: 'aip', labels: entries, complete: true });

    const refused = [
      [await deliver(valid, { secret: 'not the secret' }), 401, 'bad_signature'],
      [await deliver(valid, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) }), 401, 'stale_timestamp'],
      [await deliver(valid, { job: 'lj_nope' }), 404, 'not_found'],
      [await deliver('{"format": "aip", "labels": ['), 400, 'bad_request'],
      [await deliver(JSON.stringify({ format: 'yolo', labels: [] })), 400, 'bad_request'],
      [await deliver(JSON.stringify({ format: 'aip', labels: [{ path: 'images/nope.png', ...box('round') }] })), 400, 'invalid_labels'],
      [await deliver(JSON.stringify({ format: 'aip', labels: [...entries.slice(1), { path: items[0]!.path, ...box('hexagon') }] })), 400, 'invalid_labels'],
    ] as const;
    for (const [response, status, code] of refused) {
      expect({ status: response.statusCode, code: response.json().error.code }).toEqual({ status, code });
      expect(response.json().error.message.length).toBeGreaterThan(20);
    }
    // Unsigned: no headers at all.
    const unsigned = await h.app.inject({ method: 'POST', url: `/api/hooks/labeling/${jobId}`, headers: { 'content-type': 'application/json' }, payload: valid });
    expect(unsigned.statusCode).toBe(401);
    expect(await labeledCount()).toBe(0);
    expect((await h.db.select().from(labelingJobs).where(eq(labelingJobs.id, jobId)))[0]!.state).toBe('open');

    const first = await deliver(valid);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ imported: ITEMS, duplicate: false, state: 'completed', labeled: ITEMS, total: ITEMS });
    const again = await deliver(valid);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ imported: 0, duplicate: true, state: 'completed' });
    // One import: each item saved once.
    const after = await h.db.select().from(labelingItems).where(eq(labelingItems.jobId, jobId));
    expect(after.map((i) => i.version)).toEqual(after.map(() => 1));
    // Other labels for a completed job: refused.
    const changed = await deliver(JSON.stringify({ format: 'aip', labels: entries.map((e) => ({ ...e, ...box('round') })) }));
    expect(changed.statusCode).toBe(409);
    await waitUntil('the run to finish', () => runStatus(runId), (status) => status === 'succeeded');
  });
});
