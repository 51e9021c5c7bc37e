/** What the API is built from: configuration and the services it talks to. */
import type { Client } from '@temporalio/client';
import type { AipConfig, BlobStore, Database } from '@aip/platform';

/** The configuration the API reads; `AipConfig` (loadConfig()) satisfies it. */
export type ApiConfig = Pick<AipConfig, 'heartbeatTimeoutMs' | 'taskQueues'> & {
  /** Shown to the web app (GET /api/me) so it can link to the Temporal UI; the client is `temporal` below. */
  temporal: Pick<AipConfig['temporal'], 'namespace' | 'uiUrl'>;
  /** Largest accepted dataset upload in bytes (default 4 GiB). */
  uploadMaxBytes?: number;
  /** Which proxies' X-Forwarded-* headers to believe (default none); AipConfig's `trustProxy`. */
  trustProxy?: AipConfig['trustProxy'];
  /** Lifetime of presigned download links (default 300 s); AipConfig's `downloadUrlSeconds`. */
  downloadUrlSeconds?: number;
  /** The executor of a node that names none (default `local`); AipConfig's `executor` (EXECUTOR). */
  executor?: AipConfig['executor'];
  /** AWS Batch, when the platform has it; without, runs asking for `batch` are refused. */
  batch?: AipConfig['batch'];
  /**
   * Whether the Temporal namespace has AIP's search attributes (ensureSearchAttributes at start;
   * default true): runs are started with them only then.
   */
  searchAttributes?: boolean;
  /** The GPU pools whose task queues `/metrics` reports the backlog of (default: the default pool); AipConfig's `gpuPools`. */
  gpuPools?: string[];
};

export interface AppDeps {
  config: ApiConfig;
  db: Database;
  blobs: BlobStore;
  /** Used only to start, describe and cancel workflows; the API never runs activities. */
  temporal: Client;
  /**
   * Request logging: true for JSON lines on stdout, an object to choose the level or the stream,
   * false for none (default). Credentials are always redacted (LOG_REDACT_PATHS).
   */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
  /** Folder of the web app to serve at `/`; default web/build when built, else web/static. */
  webRoot?: string;
}

export const DEFAULT_UPLOAD_MAX_BYTES = 4 * 1024 ** 3;
export const DEFAULT_DOWNLOAD_URL_SECONDS = 300;
