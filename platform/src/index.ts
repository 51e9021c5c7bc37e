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
