import type { AipConfig, BlobStore, Database } from '@aip/platform';

/** What every activity needs; built once per worker process. */
export interface ActivityDeps {
  config: AipConfig;
  db: Database;
  blobs: BlobStore;
  /** The repository's trainer/ folder (the local executor runs the trainer from it). */
  trainerRoot: string;
}
