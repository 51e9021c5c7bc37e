// Blob store in a local folder (the embedded default, `file://<AIP_HOME>/blobs`). A key is a file
// below the root. Writes go to a temporary sibling and are renamed into place, so a reader (or a
// crash) never sees half a file.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { keyUnder, listLocalFiles, localTarget } from './files.ts';
import {
  type BlobBody,
  type BlobStore,
  BlobNotFoundError,
  InvalidBlobKeyError,
  asFolderPrefix,
  assertValidKey,
  assertValidPrefix,
  forEachLimit,
} from './store.ts';

/** Suffix of in-flight temporary files; never listed, and refused in keys. */
const PARTIAL_SUFFIX = '.aip-partial';
const COPY_CONCURRENCY = 4;

export class LocalBlobStore implements BlobStore {
  readonly root: string;
  readonly url: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.url = `file://${this.root}`;
  }

  localPath(key: string): string {
    assertValidKey(key);
    if (key.endsWith(PARTIAL_SUFFIX)) throw new InvalidBlobKeyError(key, `keys cannot end with ${PARTIAL_SUFFIX}`);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: BlobBody): Promise<void> {
    // contentType is not kept: files carry no metadata, and readers know what they read.
    await this.writeAtomically(this.localPath(key), (temp) =>
      body instanceof Readable
        ? pipeline(body, createWriteStream(temp, { flags: 'wx' }))
        : writeFile(temp, body, { flag: 'wx' }),
    );
  }

  async get(key: string): Promise<Readable> {
    const file = this.localPath(key);
    try {
      const handle = await open(file, 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new BlobNotFoundError(key, this.url);
      }
      return handle.createReadStream();
    } catch (error) {
      throw this.notFound(error, key);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await readFile(this.localPath(key));
    } catch (error) {
      throw this.notFound(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    const info = await stat(this.localPath(key)).catch(() => undefined);
    return info?.isFile() ?? false;
  }

  async size(key: string): Promise<number> {
    const info = await stat(this.localPath(key)).catch((error: unknown) => {
      throw this.notFound(error, key);
    });
    if (!info.isFile()) throw new BlobNotFoundError(key, this.url);
    return info.size;
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    // Walk only the folder the prefix points into, matching its last partial segment by name.
    const slash = prefix.lastIndexOf('/');
    const folderKey = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    yield* this.walk(folderKey, namePrefix);
  }

  private async *walk(folderKey: string, namePrefix: string): AsyncGenerator<string> {
    const entries = await readdir(path.join(this.root, ...folderKey.split('/')), { withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
        throw error;
      },
    );
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (!entry.name.startsWith(namePrefix)) continue;
      if (entry.isDirectory()) yield* this.walk(`${folderKey}${entry.name}/`, '');
      else if (entry.isFile() && !entry.name.endsWith(PARTIAL_SUFFIX)) yield folderKey + entry.name;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new InvalidBlobKeyError(prefix, 'deletePrefix refuses the empty prefix (it would delete everything)');
    assertValidPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const folder = path.join(this.root, ...prefix.slice(0, slash + 1).split('/'));
    const namePrefix = prefix.slice(slash + 1);
    const entries = await readdir(folder).catch(() => [] as string[]);
    await Promise.all(
      entries.filter((name) => name.startsWith(namePrefix)).map((name) => rm(path.join(folder, name), { recursive: true, force: true })),
    );
  }

  async uploadDir(localDir: string, prefix: string): Promise<number> {
    const files = await listLocalFiles(localDir);
    const targets = files.map((relative) => ({ from: path.join(localDir, relative), to: this.localPath(keyUnder(prefix, relative)) }));
    // copyFile lets the kernel copy (or reflink) without passing bytes through JavaScript.
    return forEachLimit(targets, COPY_CONCURRENCY, ({ from, to }) => this.writeAtomically(to, (temp) => copyFile(from, temp)));
  }

  async downloadDir(prefix: string, localDir: string): Promise<number> {
    assertValidPrefix(prefix);
    const folderPrefix = asFolderPrefix(prefix);
    return forEachLimit(this.list(folderPrefix), COPY_CONCURRENCY, async (key) => {
      const target = localTarget(this, key, folderPrefix, localDir);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(this.localPath(key), target);
    });
  }

  private async writeAtomically(target: string, write: (temp: string) => Promise<unknown>): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`;
    try {
      await write(temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  private notFound(error: unknown, key: string): Error {
    if (error instanceof BlobNotFoundError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return new BlobNotFoundError(key, this.url);
    return error as Error;
  }
}
