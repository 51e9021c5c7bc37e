// One behaviour suite run against both backends, so the embedded store and S3 cannot drift apart.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, DeleteBucketCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { LocalBlobStore } from './local.ts';
import { openBlobStore } from './open.ts';
import { S3BlobStore, type S3BlobStoreOptions } from './s3.ts';
import { type BlobStore, BlobNotFoundError, InvalidBlobKeyError } from './store.ts';

const MiB = 1024 * 1024;
const BIG = 12 * MiB; // > the 5 MiB part size the S3 suite uses: a 3-part multipart upload

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys.sort();
}

/** A stream of `size` random bytes made on the fly, and the sha256 it will have had. */
function generatedStream(size: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let left = size; left > 0; left -= 64 * 1024) {
      const chunk = randomBytes(Math.min(left, 64 * 1024));
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks()), digest: () => hash.digest('hex') };
}

async function sha256Of(stream: Readable): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), bytes };
}

const BAD_KEYS = ['', '/etc/passwd', '../escape', 'a/../../b', 'a\\b', 'a//b', 'a/./b', 'a/', 'a\u0000b'];

function blobStoreSuite(getStore: () => BlobStore) {
  it('puts and gets a Buffer, a string and a Uint8Array', async () => {
    const store = getStore();
    await store.put('basic/buffer.bin', Buffer.from([0, 1, 2, 255]), { contentType: 'application/octet-stream' });
    await store.put('basic/text.txt', 'héllo', { contentType: 'text/plain' });
    await store.put('basic/bytes.bin', new Uint8Array([9, 8, 7]));
    expect([...(await store.getBuffer('basic/buffer.bin'))]).toEqual([0, 1, 2, 255]);
    expect((await store.getBuffer('basic/text.txt')).toString('utf8')).toBe('héllo');
    expect(await sha256Of(await store.get('basic/bytes.bin'))).toEqual({
      digest: createHash('sha256').update(new Uint8Array([9, 8, 7])).digest('hex'),
      bytes: 3,
    });
    expect(await store.exists('basic/text.txt')).toBe(true);
    expect(await store.size('basic/text.txt')).toBe(Buffer.byteLength('héllo'));
    await store.put('basic/text.txt', 'replaced');
    expect((await store.getBuffer('basic/text.txt')).toString()).toBe('replaced');
  });

  it('streams a blob larger than the multipart part size in and out', async () => {
    const store = getStore();
    const { stream, digest } = generatedStream(BIG);
    await store.put('big/data.bin', stream);
    expect(await store.size('big/data.bin')).toBe(BIG);
    expect(await sha256Of(await store.get('big/data.bin'))).toEqual({ digest: digest(), bytes: BIG });
  });

  it('leaves no blob behind when the body stream fails', async () => {
    const store = getStore();
    async function* failing() {
      yield Buffer.alloc(1024, 1);
      throw new Error('source broke');
    }
    await expect(store.put('failed/blob.bin', Readable.from(failing()))).rejects.toThrow(/source broke/);
    expect(await store.exists('failed/blob.bin')).toBe(false);
    expect(await collect(store.list('failed/'))).toEqual([]);
  });

  it('lists by plain string prefix', async () => {
    const store = getStore();
    for (const key of ['ls/a/1', 'ls/a/2', 'ls/a/b/3', 'ls/ab/4', 'ls/b/5']) await store.put(key, key);
    expect(await collect(store.list('ls/a/'))).toEqual(['ls/a/1', 'ls/a/2', 'ls/a/b/3']);
    expect(await collect(store.list('ls/a'))).toEqual(['ls/a/1', 'ls/a/2', 'ls/a/b/3', 'ls/ab/4']);
    expect(await collect(store.list('ls/'))).toHaveLength(5);
    expect(await collect(store.list('ls/nothing/'))).toEqual([]);
    expect(await collect(store.list(''))).toEqual(expect.arrayContaining(['ls/a/1', 'ls/b/5']));
  });

  it('lists and deletes more keys than one page', async () => {
    const store = getStore();
    const keys = Array.from({ length: 23 }, (_, i) => `many/k${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((key) => store.put(key, 'x')));
    expect(await collect(store.list('many/'))).toEqual(keys);
    await store.deletePrefix('many/');
    expect(await collect(store.list('many/'))).toEqual([]);
  });

  it('deletes by prefix and single key, leaving neighbours', async () => {
    const store = getStore();
    for (const key of ['del/a/1', 'del/a/sub/2', 'del/ab/3', 'del/b/4']) await store.put(key, key);
    await store.deletePrefix('del/a/');
    expect(await collect(store.list('del/'))).toEqual(['del/ab/3', 'del/b/4']);
    await store.deletePrefix('del/a');
    expect(await collect(store.list('del/'))).toEqual(['del/b/4']);
    await store.delete('del/b/4');
    await store.delete('del/b/4'); // deleting a missing blob is fine
    expect(await collect(store.list('del/'))).toEqual([]);
    await expect(store.deletePrefix('')).rejects.toThrow(InvalidBlobKeyError);
  });

  it('reports a missing key as BlobNotFoundError', async () => {
    const store = getStore();
    await expect(store.get('missing/nope')).rejects.toThrow(BlobNotFoundError);
    await expect(store.getBuffer('missing/nope')).rejects.toThrow(BlobNotFoundError);
    await expect(store.size('missing/nope')).rejects.toThrow(/Blob not found: missing\/nope/);
    expect(await store.exists('missing/nope')).toBe(false);
  });

  it('uploads and downloads a folder tree', async () => {
    const store = getStore();
    const src = await mkdtemp(path.join(os.tmpdir(), 'aip-blob-src-'));
    const dst = await mkdtemp(path.join(os.tmpdir(), 'aip-blob-dst-'));
    try {
      await mkdir(path.join(src, 'images/train'), { recursive: true });
      await writeFile(path.join(src, 'dataset.json'), '{"version":1}');
      await writeFile(path.join(src, 'manifest.jsonl'), '');
      await writeFile(path.join(src, 'images/train/0001.png'), randomBytes(3000));
      expect(await store.uploadDir(src, 'datasets/ds_1/normalized')).toBe(3);
      expect(await collect(store.list('datasets/ds_1/'))).toEqual([
        'datasets/ds_1/normalized/dataset.json',
        'datasets/ds_1/normalized/images/train/0001.png',
        'datasets/ds_1/normalized/manifest.jsonl',
      ]);
      expect(await store.downloadDir('datasets/ds_1/normalized', dst)).toBe(3);
      for (const file of ['dataset.json', 'manifest.jsonl', 'images/train/0001.png']) {
        expect(await readFile(path.join(dst, file))).toEqual(await readFile(path.join(src, file)));
      }
      expect((await readdir(dst)).sort()).toEqual(['dataset.json', 'images', 'manifest.jsonl']);
    } finally {
      await rm(src, { recursive: true, force: true });
      await rm(dst, { recursive: true, force: true });
    }
  });

  it.each(BAD_KEYS)('refuses the bad key %j', async (key) => {
    const store = getStore();
    await expect(store.put(key, 'x')).rejects.toThrow(InvalidBlobKeyError);
    await expect(store.get(key)).rejects.toThrow(InvalidBlobKeyError);
    await expect(store.exists(key)).rejects.toThrow(InvalidBlobKeyError);
  });

  it('refuses prefixes that climb out of the store', async () => {
    const store = getStore();
    await expect(collect(store.list('../'))).rejects.toThrow(InvalidBlobKeyError);
    await expect(store.deletePrefix('/abs/')).rejects.toThrow(InvalidBlobKeyError);
    await expect(store.uploadDir(os.tmpdir(), '../up')).rejects.toThrow(InvalidBlobKeyError);
  });
}

describe('BlobStore: LocalBlobStore (temp folder)', () => {
  let root = '';
  let store: LocalBlobStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'aip-blobs-'));
    store = (await openBlobStore(`file://${root}`)) as LocalBlobStore;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  blobStoreSuite(() => store);

  it('is opened from file:// URLs', () => {
    expect(store).toBeInstanceOf(LocalBlobStore);
    expect(store.url).toBe(`file://${root}`);
  });

  it('hands out the file of a key and keeps temporary files out of sight', async () => {
    await store.put('local/model.onnx', 'weights');
    const file = store.localPath('local/model.onnx');
    expect(file).toBe(path.join(root, 'local', 'model.onnx'));
    expect(await readFile(file, 'utf8')).toBe('weights');
    expect(await readdir(path.join(root, 'local'))).toEqual(['model.onnx']);
    expect(() => store.localPath('local/x.aip-partial')).toThrow(InvalidBlobKeyError);
  });
});

describe('BlobStore: S3BlobStore (S3 at AIP_TEST_S3_ENDPOINT)', () => {
  const endpoint = process.env.AIP_TEST_S3_ENDPOINT;
  const bucket = `aip-platform-test-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const options: S3BlobStoreOptions = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'aip', secretAccessKey: 'aip-secret' },
    partSize: 5 * MiB,
    pageSize: 7, // several list/delete pages with only a couple of dozen keys
  };
  let store: S3BlobStore;

  beforeAll(async () => {
    if (!endpoint) throw new Error('AIP_TEST_S3_ENDPOINT is not set: these tests need an S3-compatible server (SeaweedFS)');
    store = (await openBlobStore(`s3://${bucket}`, { s3: options })) as S3BlobStore;
    await store.client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    if (!store) return;
    // The store has no base prefix, so this sees every object, those of the prefixed store too.
    const keys = await collect(store.list(''));
    await Promise.all(keys.map((key) => store.delete(key)));
    await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    store.client.destroy();
  });

  blobStoreSuite(() => store);

  it('follows list pages (the server honours the small page size)', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(`paged/k${i}`, 'x')));
    const firstPage = await store.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'paged/', MaxKeys: 7 }));
    expect([firstPage.Contents?.length, firstPage.IsTruncated]).toEqual([7, true]);
    expect(await collect(store.list('paged/'))).toHaveLength(10);
  });

  it('uploads big streams in several parts', async () => {
    const { stream } = generatedStream(BIG);
    await store.put('parts/big.bin', stream);
    const head = await store.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'parts/big.bin' }));
    // A multipart object's ETag is "<md5 of part md5s>-<part count>".
    expect(head.ETag).toMatch(/-3"?$/);
  });

  it('hands out presigned download links that work without credentials and expire', async () => {
    await store.put('bundles/run_signed.zip', 'zip bytes');
    const url = await store.downloadUrl('bundles/run_signed.zip', {
      expiresInSeconds: 120,
      filename: 'aip-bundle-run_signed.zip',
      contentType: 'application/zip',
    });
    // Query-string SigV4: the lifetime and the signing key travel in the URL, which S3 checks.
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-Expires')).toBe('120');
    expect(query.get('X-Amz-Credential')).toMatch(/^aip\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const response = await fetch(url); // no credentials of its own
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="aip-bundle-run_signed.zip"');
    expect(await response.text()).toBe('zip bytes');
  });

  it('signs links for the public endpoint browsers reach', async () => {
    const publicStore = new S3BlobStore(bucket, '', { ...options, publicEndpoint: 'https://files.example.org' });
    const url = new URL(await publicStore.downloadUrl('bundles/x.zip', { expiresInSeconds: 60 }));
    expect(`${url.origin}${url.pathname}`).toBe(`https://files.example.org/${bucket}/bundles/x.zip`);
  });

  it('opens from the environment through loadConfig()', async () => {
    const config = loadConfig({
      BLOB_URL: `s3://${bucket}/from-env`,
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: 'aip',
      AWS_SECRET_ACCESS_KEY: 'aip-secret',
    });
    const fromEnv = await openBlobStore(config.blobUrl, { s3: config.s3 });
    await fromEnv.put('models/mdl_1/model.json', '{}');
    expect(await store.exists('from-env/models/mdl_1/model.json')).toBe(true);
    await fromEnv.deletePrefix('models/');
  });

  it('keeps every key under the URL prefix of s3://bucket/prefix', async () => {
    const prefixed = await openBlobStore(`s3://${bucket}/tenant/one`, { s3: options });
    expect(prefixed.url).toBe(`s3://${bucket}/tenant/one`);
    await prefixed.put('bundles/run_1.zip', 'zip');
    expect(await collect(prefixed.list('bundles/'))).toEqual(['bundles/run_1.zip']);
    const raw = await store.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenant/' }));
    expect(raw.Contents?.map((o) => o.Key)).toEqual(['tenant/one/bundles/run_1.zip']);
    await prefixed.deletePrefix('bundles/');
    expect(await collect(store.list('tenant/'))).toEqual([]);
  });
});
