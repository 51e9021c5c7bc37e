// Blob store in an S3 bucket (AWS, or an S3-compatible store such as SeaweedFS or MinIO), under an
// optional key prefix: `s3://bucket/optional/prefix`. Streams are uploaded in multipart chunks by
// lib-storage's Upload, so memory stays at about partSize × queueSize whatever the blob size.
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { keyUnder, listLocalFiles, localTarget } from './files.ts';
import {
  type BlobBody,
  type BlobStore,
  type DownloadUrlOptions,
  type PutOptions,
  BlobNotFoundError,
  InvalidBlobKeyError,
  asFolderPrefix,
  assertValidKey,
  assertValidPrefix,
  forEachLimit,
} from './store.ts';

export interface S3BlobStoreOptions {
  /** Custom endpoint (SeaweedFS, MinIO…); undefined for AWS. */
  endpoint?: string | undefined;
  /** The endpoint as browsers reach it, for presigned URLs (default: `endpoint`). */
  publicEndpoint?: string | undefined;
  region?: string;
  /** Path-style URLs; default true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Explicit credentials; undefined uses the SDK's default chain (env, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Multipart part size in bytes (S3 minimum 5 MiB; default 8 MiB). */
  partSize?: number;
  /** Keys per list / delete request (1..1000, default 1000); lower it to exercise pagination. */
  pageSize?: number;
  /** Parallel transfers for uploadDir/downloadDir (default 8). */
  concurrency?: number;
  /** Use this client instead of building one (shared connection pools). */
  client?: S3Client;
}

const MiB = 1024 * 1024;

export class S3BlobStore implements BlobStore {
  readonly url: string;
  readonly bucket: string;
  /** '' or a prefix ending with '/', prepended to every key. */
  readonly basePrefix: string;
  readonly client: S3Client;
  private readonly partSize: number;
  private readonly pageSize: number;
  private readonly concurrency: number;
  /** Signs download links for the public endpoint (signing is local: this client sends nothing). */
  private readonly signer: S3Client;

  constructor(bucket: string, basePrefix: string, options: S3BlobStoreOptions = {}) {
    assertValidPrefix(basePrefix);
    this.bucket = bucket;
    this.basePrefix = asFolderPrefix(basePrefix);
    this.url = `s3://${bucket}${this.basePrefix ? `/${this.basePrefix.slice(0, -1)}` : ''}`;
    this.partSize = Math.max(options.partSize ?? 8 * MiB, 5 * MiB);
    this.pageSize = Math.min(Math.max(options.pageSize ?? 1000, 1), 1000);
    this.concurrency = options.concurrency ?? 8;
    const clientFor = (endpoint: string | undefined) =>
      new S3Client({
        region: options.region ?? 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
        ...(options.credentials ? { credentials: options.credentials } : {}),
        // S3-compatible stores lag behind AWS's newer default CRC checksums; send them only
        // where the API requires one.
        ...(endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      });
    this.client = options.client ?? clientFor(options.endpoint);
    const publicEndpoint = options.publicEndpoint ?? options.endpoint;
    this.signer = publicEndpoint === options.endpoint ? this.client : clientFor(publicEndpoint);
  }

  async put(key: string, body: BlobBody, opts: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.fullKey(key),
        Body: typeof body === 'string' ? Buffer.from(body) : body,
        ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      },
      ...(opts.tags ? { tags: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Readable> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      // In Node the SDK's body is an http.IncomingMessage, i.e. a Readable.
      if (!(result.Body instanceof Readable)) throw new Error(`S3 returned no readable body for ${key}`);
      return result.Body;
    } catch (error) {
      throw this.notFound(error, key);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return buffer(await this.get(key));
  }

  /** A presigned GET URL (query-string SigV4: S3 caps its lifetime at 7 days). */
  async downloadUrl(key: string, options: DownloadUrlOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.fullKey(key),
      ...(options.filename ? { ResponseContentDisposition: contentDisposition(options.filename) } : {}),
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    return getSignedUrl(this.signer, command, { expiresIn: options.expiresInSeconds });
  }

  /** `s3://bucket/<basePrefix><key>`: where a key is for programs that read S3 themselves. */
  uri(key: string): string {
    return `s3://${this.bucket}/${this.fullKey(key)}`;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.head(key);
      return true;
    } catch (error) {
      if (error instanceof BlobNotFoundError) return false;
      throw error;
    }
  }

  async size(key: string): Promise<number> {
    return (await this.head(key)).ContentLength ?? 0;
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.pageSize },
      { Bucket: this.bucket, Prefix: this.basePrefix + prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield object.Key.slice(this.basePrefix.length);
      }
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new InvalidBlobKeyError(prefix, 'deletePrefix refuses the empty prefix (it would delete everything)');
    assertValidPrefix(prefix);
    // Always list the first page again after deleting it, rather than following a continuation
    // token across deletions (not every S3-compatible store keeps those stable).
    for (;;) {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.basePrefix + prefix, MaxKeys: this.pageSize }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [{ Key: object.Key }]));
      if (keys.length === 0) return;
      const result = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `deletePrefix ${prefix} in ${this.url}: ${failed.length} objects not deleted, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
    }
  }

  async uploadDir(localDir: string, prefix: string): Promise<number> {
    const files = await listLocalFiles(localDir);
    const keys = files.map((relative) => ({ from: path.join(localDir, relative), key: keyUnder(prefix, relative) }));
    return forEachLimit(keys, this.concurrency, ({ from, key }) => this.put(key, createReadStream(from)));
  }

  async downloadDir(prefix: string, localDir: string): Promise<number> {
    assertValidPrefix(prefix);
    const folderPrefix = asFolderPrefix(prefix);
    return forEachLimit(this.list(folderPrefix), this.concurrency, async (key) => {
      const target = localTarget(this, key, folderPrefix, localDir);
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(await this.get(key), createWriteStream(target));
    });
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.basePrefix + key;
  }

  private async head(key: string) {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      throw this.notFound(error, key);
    }
  }

  private notFound(error: unknown, key: string): unknown {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404) {
      return new BlobNotFoundError(key, this.url);
    }
    return error;
  }
}

/** An attachment header for a file name; non-ASCII names go in RFC 6266's filename*. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return ascii === filename
    ? `attachment; filename="${filename}"`
    : `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** `s3://bucket/optional/prefix` → bucket and prefix. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match?.[1]) throw new Error(`Invalid S3 URL ${JSON.stringify(url)}: expected s3://<bucket>[/<prefix>]`);
  return { bucket: match[1], prefix: match[2] ?? '' };
}
