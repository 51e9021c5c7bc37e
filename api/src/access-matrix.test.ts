/**
 * The authorization matrix: every route of the app's route table × {owner, other user, anonymous,
 * admin} × {private, public resource}, each answer's exact status code. Each cell gets fresh
 * resources, so writes of one cell cannot change another's answer. A route without an entry here
 * (or an entry without a route) fails the test: adding a route means deciding who may call it.
 *
 * The admin is an administrator who does not own the resources (admins manage accounts, not other
 * people's things). Callers authenticate with API tokens; sessions and CSRF are in accounts.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  apiTokens,
  bundles,
  datasets,
  flowcharts,
  ID_PREFIX,
  invitations,
  labelingItems,
  labelingJobs,
  models,
  newId,
  refineryTasks,
  runs,
  stageRuns,
  type Visibility,
} from '@aip/platform';
import { routeTable } from './access.ts';
import { hashToken, newTokenSecret } from './auth.ts';
import { addUser, startHarness, type Harness, type TestUser } from './test-support.ts';

type Caller = 'owner' | 'other' | 'anonymous' | 'admin';
type Codes = Record<Caller, number>;
/** The expected codes for a private resource and for a public one (the same where nothing is shared). */
interface Expected {
  private: Codes;
  public: Codes;
}

const same = (codes: Codes): Expected => ({ private: codes, public: codes });
/** Readable by its owner; by everyone signed in once public. */
const readable = (ok: number): Expected => ({
  private: { owner: ok, other: 404, anonymous: 401, admin: 404 },
  public: { owner: ok, other: ok, anonymous: 401, admin: ok },
});
/** Changeable by its owner only; others see a public one (403) but not a private one (404). */
const changeable = (ok: number): Expected => ({
  private: { owner: ok, other: 404, anonymous: 401, admin: 404 },
  public: { owner: ok, other: 403, anonymous: 401, admin: 403 },
});
/** Runs, their stages and labeling jobs, tokens: never public. */
const ownerOnly = (ok: number): Expected => same({ owner: ok, other: 404, anonymous: 401, admin: 404 });
const signedIn = (ok: number): Expected => same({ owner: ok, other: ok, anonymous: 401, admin: ok });
const adminOnly = (ok: number): Expected => same({ owner: 403, other: 403, anonymous: 401, admin: ok });
const anyone = (code: number): Expected => same({ owner: code, other: code, anonymous: code, admin: code });

/** The resources of one cell, all owned by the owner. */
interface World {
  dataset: string;
  flowchart: string;
  model: string;
  run: string;
  refineryTask: string;
  job: string;
  item: string;
  token: string;
  invite: string;
  reset: string;
  ownerId: string;
  ownerEmail: string;
}

interface Entry {
  expect: Expected;
  path?: (w: World) => string;
  body?: (w: World) => unknown;
  query?: string;
}

/** `:param` → the world's resource of that kind. */
const defaultPath = (url: string, w: World) =>
  url
    .replace('/datasets/:id', `/datasets/${w.dataset}`)
    .replace('/flowcharts/:id', `/flowcharts/${w.flowchart}`)
    .replace('/models/:id', `/models/${w.model}`)
    .replace('/runs/:id', `/runs/${w.run}`)
    .replace('/refinery/tasks/:id', `/refinery/tasks/${w.refineryTask}`)
    .replace(':nodeId', 'classify')
    .replace(':jobId', w.job)
    .replace(':itemId', w.item)
    .replace('/me/tokens/:id', `/me/tokens/${w.token}`)
    .replace('/admin/users/:id', `/admin/users/${w.ownerId}`)
    .replace('/admin/invitations/:id', `/admin/invitations/${w.invite}`);

const MATRIX: Record<string, Entry> = {
  'GET /api/openapi.json': { expect: anyone(200) },
  // Signing in works with the owner's credentials whoever else the caller is; a foreign session is not needed.
  'POST /api/auth/login': { expect: anyone(200), body: (w) => ({ email: w.ownerEmail, password: 'correct horse battery staple' }) },
  'POST /api/auth/logout': { expect: signedIn(204) },
  'POST /api/auth/links/inspect': { expect: anyone(200), body: (w) => ({ secret: w.invite.split('|')[1] }) },
  'POST /api/auth/invitations/accept': {
    expect: anyone(201),
    body: (w) => ({ secret: w.invite.split('|')[1], name: 'New person', password: 'a fresh long password' }),
  },
  'POST /api/auth/password-reset': { expect: anyone(200), body: (w) => ({ secret: w.reset, password: 'another long password' }) },
  // The webhook proves itself with the job's HMAC signature, not a user: unsigned, it is refused for everyone.
  'POST /api/hooks/labeling/:jobId': { expect: anyone(401), body: () => ({ format: 'aip', labels: [] }) },

  'GET /api/me': { expect: signedIn(200) },
  'PATCH /api/me': { expect: signedIn(200), body: () => ({ name: 'Renamed' }) },
  'POST /api/me/password': {
    expect: signedIn(400), // the current password is wrong for every caller but the owner, and the owner's new one is weak
    body: () => ({ currentPassword: 'not the password', newPassword: 'whatever else entirely' }),
  },
  'GET /api/me/tokens': { expect: signedIn(200) },
  'POST /api/me/tokens': { expect: signedIn(201), body: () => ({ name: 'script' }) },
  'DELETE /api/me/tokens/:id': { expect: ownerOnly(204) },
  'GET /api/architectures': { expect: signedIn(200) },

  'GET /api/admin/users': { expect: adminOnly(200) },
  'POST /api/admin/users': {
    expect: adminOnly(201),
    body: () => ({ email: `made-${randomBytes(4).toString('hex')}@example.com`, name: 'Made', role: 'user', password: 'a long enough password' }),
  },
  'PATCH /api/admin/users/:id': { expect: adminOnly(200), body: () => ({ name: 'Renamed by admin' }) },
  'POST /api/admin/users/:id/password-reset': { expect: adminOnly(201) },
  'GET /api/admin/invitations': { expect: adminOnly(200) },
  'POST /api/admin/invitations': {
    expect: adminOnly(201),
    body: () => ({ email: `invited-${randomBytes(4).toString('hex')}@example.com`, role: 'user' }),
  },
  'DELETE /api/admin/invitations/:id': { expect: adminOnly(204), path: (w) => `/api/admin/invitations/${w.invite.split('|')[0]}` },

  // Whoever may upload gets past access; a request that is not multipart/form-data is then refused (415).
  'POST /api/datasets': { expect: signedIn(415) },
  'GET /api/datasets': { expect: signedIn(200) },
  'GET /api/datasets/:id': { expect: readable(200) },
  'PATCH /api/datasets/:id': { expect: changeable(200), body: () => ({ name: 'renamed' }) },
  'DELETE /api/datasets/:id': { expect: changeable(204) },
  'GET /api/datasets/:id/samples': { expect: readable(200) },
  'GET /api/datasets/:id/files/*': { expect: readable(200), path: (w) => `/api/datasets/${w.dataset}/files/images/a.png` },
  'GET /api/datasets/:id/export': { expect: readable(200), query: 'to=folders' },

  'POST /api/flowcharts': { expect: signedIn(201), body: () => ({ name: 'new', graph: { nodes: [], edges: [] } }) },
  'GET /api/flowcharts': { expect: signedIn(200) },
  'GET /api/flowcharts/:id': { expect: readable(200) },
  'PUT /api/flowcharts/:id': { expect: changeable(200), body: () => ({ graph: { nodes: [], edges: [] } }) },
  'PATCH /api/flowcharts/:id': { expect: changeable(200), body: () => ({ name: 'renamed' }) },
  'DELETE /api/flowcharts/:id': { expect: changeable(204) },
  // The graph is empty, so the owner's start is refused by validation (400) after access was granted.
  'POST /api/flowcharts/:id/runs': { expect: changeable(400) },

  'GET /api/runs': { expect: signedIn(200) },
  'GET /api/runs/:id': { expect: ownerOnly(200) },
  // The run has finished: the owner hears so (409); nobody else learns it exists.
  'POST /api/runs/:id/cancel': { expect: ownerOnly(409) },
  'POST /api/runs/:id/stages/:nodeId/retry': { expect: ownerOnly(409) },
  'GET /api/runs/:id/bundle': { expect: ownerOnly(200) },
  'GET /api/runs/:id/bundle/link': { expect: ownerOnly(200) },
  'GET /api/runs/:id/stages/:nodeId/log': { expect: ownerOnly(200) },
  'GET /api/runs/:id/stages/:nodeId/samples': { expect: ownerOnly(200) },

  'GET /api/models': { expect: signedIn(200) },
  'GET /api/models/:id': { expect: readable(200) },
  'PATCH /api/models/:id': { expect: changeable(200), body: () => ({ name: 'renamed' }) },
  'GET /api/models/:id/onnx': { expect: readable(200) },
  // Whoever may upload gets past access; a request that is not multipart/form-data is then refused (415).
  'POST /api/models': { expect: signedIn(415) },
  'GET /api/models/:id/neighbours': { expect: readable(200) },

  'GET /api/atlas': { expect: signedIn(200) },
  // Wakes the atlas workflow (started by the signal when none runs).
  'POST /api/atlas/refresh': { expect: signedIn(202) },

  'GET /api/refinery/algorithms': { expect: signedIn(200) },
  // No teacher is named, so the catalogue refuses the task (400) once access was granted.
  'POST /api/refinery/tasks': {
    expect: signedIn(400),
    body: (w) => ({ name: 'smaller', algorithm: 'distill', teacherIds: [], datasetId: w.dataset }),
  },
  'GET /api/refinery/tasks': { expect: signedIn(200) },
  // Refinery tasks are never public (their output model may be).
  'GET /api/refinery/tasks/:id': { expect: ownerOnly(200) },
  'GET /api/refinery/tasks/:id/log': { expect: ownerOnly(200) },
  // The task has succeeded: the owner hears so (409); nobody else learns it exists.
  'POST /api/refinery/tasks/:id/cancel': { expect: ownerOnly(409) },
  'POST /api/refinery/tasks/:id/retry': { expect: ownerOnly(409) },

  'GET /api/labeling/jobs': { expect: signedIn(200) },
  'GET /api/labeling/jobs/:jobId': { expect: ownerOnly(200) },
  'GET /api/labeling/jobs/:jobId/items': { expect: ownerOnly(200) },
  'POST /api/labeling/jobs/:jobId/claim': { expect: ownerOnly(200), body: () => ({}) },
  'POST /api/labeling/jobs/:jobId/release': { expect: ownerOnly(200) },
  'GET /api/labeling/jobs/:jobId/items/:itemId': { expect: ownerOnly(200) },
  'PUT /api/labeling/jobs/:jobId/items/:itemId': { expect: ownerOnly(200), body: () => ({ labels: { class: 'circle' }, version: 0 }) },
  'GET /api/labeling/jobs/:jobId/items/:itemId/image': { expect: ownerOnly(200) },
  // Nothing is labeled yet: the owner is told so (409); nobody else learns the job exists.
  'POST /api/labeling/jobs/:jobId/complete': { expect: ownerOnly(409), body: () => ({}) },
  'GET /api/labeling/jobs/:jobId/export': { expect: ownerOnly(200), query: 'format=label-studio' },
};

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('authorization matrix (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  let owner: TestUser;
  let other: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    h = await startHarness();
    [owner, other, admin] = await Promise.all([addUser(h.db, { name: 'owner' }), addUser(h.db, { name: 'other' }), addUser(h.db, { name: 'admin', role: 'admin' })]);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Fresh resources of the owner; shareable ones with `visibility`. */
  async function world(visibility: Visibility): Promise<World> {
    const ownerId = owner.id;
    const dataset = newId(ID_PREFIX.dataset);
    const prefix = `datasets/${dataset}/`;
    await h.db.insert(datasets).values({
      id: dataset,
      ownerId,
      name: 'shapes',
      format: 'classification',
      status: 'ready',
      visibility,
      stats: { classes: ['circle'], images: 1 },
      blobPrefix: prefix,
    });
    await h.blobs.put(`${prefix}normalized/manifest.jsonl`, `${JSON.stringify({ path: 'images/a.png', width: 1, height: 1, split: 'train', class: 'circle' })}\n`);
    await h.blobs.put(`${prefix}normalized/images/a.png`, PNG);
    const info = { version: 1, format: 'classification', classes: ['circle'], images: 1, splits: { train: 1, val: 0, test: 0 }, classCounts: { circle: 1 }, encoding: null };
    await h.blobs.put(`${prefix}normalized/dataset.json`, JSON.stringify(info));

    const flowchart = newId(ID_PREFIX.flowchart);
    await h.db.insert(flowcharts).values({ id: flowchart, ownerId, name: 'chart', graph: { nodes: [], edges: [] }, visibility });

    const model = newId(ID_PREFIX.model);
    await h.db.insert(models).values({
      id: model,
      ownerId,
      name: 'classifier',
      task: 'classification',
      arch: 'tiny_cnn',
      classes: ['circle'],
      origin: 'upload',
      visibility,
      blobPrefix: `models/${model}/`,
    });
    await h.blobs.put(`models/${model}/model.onnx`, Buffer.from('onnx'));

    const run = newId(ID_PREFIX.run);
    const plan = { stages: [{ nodeId: 'classify', name: 'classify', task: 'classification' }] };
    await h.db.insert(runs).values({ id: run, ownerId, flowchartId: flowchart, flowchartRevision: 1, graph: { nodes: [], edges: [] }, plan, workflowId: run, status: 'succeeded' });
    const stageRun = newId(ID_PREFIX.stageRun);
    await h.db.insert(stageRuns).values({ id: stageRun, runId: run, nodeId: 'classify', state: 'succeeded', datasetId: dataset, logBlob: `runs/${run}/stages/classify/log.txt` });
    await h.blobs.put(`runs/${run}/stages/classify/log.txt`, 'epoch 1\n');
    await h.blobs.put(`runs/${run}/stages/classify/samples.json`, JSON.stringify({ items: [] }));
    await h.db.insert(bundles).values({ id: newId(ID_PREFIX.bundle), runId: run, blobKey: `runs/${run}/bundle.zip`, size: 3, sha256: 'x' });
    await h.blobs.put(`runs/${run}/bundle.zip`, Buffer.from('zip'));

    const job = newId(ID_PREFIX.labelingJob);
    await h.db.insert(labelingJobs).values({
      id: job,
      stageRunId: stageRun,
      runId: run,
      nodeId: 'classify',
      workflowId: run,
      task: 'classification',
      classes: ['circle'],
      datasetId: dataset,
      webhookSecret: randomBytes(16).toString('hex'),
    });
    const item = newId(ID_PREFIX.labelingItem);
    await h.db.insert(labelingItems).values({ id: item, jobId: job, index: 0, path: 'images/a.png', width: 1, height: 1, split: 'train' });

    const refineryTask = newId(ID_PREFIX.refineryTask);
    await h.db.insert(refineryTasks).values({
      id: refineryTask,
      ownerId,
      name: 'smaller',
      algorithm: 'distill',
      inputs: { teacherIds: [model], datasetId: dataset },
      datasetId: dataset,
      state: 'succeeded',
      workflowId: `refinery-${refineryTask}-1`,
      logBlob: `refinery/${refineryTask}/log.txt`,
    });
    await h.blobs.put(`refinery/${refineryTask}/log.txt`, 'epoch 1\n');

    const token = newId(ID_PREFIX.apiToken);
    await h.db.insert(apiTokens).values({ id: token, userId: ownerId, name: 'spare', tokenHash: hashToken(newTokenSecret()) });

    const link = async (kind: 'invite' | 'reset') => {
      const secret = randomBytes(32).toString('base64url');
      const id = newId(ID_PREFIX.invitation);
      await h.db.insert(invitations).values({
        id,
        kind,
        tokenHash: hashToken(secret),
        email: kind === 'invite' ? `new-${id.slice(-8)}@example.com` : owner.email,
        role: 'user',
        userId: kind === 'reset' ? ownerId : null,
        createdBy: admin.id,
        expiresAt: new Date(Date.now() + 3600_000),
      });
      return { id, secret };
    };
    const invite = await link('invite');
    const reset = await link('reset');
    return { dataset, flowchart, model, run, refineryTask, job, item, token, invite: `${invite.id}|${invite.secret}`, reset: reset.secret, ownerId, ownerEmail: owner.email };
  }

  it('has an entry for every route, and a route for every entry', () => {
    const routes = routeTable(h.app).map((route) => `${route.method} ${route.url}`);
    const missing = routes.filter((route) => !(route in MATRIX));
    expect(missing, 'routes without an authorization matrix entry').toEqual([]);
    expect(Object.keys(MATRIX).filter((key) => !routes.includes(key)), 'entries without a route').toEqual([]);
  });

  it('answers each route × caller × visibility with the expected status', async () => {
    const callers: Record<Caller, Record<string, string>> = {
      owner: owner.auth,
      other: other.auth,
      anonymous: {},
      admin: admin.auth,
    };
    const documented = (await h.app.inject({ url: '/api/openapi.json' })).json().paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const mismatches: string[] = [];
    const undocumented = new Set<string>();
    for (const route of routeTable(h.app)) {
      const key = `${route.method} ${route.url}`;
      const entry = MATRIX[key];
      if (!entry) continue; // reported by the test above
      for (const visibility of ['private', 'public'] as const) {
        for (const caller of Object.keys(callers) as Caller[]) {
          // Each user's tokens must keep working through the cells: a cell that revokes or resets
          // something acts on fresh resources of its own.
          const w = await world(visibility);
          const url = (entry.path ?? ((x: World) => defaultPath(route.url, x)))(w) + (entry.query ? `?${entry.query}` : '');
          const body = entry.body?.(w);
          const res = await h.app.inject({
            method: route.method as 'GET',
            url,
            headers: callers[caller],
            ...(body === undefined ? {} : { payload: body as object }),
          });
          const wanted = entry.expect[visibility][caller];
          if (res.statusCode !== wanted) {
            mismatches.push(`${key} as ${caller}, ${visibility}: ${res.statusCode} (wanted ${wanted}) ${res.body.slice(0, 160)}`);
          }
          const doc = documented[route.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')]?.[route.method.toLowerCase()];
          if (doc && !(String(res.statusCode) in doc.responses)) undocumented.add(`${key} → ${res.statusCode}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Every answer a caller can get is in the route's OpenAPI responses.
    expect([...undocumented]).toEqual([]);
  }, 300_000);
});
