// The blob store contract shared by the local-folder and S3 backends. Keys are `/`-separated
// relative paths (docs/contracts.md "Blob keys"); both backends refuse the same bad keys so code
// tested on the embedded store behaves the same in production.
import type { Readable } from 'node:stream';

export type BlobBody = Buffer | Uint8Array | string | Readable;

export interface PutOptions {
  contentType?: string;
  /** Object tags (S3; lifecycle rules select by them). Stores without tags ignore them. */
  tags?: Record<string, string>;
}

export interface DownloadUrlOptions {
  expiresInSeconds: number;
  /** Saved under this name (Content-Disposition: attachment). */
  filename?: string;
  contentType?: string;
}

export interface BlobStore {
  /** The URL the store was opened from (`file://…` or `s3://…`). */
  readonly url: string;
  /** Writes a blob; readers never see a partial blob. Streams are not buffered whole. */
  put(key: string, body: BlobBody, opts?: PutOptions): Promise<void>;
  /** A stream of the blob; throws BlobNotFoundError (before returning) when it does not exist. */
  get(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Size in bytes; throws BlobNotFoundError. */
  size(key: string): Promise<number>;
  /** Every key starting with `prefix` (a plain string prefix, as in S3), in no particular order. */
  list(prefix: string): AsyncIterable<string>;
  /** Deletes one blob; deleting a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every key starting with `prefix`; an empty prefix is refused. */
  deletePrefix(prefix: string): Promise<void>;
  /** Uploads every file under `localDir` to `<prefix>/<relative path>`; returns the file count. */
  uploadDir(localDir: string, prefix: string): Promise<number>;
  /** Downloads every key under `<prefix>/` to `localDir/<rest of key>`; returns the file count. */
  downloadDir(prefix: string, localDir: string): Promise<number>;
  /**
   * A URL anyone holding it can GET the blob from, for `expiresInSeconds`, without passing through
   * this process (S3 presigned URLs). Absent on stores that cannot hand out such links.
   */
  downloadUrl?(key: string, options: DownloadUrlOptions): Promise<string>;
  /** The local backend's file of a key, to read it without a copy; undefined elsewhere. */
  localPath?(key: string): string | undefined;
  /** The S3 backend's `s3://bucket/key` URI of a key (for jobs that read S3 themselves, AWS Batch); absent elsewhere. */
  uri?(key: string): string;
}

export class BlobNotFoundError extends Error {
  readonly key: string;
  constructor(key: string, where: string) {
    super(`Blob not found: ${key} (in ${where})`);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

export class InvalidBlobKeyError extends Error {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`Invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidBlobKeyError';
    this.key = key;
  }
}

/**
 * Refuses keys that could escape the store's root or mean different things on different
 * backends: empty, absolute, backslashes, empty/`.`/`..` segments, control characters.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKeyError(String(key), 'empty key');
  checkPath(key, key);
  if (key.endsWith('/')) throw new InvalidBlobKeyError(key, 'a key cannot end with "/"');
}

/** A list/delete prefix: the same rules as a key, except it may be empty or end with `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  checkPath(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, prefix);
}

function checkPath(body: string, original: string): void {
  if (body.startsWith('/')) throw new InvalidBlobKeyError(original, 'absolute paths are not allowed');
  if (body.includes('\\')) throw new InvalidBlobKeyError(original, 'backslashes are not allowed');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(body)) throw new InvalidBlobKeyError(original, 'control characters are not allowed');
  if (Buffer.byteLength(body) > 1000) throw new InvalidBlobKeyError(original, 'longer than 1000 bytes');
  for (const segment of body.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidBlobKeyError(original, `empty, "." and ".." path segments are not allowed`);
    }
  }
}

/** `prefix` as a folder: '' stays '', otherwise it ends with exactly one '/'. */
export function asFolderPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Runs `fn` over `items` with at most `limit` in flight (many small files to/from S3). */
export async function forEachLimit<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<number> {
  const running = new Set<Promise<void>>();
  let count = 0;
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const task: Promise<void> = fn(item).then(
      () => {
        running.delete(task);
      },
      (error: unknown) => {
        running.delete(task);
        failure ??= { error };
      },
    );
    running.add(task);
    count += 1;
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
  return count;
}
