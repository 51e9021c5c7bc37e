/**
 * `npm run bench`: what the platform costs on top of the work it orchestrates, measured in one
 * run with its baselines.
 *
 * 1. Orchestration overhead per stage: a three-stage flowchart (detector → two classifiers, small
 *    epoch budget: the point is the platform, not model quality) runs through the embedded
 *    topology (API + workers in this process, Temporal dev server, PGlite, local blobs). From each
 *    stage's Temporal history: wall time of the stage workflow, minus the time its train and
 *    evaluate activities ran (the trainer's compute), is the platform's overhead.
 * 2. `POST /aip` throughput of the trained bundle, against calling ONNX Runtime directly on the
 *    same images (same models, tensors prepared beforehand), and against the in-process pipeline
 *    (decode + resize + crops, no HTTP).
 * 3. Training throughput of the trainer against a plain hand-written PyTorch loop on the same
 *    model, data and device (trainer/bench/throughput.py, run after the services are idle).
 * 4. The model atlas's incremental update: the time to add one model to an atlas of N (one
 *    signature, N distances) against recomputing all of it (trainer/bench/atlas_scale.py).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { createActivities, startWorkers } from '@aip/activities';
import { buildApp, ensureAdminToken } from '@aip/api';
import { extractZip } from '@aip/datasets-spec';
import { loadConfig, openBlobStore, openDatabase } from '@aip/platform';
import { createServer, loadPipeline } from '@aip/serving';
import { trainerRoot } from '../src/paths.ts';
import { drawShapeImages, writeDetectionZip } from '../src/testing/shapes-dataset.ts';

const TRAINING_IMAGES = 160;
const REQUESTS = 200;
const CONCURRENCY = 4;

const tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-bench-'));
const suffix = Date.now().toString(36);
const config = loadConfig({
  ...process.env,
  AIP_HOME: path.join(tmp, 'home'),
  DATABASE_URL: 'pglite://memory',
  BLOB_URL: `file://${path.join(tmp, 'blobs')}`,
  AIP_ORCHESTRATION_QUEUE: `bench-orchestration-${suffix}`,
  AIP_GPU_QUEUE: `bench-gpu-${suffix}`,
});
const database = await openDatabase(config.databaseUrl);
const blobs = await openBlobStore(config.blobUrl, { s3: config.s3 });
const connection = await Connection.connect({ address: config.temporal.address });
const temporal = new Client({ connection, namespace: config.temporal.namespace });
const { token } = await ensureAdminToken(database.db);
const app = buildApp({ config, db: database.db, blobs, temporal });
const workers = await startWorkers({
  address: config.temporal.address,
  namespace: config.temporal.namespace,
  activities: createActivities({ config, db: database.db, blobs, trainerRoot }),
  roles: ['orchestration', 'gpu'],
  taskQueues: config.taskQueues,
});

async function api(method: string, url: string, payload?: unknown) {
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  const json = String(response.headers['content-type'] ?? '').startsWith('application/json');
  return { status: response.statusCode, body: json ? JSON.parse(response.body) : undefined, raw: response.rawPayload };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

try {
  // --- 1. a run through the platform -------------------------------------------------------
  const zipPath = path.join(tmp, 'shapes.zip');
  await writeDetectionZip(await drawShapeImages(TRAINING_IMAGES, 3), zipPath);
  const form = new FormData();
  form.set('file', new Blob([await readFile(zipPath)]), 'shapes.zip');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const upload = await fetch(`${address}/api/datasets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const { id: datasetId } = (await upload.json()) as { id: string };
  await until(() => api('GET', `/api/datasets/${datasetId}`), (r) => r.body.status === 'ready' || r.body.status === 'invalid');

  // Budgets just large enough for a detector that finds the shapes (its crops feed the next stages).
  const detector = { epochs: 12 };
  const budget = { epochs: 3 };
  const graph = {
    nodes: [
      { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
      { id: 'detect', type: 'detection', position: { x: 1, y: 0 }, data: { classes: ['round', 'angular'], ...detector } },
      { id: 'round-kind', type: 'classification', position: { x: 2, y: 0 }, data: { classes: ['circle', 'ring'], parentClass: 'round', ...budget } },
      { id: 'angular-kind', type: 'classification', position: { x: 2, y: 1 }, data: { classes: ['square', 'triangle'], parentClass: 'angular', ...budget } },
    ],
    edges: [
      { id: 'e1', source: 'data', target: 'detect' },
      { id: 'e2', source: 'detect', target: 'round-kind' },
      { id: 'e3', source: 'detect', target: 'angular-kind' },
    ],
  };
  const flowchart = await api('POST', '/api/flowcharts', { name: 'bench', graph });
  const started = await api('POST', `/api/flowcharts/${flowchart.body.id}/runs`);
  const runId: string = started.body.id;
  const run = await until(() => api('GET', `/api/runs/${runId}`), (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body.status));
  if (run.body.status !== 'succeeded') throw new Error(`bench run ${run.body.status}: ${run.body.error}`);

  // overhead = wall − train/evaluate compute − waiting for a free training slot (the two
  // classifiers are ready together but a CPU worker trains one at a time); it includes the
  // stage-data preparation (shown on its own) and everything the platform adds around the jobs.
  console.log('\nOrchestration overhead per stage (embedded topology; seconds)');
  console.log('stage          wall  train+eval  slot wait  overhead  (prepare)  overhead/wall');
  for (const stage of ['detect', 'round-kind', 'angular-kind']) {
    const t = await stageTimings(`${runId}/${stage}`);
    const overhead = t.wall - t.compute - t.slotWait;
    console.log(
      `${stage.padEnd(13)} ${f(t.wall, 5)}  ${f(t.compute, 10)}  ${f(t.slotWait, 9)}  ${f(overhead, 8)}  ${f(t.prepare, 9)}  ${f(
        (overhead / t.wall) * 100,
        12,
      )}%`,
    );
  }
  const runTimings = await stageTimings(runId);
  console.log(`whole run     ${f(runTimings.wall, 5)}  (package + cascade evaluation: ${runTimings.activities.toFixed(1)} s)`);

  // --- 2. POST /aip against ONNX Runtime ----------------------------------------------------
  const bundle = await api('GET', `/api/runs/${runId}/bundle`);
  const bundleZip = path.join(tmp, 'bundle.zip');
  await writeFile(bundleZip, bundle.raw);
  const bundleDir = path.join(tmp, 'bundle');
  await extractZip(bundleZip, bundleDir);
  const images = (await drawShapeImages(20, 77)).map((image) => image.png);

  const pipeline = await loadPipeline(bundleDir);
  const server = createServer(pipeline);
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  const bodies = images.map((png) => JSON.stringify({ image: png.toString('base64') }));
  await fetch(`${url}/aip`, { method: 'POST', body: bodies[0] }); // warm-up
  const http = await throughput(REQUESTS, CONCURRENCY, async (i) => {
    const response = await fetch(`${url}/aip`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i % bodies.length] });
    if (response.status !== 200) throw new Error(`POST /aip answered ${response.status}`);
    await response.arrayBuffer();
  });
  const inProcess = await throughput(REQUESTS, CONCURRENCY, async (i) => {
    await pipeline.run(images[i % images.length]!);
  });
  const direct = await directOrt(bundleDir, images);
  await server.close();
  console.log('\nPOST /aip throughput (requests/s, same images, concurrency ' + CONCURRENCY + ')');
  console.log(`ONNX Runtime directly (baseline)   ${direct.toFixed(1).padStart(7)}   1.00×`);
  console.log(`serving pipeline in process        ${inProcess.toFixed(1).padStart(7)}   ${(inProcess / direct).toFixed(2)}×`);
  console.log(`POST /aip over HTTP                ${http.toFixed(1).padStart(7)}   ${(http / direct).toFixed(2)}×`);

  // --- 3. The trainer against a plain PyTorch loop -------------------------------------------
  const python = process.env.AIP_PYTHON;
  if (!python) throw new Error('AIP_PYTHON is not set: the set-up script exports the trainer\'s Python');
  execFileSync(python, [path.join(trainerRoot, 'bench', 'throughput.py')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PYTHONPATH: trainerRoot },
  });

  // --- 4. The model atlas: adding one model against recomputing the whole atlas ------------------
  execFileSync(python, [path.join(trainerRoot, 'bench', 'atlas_scale.py')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PYTHONPATH: trainerRoot },
  });
} finally {
  await app.close();
  await workers.shutdown();
  await connection.close();
  await database.close();
  await rm(tmp, { recursive: true, force: true });
}

async function throughput(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/**
 * The baseline: the bundle's models called with ONNX Runtime on tensors prepared beforehand —
 * the detector on each image, then one classifier per detected box (crops prepared beforehand too).
 */
async function directOrt(bundleDir: string, pngs: Buffer[]): Promise<number> {
  const spec = JSON.parse(await readFile(path.join(bundleDir, 'pipeline.json'), 'utf8')) as {
    stages: Array<{ id: string; model: string; classes: string[]; inputSize: [number, number]; input: null | { stage: string; class: string } }>;
  };
  const root = spec.stages.find((s) => s.input === null)!;
  const children = spec.stages.filter((s) => s.input !== null);
  const session = (file: string) => ort.InferenceSession.create(path.join(bundleDir, file));
  const rootSession = await session(root.model);
  const childSessions = await Promise.all(children.map((child) => session(child.model)));
  const tensor = async (png: Buffer, [h, w]: [number, number]) => {
    const hwc = await sharp(png).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer();
    const chw = new Float32Array(3 * h * w);
    for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) chw[c * h * w + i] = hwc[i * 3 + c]!;
    return new ort.Tensor('float32', chw, [1, 3, h, w]);
  };
  const inputs = await Promise.all(pngs.map((png) => tensor(png, root.inputSize)));
  // One crop tensor per child, reused for every box: the classifiers' cost does not depend on pixels.
  const crops = await Promise.all(children.map((child) => tensor(pngs[0]!, child.inputSize)));
  return throughput(REQUESTS, CONCURRENCY, async (i) => {
    const out = await rootSession.run({ image: inputs[i % inputs.length]! });
    const scores = out.scores!.data as Float32Array;
    const labels = out.labels!.data as BigInt64Array;
    for (let k = 0; k < scores.length; k++) {
      if (scores[k]! < 0.3) continue;
      const cls = root.classes[Number(labels[k])];
      const childIndex = children.findIndex((child) => child.input?.class === cls);
      if (childIndex >= 0) await childSessions[childIndex]!.run({ image: crops[childIndex]! });
    }
  });
}

/** Wall time of a workflow and the time its activities ran, from its Temporal history. */
async function stageTimings(workflowId: string) {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
  const events = history.events ?? [];
  const scheduled = new Map<string, string>();
  const started = new Map<string, number>();
  const scheduledAt = new Map<string, number>();
  let compute = 0;
  let prepare = 0;
  let activities = 0;
  let slotWait = 0;
  for (const event of events) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(id, event.activityTaskScheduledEventAttributes.activityType?.name ?? '');
      scheduledAt.set(id, seconds(event.eventTime));
    }
    const start = event.activityTaskStartedEventAttributes;
    if (start) {
      const key = String(start.scheduledEventId);
      started.set(key, seconds(event.eventTime));
      if (scheduled.get(key) === 'trainStage') slotWait += seconds(event.eventTime) - (scheduledAt.get(key) ?? seconds(event.eventTime));
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const key = String(done.scheduledEventId);
      const ran = seconds(event.eventTime) - (started.get(key) ?? seconds(event.eventTime));
      const name = scheduled.get(key);
      activities += ran;
      if (name === 'trainStage' || name === 'evaluateStage') compute += ran;
      if (name === 'prepareStage') prepare += ran;
    }
  }
  const wall = seconds(events.at(-1)?.eventTime) - seconds(events[0]?.eventTime);
  return { wall, compute, prepare, activities, slotWait };
}

function f(value: number, width: number): string {
  return value.toFixed(1).padStart(width);
}
