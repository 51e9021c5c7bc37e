/**
 * The AWS Batch executor against real services: Batch = moto's server (`moto_server`, from the
 * trainer's virtualenv) in its no-Docker mode, S3 = the test run's SeaweedFS
 * (AIP_TEST_S3_ENDPOINT), the database PGlite; the activity runs in Temporal's
 * MockActivityEnvironment (heartbeats, heartbeat details of an earlier attempt, cancellation).
 *
 * moto's simple Batch decides a job's fate inside SubmitJob: SUCCEEDED at once, or, on a server
 * started with MOTO_SIMPLE_BATCH_FAIL_AFTER=n, FAILED after n seconds during which the job is
 * SUBMITTED (SubmitJob answers only then; other requests are served meanwhile). The trainer does
 * not run in moto: the re-attach test runs the job's command itself, as Batch would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type JobDetail,
} from '@aws-sdk/client-batch';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeManifest, type ManifestEntry } from '@aip/datasets-spec';
import { loadConfig, newId, openBlobStore, openDatabase, schema, type BlobStore, type OpenedDatabase, type S3BlobStore } from '@aip/platform';
import type { PlanStage } from '@aip/workflows';
import type { PreparedData, RefineryJobInput, RefineryOutput, TrainedModel } from '@aip/workflows/temporal';
import type { ActivityDeps } from '../deps.ts';
import { recordStage } from '../records.ts';
import { refineryBatchFolder, refineryModelPrefix, runRefineryJob } from '../refinery.ts';
import { trainStage } from '../train.ts';
import {
  batchEnvironment,
  batchFailureMessage,
  batchFailureOf,
  batchJobKeys,
  batchJobName,
  batchProgressDetail,
  batchStatusText,
  cancelReason,
  heartbeatJobId,
  logTail,
  tagValue,
  type BatchHeartbeat,
} from './batch.ts';
import { MODEL_FILES, stageLogKey, stageModelPrefix } from './stage-output.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Secrets of the platform's own environment: none may reach a job's description. */
const ACCESS_KEY = 'AKIAAIPTESTPLATFORM';
const SECRET_KEY = 'aip-platform-secret-never-in-a-job';

describe('batch executor: the pure pieces', () => {
  it('names jobs within Batch rules, hashing names it had to change', () => {
    expect(batchJobName('run_abc', 'classify')).toBe('aip-run_abc-classify');
    const odd = batchJobName('run_abc', 'round kind/é');
    expect(odd).toMatch(/^aip-run_abc-round_kind__-[0-9a-f]{10}$/);
    expect(batchJobName('run_abc', 'round_kind__')).not.toBe(odd);
    const long = batchJobName('run_abc', 'n'.repeat(300));
    expect(long).toHaveLength(128);
    expect(long).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);
    expect(batchJobName('run_abc', 'n'.repeat(301))).not.toBe(long);
  });

  it('keeps tag values within the characters AWS accepts', () => {
    expect(tagValue('usr_1@example.com')).toBe('usr_1@example.com');
    expect(tagValue('a*b?c')).toBe('a_b_c');
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
  });

  it('says what Batch is doing, waiting for a GPU included', () => {
    expect(batchStatusText('RUNNABLE', 1)).toBe('AWS Batch: waiting for a GPU instance');
    expect(batchStatusText('RUNNABLE', 0)).toBe('AWS Batch: waiting for an instance');
    expect(batchStatusText('STARTING', 1)).toBe('AWS Batch: starting the trainer container');
    expect(batchStatusText('RUNNING', 1, { event: 'progress', epoch: 2, epochs: 5, step: 1, steps: 4 })).toBe('AWS Batch: training, epoch 2 of 5');
    expect(batchStatusText('RUNNING', 1, { event: 'start', epochs: 5, device: 'cuda' })).toBe('AWS Batch: training');
    expect(batchStatusText(undefined, 1)).toBe('AWS Batch: submitting the job');
  });

  it('builds a progress detail that shows the state and stays out of the epoch curve', () => {
    const detail = batchProgressDetail({ event: 'epoch', epoch: 1, epochs: 2, loss: 0.5 }, { jobId: 'j1', status: 'RUNNING' }, 1);
    expect(detail).toEqual({
      epoch: 1,
      epochs: 2,
      loss: 0.5,
      trainerEvent: 'epoch',
      message: 'AWS Batch: training, epoch 1 of 2',
      batch: { jobId: 'j1', status: 'RUNNING' },
    });
    expect(batchProgressDetail(null, { jobId: 'j1', status: 'RUNNABLE' }, 1)).toEqual({
      message: 'AWS Batch: waiting for a GPU instance',
      batch: { jobId: 'j1', status: 'RUNNABLE' },
    });
  });

  it("takes a failure's reasons from the job and its last attempt, and names them all", () => {
    const job: JobDetail = {
      jobName: 'aip-run_1-detect',
      jobId: 'j-1',
      jobQueue: 'q',
      jobDefinition: 'd',
      startedAt: 1,
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      attempts: [
        { container: { exitCode: 1, reason: 'first try' } },
        { container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' } },
      ],
    };
    const failure = batchFailureOf(job);
    expect(failure).toEqual({
      statusReason: 'Essential container in task exited',
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      exitCode: 137,
    });
    expect(batchFailureMessage('detect', { jobName: 'aip-run_1-detect', jobId: 'j-1' }, failure, undefined)).toBe(
      'Training "detect" failed on AWS Batch: the job failed (job aip-run_1-detect, id j-1; Batch: Essential container in task exited; container: OutOfMemoryError: Container killed due to memory usage, exit code 137).',
    );
    expect(
      batchFailureMessage('detect', { jobName: 'n', jobId: 'i' }, { exitCode: 2 }, { status: 'failed', message: 'class cat has no images', userError: true }),
    ).toBe('Training "detect" failed on AWS Batch: class cat has no images (job n, id i; container: exit code 2).');
    expect(batchFailureMessage('d', { jobName: 'n', jobId: 'i' }, {}, undefined)).toBe('Training "d" failed on AWS Batch: the job failed (job n, id i).');
  });

  it('keeps the last lines of a log, reads job ids from heartbeats and passes no secrets to jobs', () => {
    const log = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n');
    expect(logTail(`${log}\n`).split('\n')).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 61}`));
    expect(heartbeatJobId({ batchJobId: 'j-9', status: 'RUNNING' })).toBe('j-9');
    expect(heartbeatJobId({ state: 'starting' })).toBeUndefined();
    expect(heartbeatJobId(undefined)).toBeUndefined();
    const config = loadConfig({
      BLOB_URL: 's3://bucket',
      S3_ENDPOINT: 'http://s3.local:8333',
      S3_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AIP_BATCH_JOB_QUEUE: 'q',
      AIP_BATCH_JOB_DEFINITION: 'd',
    });
    expect(batchEnvironment(config)).toEqual([
      { name: 'AWS_REGION', value: 'eu-west-1' },
      { name: 'AWS_ENDPOINT_URL_S3', value: 'http://s3.local:8333' },
    ]);
  });
});

/** A moto server (Batch only is used) with a compute environment, a job queue and a job definition. */
interface MotoBatch {
  endpoint: string;
  client: BatchClient;
  queueArn: string;
  jobDefinitionArn: string;
  /** Every request the server received, as moto's recorder wrote them. */
  requests(): Promise<Array<{ method: string; url: string; body: string }>>;
  stop(): Promise<void>;
}

const QUEUE = 'aip-test-queue';

/** An activity environment that logs only errors (every failure here is on purpose). */
const activityEnv = (info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) =>
  new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
const JOB_DEFINITION = 'aip-trainer';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function motoServerBinary(): string {
  const python = process.env.AIP_PYTHON;
  const beside = python ? path.join(path.dirname(python), 'moto_server') : undefined;
  if (beside && existsSync(beside)) return beside;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'moto_server');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    `moto_server was found neither beside AIP_PYTHON (${python ?? 'unset'}) nor on PATH: install moto[server] into the trainer's virtualenv (trainer/requirements.txt) and run the tests through npm test`,
  );
}

async function startMoto(dir: string, env: Record<string, string>): Promise<MotoBatch> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const recording = path.join(dir, 'requests.jsonl');
  const log = createWriteStream(path.join(dir, 'moto.log'));
  const child: ChildProcess = spawn(motoServerBinary(), ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...env, MOTO_ENABLE_RECORDING: '1', MOTO_RECORDER_FILEPATH: recording },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}; see ${dir}/moto.log`);
    const ready = await fetch(`${endpoint}/moto-api/config`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 60 s; see ${dir}/moto.log`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Batch without Docker (moto_api's config endpoint; moto/batch/responses.py reads it per request).
  const configured = await fetch(`${endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ batch: { use_docker: false } }) });
  expect(await configured.json()).toMatchObject({ batch: { use_docker: false } });
  // The compute environment's service role must exist in moto's IAM. An IAM query call: moto
  // routes by the credential scope of the Authorization header and checks no signature.
  const role = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: 'aip-batch-service', AssumeRolePolicyDocument: '{}' }),
  });
  const roleArn = /<Arn>([^<]+)<\/Arn>/.exec(await role.text())?.[1];
  if (!roleArn) throw new Error('moto did not create the IAM role');

  const client = new BatchClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const environment = await client.send(
    new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'aip-test-ce', type: 'UNMANAGED', state: 'ENABLED', serviceRole: roleArn }),
  );
  const queue = await client.send(
    new CreateJobQueueCommand({
      jobQueueName: QUEUE,
      state: 'ENABLED',
      priority: 1,
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn! }],
    }),
  );
  const definition = await client.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: JOB_DEFINITION,
      type: 'container',
      containerProperties: {
        image: 'aip-trainer:test',
        command: ['python', '-m', 'aip_trainer'],
        resourceRequirements: [
          { type: 'VCPU', value: '2' },
          { type: 'MEMORY', value: '4096' },
        ],
      },
    }),
  );
  return {
    endpoint,
    client,
    queueArn: queue.jobQueueArn!,
    jobDefinitionArn: definition.jobDefinitionArn!,
    async requests() {
      const text = existsSync(recording) ? await readFile(recording, 'utf8') : '';
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { method: string; url: string; body: string; body_encoded: boolean })
        .map((entry) => ({ ...entry, body: entry.body_encoded ? Buffer.from(entry.body, 'base64').toString('utf8') : entry.body ?? '' }));
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      log.end();
    },
  };
}

/** 12 images per class (8 train, 2 val, 2 test): red-ish and blue-ish noise. */
async function writeTinyDataset(dir: string): Promise<number> {
  const entries: ManifestEntry[] = [];
  const splits = ['train', 'train', 'train', 'train', 'train', 'train', 'train', 'train', 'val', 'val', 'test', 'test'] as const;
  for (const [c, label] of ['red', 'blue'].entries()) {
    for (const [i, split] of splits.entries()) {
      const pixels = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < 16 * 16; p++) {
        const noise = (p * 7 + i * 13) % 40;
        pixels[p * 3] = c === 0 ? 200 + noise : 20 + noise;
        pixels[p * 3 + 1] = 40 + noise;
        pixels[p * 3 + 2] = c === 0 ? 20 + noise : 200 + noise;
      }
      const file = `images/${label}/${i}.png`;
      await mkdir(path.join(dir, 'images', label), { recursive: true });
      await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(dir, file));
      entries.push({ path: file, width: 16, height: 16, split, class: label });
    }
  }
  await writeManifest(dir, entries, { format: 'classification' });
  return entries.length;
}

function spawnLogged(command: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('batch executor: trainStage against moto Batch and SeaweedFS S3', () => {
  const s3Endpoint = process.env.AIP_TEST_S3_ENDPOINT;
  const bucket = `aip-batch-test-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const FAIL_AFTER_S = 4;
  let tmp: string;
  let opened: OpenedDatabase;
  let blobs: BlobStore;
  let ok: MotoBatch;
  let failing: MotoBatch;
  let data: PreparedData;
  let userId: string;

  beforeAll(async () => {
    if (!s3Endpoint) throw new Error('AIP_TEST_S3_ENDPOINT is not set: these tests need the S3-compatible store (SeaweedFS) that npm test starts');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-batch-'));
    [ok, failing] = await Promise.all([
      startMoto(path.join(tmp, 'moto-ok'), {}),
      startMoto(path.join(tmp, 'moto-failing'), { MOTO_SIMPLE_BATCH_FAIL_AFTER: String(FAIL_AFTER_S) }),
    ]);
    // SeaweedFS has no S3 identities configured: the bucket is created without signing.
    const created = await fetch(`${s3Endpoint}/${bucket}`, { method: 'PUT' });
    if (!created.ok) throw new Error(`creating bucket ${bucket}: HTTP ${created.status}`);
    opened = await openDatabase('pglite://memory');
    blobs = await openBlobStore(`s3://${bucket}/platform`, { s3: configFor(ok).s3 });
    userId = newId('usr');
    await opened.db.insert(schema.users).values({ id: userId, email: 'batch@example.com' });
    const local = path.join(tmp, 'dataset');
    const images = await writeTinyDataset(local);
    const prefix = 'datasets/ds_tiny/normalized';
    await blobs.uploadDir(local, prefix);
    data = { prefix, images, labeled: true, labelMap: {} };
  });

  afterAll(async () => {
    await Promise.all([ok?.stop(), failing?.stop()]);
    if (blobs) {
      await blobs.deletePrefix('datasets/').catch(() => undefined);
      await blobs.deletePrefix('runs/').catch(() => undefined);
      await fetch(`${s3Endpoint}/${bucket}`, { method: 'DELETE' }).catch(() => undefined);
    }
    await opened?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  function configFor(moto: MotoBatch, pollMs = 200) {
    return loadConfig(
      {
        AIP_HOME: path.join(tmp, 'home'),
        BLOB_URL: `s3://${bucket}/platform`,
        S3_ENDPOINT: s3Endpoint,
        S3_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET_KEY,
        AIP_BATCH_JOB_QUEUE: QUEUE,
        AIP_BATCH_JOB_DEFINITION: JOB_DEFINITION,
        AIP_BATCH_ENDPOINT: moto.endpoint,
        AIP_BATCH_GPUS: '1',
        AIP_BATCH_POLL_MS: String(pollMs),
      },
      { cwd: tmp },
    );
  }
  const depsFor = (moto: MotoBatch, pollMs?: number): ActivityDeps => ({
    config: configFor(moto, pollMs),
    db: opened.db,
    blobs,
    trainerRoot: path.join(REPO, 'trainer'),
  });

  /** A run (owned by the test user) and its stage row in `training`, as the workflow leaves them. */
  async function newStage(nodeId = 'classify'): Promise<{ runId: string; stage: PlanStage }> {
    const runId = newId('run');
    await opened.db.insert(schema.runs).values({ id: runId, ownerId: userId, flowchartRevision: 1, graph: {}, plan: { version: 1, stages: [] }, workflowId: runId });
    await recordStage({ config: configFor(ok), db: opened.db, blobs, trainerRoot: '' }, { runId, nodeId, state: 'training' });
    const stage: PlanStage = {
      nodeId,
      name: 'Colour',
      task: 'classification',
      input: { kind: 'dataset', datasetId: 'ds_tiny' },
      mode: 'train',
      arch: 'tiny_cnn',
      classes: ['red', 'blue'],
      labelMap: {},
      hyper: { epochs: 2, batchSize: 8, imageSize: 32 },
      visibility: 'private',
      executor: 'batch',
      dependsOn: [],
    };
    return { runId, stage };
  }

  const stageRow = async (runId: string, nodeId = 'classify') =>
    (await opened.db.select().from(schema.stageRuns).where(and(eq(schema.stageRuns.runId, runId), eq(schema.stageRuns.nodeId, nodeId))))[0]!;
  const describeJob = async (moto: MotoBatch, jobId: string) => (await moto.client.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs![0]!;
  const jobsNamed = async (moto: MotoBatch, name: string) =>
    (await moto.client.send(new ListJobsCommand({ jobQueue: QUEUE, filters: [{ name: 'JOB_NAME', values: [name] }] }))).jobSummaryList ?? [];
  const submitsOf = async (moto: MotoBatch, name: string) =>
    (await moto.requests()).filter((r) => r.method === 'POST' && r.url.endsWith('/v1/submitjob') && JSON.parse(r.body).jobName === name);

  it('refuses a batch stage clearly where Batch is not configured', async () => {
    const { runId, stage } = await newStage();
    const deps = { ...depsFor(ok), config: { ...configFor(ok), batch: undefined } };
    const error = await activityEnv().run(trainStage, deps, { runId, stage, data }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(/^AWS Batch is not configured on this platform \(AIP_BATCH_JOB_QUEUE/);
  });

  it(
    'submits as configured, re-attaches after a worker crash instead of submitting again, and collects what the real trainer left',
    async () => {
      const { runId, stage } = await newStage();
      const deps = depsFor(ok);
      const name = batchJobName(runId, stage.nodeId);
      const input = { runId, stage, data };

      // Attempt 1: submits, heartbeats the job id, then its worker "dies" (not a cancellation).
      const first = activityEnv({ attempt: 1 });
      const beats: BatchHeartbeat[] = [];
      first.on('heartbeat', (details: BatchHeartbeat) => {
        beats.push(details);
        if (heartbeatJobId(details)) throw new Error('the worker died');
      });
      await expect(first.run(trainStage, deps, input)).rejects.toThrow('the worker died');
      const jobId = heartbeatJobId(beats.at(-1))!;
      expect(jobId).toBeTruthy();

      // What Batch recorded of the submission.
      const job = await describeJob(ok, jobId);
      const keys = batchJobKeys(runId, stage.nodeId);
      expect(job).toMatchObject({
        jobName: name,
        jobQueue: ok.queueArn,
        jobDefinition: ok.jobDefinitionArn,
        tags: { 'aip:run': runId, 'aip:node': 'classify', 'aip:owner': userId },
        container: { command: ['python', '-m', 'aip_trainer', 'batch', `s3://${bucket}/platform/${keys.job}`] },
      });
      expect(job.statusReason).toBeUndefined(); // a crash terminates nothing
      const environment = Object.fromEntries((job.container?.environment ?? []).map((e) => [e.name, e.value]));
      expect(environment).toEqual({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: s3Endpoint, AWS_BATCH_JOB_ID: jobId });
      expect(JSON.stringify(job)).not.toContain(SECRET_KEY);
      expect(JSON.stringify(job)).not.toContain(ACCESS_KEY);
      // moto keeps no resourceRequirements override in DescribeJobs: the request it received shows it.
      const [submitted] = await submitsOf(ok, name);
      expect(JSON.parse(submitted!.body)).toMatchObject({ containerOverrides: { resourceRequirements: [{ type: 'GPU', value: '1' }] }, propagateTags: true });
      // job.json is scratch, tagged for the bucket's lifecycle rule like the trainer's files.
      const tagging = await (blobs as S3BlobStore).client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: `platform/${keys.job}` }));
      expect(tagging.TagSet).toEqual([{ Key: 'aip-scratch', Value: 'true' }]);
      const spec = JSON.parse((await blobs.getBuffer(keys.job)).toString('utf8'));
      expect(spec).toMatchObject({
        kind: 'train',
        manifest: `s3://${bucket}/platform/datasets/ds_tiny/normalized/manifest.jsonl`,
        imageRoot: `s3://${bucket}/platform/datasets/ds_tiny/normalized`,
        output: `s3://${bucket}/platform/${stageModelPrefix(runId, stage.nodeId)}`,
        initWeights: null,
      });

      // The job itself, exactly as Batch would run it: the recorded command and environment, the
      // job role's keys, nothing of this machine's configuration.
      const batchPath = path.join(REPO, 'trainer', 'aip_trainer', 'batch.py');
      if (!existsSync(batchPath)) throw new Error(`${batchPath} is missing: the trainer's Batch entry point must exist for this test`);
      const python = process.env.AIP_PYTHON;
      if (!python) throw new Error('AIP_PYTHON is not set: it names the trainer virtualenv whose python the job runs');
      const home = path.join(tmp, 'job-home');
      await mkdir(home, { recursive: true });
      const run = await spawnLogged(job.container!.command!, {
        cwd: REPO,
        env: {
          ...Object.fromEntries((job.container?.environment ?? []).map((e) => [e.name!, e.value!])),
          AWS_ACCESS_KEY_ID: 'job-role-key',
          AWS_SECRET_ACCESS_KEY: 'job-role-secret',
          AWS_CONFIG_FILE: path.join(home, 'aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
          HOME: home,
          PATH: `${path.dirname(python)}${path.delimiter}/usr/bin${path.delimiter}/bin`,
          PYTHONPATH: 'trainer',
        },
      });
      expect(run.code, run.output).toBe(0);

      // Attempt 2 with attempt 1's heartbeat: follows the same job and collects.
      const second = activityEnv({ attempt: 2, heartbeatDetails: beats.at(-1) });
      const beats2: BatchHeartbeat[] = [];
      second.on('heartbeat', (details: BatchHeartbeat) => beats2.push(details));
      const model = await second.run<[ActivityDeps, typeof input], TrainedModel, typeof trainStage>(trainStage, deps, input);
      expect(model).toEqual({ prefix: stageModelPrefix(runId, stage.nodeId) });
      expect(beats2.map((b) => b.batchJobId)).toEqual(beats2.map(() => jobId));
      expect(beats2.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
      expect(await jobsNamed(ok, name)).toHaveLength(1);
      expect(await submitsOf(ok, name)).toHaveLength(1);

      for (const file of MODEL_FILES) expect(await blobs.exists(`${model.prefix}/${file}`), file).toBe(true);
      const row = await stageRow(runId);
      expect(row.logBlob).toBe(stageLogKey(runId, stage.nodeId));
      expect((await blobs.getBuffer(row.logBlob!)).toString('utf8')).toContain('"event": "done"');
      expect(row.progress).toBe(1);
      expect(row.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      expect(row.progressDetail).toMatchObject({ trainerEvent: 'done', message: 'AWS Batch: the job succeeded', batch: { jobId, status: 'SUCCEEDED' } });
    },
    600_000,
  );

  it('terminates the job when the activity is cancelled, and ends cancelled', async () => {
    const { runId, stage } = await newStage();
    const env = activityEnv();
    const jobIds: string[] = [];
    env.on('heartbeat', (details: BatchHeartbeat) => {
      const id = heartbeatJobId(details);
      if (id && jobIds.length === 0) {
        jobIds.push(id);
        env.cancel();
      }
    });
    const error = await env.run(trainStage, depsFor(ok, 3_600_000), { runId, stage, data }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    const job = await describeJob(ok, jobIds[0]!);
    expect(job.statusReason).toBe(cancelReason(runId, stage.nodeId));
    const terminations = (await ok.requests()).filter((r) => r.url.endsWith('/v1/terminatejob') && JSON.parse(r.body).jobId === jobIds[0]);
    expect(terminations).toHaveLength(1);
  });

  it("terminates the earlier attempt's job when cancelled before re-attaching to it", async () => {
    const { runId, stage } = await newStage();
    const jobName = batchJobName(runId, stage.nodeId);
    const { jobId } = await ok.client.send(new SubmitJobCommand({ jobName, jobQueue: QUEUE, jobDefinition: JOB_DEFINITION }));
    const env = activityEnv({ attempt: 3, heartbeatDetails: { jobName, batchJobId: jobId } satisfies BatchHeartbeat });
    env.cancel();
    const error = await env.run(trainStage, depsFor(ok), { runId, stage, data }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect((await describeJob(ok, jobId!)).statusReason).toBe(cancelReason(runId, stage.nodeId));
    expect(await submitsOf(ok, jobName)).toHaveLength(1);
  });

  /** Runs trainStage on the failing server; once its job shows up, `whileQueued` plays the job's part. */
  async function failedRun(whileQueued: (ids: { runId: string; nodeId: string; jobId: string }) => Promise<void>) {
    const { runId, stage } = await newStage();
    const pending = activityEnv().run(trainStage, depsFor(failing), { runId, stage, data }).catch((e: unknown) => e);
    const name = batchJobName(runId, stage.nodeId);
    let listed = await jobsNamed(failing, name);
    while (listed.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = await jobsNamed(failing, name);
    }
    expect(listed[0]!.status).toBe('SUBMITTED');
    await whileQueued({ runId, nodeId: stage.nodeId, jobId: listed[0]!.jobId! });
    return { runId, stage, jobId: listed[0]!.jobId!, error: (await pending) as ApplicationFailure };
  }

  /** What the trainer's batch command leaves in the job folder when training fails. */
  async function trainerLeft(runId: string, nodeId: string, result: Record<string, unknown>) {
    const keys = batchJobKeys(runId, nodeId);
    const log = Array.from({ length: 60 }, (_, i) => `trainer line ${i + 1}`).join('\n');
    await blobs.put(keys.log, `${log}\n`);
    await blobs.put(keys.result, JSON.stringify(result));
  }

  it('surfaces a user error from the trainer as a non-retryable failure with the log tail', async () => {
    const { runId, stage, jobId, error } = await failedRun(({ runId, nodeId }) =>
      trainerLeft(runId, nodeId, { status: 'failed', message: 'class blue has no training images', userError: true }),
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error.type).toBe('UserError');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toBe(
      `Training "Colour" failed on AWS Batch: class blue has no training images (job ${batchJobName(runId, stage.nodeId)}, id ${jobId}).`,
    );
    const { log } = error.details![0] as { log: string };
    expect(log.split('\n')).toHaveLength(40);
    expect(log).toMatch(/^trainer line 21\n[^]*trainer line 60$/);
    const row = await stageRow(runId);
    expect(row.logBlob).toBe(stageLogKey(runId, stage.nodeId));
    expect(row.progressDetail).toMatchObject({ message: 'AWS Batch: the job failed', batch: { jobId, status: 'FAILED' } });
  });

  it("surfaces Batch's own reason and the trainer's message as a retryable failure", async () => {
    const reason = 'Job attempt duration exceeded timeout';
    const { runId, stage, jobId, error } = await failedRun(async ({ runId, nodeId, jobId }) => {
      await trainerLeft(runId, nodeId, { status: 'failed', message: 'RuntimeError: CUDA error: an illegal memory access', userError: false });
      // Batch stopping the job itself (moto keeps a terminated queued job's reason when it fails it).
      await failing.client.send(new TerminateJobCommand({ jobId, reason }));
    });
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error.type).toBe('BatchJobFailed');
    expect(error.nonRetryable).toBe(false);
    expect(error.message).toBe(
      `Training "Colour" failed on AWS Batch: RuntimeError: CUDA error: an illegal memory access (job ${batchJobName(runId, stage.nodeId)}, id ${jobId}; Batch: ${reason}).`,
    );
    expect((error.details![0] as { log: string }).log).toContain('trainer line 60');
  });

  it('attaches to a queued job of its name that a crashed attempt submitted before any heartbeat', async () => {
    const { runId, stage } = await newStage();
    const name = batchJobName(runId, stage.nodeId);
    // The crashed attempt's SubmitJob (answered only once moto fails the job).
    const orphan = failing.client.send(
      new SubmitJobCommand({ jobName: name, jobQueue: QUEUE, jobDefinition: JOB_DEFINITION, containerOverrides: { command: ['python', '-m', 'aip_trainer', 'batch', 's3://x/job.json'] } }),
    );
    let listed = await jobsNamed(failing, name);
    while (listed.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = await jobsNamed(failing, name);
    }
    const jobId = listed[0]!.jobId!;
    const env = activityEnv({ attempt: 2 });
    const beats: BatchHeartbeat[] = [];
    const shown: Array<Promise<unknown>> = [];
    env.on('heartbeat', (details: BatchHeartbeat) => {
      beats.push(details);
      if (details.status === 'SUBMITTED' && shown.length === 0) shown.push(stageRow(runId).then((row) => row.progressDetail));
    });
    const error = (await env.run(trainStage, depsFor(failing), { runId, stage, data }).catch((e: unknown) => e)) as ApplicationFailure;
    await orphan;
    expect(beats.every((b) => b.batchJobId === undefined || b.batchJobId === jobId)).toBe(true);
    expect(beats.map((b) => b.status)).toContain('SUBMITTED');
    expect(await shown[0]).toMatchObject({ message: 'AWS Batch: job submitted, waiting for the scheduler', batch: { jobId, status: 'SUBMITTED' } });
    expect(await jobsNamed(failing, name)).toHaveLength(1);
    expect(await submitsOf(failing, name)).toHaveLength(1);
    // The job never ran the trainer: no result.json, a retryable failure naming the job.
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error.nonRetryable).toBe(false);
    expect(error.message).toBe(`Training "Colour" failed on AWS Batch: the job failed (job ${name}, id ${jobId}).`);
  });
  it(
    "runs a refinery task's refine job on Batch: teachers and data as S3 URIs, its own job folder, progress and log on the task",
    async () => {
      const deps = depsFor(ok);
      // A teacher uploaded as weights: a random tiny_cnn state_dict.
      const python = process.env.AIP_PYTHON;
      if (!python) throw new Error('AIP_PYTHON is not set: it names the trainer virtualenv whose python the job runs');
      const weights = path.join(tmp, 'teacher.pth');
      const made = await spawnLogged(
        [python, '-c', 'import sys, torch\nfrom aip_trainer.models import build_network\ntorch.manual_seed(0)\ntorch.save(build_network("tiny_cnn", 2, (32, 32)).state_dict(), sys.argv[1])', weights],
        { cwd: REPO, env: { ...process.env, PYTHONPATH: 'trainer' } },
      );
      expect(made.code, made.output).toBe(0);
      const teacherId = newId('mdl');
      const teacherKey = `models/${teacherId}/upload/teacher.pth`;
      await blobs.put(teacherKey, createReadStream(weights));
      const taskId = newId('rt');
      await opened.db.insert(schema.refineryTasks).values({ id: taskId, ownerId: userId, name: 'smaller', algorithm: 'distill', inputs: {}, state: 'running', attempt: 1 });
      const job: RefineryJobInput = {
        taskId,
        attempt: 1,
        algorithm: 'distill',
        teachers: [
          {
            modelId: teacherId,
            name: 'teacher',
            fileKey: teacherKey,
            format: 'weights',
            task: 'classification',
            arch: 'tiny_cnn',
            classes: ['red', 'blue'],
            input: { size: [32, 32], colorSpace: 'RGB', range: [0, 255], mean: null, std: null },
          },
        ],
        studentArch: 'tiny_cnn',
        dataPrefix: data.prefix,
        params: { epochs: 2, temperature: 4, ceWeight: 0, learningRate: 0.01, batchSize: 8, imageSize: 32 },
        executor: 'batch',
      };

      // Attempt 1 submits and dies once it has heartbeated the job id.
      const first = activityEnv({ attempt: 1 });
      const beats: BatchHeartbeat[] = [];
      first.on('heartbeat', (details: BatchHeartbeat) => {
        beats.push(details);
        if (heartbeatJobId(details)) throw new Error('the worker died');
      });
      await expect(first.run(runRefineryJob, deps, { job })).rejects.toThrow('the worker died');
      const jobId = heartbeatJobId(beats.at(-1))!;
      const folder = refineryBatchFolder(taskId, 1);
      const described = await describeJob(ok, jobId);
      expect(described).toMatchObject({
        jobName: batchJobName(taskId, 'attempt-1'),
        tags: { 'aip:refinery-task': taskId, 'aip:owner': userId },
        container: { command: ['python', '-m', 'aip_trainer', 'batch', `s3://${bucket}/platform/${folder}/job.json`] },
      });
      const spec = JSON.parse((await blobs.getBuffer(`${folder}/job.json`)).toString('utf8'));
      expect(spec).toMatchObject({
        kind: 'refine',
        teachers: [{ file: `s3://${bucket}/platform/${teacherKey}`, format: 'weights', arch: 'tiny_cnn', name: 'teacher' }],
        student: { arch: 'tiny_cnn' },
        manifest: `s3://${bucket}/platform/${data.prefix}/manifest.jsonl`,
        output: `s3://${bucket}/platform/${refineryModelPrefix(taskId, 1)}`,
      });

      // The job as Batch would run it, then attempt 2 follows it and collects.
      const home = path.join(tmp, 'refine-job-home');
      await mkdir(home, { recursive: true });
      const run = await spawnLogged(described.container!.command!, {
        cwd: REPO,
        env: {
          ...Object.fromEntries((described.container?.environment ?? []).map((e) => [e.name!, e.value!])),
          AWS_ACCESS_KEY_ID: 'job-role-key',
          AWS_SECRET_ACCESS_KEY: 'job-role-secret',
          AWS_CONFIG_FILE: path.join(home, 'aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
          HOME: home,
          PATH: `${path.dirname(python)}${path.delimiter}/usr/bin${path.delimiter}/bin`,
          PYTHONPATH: 'trainer',
        },
      });
      expect(run.code, run.output).toBe(0);
      const second = activityEnv({ attempt: 2, heartbeatDetails: beats.at(-1) });
      const output = (await second.run(runRefineryJob, deps, { job })) as RefineryOutput;
      expect(output.prefix).toBe(refineryModelPrefix(taskId, 1));
      expect(output.metrics).toMatchObject({ algorithm: 'distill' });
      for (const file of MODEL_FILES) expect(await blobs.exists(`${output.prefix}/${file}`), file).toBe(true);
      const [task] = await opened.db.select().from(schema.refineryTasks).where(eq(schema.refineryTasks.id, taskId));
      expect(task!.logBlob).toBe(`refinery/${taskId}/log.txt`);
      expect(task!.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      expect(task!.progressDetail).toMatchObject({ message: 'AWS Batch: the job succeeded', batch: { jobId, status: 'SUCCEEDED' } });
      expect(await submitsOf(ok, batchJobName(taskId, 'attempt-1'))).toHaveLength(1);
    },
    600_000,
  );
});
