// Local-folder helpers shared by both backends' uploadDir/downloadDir.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type BlobStore, InvalidBlobKeyError, asFolderPrefix, assertValidKey } from './store.ts';

/**
 * Relative `/`-separated paths of the regular files under `dir` (symlinks to files count as files,
 * so a scratch folder may link instead of copy; symlinked folders are not followed).
 */
export async function listLocalFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile());
    if (isFile) files.push(path.relative(dir, full).split(path.sep).join('/'));
  }
  return files.sort();
}

/** The blob key of a file uploaded by uploadDir(). */
export function keyUnder(prefix: string, relative: string): string {
  const key = asFolderPrefix(prefix) + relative;
  assertValidKey(key);
  return key;
}

/**
 * Where downloadDir() writes `key`: `localDir/<key minus prefix>`. The remainder is checked like a
 * key, so a hostile key in a shared bucket cannot write outside `localDir`.
 */
export function localTarget(store: BlobStore, key: string, folderPrefix: string, localDir: string): string {
  const rest = key.slice(folderPrefix.length);
  try {
    assertValidKey(rest);
  } catch (error) {
    if (error instanceof InvalidBlobKeyError) {
      throw new InvalidBlobKeyError(key, `cannot be downloaded from ${store.url} to ${localDir}: ${error.message}`);
    }
    throw error;
  }
  return path.join(localDir, ...rest.split('/'));
}
