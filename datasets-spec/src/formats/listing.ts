/**
 * What every label.txt format shares: finding the file, decoding it, and matching the image paths
 * it lists to the images of the upload (forgiving the usual differences between tools and the
 * zip), each image listed once and every image listed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isImagePath } from '../images.ts';
import type { Problem, ProblemText } from '../problems.ts';
import { decodeText, type TextEncoding } from '../text.ts';
import type { ExtractedZip } from '../zip.ts';

export type Upload = Pick<ExtractedZip, 'root' | 'files' | 'topFolder'>;

export const LABEL_FILE = 'label.txt';

const DEFAULT_MISSING: ProblemText = { code: 'label_file_missing', message: 'No label.txt was found. A detection dataset needs a label.txt next to its images.' };

/**
 * Where the label file is: `label.txt` at the root (any letter case), else the only one in the
 * upload. Paths inside it are relative to its folder. `missing` is the problem when there is none
 * (each format says what its label.txt holds).
 */
export function findLabelFile(files: readonly string[], missing: ProblemText = DEFAULT_MISSING): { file: string | null; problem?: ProblemText } {
  const candidates = files.filter((file) => path.posix.basename(file).toLowerCase() === LABEL_FILE);
  const atRoot = candidates.find((file) => !file.includes('/'));
  if (atRoot !== undefined) return { file: atRoot };
  if (candidates.length === 1) return { file: candidates[0]! };
  if (candidates.length > 1) {
    const found = candidates.join(', ');
    return {
      file: null,
      problem: { code: 'label_file_multiple', params: { files: found }, message: `Several label.txt files were found (${found}); put a single label.txt at the top of the zip.` },
    };
  }
  return { file: null, problem: missing };
}

/** The label file, decoded (UTF-8, else GB18030), or the problem why there is none. */
export async function readLabelFile(
  upload: Upload,
  missing?: ProblemText,
): Promise<{ file: string; text: string; encoding: TextEncoding } | { file: null; problem: ProblemText }> {
  const located = findLabelFile(upload.files, missing);
  if (located.file === null) return { file: null, problem: located.problem! };
  const { text, encoding } = decodeText(await readFile(path.join(upload.root, ...located.file.split('/'))));
  return { file: located.file, text, encoding };
}

/** Non-blank lines of decoded label text, trimmed, with their 1-based numbers (a BOM and any line ends tolerated). */
export function labelLines(text: string): { content: string; number: number }[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((content, i) => ({ content: content.trim(), number: i + 1 }))
    .filter((l) => l.content !== '');
}

/** Finds the image a record names, forgiving the usual differences between tools and the zip. */
export class ImageResolver {
  private readonly exact: Set<string>;
  private readonly loose = new Map<string, string[]>();
  private readonly byBase = new Map<string, string[]>();

  constructor(
    files: readonly string[],
    private readonly baseDir: string,
    private readonly topFolder: string | null,
  ) {
    this.exact = new Set(files);
    for (const file of files) {
      push(this.loose, looseKey(file), file);
      push(this.byBase, looseKey(path.posix.basename(file)), file);
    }
  }

  /** The image `written` names, with a warning when it was matched loosely, or the problem why none is. */
  resolve(written: string): { file?: string; note?: ProblemText; problem?: ProblemText } {
    const slashed = written.replaceAll('\\', '/');
    const absolute = slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed);
    if (absolute) {
      // Some labelling tools write the labeller's own absolute path; only the name can match.
      const matches = this.byBase.get(looseKey(path.posix.basename(slashed))) ?? [];
      if (matches.length === 1) {
        return {
          file: matches[0]!,
          note: {
            code: 'label_path_matched_by_name',
            params: { image: written, match: matches[0]! },
            message: `The image "${written}" was matched by file name only (the path "${written}" is absolute).`,
          },
        };
      }
      return {
        problem: {
          code: 'label_path_absolute',
          params: { image: written },
          message: `The path "${written}" is absolute; write it relative to label.txt (for example images/001.jpg).`,
        },
      };
    }
    const joined = path.posix.normalize(path.posix.join(this.baseDir, slashed));
    if (joined === '..' || joined.startsWith('../')) {
      return { problem: { code: 'label_path_outside', params: { image: written }, message: `The path "${written}" points outside the dataset.` } };
    }
    const candidates = [joined];
    // A path that repeats the zip's top folder (which was stripped).
    if (this.topFolder !== null && slashed.startsWith(`${this.topFolder}/`)) {
      candidates.push(path.posix.normalize(path.posix.join(this.baseDir, slashed.slice(this.topFolder.length + 1))));
    }
    for (const candidate of candidates) if (this.exact.has(candidate)) return { file: candidate };
    for (const candidate of candidates) {
      // Letter case (made on Windows) and Unicode normalization (macOS names) may differ.
      const matches = this.loose.get(looseKey(candidate)) ?? [];
      if (matches.length === 1) {
        return {
          file: matches[0]!,
          note: {
            code: 'label_path_matched_loosely',
            params: { image: written, match: matches[0]! },
            message: `The image "${written}" was matched "${matches[0]}" ignoring letter case or accents.`,
          },
        };
      }
    }
    return { problem: { code: 'label_image_missing', params: { image: written }, message: `The image "${written}" is listed here but is not in the zip.` } };
  }
}

function looseKey(file: string): string {
  return file.normalize('NFC').toLowerCase();
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** How a format words the problems of listing (its label.txt lines differ). */
export interface ListingTexts {
  duplicate: (image: string, earlierLine: number) => ProblemText;
  notListed: ProblemText;
}

export const DETECTION_LISTING: ListingTexts = {
  duplicate: (image, earlierLine) => ({
    code: 'label_image_duplicate',
    params: { image, earlierLine },
    message: `The image "${image}" is already listed at line ${earlierLine}; list each image once, with all its objects.`,
  }),
  notListed: { code: 'image_not_listed', message: 'This image is not listed in label.txt. List it (with 0 objects if it has none) or remove it.' },
};

/**
 * Matches each listed record to an image of the upload: records naming no image, a file that is
 * not an image, or an image listed before are reported at their line; images listed by no record
 * are reported by file. Returns the records that found their image, in order.
 */
export function resolveListed<R extends { line: number; path: string }>(
  upload: Upload,
  labelFile: string,
  records: readonly R[],
  texts: ListingTexts,
  problems: Problem[],
  warnings: Problem[],
): { record: R; file: string }[] {
  const labelDir = path.posix.dirname(labelFile);
  const resolver = new ImageResolver(upload.files, labelDir === '.' ? '' : labelDir, upload.topFolder);
  const recordOf = new Map<string, R>();
  const resolved: { record: R; file: string }[] = [];
  for (const record of records) {
    const found = resolver.resolve(record.path);
    if (found.file === undefined) {
      problems.push({ file: labelFile, line: record.line, ...found.problem! });
      continue;
    }
    if (found.note) warnings.push({ file: labelFile, line: record.line, ...found.note });
    if (!isImagePath(found.file)) {
      problems.push({
        file: labelFile,
        line: record.line,
        code: 'label_image_unsupported',
        params: { image: record.path },
        message: `"${record.path}" is not a supported image type (PNG, JPEG, BMP, WebP, TIFF).`,
      });
      continue;
    }
    const earlier = recordOf.get(found.file);
    if (earlier !== undefined) {
      problems.push({ file: labelFile, line: record.line, ...texts.duplicate(record.path, earlier.line) });
      continue;
    }
    recordOf.set(found.file, record);
    resolved.push({ record, file: found.file });
  }
  for (const file of upload.files.filter(isImagePath)) {
    if (!recordOf.has(file)) problems.push({ file, ...texts.notListed });
  }
  return resolved;
}

/** Images under a top-level test/ folder are the test split and the rest train; otherwise the hash rule. */
export function assignFolderSplits(items: { source: string; split?: 'train' | 'val' | 'test' }[]): void {
  const isTest = (item: { source: string }) => item.source.split('/')[0]!.toLowerCase() === 'test' && item.source.includes('/');
  if (!items.some(isTest)) return;
  for (const item of items) item.split = isTest(item) ? 'test' : 'train';
}
