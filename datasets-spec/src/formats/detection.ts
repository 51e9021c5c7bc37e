/**
 * Detection uploads: images plus one `label.txt` holding, for each image, a record of
 *
 *     path,width,height
 *     num
 *     xmin,ymin,xmax,ymax,label      (num lines)
 *
 * Written by hand and by many tools, so the parser tolerates full-width commas (，), CRLF, a BOM,
 * blank lines, spaces around numbers, GBK text and labels that contain commas; and it keeps going
 * after an error so the user sees every problem at once.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isImagePath, type ImageInfo } from '../images.ts';
import type { Box, Split } from '../manifest.ts';
import type { Problem, ProblemCode, ProblemParams, ProblemText } from '../problems.ts';
import { decodeText } from '../text.ts';
import type { ExtractedZip } from '../zip.ts';
import { probeImages, unreadableProblem } from './probe.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './types.ts';

type Upload = Pick<ExtractedZip, 'root' | 'files' | 'topFolder'>;

export const LABEL_FILE = 'label.txt';

export interface LabelBox extends Box {
  line: number;
}

export interface LabelRecord {
  /** Line of `path,width,height`. */
  line: number;
  path: string;
  /** NaN when the declared value is not a positive whole number (already reported). */
  width: number;
  height: number;
  boxes: LabelBox[];
  /** False when the record itself is broken (bad count, bad box): it is reported and not imported. */
  valid: boolean;
}

/** An ASCII or a full-width comma. */
const SEP = /[,，]/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const WHOLE = /^\d+$/;

/** Records a problem at a line of label.txt. */
type Report = (line: number, code: ProblemCode, message: string, params?: ProblemParams) => void;

function fields(line: string): string[] {
  return line.split(SEP).map((f) => f.trim());
}

function isNumber(text: string): boolean {
  return NUMBER.test(text);
}

/** `xmin,ymin,xmax,ymax,label…`: at least five fields, the first four numbers. */
function looksLikeBox(line: string): boolean {
  const f = fields(line);
  return f.length >= 5 && f.slice(0, 4).every(isNumber);
}

/** `path,width,height`: a non-numeric path, then two whole numbers. */
function looksLikeHeader(line: string): boolean {
  const f = fields(line);
  return f.length >= 3 && !isNumber(f[0]!) && WHOLE.test(f[f.length - 1]!) && WHOLE.test(f[f.length - 2]!);
}

/**
 * Parses label.txt text (already decoded). Problems carry `file: 'label.txt'` and the 1-based line;
 * the caller re-targets them if the file lives elsewhere.
 */
export function parseLabelText(text: string, file = LABEL_FILE): { records: LabelRecord[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const records: LabelRecord[] = [];
  const report: Report = (line, code, message, params) => problems.push({ file, line, code, ...(params ? { params } : {}), message });
  // Keep original line numbers while skipping blank lines (trailing ones and stray ones).
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((content, i) => ({ content: content.trim(), number: i + 1 }))
    .filter((l) => l.content !== '');

  let i = 0;
  while (i < lines.length) {
    const header = lines[i]!;
    if (!looksLikeHeader(header.content)) {
      if (looksLikeBox(header.content)) {
        report(
          header.number,
          'label_unexpected_object_line',
          `Found an object line where an image line "path,width,height" was expected. The number of objects given for the image above is probably too small.`,
        );
      } else {
        report(header.number, 'label_image_line_expected', `Expected an image line "path,width,height" but found "${header.content}".`, { found: header.content });
      }
      // Skip to the next line that starts a record.
      i++;
      while (i < lines.length && !looksLikeHeader(lines[i]!.content)) i++;
      continue;
    }
    const record = parseHeader(header.content, header.number, report);
    records.push(record);
    i++;

    const countLine = lines[i];
    if (countLine === undefined || !WHOLE.test(countLine.content)) {
      const expected = `Expected the number of objects in ${record.path} (a whole number, 0 or more) but found`;
      if (countLine === undefined) report(header.number, 'label_count_missing', `${expected} the end of the file.`, { image: record.path });
      else report(countLine.number, 'label_count_invalid', `${expected} "${countLine.content}".`, { image: record.path, found: countLine.content });
      record.valid = false;
      while (i < lines.length && !looksLikeHeader(lines[i]!.content)) i++;
      continue;
    }
    const declared = Number(countLine.content);
    i++;
    let found = 0;
    while (found < declared && i < lines.length && !looksLikeHeader(lines[i]!.content)) {
      const box = parseBox(lines[i]!.content, lines[i]!.number, report);
      if (box === null) record.valid = false;
      else record.boxes.push(box);
      found++;
      i++;
    }
    // Object lines beyond the declared count.
    while (i < lines.length && looksLikeBox(lines[i]!.content)) {
      found++;
      i++;
    }
    if (found !== declared) {
      report(
        countLine.number,
        'label_count_mismatch',
        `The number of objects for ${record.path} is given as ${declared}, but ${found} object line${found === 1 ? '' : 's'} follow${found === 1 ? 's' : ''}.`,
        { image: record.path, declared, found },
      );
      record.valid = false;
    }
  }
  return { records, problems };
}

function parseHeader(content: string, line: number, report: Report): LabelRecord {
  // Split from the right: the path itself may contain commas.
  const match = /^(.*?)\s*[,，]\s*(\d+)\s*[,，]\s*(\d+)$/.exec(content)!;
  const record: LabelRecord = { line, path: match[1]!, width: Number(match[2]), height: Number(match[3]), boxes: [], valid: true };
  if (record.width === 0 || record.height === 0) {
    report(line, 'label_size_zero', `The width and height of ${record.path} must be at least 1 (found ${record.width},${record.height}).`, {
      image: record.path,
      width: record.width,
      height: record.height,
    });
    record.width = Number.NaN;
    record.height = Number.NaN;
  }
  return record;
}

const COORDINATES = ['xmin', 'ymin', 'xmax', 'ymax'] as const;

function parseBox(content: string, line: number, report: Report): LabelBox | null {
  // The label is everything after the fourth separator: text labels may contain commas.
  const match = /^([^,，]*)[,，]([^,，]*)[,，]([^,，]*)[,，]([^,，]*)[,，](.*)$/.exec(content);
  if (match === null) {
    report(line, 'label_object_fields', `Expected an object line "xmin,ymin,xmax,ymax,label" (5 values) but found "${content}".`, { found: content });
    return null;
  }
  const values: number[] = [];
  let ok = true;
  COORDINATES.forEach((name, k) => {
    const text = match[k + 1]!.trim();
    if (!isNumber(text)) {
      report(line, 'label_coordinate_not_number', `${name} "${text}" is not a number.`, { name, value: text });
      ok = false;
    }
    values.push(Number(text));
  });
  const label = match[5]!.trim();
  if (label === '') {
    report(line, 'label_object_no_label', 'The object has no label after its four coordinates.');
    ok = false;
  }
  if (!ok) return null;
  const [x1, y1, x2, y2] = values as [number, number, number, number];
  return { line, x1, y1, x2, y2, label };
}

/**
 * Where the label file is: `label.txt` at the root (any letter case), else the only one in the
 * upload. Paths inside it are relative to its folder.
 */
export function findLabelFile(files: readonly string[]): { file: string | null; problem?: ProblemText } {
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
  return { file: null, problem: { code: 'label_file_missing', message: 'No label.txt was found. A detection dataset needs a label.txt next to its images.' } };
}

/** Finds the image a record names, forgiving the usual differences between tools and the zip. */
class ImageResolver {
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

export async function checkDetection(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const imageFiles = upload.files.filter(isImagePath);
  const located = findLabelFile(upload.files);
  const unused = upload.files.filter((file) => !isImagePath(file) && file !== located.file);
  if (imageFiles.length === 0) problems.push({ file: '', code: 'no_images', message: 'The upload holds no images (supported types: PNG, JPEG, BMP, WebP, TIFF).' });
  if (located.file === null) {
    problems.push({ file: '', ...located.problem! });
    return { items: [], problems, warnings, encoding: null, unused };
  }
  const labelFile = located.file;
  const { text, encoding } = decodeText(await readFile(path.join(upload.root, ...labelFile.split('/'))));
  const parsed = parseLabelText(text, labelFile);
  problems.push(...parsed.problems);
  if (parsed.records.length === 0 && parsed.problems.length === 0) problems.push({ file: labelFile, code: 'label_empty', message: 'label.txt lists no images.' });

  // Resolve each record to an image of the upload.
  const resolver = new ImageResolver(upload.files, path.posix.dirname(labelFile) === '.' ? '' : path.posix.dirname(labelFile), upload.topFolder);
  const recordOf = new Map<string, LabelRecord>();
  const resolved: { record: LabelRecord; file: string }[] = [];
  for (const record of parsed.records) {
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
      problems.push({
        file: labelFile,
        line: record.line,
        code: 'label_image_duplicate',
        params: { image: record.path, earlierLine: earlier.line },
        message: `The image "${record.path}" is already listed at line ${earlier.line}; list each image once, with all its objects.`,
      });
      continue;
    }
    recordOf.set(found.file, record);
    resolved.push({ record, file: found.file });
  }
  for (const file of imageFiles) {
    if (!recordOf.has(file)) problems.push({ file, code: 'image_not_listed', message: 'This image is not listed in label.txt. List it (with 0 objects if it has none) or remove it.' });
  }

  const probes = await probeImages(upload.root, resolved.map((r) => r.file), options.onProgress);
  const items: DatasetItem[] = [];
  let boxCount = 0;
  for (const { record, file } of resolved) {
    const probe = probes.get(file)!;
    if (!probe.ok) {
      problems.push({ file, ...unreadableProblem(probe) });
      continue;
    }
    const fine = checkRecordAgainstImage(record, probe.info, labelFile, problems);
    boxCount += record.boxes.length;
    if (fine && record.valid) {
      items.push({ source: file, image: probe.info, boxes: record.boxes.map(({ x1, y1, x2, y2, label }) => ({ x1, y1, x2, y2, label })) });
    }
  }
  if (parsed.records.length > 0 && boxCount === 0 && problems.length === 0) {
    problems.push({ file: labelFile, code: 'label_no_objects', message: 'label.txt has no objects at all; a detector needs images with labelled boxes.' });
  }
  assignFolderSplits(items);
  return { items, problems, warnings, encoding, unused };
}

/** Compares a record with the real image: declared size, then each box. True when all is well. */
function checkRecordAgainstImage(record: LabelRecord, image: ImageInfo, labelFile: string, problems: Problem[]): boolean {
  const before = problems.length;
  const report: Report = (line, code, message, params) => problems.push({ file: labelFile, line, code, ...(params ? { params } : {}), message });
  if (!Number.isNaN(record.width) && (record.width !== image.width || record.height !== image.height)) {
    const rotated = image.orientation > 1 && record.width === image.fileWidth && record.height === image.fileHeight;
    const params = { image: record.path, declaredWidth: record.width, declaredHeight: record.height, width: image.width, height: image.height };
    if (rotated) {
      report(
        record.line,
        'label_size_exif',
        `${record.path} is declared as ${record.width}x${record.height}, its stored pixel size, but its EXIF orientation shows it as ${image.width}x${image.height}. Give the size as the image is displayed (${image.width},${image.height}) and boxes in that orientation.`,
        params,
      );
    } else {
      report(record.line, 'label_size_mismatch', `${record.path} is declared as ${record.width}x${record.height} (width x height) but the image is ${image.width}x${image.height}.`, params);
    }
  }
  for (const box of record.boxes) {
    const coordinates = `${box.x1},${box.y1},${box.x2},${box.y2}`;
    if (box.x1 >= box.x2) report(box.line, 'label_box_x_order', `xmin (${box.x1}) must be smaller than xmax (${box.x2}).`, { xmin: box.x1, xmax: box.x2 });
    if (box.y1 >= box.y2) report(box.line, 'label_box_y_order', `ymin (${box.y1}) must be smaller than ymax (${box.y2}).`, { ymin: box.y1, ymax: box.y2 });
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > image.width || box.y2 > image.height) {
      report(
        box.line,
        'label_box_outside',
        `The box ${coordinates} reaches outside the image, which is ${image.width}x${image.height} (coordinates must be between 0,0 and ${image.width},${image.height}).`,
        { box: coordinates, width: image.width, height: image.height },
      );
    }
  }
  return problems.length === before;
}

/** Images under a top-level test/ folder are the test split and the rest train; otherwise the hash rule. */
function assignFolderSplits(items: DatasetItem[]): void {
  const isTest = (item: DatasetItem) => item.source.split('/')[0]!.toLowerCase() === 'test' && item.source.includes('/');
  if (!items.some(isTest)) return;
  for (const item of items) item.split = (isTest(item) ? 'test' : 'train') satisfies Split;
}
