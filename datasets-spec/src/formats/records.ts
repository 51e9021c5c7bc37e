/**
 * The record reader shared by the label.txt formats that list each image with its size and its
 * objects (detection, text detection, segmentation):
 *
 *     path,width,height
 *     num
 *     <shape>,label      (num lines)
 *
 * What a shape line looks like is the format's business (`ShapeSyntax`); finding records, counts,
 * cut-off records and checking the declared size against the image are done here once. The parser
 * keeps going after an error so the user sees every problem at once.
 */
import { isImagePath, type ImageInfo } from '../images.ts';
import type { Problem, ProblemCode, ProblemParams, ProblemText } from '../problems.ts';
import { assignFolderSplits, labelLines, readLabelFile, resolveListed, DETECTION_LISTING, type Upload } from './listing.ts';
import { probeImages, unreadableProblem } from './probe.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './types.ts';

/** An ASCII or a full-width comma. */
export const SEP = /[,，]/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const WHOLE = /^\d+$/;

/** Records a problem at a line of label.txt. */
export type Report = (line: number, code: ProblemCode, message: string, params?: ProblemParams) => void;

export function fields(line: string): string[] {
  return line.split(SEP).map((f) => f.trim());
}

export function isNumber(text: string): boolean {
  return NUMBER.test(text);
}

/** How a format's object lines are written. */
export interface ShapeSyntax<S> {
  /** True for a line that is meant as an object line (even a broken one), never for an image line. */
  looksLikeShape(line: string): boolean;
  /** The shape, or null after reporting why the line is broken. */
  parse(content: string, line: number, report: Report): S | null;
}

export interface ShapeRecord<S> {
  /** Line of `path,width,height`. */
  line: number;
  path: string;
  /** NaN when the declared value is not a positive whole number (already reported). */
  width: number;
  height: number;
  shapes: S[];
  /** False when the record itself is broken (bad count, bad shape): it is reported and not imported. */
  valid: boolean;
}

/** `path,width,height`: a non-numeric path, then two whole numbers; never an object line. */
function looksLikeHeader<S>(line: string, syntax: ShapeSyntax<S>): boolean {
  const f = fields(line);
  return f.length >= 3 && !isNumber(f[0]!) && WHOLE.test(f[f.length - 1]!) && WHOLE.test(f[f.length - 2]!) && !syntax.looksLikeShape(line);
}

/**
 * Parses label.txt text (already decoded). Problems carry `file` and the 1-based line.
 */
export function parseRecords<S>(text: string, file: string, syntax: ShapeSyntax<S>): { records: ShapeRecord<S>[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const records: ShapeRecord<S>[] = [];
  const report: Report = (line, code, message, params) => problems.push({ file, line, code, ...(params ? { params } : {}), message });
  const isHeader = (line: string) => looksLikeHeader(line, syntax);
  // Original line numbers are kept while blank lines (trailing ones and stray ones) are skipped.
  const lines = labelLines(text);

  let i = 0;
  while (i < lines.length) {
    const header = lines[i]!;
    if (!isHeader(header.content)) {
      if (syntax.looksLikeShape(header.content)) {
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
      while (i < lines.length && !isHeader(lines[i]!.content)) i++;
      continue;
    }
    const record = parseHeader<S>(header.content, header.number, report);
    records.push(record);
    i++;

    const countLine = lines[i];
    if (countLine === undefined || !WHOLE.test(countLine.content)) {
      const expected = `Expected the number of objects in ${record.path} (a whole number, 0 or more) but found`;
      if (countLine === undefined) report(header.number, 'label_count_missing', `${expected} the end of the file.`, { image: record.path });
      else report(countLine.number, 'label_count_invalid', `${expected} "${countLine.content}".`, { image: record.path, found: countLine.content });
      record.valid = false;
      while (i < lines.length && !isHeader(lines[i]!.content)) i++;
      continue;
    }
    const declared = Number(countLine.content);
    i++;
    let found = 0;
    while (found < declared && i < lines.length && !isHeader(lines[i]!.content)) {
      const shape = syntax.parse(lines[i]!.content, lines[i]!.number, report);
      if (shape === null) record.valid = false;
      else record.shapes.push(shape);
      found++;
      i++;
    }
    // Object lines beyond the declared count.
    while (i < lines.length && syntax.looksLikeShape(lines[i]!.content)) {
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

function parseHeader<S>(content: string, line: number, report: Report): ShapeRecord<S> {
  // Split from the right: the path itself may contain commas.
  // `s`: a path may hold any character, line and paragraph separators (U+2028/9) included.
  const match = /^(.*?)\s*[,，]\s*(\d+)\s*[,，]\s*(\d+)$/s.exec(content)!;
  const record: ShapeRecord<S> = { line, path: match[1]!, width: Number(match[2]), height: Number(match[3]), shapes: [], valid: true };
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

/** What a record format adds to the shared reader. */
export interface RecordFormat<S> {
  syntax: ShapeSyntax<S>;
  /** The problem when the upload has no label.txt. */
  missingLabelFile?: ProblemText;
  /** The problem when label.txt lists images but no object at all. */
  noObjects: ProblemText;
  /**
   * Checks the shapes of a record against the real image, reporting at their lines; warnings are
   * for what was corrected (it may rewrite shapes). True when all shapes are fine.
   */
  checkShapes(record: ShapeRecord<S>, image: ImageInfo, report: Report, warn: Report): boolean;
  /** The annotations of an accepted record's image. */
  annotations(shapes: S[]): Partial<Pick<DatasetItem, 'boxes' | 'polygons'>>;
}

/** Checks a records upload from label.txt to decoded images; the images under test/ are the test split. */
export async function checkRecordUpload<S>(upload: Upload, format: RecordFormat<S>, options: CheckOptions = {}): Promise<FormatCheck> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const imageFiles = upload.files.filter((file) => isImagePath(file));
  const label = await readLabelFile(upload, format.missingLabelFile);
  const unused = upload.files.filter((file) => !isImagePath(file) && file !== label.file);
  if (imageFiles.length === 0) problems.push({ file: '', code: 'no_images', message: 'The upload holds no images (supported types: PNG, JPEG, BMP, WebP, TIFF).' });
  if (label.file === null) {
    problems.push({ file: '', ...label.problem });
    return { items: [], problems, warnings, encoding: null, unused };
  }
  const labelFile = label.file;
  const parsed = parseRecords(label.text, labelFile, format.syntax);
  problems.push(...parsed.problems);
  if (parsed.records.length === 0 && parsed.problems.length === 0) problems.push({ file: labelFile, code: 'label_empty', message: 'label.txt lists no images.' });

  const resolved = resolveListed(upload, labelFile, parsed.records, DETECTION_LISTING, problems, warnings);
  const probes = await probeImages(upload.root, resolved.map((r) => r.file), options.onProgress);
  const items: DatasetItem[] = [];
  let shapeCount = 0;
  const at =
    (into: Problem[]): Report =>
    (line, code, message, params) =>
      into.push({ file: labelFile, line, code, ...(params ? { params } : {}), message });
  for (const { record, file } of resolved) {
    const probe = probes.get(file)!;
    if (!probe.ok) {
      problems.push({ file, ...unreadableProblem(probe) });
      continue;
    }
    const sized = checkDeclaredSize(record, probe.info, at(problems));
    const shaped = format.checkShapes(record, probe.info, at(problems), at(warnings));
    shapeCount += record.shapes.length;
    if (sized && shaped && record.valid) items.push({ source: file, image: probe.info, ...format.annotations(record.shapes) });
  }
  if (parsed.records.length > 0 && shapeCount === 0 && problems.length === 0) problems.push({ file: labelFile, ...format.noObjects });
  assignFolderSplits(items);
  return { items, problems, warnings, encoding: label.encoding, unused };
}

/** The declared size must be the image's size as displayed (EXIF orientation applied). */
function checkDeclaredSize(record: ShapeRecord<unknown>, image: ImageInfo, report: Report): boolean {
  if (Number.isNaN(record.width) || (record.width === image.width && record.height === image.height)) return true;
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
  return false;
}
