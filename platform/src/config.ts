// The one typed configuration of AIP, read from environment variables. Every process (API, workers,
// the embedded all-in-one start script) calls loadConfig() once at start; a bad environment fails
// there with one message listing every problem, instead of failing later somewhere deep.
import path from 'node:path';
import { DEFAULT_POOL, POOL_NAME, POOL_NAME_RULE } from '@aip/workflows';

export type Executor = 'local' | 'batch';

export interface S3Config {
  /** Custom endpoint (MinIO, SeaweedFS, …); undefined = AWS. */
  endpoint: string | undefined;
  /**
   * S3_PUBLIC_ENDPOINT: the same store as users' browsers reach it, for presigned download links
   * (in docker-compose the API reaches `http://s3:8333`, a browser `http://localhost:8333`).
   * Default: `endpoint`.
   */
  publicEndpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; undefined = the SDK's default chain (profiles, instance roles). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

export interface AipConfig {
  /** AIP_HOME, absolute: the root of the embedded state (db, blobs, scratch). */
  home: string;
  /** AIP_PORT: the API's HTTP port. */
  port: number;
  /** DATABASE_URL: `pglite://<folder>`, `pglite://memory` or `postgres(ql)://…`. */
  databaseUrl: string;
  /** BLOB_URL: `file://<folder>` or `s3://bucket/optional/prefix`. */
  blobUrl: string;
  s3: S3Config;
  /**
   * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE; AIP_TEMPORAL_UI_URL: where users open the operators'
   * Temporal UI (unset: the AIP host's port 8233, where the dev server serves it).
   */
  temporal: { address: string; namespace: string; uiUrl: string | undefined };
  /** EXECUTOR: where training runs by default. */
  executor: Executor;
  /** AIP_PYTHON: the trainer's interpreter. */
  python: string;
  /** AIP_WORK_DIR, absolute: local scratch space for activities. */
  workDir: string;
  /** AIP_TOKEN: an optional fixed API token of the admin (for scripts and deployments). */
  token: string | undefined;
  /**
   * AIP_ADMIN_PASSWORD: the admin's password on the first start (unset: one is generated and left
   * in AIP_HOME/initial-admin-password). Ignored once the admin has a password.
   */
  adminPassword: string | undefined;
  /**
   * AIP_TRUST_PROXY: the reverse proxies in front of the API whose X-Forwarded-* headers count
   * (client address for rate limits, https for Secure cookies): `true` (any), a number of hops, or
   * a comma-separated list of addresses/CIDRs. Unset: none, the connection's own address counts.
   */
  trustProxy: boolean | number | string[];
  /** AIP_HEARTBEAT_TIMEOUT_MS: activity heartbeat timeout. */
  heartbeatTimeoutMs: number;
  /**
   * AIP_ORCHESTRATION_QUEUE / AIP_GPU_QUEUE: Temporal task queues of the orchestration workers and
   * the GPU (training) workers. Separate deployments sharing one Temporal namespace, and tests,
   * set their own.
   */
  taskQueues: { orchestration: string; gpu: string };
  /**
   * AIP_TRAINING_SLOTS: concurrent training jobs on this GPU worker. Unset: one per GPU of
   * `gpus` (one on a machine without GPUs).
   */
  trainingSlots: number | undefined;
  /**
   * AIP_GPUS: the GPU indices this GPU worker trains on, one training slot each (`0,1,2,3`), or
   * `none` for CPU only. Unset (undefined): detected at start with nvidia-smi.
   */
  gpus: number[] | undefined;
  /**
   * AIP_GPU_POOLS: the pools this GPU worker serves (default `default`). A node's `pool` picks the
   * pool its training goes to; each pool is one task queue (`gpuTaskQueue`).
   */
  gpuPools: string[];
  /** AWS Batch, when both AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION are set. */
  batch: BatchConfig | undefined;
  /** AIP_HEALTH_PORT: a worker process's HTTP port for /healthz, /readyz and /metrics (unset: none). */
  healthPort: number | undefined;
  /** AIP_DOWNLOAD_URL_SECONDS: lifetime of presigned download URLs (bundles on S3). */
  downloadUrlSeconds: number;
  /**
   * OTEL_EXPORTER_OTLP_ENDPOINT (tracing on when set) and OTEL_SERVICE_NAME: the standard
   * OpenTelemetry variables, read here so a bad value fails at start like every other.
   */
  tracing: { endpoint: string; serviceName: string | undefined } | undefined;
}

export interface BatchConfig {
  /** AIP_BATCH_JOB_QUEUE: the job queue's name or ARN. */
  jobQueue: string;
  /** AIP_BATCH_JOB_DEFINITION: the trainer's job definition (`name`, `name:revision` or ARN). */
  jobDefinition: string;
  /** AIP_BATCH_REGION (default: the S3 region). */
  region: string;
  /** AIP_BATCH_ENDPOINT: a custom Batch endpoint (AWS-compatible test servers); undefined = AWS. */
  endpoint: string | undefined;
  /** AIP_BATCH_GPUS: GPUs each training job asks for (0: CPU job). */
  gpus: number;
  /** AIP_BATCH_POLL_MS: how often a running job's state and progress are read. */
  pollMs: number;
}

/** Thrown by loadConfig(); `problems` holds one line per bad variable, all named in `message`. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid AIP configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Base for the default and relative AIP_HOME; defaults to process.cwd(). */
  cwd?: string;
}

export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): AipConfig {
  const problems: string[] = [];
  // An empty variable counts as unset: `FOO= cmd` and compose files with blank values are common.
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const bad = (name: string, value: string, expected: string): void => {
    problems.push(`${name}=${JSON.stringify(value)} is invalid: expected ${expected}`);
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      bad(name, raw, `an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['true', '1', 'yes'].includes(lower)) return true;
    if (['false', '0', 'no'].includes(lower)) return false;
    bad(name, raw, 'true or false');
    return fallback;
  };

  const queueName = (name: string, fallback: string): string => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(raw)) bad(name, raw, 'letters, digits, ".", "_" or "-"');
    return raw;
  };

  const adminPassword = read('AIP_ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 10) {
    // The value itself stays out of the message: it is a secret.
    problems.push('AIP_ADMIN_PASSWORD is invalid: expected at least 10 characters');
  }

  const proxies = (raw: string | undefined): boolean | number | string[] => {
    if (raw === undefined || ['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    if (['true', 'yes'].includes(raw.toLowerCase())) return true;
    if (/^\d+$/.test(raw)) return Number(raw);
    const list = raw.split(',').map((part) => part.trim()).filter(Boolean);
    if (list.length === 0 || !list.every((part) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(part))) {
      bad('AIP_TRUST_PROXY', raw, 'true, false, a number of proxy hops, or comma-separated IP addresses/CIDRs');
      return false;
    }
    return list;
  };

  const gpuList = (raw: string | undefined): number[] | undefined => {
    if (raw === undefined) return undefined;
    if (raw.toLowerCase() === 'none') return [];
    const parts = raw.split(',').map((part) => part.trim());
    if (!parts.every((part) => /^\d{1,3}$/.test(part)) || new Set(parts).size !== parts.length) {
      bad('AIP_GPUS', raw, 'comma-separated distinct GPU indices (e.g. 0,1,2,3) or "none"');
      return undefined;
    }
    return parts.map(Number);
  };
  const poolList = (raw: string | undefined): string[] => {
    if (raw === undefined) return [DEFAULT_POOL];
    const pools = raw.split(',').map((part) => part.trim()).filter(Boolean);
    if (pools.length === 0 || !pools.every((pool) => POOL_NAME.test(pool))) {
      bad('AIP_GPU_POOLS', raw, `comma-separated pool names (${POOL_NAME_RULE})`);
      return [DEFAULT_POOL];
    }
    return [...new Set(pools)];
  };
  const batchConfig = (): BatchConfig | undefined => {
    const jobQueue = read('AIP_BATCH_JOB_QUEUE');
    const jobDefinition = read('AIP_BATCH_JOB_DEFINITION');
    if (jobQueue === undefined && jobDefinition === undefined) return undefined;
    if (jobQueue === undefined || jobDefinition === undefined) {
      problems.push(
        `${jobQueue === undefined ? 'AIP_BATCH_JOB_QUEUE' : 'AIP_BATCH_JOB_DEFINITION'} is missing: ` +
          'AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION must be set together',
      );
      return undefined;
    }
    const endpoint = read('AIP_BATCH_ENDPOINT');
    if (endpoint !== undefined && !isHttpUrl(endpoint)) bad('AIP_BATCH_ENDPOINT', endpoint, 'an http:// or https:// URL');
    return {
      jobQueue,
      jobDefinition,
      region: read('AIP_BATCH_REGION') ?? read('S3_REGION') ?? read('AWS_REGION') ?? 'us-east-1',
      endpoint,
      gpus: integer('AIP_BATCH_GPUS', 1, 0, 16),
      pollMs: integer('AIP_BATCH_POLL_MS', 15_000, 50, 3_600_000),
    };
  };
  const tracingConfig = (): AipConfig['tracing'] => {
    const endpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
    if (endpoint === undefined) return undefined;
    if (!isHttpUrl(endpoint)) bad('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint, 'an http:// or https:// URL');
    return { endpoint, serviceName: read('OTEL_SERVICE_NAME') };
  };

  const cwd = options.cwd ?? process.cwd();
  const home = path.resolve(cwd, read('AIP_HOME') ?? '.aip');
  const port = integer('AIP_PORT', 8080, 1, 65535);

  const databaseUrl = read('DATABASE_URL') ?? `pglite://${path.join(home, 'db')}`;
  if (!/^(pglite|postgres|postgresql):\/\/./.test(databaseUrl)) {
    bad('DATABASE_URL', databaseUrl, 'pglite://<folder>, pglite://memory, postgres://… or postgresql://…');
  }

  const blobUrl = read('BLOB_URL') ?? `file://${path.join(home, 'blobs')}`;
  if (!/^file:\/\/./.test(blobUrl) && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(blobUrl)) {
    bad('BLOB_URL', blobUrl, 'file://<folder> or s3://<bucket>[/<prefix>]');
  }

  const endpoint = read('S3_ENDPOINT');
  if (endpoint !== undefined && !isHttpUrl(endpoint)) bad('S3_ENDPOINT', endpoint, 'an http:// or https:// URL');
  const publicEndpoint = read('S3_PUBLIC_ENDPOINT');
  if (publicEndpoint !== undefined && !isHttpUrl(publicEndpoint)) bad('S3_PUBLIC_ENDPOINT', publicEndpoint, 'an http:// or https:// URL');
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  const sessionToken = read('AWS_SESSION_TOKEN');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    problems.push(
      `${accessKeyId === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is missing: ` +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together',
    );
  }
  const s3: S3Config = {
    endpoint,
    publicEndpoint: publicEndpoint ?? endpoint,
    region: read('S3_REGION') ?? read('AWS_REGION') ?? 'us-east-1',
    // Self-hosted S3 stores rarely have wildcard DNS for virtual-hosted buckets.
    forcePathStyle: boolean('S3_FORCE_PATH_STYLE', endpoint !== undefined),
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
        : undefined,
  };

  const temporalAddress = read('TEMPORAL_ADDRESS') ?? '127.0.0.1:7233';
  if (!/^[^\s/:]+:\d{1,5}$/.test(temporalAddress)) bad('TEMPORAL_ADDRESS', temporalAddress, 'host:port');

  const temporalUiUrl = read('AIP_TEMPORAL_UI_URL');
  if (temporalUiUrl !== undefined && !isHttpUrl(temporalUiUrl)) bad('AIP_TEMPORAL_UI_URL', temporalUiUrl, 'an http(s) URL');

  const executorRaw = read('EXECUTOR') ?? 'local';
  if (executorRaw !== 'local' && executorRaw !== 'batch') bad('EXECUTOR', executorRaw, '"local" or "batch"');
  const executor: Executor = executorRaw === 'batch' ? 'batch' : 'local';

  const config: AipConfig = {
    home,
    port,
    databaseUrl,
    blobUrl,
    s3,
    temporal: {
      address: temporalAddress,
      namespace: read('TEMPORAL_NAMESPACE') ?? 'default',
      uiUrl: temporalUiUrl?.replace(/\/+$/, ''),
    },
    executor,
    python: read('AIP_PYTHON') ?? 'python3',
    workDir: path.resolve(cwd, read('AIP_WORK_DIR') ?? path.join(home, 'work')),
    token: read('AIP_TOKEN'),
    adminPassword,
    trustProxy: proxies(read('AIP_TRUST_PROXY')),
    heartbeatTimeoutMs: integer('AIP_HEARTBEAT_TIMEOUT_MS', 60_000, 1000, 24 * 3600 * 1000),
    taskQueues: {
      orchestration: queueName('AIP_ORCHESTRATION_QUEUE', 'aip-orchestration'),
      gpu: queueName('AIP_GPU_QUEUE', 'aip-gpu'),
    },
    trainingSlots: read('AIP_TRAINING_SLOTS') === undefined ? undefined : integer('AIP_TRAINING_SLOTS', 1, 1, 64),
    gpus: gpuList(read('AIP_GPUS')),
    gpuPools: poolList(read('AIP_GPU_POOLS')),
    batch: batchConfig(),
    healthPort: read('AIP_HEALTH_PORT') === undefined ? undefined : integer('AIP_HEALTH_PORT', 0, 0, 65535),
    downloadUrlSeconds: integer('AIP_DOWNLOAD_URL_SECONDS', 300, 10, 7 * 24 * 3600),
    tracing: tracingConfig(),
  };
  if (executor === 'batch' && !config.batch) {
    problems.push('EXECUTOR=batch needs AWS Batch: set AIP_BATCH_JOB_QUEUE and AIP_BATCH_JOB_DEFINITION');
  }
  if (config.batch && !blobUrl.startsWith('s3://')) {
    problems.push(`AIP_BATCH_JOB_QUEUE is set but BLOB_URL=${JSON.stringify(blobUrl)} is not s3://…: Batch jobs read and write their data in S3`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
