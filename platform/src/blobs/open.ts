import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalBlobStore } from './local.ts';
import { S3BlobStore, type S3BlobStoreOptions, parseS3Url } from './s3.ts';
import type { BlobStore } from './store.ts';

export interface OpenBlobStoreOptions {
  /** S3 settings for `s3://` URLs (pass `config.s3`). */
  s3?: S3BlobStoreOptions;
}

/**
 * `file://<folder>` (absolute, or relative to the cwd; created if missing) or
 * `s3://bucket/optional/prefix`. The path after `file://` is taken literally (no %-decoding), as
 * the config builds it from AIP_HOME.
 */
export async function openBlobStore(url: string, options: OpenBlobStoreOptions = {}): Promise<BlobStore> {
  if (url.startsWith('file://')) {
    const root = path.resolve(url.slice('file://'.length));
    if (root === path.parse(root).root) throw new Error(`openBlobStore: refusing the file system root as blob folder (${url})`);
    await mkdir(root, { recursive: true });
    return new LocalBlobStore(root);
  }
  if (url.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(url);
    return new S3BlobStore(bucket, prefix, options.s3);
  }
  throw new Error(`openBlobStore: unsupported blob URL ${JSON.stringify(url)}: expected file://<folder> or s3://<bucket>[/<prefix>]`);
}
