import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { cwd: '/srv/app' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted a bad environment');
}

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const config = loadConfig({}, { cwd: '/srv/app' });
    expect(config).toEqual({
      home: '/srv/app/.aip',
      port: 8080,
      databaseUrl: 'pglite:///srv/app/.aip/db',
      blobUrl: 'file:///srv/app/.aip/blobs',
      s3: { endpoint: undefined, publicEndpoint: undefined, region: 'us-east-1', forcePathStyle: false, credentials: undefined },
      temporal: { address: '127.0.0.1:7233', namespace: 'default' },
      executor: 'local',
      python: 'python3',
      workDir: '/srv/app/.aip/work',
      token: undefined,
      adminPassword: undefined,
      trustProxy: false,
      heartbeatTimeoutMs: 60_000,
      taskQueues: { orchestration: 'aip-orchestration', gpu: 'aip-gpu' },
      trainingSlots: undefined,
      gpus: undefined,
      gpuPools: ['default'],
      batch: undefined,
      healthPort: undefined,
      downloadUrlSeconds: 300,
      tracing: undefined,
    });
  });

  it('reads GPU workers: devices, pools, slots, health port', () => {
    expect(loadConfig({ AIP_GPUS: '0,1, 3', AIP_GPU_POOLS: 'a100,default,a100', AIP_HEALTH_PORT: '9464' })).toMatchObject({
      gpus: [0, 1, 3],
      gpuPools: ['a100', 'default'],
      healthPort: 9464,
    });
    expect(loadConfig({ AIP_GPUS: 'none' }).gpus).toEqual([]);
    expect(problemsOf({ AIP_GPUS: '0,0' })[0]).toMatch(/^AIP_GPUS="0,0" is invalid: expected comma-separated distinct GPU indices/);
    expect(problemsOf({ AIP_GPU_POOLS: 'A100' })[0]).toMatch(/^AIP_GPU_POOLS="A100" is invalid: expected comma-separated pool names \(lower-case/);
  });

  it('reads AWS Batch, which needs its queue, its job definition and S3', () => {
    const env = { BLOB_URL: 's3://aip', AIP_BATCH_JOB_QUEUE: 'aip-gpu', AIP_BATCH_JOB_DEFINITION: 'aip-trainer:3' };
    expect(loadConfig({ ...env, S3_REGION: 'eu-west-1', EXECUTOR: 'batch' }).batch).toEqual({
      jobQueue: 'aip-gpu',
      jobDefinition: 'aip-trainer:3',
      region: 'eu-west-1',
      endpoint: undefined,
      gpus: 1,
      pollMs: 15_000,
    });
    expect(loadConfig({ ...env, AIP_BATCH_REGION: 'us-west-2', AIP_BATCH_GPUS: '0', AIP_BATCH_POLL_MS: '500', AIP_BATCH_ENDPOINT: 'http://127.0.0.1:5000' }).batch).toMatchObject({
      region: 'us-west-2',
      gpus: 0,
      pollMs: 500,
      endpoint: 'http://127.0.0.1:5000',
    });
    expect(problemsOf({ EXECUTOR: 'batch' })).toEqual(['EXECUTOR=batch needs AWS Batch: set AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION']);
    expect(problemsOf({ AIP_BATCH_JOB_QUEUE: 'q' })[0]).toBe('AIP_BATCH_JOB_DEFINITION is missing: AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION must be set together');
    expect(problemsOf({ AIP_BATCH_JOB_QUEUE: 'q', AIP_BATCH_JOB_DEFINITION: 'd' })[0]).toMatch(/BLOB_URL=.* is not s3:\/\/…: Batch jobs read and write their data in S3/);
  });

  it('reads download link lifetimes, the public S3 endpoint and tracing', () => {
    expect(loadConfig({ AIP_DOWNLOAD_URL_SECONDS: '60' }).downloadUrlSeconds).toBe(60);
    expect(loadConfig({ S3_ENDPOINT: 'http://s3:8333', S3_PUBLIC_ENDPOINT: 'https://files.example.org' }).s3).toMatchObject({
      endpoint: 'http://s3:8333',
      publicEndpoint: 'https://files.example.org',
    });
    expect(loadConfig({ S3_ENDPOINT: 'http://s3:8333' }).s3.publicEndpoint).toBe('http://s3:8333');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'aip-api' }).tracing).toEqual({
      endpoint: 'http://collector:4318',
      serviceName: 'aip-api',
    });
  });

  it('reads task queues and training slots, refusing malformed ones', () => {
    const config = loadConfig({ AIP_ORCHESTRATION_QUEUE: 'team-a.orch', AIP_GPU_QUEUE: 'team-a.gpu', AIP_TRAINING_SLOTS: '4' });
    expect(config.taskQueues).toEqual({ orchestration: 'team-a.orch', gpu: 'team-a.gpu' });
    expect(config.trainingSlots).toBe(4);
    expect(() => loadConfig({ AIP_GPU_QUEUE: 'has space', AIP_TRAINING_SLOTS: '0' })).toThrow(
      /AIP_GPU_QUEUE="has space" is invalid[\s\S]*AIP_TRAINING_SLOTS="0" is invalid/,
    );
  });

  it('defaults AIP_HOME to .aip under the process cwd', () => {
    expect(loadConfig({}).home).toBe(path.join(process.cwd(), '.aip'));
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        AIP_HOME: 'state',
        AIP_PORT: '9000',
        DATABASE_URL: 'postgres://u:p@db:5432/aip',
        BLOB_URL: 's3://aip-blobs/prod/v1',
        S3_ENDPOINT: 'http://minio:9000',
        S3_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AK',
        AWS_SECRET_ACCESS_KEY: 'SK',
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: 'aip',
        AIP_TEMPORAL_UI_URL: 'https://temporal.example.com/',
        EXECUTOR: 'batch',
        AIP_BATCH_JOB_QUEUE: 'aip-gpu',
        AIP_BATCH_JOB_DEFINITION: 'aip-trainer',
        AIP_PYTHON: '/opt/venv/bin/python',
        AIP_WORK_DIR: '/scratch',
        AIP_TOKEN: 'secret',
        AIP_ADMIN_PASSWORD: 'first-password',
        AIP_HEARTBEAT_TIMEOUT_MS: '5000',
      },
      { cwd: '/srv/app' },
    );
    expect(config).toMatchObject({
      home: '/srv/app/state',
      port: 9000,
      databaseUrl: 'postgres://u:p@db:5432/aip',
      blobUrl: 's3://aip-blobs/prod/v1',
      s3: {
        endpoint: 'http://minio:9000',
        region: 'eu-west-1',
        forcePathStyle: true, // defaults to true once an endpoint is set
        credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      },
      temporal: { address: 'temporal:7233', namespace: 'aip', uiUrl: 'https://temporal.example.com' },
      executor: 'batch',
      python: '/opt/venv/bin/python',
      workDir: '/scratch',
      token: 'secret',
      adminPassword: 'first-password',
      heartbeatTimeoutMs: 5000,
    });
    expect(loadConfig({ S3_ENDPOINT: 'http://x:1', S3_FORCE_PATH_STYLE: 'false' }).s3.forcePathStyle).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'pglite://memory' }).databaseUrl).toBe('pglite://memory');
  });

  it('refuses a short AIP_ADMIN_PASSWORD without repeating it', () => {
    expect(() => loadConfig({ AIP_ADMIN_PASSWORD: 'hunter2' })).toThrow(/AIP_ADMIN_PASSWORD is invalid: expected at least 10 characters/);
    expect(() => loadConfig({ AIP_ADMIN_PASSWORD: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('reads which proxies to trust', () => {
    expect(loadConfig({ AIP_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ AIP_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ AIP_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ AIP_TRUST_PROXY: 'the load balancer' })).toThrow(/AIP_TRUST_PROXY="the load balancer" is invalid/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ AIP_PORT: '', EXECUTOR: ' ' }, { cwd: '/a' })).toMatchObject({ port: 8080, executor: 'local' });
  });

  it.each([
    ['AIP_PORT', 'http'],
    ['AIP_PORT', '70000'],
    ['AIP_PORT', '80.5'],
    ['DATABASE_URL', 'mysql://db/aip'],
    ['BLOB_URL', 'gs://bucket'],
    ['AIP_TEMPORAL_UI_URL', 'temporal:8233'],
    ['BLOB_URL', 's3://'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233'],
    ['EXECUTOR', 'kubernetes'],
    ['AIP_HEARTBEAT_TIMEOUT_MS', '-1'],
    ['AIP_HEALTH_PORT', '65536'],
    ['AIP_DOWNLOAD_URL_SECONDS', '1'],
    ['S3_PUBLIC_ENDPOINT', 'files.example.org'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['AWS_ACCESS_KEY_ID', 'only-the-id'],
  ])('names malformed %s=%s in the error', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name === 'AWS_ACCESS_KEY_ID' ? 'AWS_SECRET_ACCESS_KEY is missing' : `${name}=`);
  });

  it('reports every bad variable at once in the message', () => {
    let error: unknown;
    try {
      loadConfig({ AIP_PORT: 'x', EXECUTOR: 'y', BLOB_URL: 'z' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['AIP_PORT="x"', 'EXECUTOR="y"', 'BLOB_URL="z"']) expect(message).toContain(name);
  });
});
