/**
 * Safe extraction of an uploaded zip. The archive is untrusted: every name is checked before
 * anything is written (no climbing out of the destination, no absolute paths, no links), and the
 * size limits are enforced on the bytes actually inflated, because sizes in zip headers are
 * whatever the archive's author wrote.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { DatasetError, type Problem, type ProblemCode, type ProblemParams } from './problems.ts';
import { decodeAs, decodeText } from './text.ts';

export interface ZipLimits {
  /** Most entries (files and folders) the archive may hold. */
  maxEntries: number;
  /** Most bytes one file may inflate to. */
  maxEntryBytes: number;
  /** Most bytes all files together may inflate to. */
  maxTotalBytes: number;
  /** Most inflated bytes per compressed byte of one entry (zip bombs reach 1000 and more). */
  maxRatio: number;
  /**
   * The ratio limit applies once an entry has inflated this many bytes: small files of one
   * colour or repeated text compress extremely well and are harmless.
   */
  ratioFloorBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxEntries: 100_000,
  maxEntryBytes: 256 * MiB,
  maxTotalBytes: 4 * 1024 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 1 * MiB,
});

export interface ExtractOptions {
  limits?: Partial<ZipLimits>;
  /** Called after each extracted file: files written so far, files to write. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractedZip {
  /** The destination folder. */
  root: string;
  /** Extracted files, relative to root, '/'-separated, sorted. */
  files: string[];
  /** Every folder that held a file or was listed in the zip, relative to root, sorted. */
  folders: string[];
  /** Entries skipped as operating-system clutter (__MACOSX/, .DS_Store, Thumbs.db, …), as named in the zip. */
  ignored: string[];
  /** The single top-level folder that wrapped everything and was stripped, if any. */
  topFolder: string | null;
}

/** Names that desktop archivers add and no dataset means. */
const CLUTTER_FILES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

export function isClutter(segments: string[]): boolean {
  const base = segments[segments.length - 1]!.toLowerCase();
  return segments.includes('__MACOSX') || CLUTTER_FILES.has(base) || base.startsWith('._');
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
const UNICODE_PATH_EXTRA = 0x7075;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/**
 * What extraction needs of a central-directory entry. yauzl's Entry keeps every raw field (about
 * 1 KB each); a zip of 100,000 images must not cost 100 MB before a byte is extracted.
 */
interface EntryRecord {
  /** The name as written when it is flagged UTF-8; else null, decoded later with the others (`entryNames`). */
  utf8Name: string | null;
  /** The raw name bytes of an unflagged entry (a copy, so the central-directory buffer can go). */
  legacyName: Buffer | null;
  flags: number;
  compressionMethod: number;
  mode: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

function recordOf(entry: yauzl.Entry): EntryRecord {
  const utf8 = (entry.generalPurposeBitFlag & FLAG_UTF8) !== 0 || entry.extraFields.some((f) => f.id === UNICODE_PATH_EXTRA);
  return {
    utf8Name: utf8 ? yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true) : null,
    legacyName: utf8 ? null : Buffer.from(entry.fileNameRaw),
    flags: entry.generalPurposeBitFlag,
    compressionMethod: entry.compressionMethod,
    mode: (entry.externalFileAttributes >>> 16) & S_IFMT,
    crc32: entry.crc32,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    localHeaderOffset: entry.relativeOffsetOfLocalHeader,
  };
}

/**
 * Decodes the entries' names. Names without the UTF-8 flag are UTF-8 when all of them together
 * are valid UTF-8, else GBK (text.ts). Deciding over the whole archive matters: one short GBK name
 * such as 猫 (C3 A8) is also valid UTF-8 (è), a dozen names almost never are.
 */
function entryNames(records: EntryRecord[]): string[] {
  const legacy = records.flatMap((record) => (record.legacyName === null ? [] : [record.legacyName]));
  const { encoding } = decodeText(Buffer.concat(legacy.flatMap((name) => [name, Buffer.from('/')])));
  return records.map((record) => record.utf8Name ?? decodeAs(record.legacyName!, encoding));
}

/** UTF-8 bytes of one file or folder name, and of a whole path, that an entry may have. */
export const MAX_NAME_BYTES = 240;
export const MAX_PATH_BYTES = 1024;

type NameCheck = { segments: string[]; isFolder: boolean } | { refusal: string; code: ProblemCode };

/**
 * Splits an entry name into safe path segments, or says why it is refused. Backslashes count as
 * separators (Windows archivers write them), so `..\..\x` is caught like `../../x`.
 */
export function checkEntryName(name: string): NameCheck {
  const slashed = name.replaceAll('\\', '/');
  if (slashed.includes('\0')) return { refusal: 'its name contains a NUL character', code: 'entry_name_nul' };
  if (slashed.startsWith('/')) return { refusal: 'its path is absolute (starts with "/"); only relative paths are allowed', code: 'entry_path_absolute' };
  if (/^[A-Za-z]:/.test(slashed)) return { refusal: 'its path starts with a drive letter; only relative paths are allowed', code: 'entry_path_drive_letter' };
  const parts = slashed.split('/');
  if (parts.includes('..')) return { refusal: 'its path contains ".." and would be written outside the dataset folder', code: 'zip_slip' };
  const segments = parts.filter((part) => part !== '' && part !== '.');
  if (segments.length === 0) return { refusal: 'it has an empty name', code: 'entry_name_empty' };
  // File systems refuse longer names (255 bytes a name, 4096 a path), and the import adds a
  // folder and suffixes (`.png` for BMPs), so the limits leave room.
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_NAME_BYTES) || Buffer.byteLength(segments.join('/')) > MAX_PATH_BYTES) {
    return {
      refusal: `its name is too long (at most ${MAX_NAME_BYTES} bytes a file or folder name and ${MAX_PATH_BYTES} bytes in all); shorten it`,
      code: 'entry_name_too_long',
    };
  }
  return { segments, isFolder: slashed.endsWith('/') };
}

interface PlannedFile {
  entry: EntryRecord;
  name: string;
  segments: string[];
}

/** Extracts `zipPath` into `destDir` (created; removed again on failure) or throws DatasetError. */
export async function extractZip(zipPath: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractedZip> {
  const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const zip = await openZip(zipPath);
  const created = !(await exists(destDir));
  try {
    const plan = await planExtraction(zip, limits);
    await mkdir(destDir, { recursive: true });
    await writeFiles(zip, plan.files, destDir, limits, options.onProgress);
    return {
      root: destDir,
      files: plan.files.map((f) => f.segments.join('/')).sort(),
      folders: plan.folders,
      ignored: plan.ignored,
      topFolder: plan.topFolder,
    };
  } catch (err) {
    if (created) await rm(destDir, { recursive: true, force: true });
    throw err;
  } finally {
    zip.close();
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function damaged(reason: string): DatasetError {
  return new DatasetError([
    {
      file: '',
      code: 'zip_unreadable',
      params: { reason },
      message: `The upload is not a readable zip archive, or it is damaged (${reason}). Create the zip again and re-upload it.`,
    },
  ]);
}

async function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(zipPath, {
      lazyEntries: true,
      autoClose: false,
      // Names are decoded and checked here (GBK fallback, every problem reported, not just the first).
      decodeStrings: false,
      validateEntrySizes: true,
    });
  } catch (err) {
    throw damaged((err as Error).message);
  }
}

interface Plan {
  files: PlannedFile[];
  folders: string[];
  ignored: string[];
  topFolder: string | null;
}

/** Reads the central directory and checks every entry before a single byte is extracted. */
async function planExtraction(zip: yauzl.ZipFile, limits: ZipLimits): Promise<Plan> {
  const problems: Problem[] = [];
  const files: PlannedFile[] = [];
  const folderLists: string[][] = [];
  const ignored: string[] = [];
  const seen = new Set<string>();
  let declaredTotal = 0;

  if (zip.entryCount > limits.maxEntries) {
    throw new DatasetError([
      {
        file: '',
        code: 'zip_too_many_entries',
        params: { count: zip.entryCount, limit: limits.maxEntries },
        message: `The zip holds ${zip.entryCount} entries; at most ${limits.maxEntries} are allowed.`,
      },
    ]);
  }
  const entries: EntryRecord[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      // entryCount comes from the archive's own header; count what is really there too.
      if (entries.length >= limits.maxEntries) {
        throw new DatasetError([
          { file: '', code: 'zip_too_many_entries', params: { limit: limits.maxEntries }, message: `The zip holds more than ${limits.maxEntries} entries, the most allowed.` },
        ]);
      }
      entries.push(recordOf(entry));
    }
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw damaged((err as Error).message);
  }
  const names = entryNames(entries);
  entries.forEach((entry, index) => {
    const name = names[index]!;
    const checked = checkEntryName(name);
    if ('refusal' in checked) {
      problems.push({ file: name, code: checked.code, message: `Refused: ${checked.refusal}.` });
      return;
    }
    const mode = entry.mode;
    if (mode === S_IFLNK) {
      problems.push({ file: name, code: 'entry_symlink', message: 'Refused: this entry is a symbolic link; a dataset may only contain ordinary files and folders.' });
      return;
    }
    if (checked.isFolder || mode === S_IFDIR) {
      if (!isClutter(checked.segments)) folderLists.push(checked.segments);
      return;
    }
    if (isClutter(checked.segments)) {
      ignored.push(name);
      return;
    }
    if ((entry.flags & FLAG_ENCRYPTED) !== 0) {
      problems.push({ file: name, code: 'entry_encrypted', message: 'Refused: this file is password-protected (encrypted). Zip the dataset again without a password.' });
      return;
    }
    if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATED) {
      problems.push({
        file: name,
        code: 'entry_compression_unsupported',
        params: { method: entry.compressionMethod },
        message: `This file uses a compression method (${entry.compressionMethod}) that is not supported; create the zip again with standard "deflate" compression.`,
      });
      return;
    }
    const key = checked.segments.join('/');
    if (seen.has(key)) {
      problems.push({ file: name, code: 'entry_duplicate', message: 'This file appears twice in the zip.' });
      return;
    }
    seen.add(key);
    // Declared sizes can lie; they only allow an early refusal. The real limits are counted while inflating.
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      const [size, limit] = [formatBytes(entry.uncompressedSize), formatBytes(limits.maxEntryBytes)];
      problems.push({ file: name, code: 'entry_too_large', params: { size, limit }, message: `This file is ${size} once unpacked; at most ${limit} per file is allowed.` });
      return;
    }
    declaredTotal += entry.uncompressedSize;
    files.push({ entry, name, segments: checked.segments });
  });
  if (declaredTotal > limits.maxTotalBytes) {
    const [size, limit] = [formatBytes(declaredTotal), formatBytes(limits.maxTotalBytes)];
    problems.push({ file: '', code: 'zip_too_large', params: { size, limit }, message: `The zip unpacks to ${size}; at most ${limit} is allowed.` });
  }
  if (problems.length === 0 && files.length === 0) {
    problems.push({ file: '', code: 'zip_empty', message: 'The zip holds no files (it is empty, or holds only folders and system files).' });
  }
  if (problems.length > 0) throw new DatasetError(problems);

  const topFolder = commonTopFolder(files.map((f) => f.segments), folderLists);
  const strip = (segments: string[]) => (topFolder === null ? segments : segments.slice(1));
  for (const file of files) file.segments = strip(file.segments);
  const folders = collectFolders(files.map((f) => f.segments), folderLists.map(strip));
  const fileSet = new Set(files.map((f) => f.segments.join('/')));
  const clashes = folders.filter((folder) => fileSet.has(folder));
  if (clashes.length > 0) {
    throw new DatasetError(clashes.map((clash) => ({ file: clash, code: 'file_folder_clash', message: 'This name is used both for a file and for a folder.' })));
  }
  return { files, folders, ignored, topFolder };
}

/**
 * The one folder every file and folder sits in, when there is one (users zip the folder, not its
 * content). Listed folders count too, so an empty `dog/` beside `cat/` keeps both class folders.
 */
export function commonTopFolder(files: string[][], folders: string[][]): string | null {
  const first = files[0]?.[0];
  if (first === undefined) return null;
  return files.every((p) => p.length >= 2 && p[0] === first) && folders.every((p) => p[0] === first) ? first : null;
}

function collectFolders(files: string[][], listed: string[][]): string[] {
  const folders = new Set<string>();
  for (const segments of listed) {
    for (let i = 1; i <= segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  for (const segments of files) {
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  folders.delete('');
  return [...folders].sort();
}

/** A limit passed while inflating; carries its problem code and params. */
class LimitExceeded extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly params: ProblemParams,
    message: string,
  ) {
    super(message);
  }
}

async function writeFiles(
  zip: yauzl.ZipFile,
  files: PlannedFile[],
  destDir: string,
  limits: ZipLimits,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<void> {
  const root = path.resolve(destDir);
  let total = 0;
  let done = 0;
  for (const file of files) {
    const target = path.resolve(root, ...file.segments);
    // Names were checked already; this guards the check itself.
    if (!target.startsWith(root + path.sep)) throw new DatasetError([{ file: file.name, code: 'zip_slip', message: 'Refused: this path leaves the dataset folder.' }]);
    await mkdir(path.dirname(target), { recursive: true });

    const compressed = Math.max(1, file.entry.compressedSize);
    let bytes = 0;
    let crc = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        bytes += chunk.length;
        total += chunk.length;
        crc = crc32(chunk, crc);
        if (bytes > limits.maxEntryBytes) {
          const limit = formatBytes(limits.maxEntryBytes);
          return callback(new LimitExceeded('entry_too_large', { limit }, `This file unpacks to more than ${limit}, the most allowed per file.`));
        }
        if (total > limits.maxTotalBytes) {
          const limit = formatBytes(limits.maxTotalBytes);
          return callback(new LimitExceeded('zip_too_large', { limit }, `The zip unpacks to more than ${limit}, the most allowed in all.`));
        }
        if (bytes > limits.ratioFloorBytes && bytes / compressed > limits.maxRatio) {
          return callback(
            new LimitExceeded(
              'zip_bomb',
              { ratio: limits.maxRatio, compressed: formatBytes(compressed) },
              `Refused as a possible zip bomb: this file inflates more than ${limits.maxRatio} times its compressed size (${formatBytes(compressed)} compressed).`,
            ),
          );
        }
        callback(null, chunk);
      },
    });
    try {
      const source = await openEntry(zip, file.entry);
      await pipeline(source, counter, createWriteStream(target));
    } catch (err) {
      if (err instanceof LimitExceeded) throw new DatasetError([{ file: file.name, code: err.code, params: err.params, message: err.message }]);
      const reason = (err as Error).message;
      throw new DatasetError([{ file: file.name, code: 'entry_damaged', params: { reason }, message: `This file cannot be unpacked; the zip is damaged (${reason}).` }]);
    }
    // yauzl checks sizes but not checksums.
    if (crc >>> 0 !== file.entry.crc32 >>> 0) {
      throw new DatasetError([
        { file: file.name, code: 'entry_checksum_mismatch', message: 'This file is damaged inside the zip (its checksum does not match). Create the zip again.' },
      ]);
    }
    onProgress?.(++done, files.length);
  }
}

/** An entry's inflated (or stored) bytes, from its record: what yauzl's openReadStream does with a whole Entry. */
async function openEntry(zip: yauzl.ZipFile, entry: EntryRecord): Promise<NodeJS.ReadableStream> {
  // readLocalFileHeader reads only these two fields of the entry it is given.
  const located = { relativeOffsetOfLocalHeader: entry.localHeaderOffset, compressedSize: entry.compressedSize } as yauzl.Entry;
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(located, { minimal: true });
  const deflated = entry.compressionMethod === METHOD_DEFLATED;
  // Not openReadStreamLowLevelPromise: in yauzl 3.4 it calls openReadStream with the wrong arguments.
  return new Promise((resolve, reject) => {
    zip.openReadStreamLowLevel(fileDataStart, entry.compressedSize, 0, entry.compressedSize, deflated, entry.uncompressedSize, (err, stream) =>
      err ? reject(err) : resolve(stream),
    );
  });
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
