/**
 * Opens the services every AIP process shares (database, blob store), from the one typed config.
 */
import { openBlobStore, openDatabase, type AipConfig } from '@aip/platform';

export async function openServices(config: AipConfig) {
  const database = await openDatabase(config.databaseUrl);
  const blobs = await openBlobStore(config.blobUrl, { s3: config.s3 });
  return { database, blobs };
}
