// @aip/platform: services shared by the API and the workers.
export { type AipConfig, type Executor, type LoadConfigOptions, type S3Config, ConfigError, loadConfig } from './config.ts';

export * from './db/schema.ts';
export * as schema from './db/schema.ts';
export { ID_PREFIX, newId } from './db/ids.ts';
export {
  type AipQueryResult,
  type AipQueryResultHKT,
  type Database,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  type Schema,
  MIGRATIONS_FOLDER,
  openDatabase,
} from './db/open.ts';

export {
  type BlobBody,
  type BlobStore,
  type PutOptions,
  type DownloadUrlOptions,
  BlobNotFoundError,
  InvalidBlobKeyError,
  assertValidKey,
  assertValidPrefix,
} from './blobs/store.ts';
export { LocalBlobStore } from './blobs/local.ts';
export { S3BlobStore, type S3BlobStoreOptions, parseS3Url } from './blobs/s3.ts';
export { type OpenBlobStoreOptions, openBlobStore } from './blobs/open.ts';
export { listLocalFiles } from './blobs/files.ts';
export { type Readiness, type ReadinessProbes, PROBE_TIMEOUT_MS, checkReadiness, serviceProbes } from './readiness.ts';
export { type CreateLoggerOptions, type Logger, LOG_REDACT_CENSOR, LOG_REDACT_PATHS, createLogger } from './observability/logging.ts';
export {
  type MetricsResponse,
  type Outcome,
  type SlotCounts,
  Gauge,
  Registry,
  USER_FAILURE_TYPES,
  activityDuration,
  observeTrainingSlots,
  processMetrics,
  renderMetrics,
  stageDuration,
  stageFailures,
} from './observability/metrics.ts';
export { type StartTracingOptions, type Tracing, startTracing, tracingFromConfig } from './observability/tracing.ts';
