/**
 * The production topology's training path, on real services (Temporal dev server, PostgreSQL, S3
 * on SeaweedFS, the PyTorch trainer): the API alone (infra/src/api.ts), one orchestration worker
 * and two GPU workers (infra/src/worker.ts), each its own process, the workers each with a work
 * folder of its own (separate hosts, as far as files go).
 *
 * GPU worker A serves the pool `default`; B serves `default` and `blue`, with two training slots
 * (CPU machine). Two flowcharts run at once, one of them with its classifier in the pool `blue`.
 * Temporal's histories show where everything ran: every orchestration activity on the
 * orchestration queue, training on the GPU queues, the blue stage on `<gpu>-blue` and only on B.
 * Then the GPU worker in the middle of a training (found from the pending activity's worker
 * identity) is SIGKILLed: the training attempt is retried on the other GPU worker, which resumes
 * from the checkpoint the dead one left in S3, and both runs succeed. Each worker's /healthz and
 * /readyz answer.
 *
 * B starts once A has taken the default-pool stage, so that the stage killed is A's and B has the
 * slot to take it over (a default-pool stage on B would leave nobody to take the blue one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import yazl from 'yazl';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, openBlobStore, type BlobStore } from '@aip/platform';
import { COARSE_OF, drawShapeImages, freePort, freshServiceEnv, PlatformApi, waitFor, type Json } from '../src/testing/index.ts';
import { repoRoot } from '../src/paths.ts';

const IMAGES = 240;
/** Long enough that the default-pool stage is mid-training when its worker is killed. */
const DEFAULT_EPOCHS = 30;
const BLUE_EPOCHS = 6;
const IMAGE_SIZE = 48;
/** How soon a dead worker's training is noticed (AIP_HEARTBEAT_TIMEOUT_MS). */
const HEARTBEAT_TIMEOUT_MS = 8_000;

interface AipProcess {
  name: string;
  child: ChildProcess;
  /** Where /healthz and /readyz answer. */
  healthPort: number;
  output: () => string;
}

describe('GPU workers, pools and a training moved across hosts (Temporal, PostgreSQL, S3, trainer)', () => {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const queues = { orchestration: `gpuw-orch-${suffix}`, gpu: `gpuw-gpu-${suffix}` };
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let api: PlatformApi;
  let temporal: Client;
  let blobs: BlobStore;
  /** The worker processes by identity, and the API's. */
  const workers: Record<string, AipProcess> = {};
  let apiProcess: AipProcess | undefined;
  let closeAll: Array<() => Promise<unknown>> = [];
  let unexpectedExit: string | undefined;

  const startProcess = async (name: string, script: string, processEnv: NodeJS.ProcessEnv, healthPort: number): Promise<AipProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, script)], {
      cwd: repoRoot,
      env: processEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM') unexpectedExit = `${name} exited with ${code ?? signal}:\n${output.slice(-3000)}`;
    });
    const started = { name, child, healthPort, output: () => output };
    await waitFor(() => health(started, '/readyz').then((r) => r.status), (status) => status === 200, 120_000, check);
    return started;
  };

  const startWorker = async (name: string, extra: NodeJS.ProcessEnv): Promise<AipProcess> => {
    const healthPort = await freePort();
    const worker = await startProcess(
      name,
      'infra/src/worker.ts',
      {
        ...env,
        AIP_WORK_DIR: path.join(tmp, `host-${name}`),
        AIP_WORKER_IDENTITY: name,
        AIP_HEALTH_PORT: String(healthPort),
        ...extra,
      },
      healthPort,
    );
    workers[name] = worker;
    return worker;
  };

  const check = () => {
    if (unexpectedExit) throw new Error(unexpectedExit);
  };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-gpu-workers-'));
    env = {
      ...process.env,
      ...(await freshServiceEnv(`aip-gpuw-${suffix}`)),
      AIP_HOME: path.join(tmp, 'home'),
      AIP_WORK_DIR: path.join(tmp, 'api-work'),
      AIP_ORCHESTRATION_QUEUE: queues.orchestration,
      AIP_GPU_QUEUE: queues.gpu,
      AIP_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
      // CPU training whatever the machine has: B's two slots would be refused on a one-GPU host.
      AIP_GPUS: 'none',
      EXECUTOR: 'local',
      AIP_HOST: '127.0.0.1',
    };
    const config = loadConfig(env);
    blobs = await openBlobStore(config.blobUrl, { s3: config.s3 });
    const connection = await Connection.connect({ address: config.temporal.address });
    temporal = new Client({ connection, namespace: config.temporal.namespace });
    closeAll = [() => connection.close()];

    // The API alone (it starts workflows and never runs activities); first, so that it migrates
    // the fresh database before the workers open it.
    const port = await freePort();
    const token = randomBytes(24).toString('hex');
    apiProcess = await startProcess('api', 'infra/src/api.ts', { ...env, AIP_PORT: String(port), AIP_TOKEN: token }, port);
    api = new PlatformApi(`http://127.0.0.1:${port}`, token, check);
    await Promise.all([
      startWorker('orchestration', { AIP_WORKER_ROLES: 'orchestration' }),
      startWorker('gpu-a', { AIP_WORKER_ROLES: 'gpu', AIP_GPU_POOLS: 'default' }),
    ]);
  });

  afterAll(async () => {
    const processes = [...Object.values(workers), ...(apiProcess ? [apiProcess] : [])];
    for (const { child } of processes) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    await Promise.all(
      processes.map(({ child }) =>
        child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
      ),
    );
    for (const close of closeAll) await close().catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('routes training to the pools\' GPU workers, and moves a killed worker\'s training to another that resumes it', async () => {
    onTestFailed(() => {
      for (const aip of [...Object.values(workers), ...(apiProcess ? [apiProcess] : [])]) console.log(`--- ${aip.name} ---\n${aip.output().slice(-4000)}`);
    });
    const started = Date.now();
    const zipPath = path.join(tmp, 'shapes.zip');
    await writeClassificationZip(IMAGES, zipPath);
    const dataset = await api.uploadDataset(zipPath, { name: 'round or angular', format: 'classification' });
    expect(dataset.format).toBe('classification');

    const flowchart = (nodeId: string, data: Record<string, unknown>) => ({
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: dataset.id } },
        {
          id: nodeId,
          type: 'classification',
          position: { x: 250, y: 0 },
          data: { arch: 'tiny_cnn', classes: ['round', 'angular'], imageSize: IMAGE_SIZE, patience: 0, ...data },
        },
      ],
      edges: [{ id: 'e', source: 'data', target: nodeId }],
    });
    const createFlowchart = async (name: string, graph: Json) => {
      const created = await api.call('POST', '/api/flowcharts', { name, graph });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.problems).toEqual([]);
      return created.body.id as string;
    };
    const plainFlowchart = await createFlowchart('default pool', flowchart('kind', { epochs: DEFAULT_EPOCHS }));
    const blueFlowchart = await createFlowchart('blue pool', flowchart('kind-blue', { epochs: BLUE_EPOCHS, pool: 'blue' }));
    const [plainStart, blueStart] = await Promise.all(
      [plainFlowchart, blueFlowchart].map((id) => api.call('POST', `/api/flowcharts/${id}/runs`)),
    );
    expect(plainStart!.status, JSON.stringify(plainStart!.body)).toBe(201);
    expect(blueStart!.status, JSON.stringify(blueStart!.body)).toBe(201);
    const plainRun = plainStart!.body.id as string;
    const blueRun = blueStart!.body.id as string;

    // A takes the default-pool stage (the only GPU worker so far); then B joins.
    const trainOf = async (runId: string, nodeId: string) => {
      const description = await temporal.workflow.getHandle(`${runId}/${nodeId}`).describe().catch(() => undefined);
      return description?.raw.pendingActivities?.find((a) => a.activityType?.name === 'trainStage');
    };
    await waitFor(() => trainOf(plainRun, 'kind'), (pending) => pending?.lastWorkerIdentity === 'gpu-a', 10 * 60_000, check);
    const b = await startWorker('gpu-b', { AIP_WORKER_ROLES: 'gpu', AIP_GPU_POOLS: 'default,blue', AIP_TRAINING_SLOTS: '2' });
    expect(b.output()).toContain(`GPU worker: CPU only, 2 training slots, pools default,blue → queues ${queues.gpu}, ${queues.gpu}-blue`);
    expect(workers['gpu-a']!.output()).toContain(`GPU worker: CPU only, 1 training slot, pools default → queues ${queues.gpu}`);

    // Every worker answers its probes.
    for (const worker of Object.values(workers)) {
      const healthz = await health(worker, '/healthz');
      expect(healthz.status, worker.name).toBe(200);
      expect(healthz.body.workers.every((w: { state: string }) => w.state === 'RUNNING')).toBe(true);
      const readyz = await health(worker, '/readyz');
      expect(readyz, worker.name).toEqual({ status: 200, body: { ok: true, checks: { database: 'ok', blobs: 'ok', temporal: 'ok' } } });
    }
    expect((await health(b, '/healthz')).body.workers.map((w: { taskQueue: string }) => w.taskQueue)).toEqual([queues.gpu, `${queues.gpu}-blue`]);

    // Once the stage has finished (and stored the checkpoint of) two epochs, kill the worker that
    // trains it, as Temporal knows it.
    const checkpointKey = `runs/${plainRun}/stages/kind/checkpoint/checkpoint.pt`;
    await waitFor(
      async () => {
        const run = (await api.call('GET', `/api/runs/${plainRun}`)).body;
        const epoch = run.stages[0]?.epochs?.length ?? 0;
        return { epoch, stored: epoch >= 2 && (await blobs.exists(checkpointKey)), status: run.status };
      },
      (state) => state.stored || state.status !== 'running',
      10 * 60_000,
      check,
    );
    const pending = await trainOf(plainRun, 'kind');
    expect(pending?.lastWorkerIdentity).toBe('gpu-a');
    const victim = workers[pending!.lastWorkerIdentity!]!;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const killedEpoch = (await api.call('GET', `/api/runs/${plainRun}`)).body.stages[0].epochs.length as number;
    expect(killedEpoch).toBeLessThan(DEFAULT_EPOCHS);

    // The attempt is retried on B once the heartbeat timeout notices the dead worker.
    const moved = await waitFor(
      () => trainOf(plainRun, 'kind'),
      (activity) => activity?.lastWorkerIdentity === 'gpu-b' && Number(activity.attempt) >= 2,
      5 * 60_000,
      check,
    );
    const moveSeconds = (Date.now() - killedAt) / 1000;
    console.log(`training of "kind" moved from gpu-a to gpu-b (attempt ${moved?.attempt}) ${moveSeconds.toFixed(1)} s after the kill, after epoch ${killedEpoch}`);

    const finished = await Promise.all(
      [plainRun, blueRun].map((runId) =>
        waitFor(() => api.call('GET', `/api/runs/${runId}`).then((r) => r.body), (run) => !['queued', 'running'].includes(run.status), 20 * 60_000, check),
      ),
    );
    for (const run of finished) expect(run.status, run.error ?? JSON.stringify(run.stages)).toBe('succeeded');

    // It resumed from the checkpoint A stored, not from scratch.
    const log = await fetch(`${api.base}/api/runs/${plainRun}/stages/kind/log`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(log.status).toBe(200);
    const logText = await log.text();
    const resume = /"event": ?"resume", ?"epoch": ?(\d+)/.exec(logText);
    expect(resume, logText.slice(0, 2000)).not.toBeNull();
    expect(Number(resume![1])).toBeGreaterThanOrEqual(2);
    expect(logText).not.toMatch(/"event": ?"epoch", ?"epoch": ?1,/);

    // Where everything ran, from Temporal's histories.
    const plain = await activitiesOf(temporal, plainRun, ['kind']);
    const blue = await activitiesOf(temporal, blueRun, ['kind-blue']);
    for (const activity of [...plain, ...blue].filter((a) => a.type !== 'trainStage')) {
      expect(activity, JSON.stringify(activity)).toMatchObject({ taskQueue: queues.orchestration, identity: 'orchestration' });
    }
    expect(plain.filter((a) => a.type === 'trainStage')).toEqual([
      { workflowId: `${plainRun}/kind`, type: 'trainStage', taskQueue: queues.gpu, identity: 'gpu-b', attempt: moved!.attempt },
    ]);
    expect(blue.filter((a) => a.type === 'trainStage')).toEqual([
      { workflowId: `${blueRun}/kind-blue`, type: 'trainStage', taskQueue: `${queues.gpu}-blue`, identity: 'gpu-b', attempt: 1 },
    ]);
    expect(plain.map((a) => a.type)).toEqual(expect.arrayContaining(['prepareStage', 'evaluateStage', 'registerModel', 'packageBundle', 'evaluateCascade']));

    // B's training slots are free again, and the surviving workers still answer.
    for (const worker of [workers.orchestration!, b]) expect((await health(worker, '/healthz')).status).toBe(200);
    console.log(`test took ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  }, 45 * 60_000);
});

async function health(worker: AipProcess, route: string): Promise<{ status: number; body: Json }> {
  try {
    const response = await fetch(`http://127.0.0.1:${worker.healthPort}${route}`);
    return { status: response.status, body: await response.json() };
  } catch {
    return { status: 0, body: undefined };
  }
}

interface ActivityRecord {
  workflowId: string;
  type: string;
  taskQueue: string;
  identity: string;
  attempt: number;
}

/** Every activity of a run and of its stages' workflows: its queue, and who ran its last attempt. */
async function activitiesOf(temporal: Client, runId: string, stages: string[]): Promise<ActivityRecord[]> {
  const records: ActivityRecord[] = [];
  for (const workflowId of [runId, ...stages.map((nodeId) => `${runId}/${nodeId}`)]) {
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = new Map<string, { type: string; taskQueue: string }>();
    for (const event of history.events ?? []) {
      const attributes = event.activityTaskScheduledEventAttributes;
      if (attributes) scheduled.set(String(event.eventId), { type: attributes.activityType?.name ?? '', taskQueue: attributes.taskQueue?.name ?? '' });
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const of = scheduled.get(String(started.scheduledEventId))!;
        records.push({ workflowId, ...of, identity: started.identity ?? '', attempt: started.attempt ?? 0 });
      }
    }
  }
  return records;
}

/** A classification zip (a folder per class): each drawn image's first shape, cut out, under its coarse class. */
async function writeClassificationZip(count: number, zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const image of await drawShapeImages(count, 5)) {
    const box = image.boxes[0]!;
    const crop = await sharp(image.png)
      .extract({ left: box.x1, top: box.y1, width: box.x2 - box.x1, height: box.y2 - box.y1 })
      .png()
      .toBuffer();
    zip.addBuffer(crop, `shapes/${COARSE_OF[box.label as keyof typeof COARSE_OF]}/${image.name}`);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
