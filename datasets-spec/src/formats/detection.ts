/**
 * Detection uploads: images plus one `label.txt` holding, for each image, a record of
 *
 *     path,width,height
 *     num
 *     xmin,ymin,xmax,ymax,label      (num lines)
 *
 * Written by hand and by many tools, so the parser tolerates full-width commas (，), CRLF, a BOM,
 * blank lines, spaces around numbers, GBK text and labels that contain commas; and it keeps going
 * after an error so the user sees every problem at once. The record reading is shared with the
 * other record formats (records.ts); this file knows the box line.
 */
import type { ImageInfo } from '../images.ts';
import type { Box } from '../manifest.ts';
import type { Problem } from '../problems.ts';
import { LABEL_FILE, findLabelFile, type Upload } from './listing.ts';
import { checkRecordUpload, fields, isNumber, parseRecords, type RecordFormat, type Report, type ShapeSyntax } from './records.ts';
import type { CheckOptions, FormatCheck } from './types.ts';

export { LABEL_FILE, findLabelFile };

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

/** `xmin,ymin,xmax,ymax,label…`: at least five fields, the first four numbers. */
export function looksLikeBox(line: string): boolean {
  const f = fields(line);
  return f.length >= 5 && f.slice(0, 4).every(isNumber);
}

const COORDINATES = ['xmin', 'ymin', 'xmax', 'ymax'] as const;

/** `xmin,ymin,xmax,ymax,label`; the label is everything after the fourth separator (it may contain commas). */
export function parseBox(content: string, line: number, report: Report): LabelBox | null {
  // `s`: a label may hold any character, line and paragraph separators (U+2028/9) included.
  const match = /^([^,，]*)[,，]([^,，]*)[,，]([^,，]*)[,，]([^,，]*)[,，](.*)$/s.exec(content);
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

const BOX_SYNTAX: ShapeSyntax<LabelBox> = { looksLikeShape: looksLikeBox, parse: parseBox };

/**
 * Parses label.txt text (already decoded). Problems carry `file: 'label.txt'` and the 1-based line;
 * the caller re-targets them if the file lives elsewhere.
 */
export function parseLabelText(text: string, file = LABEL_FILE): { records: LabelRecord[]; problems: Problem[] } {
  const { records, problems } = parseRecords(text, file, BOX_SYNTAX);
  return { records: records.map(({ shapes, ...record }) => ({ ...record, boxes: shapes })), problems };
}

/** A box must be ordered and inside the image (its size as displayed). True when it is. */
export function checkBox(box: LabelBox, image: ImageInfo, report: Report): boolean {
  let ok = true;
  const coordinates = `${box.x1},${box.y1},${box.x2},${box.y2}`;
  if (box.x1 >= box.x2) {
    report(box.line, 'label_box_x_order', `xmin (${box.x1}) must be smaller than xmax (${box.x2}).`, { xmin: box.x1, xmax: box.x2 });
    ok = false;
  }
  if (box.y1 >= box.y2) {
    report(box.line, 'label_box_y_order', `ymin (${box.y1}) must be smaller than ymax (${box.y2}).`, { ymin: box.y1, ymax: box.y2 });
    ok = false;
  }
  if (box.x1 < 0 || box.y1 < 0 || box.x2 > image.width || box.y2 > image.height) {
    report(
      box.line,
      'label_box_outside',
      `The box ${coordinates} reaches outside the image, which is ${image.width}x${image.height} (coordinates must be between 0,0 and ${image.width},${image.height}).`,
      { box: coordinates, width: image.width, height: image.height },
    );
    ok = false;
  }
  return ok;
}

/** The manifest's box, without the line it came from. */
export function plainBox({ x1, y1, x2, y2, label }: LabelBox): Box {
  return { x1, y1, x2, y2, label };
}

const DETECTION: RecordFormat<LabelBox> = {
  syntax: BOX_SYNTAX,
  noObjects: { code: 'label_no_objects', message: 'label.txt has no objects at all; a detector needs images with labelled boxes.' },
  checkShapes: (record, image, report) => record.shapes.map((box) => checkBox(box, image, report)).every(Boolean),
  annotations: (boxes) => ({ boxes: boxes.map(plainBox) }),
};

export function checkDetection(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  return checkRecordUpload(upload, DETECTION, options);
}
