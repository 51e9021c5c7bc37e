/**
 * Trainer and serving read files from disk. The local blob backend can hand out its own paths
 * (no copy); other backends are downloaded once into the worker's scratch folder.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '@aip/platform';

/** A local folder holding the blobs under `prefix` (which must end without a slash). */
export async function localFolder(blobs: BlobStore, prefix: string, scratch: string): Promise<string> {
  const direct = blobs.localPath?.(prefix);
  if (direct && existsSync(direct)) return direct;
  const target = path.join(scratch, 'blob-cache', prefix);
  const stamp = `${target}.complete`;
  if (existsSync(stamp)) return target;
  // Download next to the target and rename, so a crash mid-download never leaves a half folder
  // that a later attempt would trust.
  const partial = `${target}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(path.dirname(target), { recursive: true });
  await blobs.downloadDir(prefix, partial);
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  await writeFile(stamp, '');
  return target;
}

/** Streams one blob to a local file. */
export async function downloadBlob(blobs: BlobStore, key: string, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await pipeline(await blobs.get(key), createWriteStream(file));
}
