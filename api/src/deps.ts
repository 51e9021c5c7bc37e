/** What the API is built from: configuration and the services it talks to. */
import type { FastifyBaseLogger } from 'fastify';
import type { Client } from '@temporalio/client';
import type { AipConfig, BlobStore, Database } from '@aip/platform';

/** The configuration the API reads; `AipConfig` (loadConfig()) satisfies it. */
export type ApiConfig = Pick<AipConfig, 'heartbeatTimeoutMs' | 'taskQueues'> & {
  /** Shown to the web app (GET /api/me) so it can link to the Temporal UI; the client is `temporal` below. */
  temporal: Pick<AipConfig['temporal'], 'namespace' | 'uiUrl'>;
  /** Largest accepted dataset upload in bytes (default 4 GiB). */
  uploadMaxBytes?: number;
};

export interface AppDeps {
  config: ApiConfig;
  db: Database;
  blobs: BlobStore;
  /** Used only to start, describe and cancel workflows; the API never runs activities. */
  temporal: Client;
  /** A pino-compatible logger, or true/false for Fastify's default logger / none (default none). */
  logger?: FastifyBaseLogger | boolean;
  /** Folder of the web app to serve at `/`; default web/build when built, else web/static. */
  webRoot?: string;
}

export const DEFAULT_UPLOAD_MAX_BYTES = 4 * 1024 ** 3;
