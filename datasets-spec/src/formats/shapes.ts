/**
 * Text detection and segmentation uploads: label.txt records as for detection (records.ts), whose
 * object lines are outlines:
 *
 *     xmin,ymin,xmax,ymax,text                 a rectangle (text detection only)
 *     (x1,y1),(x2,y2),(x3,y3),…,label          a polygon: 3 points or more, clockwise
 *
 * For text detection the label is the text (it may contain commas); for segmentation, the class.
 * Polygons go clockwise as seen on screen: in image coordinates (y down) their shoelace area is
 * positive. A counter-clockwise polygon is reversed (keeping its first point) with a warning, and
 * a first point repeated at the end is dropped with a warning; a polygon must not cross itself.
 */
import type { ImageInfo } from '../images.ts';
import { signedArea2, type Polygon } from '../manifest.ts';
import type { ProblemText } from '../problems.ts';
import { checkBox, looksLikeBox, parseBox, plainBox, type LabelBox } from './detection.ts';
import type { Upload } from './listing.ts';
import { checkRecordUpload, isNumber, SEP, type RecordFormat, type Report, type ShapeSyntax } from './records.ts';
import type { CheckOptions, FormatCheck } from './types.ts';

export interface LabelPolygon extends Polygon {
  line: number;
}

export type LabelShape = ({ kind: 'box' } & LabelBox) | ({ kind: 'polygon' } & LabelPolygon);

/** `(x,y)` at the start of the text: a point (two values separated by a comma) in parentheses. */
const POINT = /^\(([^()]*[,，][^()]*)\)/;
const BOX_FIELDS = /^[^,，]*[,，][^,，]*[,，][^,，]*[,，][^,，]*[,，]/;

export function looksLikePolygon(line: string): boolean {
  return POINT.test(line);
}

/**
 * `(x1,y1),(x2,y2),…,label`: the label is whatever follows the last point (so it may contain
 * commas, but cannot itself start with "(a,b)").
 */
export function parsePolygon(content: string, line: number, report: Report): LabelPolygon | null {
  const points: [number, number][] = [];
  let ok = true;
  let rest = content;
  let label: string | null = null;
  for (;;) {
    const point = POINT.exec(rest);
    if (point === null) {
      label = rest.trim();
      break;
    }
    const values = point[1]!.split(SEP).map((v) => v.trim());
    if (values.length !== 2 || !values.every(isNumber)) {
      report(line, 'label_polygon_point_invalid', `The point "${point[0]}" must be two numbers in parentheses, (x,y).`, { found: point[0] });
      ok = false;
    } else {
      points.push([Number(values[0]), Number(values[1])]);
    }
    rest = rest.slice(point[0].length).trimStart();
    const separator = /^[,，]\s*/.exec(rest);
    if (separator === null) {
      if (rest !== '') {
        report(line, 'label_polygon_fields', `Expected a polygon "(x1,y1),(x2,y2),(x3,y3),label" but found "${content}".`, { found: content });
        return null;
      }
      label = '';
      break;
    }
    rest = rest.slice(separator[0].length);
  }
  if (label === '') {
    report(line, 'label_polygon_no_label', 'The polygon has no label after its points.');
    ok = false;
  }
  return ok ? { line, points, label: label! } : null;
}

/** True when segments ab and cd meet (touching included). */
function segmentsMeet(a: [number, number], b: [number, number], c: [number, number], d: [number, number]): boolean {
  const cross = (o: [number, number], p: [number, number], q: [number, number]) => Math.sign((p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0]));
  const within = (o: [number, number], p: [number, number], q: [number, number]) =>
    Math.min(o[0], p[0]) <= q[0] && q[0] <= Math.max(o[0], p[0]) && Math.min(o[1], p[1]) <= q[1] && q[1] <= Math.max(o[1], p[1]);
  const [d1, d2, d3, d4] = [cross(c, d, a), cross(c, d, b), cross(a, b, c), cross(a, b, d)];
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 === 0 && within(c, d, a)) || (d2 === 0 && within(c, d, b)) || (d3 === 0 && within(a, b, c)) || (d4 === 0 && within(a, b, d));
}

/** True when two edges that do not share a corner meet. */
export function selfIntersects(points: readonly [number, number][]): boolean {
  const n = points.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // the closing edge shares the first point
      if (segmentsMeet(points[i]!, points[(i + 1) % n]!, points[j]!, points[(j + 1) % n]!)) return true;
    }
  }
  return false;
}

/**
 * Checks a polygon against the image and normalizes it: consecutive repeated points are merged
 * (a double click in a labelling tool), a repeated first point is dropped and a counter-clockwise
 * outline reversed, each with a warning. True when the polygon is fine.
 */
export function checkPolygon(polygon: LabelPolygon, image: ImageInfo, report: Report, warn: Report): boolean {
  const points = polygon.points.filter((p, i, all) => i === 0 || p[0] !== all[i - 1]![0] || p[1] !== all[i - 1]![1]);
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length > 1 && first![0] === last![0] && first![1] === last![1]) {
    points.pop();
    warn(polygon.line, 'label_polygon_closed', 'The polygon ends with its first point again; the repeat was dropped (a polygon is closed by itself).');
  }
  polygon.points = points;
  if (points.length < 3) {
    report(polygon.line, 'label_polygon_too_few_points', `A polygon needs at least 3 different points (found ${points.length}).`, { count: points.length });
    return false;
  }
  const outside = points.find(([x, y]) => x < 0 || y < 0 || x > image.width || y > image.height);
  if (outside !== undefined) {
    const point = `${outside[0]},${outside[1]}`;
    report(
      polygon.line,
      'label_polygon_outside',
      `The point ${point} is outside the image, which is ${image.width}x${image.height} (coordinates must be between 0,0 and ${image.width},${image.height}).`,
      { point, width: image.width, height: image.height },
    );
    return false;
  }
  const area = signedArea2(points);
  if (area === 0) {
    report(polygon.line, 'label_polygon_degenerate', 'The polygon has no area: its points lie on one line.');
    return false;
  }
  if (selfIntersects(points)) {
    report(polygon.line, 'label_polygon_self_intersecting', 'The edges of the polygon cross each other; list its points in order around the outline.');
    return false;
  }
  if (area < 0) {
    polygon.points = [points[0]!, ...points.slice(1).reverse()];
    warn(polygon.line, 'label_polygon_reversed', 'The points of the polygon go counter-clockwise; they were reversed to go clockwise.');
  }
  return true;
}

const TEXT_SYNTAX: ShapeSyntax<LabelShape> = {
  looksLikeShape: (line) => looksLikePolygon(line) || looksLikeBox(line),
  parse(content, line, report) {
    if (looksLikePolygon(content)) {
      const polygon = parsePolygon(content, line, report);
      return polygon && { kind: 'polygon', ...polygon };
    }
    if (!BOX_FIELDS.test(content)) {
      report(line, 'label_shape_fields', `Expected a rectangle "xmin,ymin,xmax,ymax,text" or a polygon "(x1,y1),(x2,y2),(x3,y3),text" but found "${content}".`, {
        found: content,
      });
      return null;
    }
    const box = parseBox(content, line, report);
    return box && { kind: 'box', ...box };
  },
};

const SEGMENTATION_SYNTAX: ShapeSyntax<LabelShape> = {
  // Rectangles count as object lines, so the count stays right and the line is refused by its kind.
  looksLikeShape: TEXT_SYNTAX.looksLikeShape,
  parse(content, line, report) {
    if (looksLikePolygon(content)) {
      const polygon = parsePolygon(content, line, report);
      return polygon && { kind: 'polygon', ...polygon };
    }
    if (looksLikeBox(content)) {
      report(line, 'label_rectangle_not_allowed', 'A segmentation object is a polygon "(x1,y1),(x2,y2),(x3,y3),label", not a rectangle: list the corners as points.');
    } else {
      report(line, 'label_polygon_fields', `Expected a polygon "(x1,y1),(x2,y2),(x3,y3),label" but found "${content}".`, { found: content });
    }
    return null;
  },
};

function checkShapes(shapes: LabelShape[], image: ImageInfo, report: Report, warn: Report): boolean {
  return shapes.map((shape) => (shape.kind === 'box' ? checkBox(shape, image, report) : checkPolygon(shape, image, report, warn))).every(Boolean);
}

const plainPolygon = ({ points, label }: LabelPolygon): Polygon => ({ points, label });

const MISSING: ProblemText = {
  code: 'shapes_label_file_missing',
  message: 'No label.txt was found. Text detection and segmentation datasets need a label.txt next to their images.',
};

const TEXT_DETECTION: RecordFormat<LabelShape> = {
  syntax: TEXT_SYNTAX,
  missingLabelFile: MISSING,
  noObjects: { code: 'label_no_text_regions', message: 'label.txt has no text regions at all; a text detector needs images with outlined text.' },
  checkShapes: (record, image, report, warn) => checkShapes(record.shapes, image, report, warn),
  annotations: (shapes) => ({
    boxes: shapes.flatMap((s) => (s.kind === 'box' ? [plainBox(s)] : [])),
    polygons: shapes.flatMap((s) => (s.kind === 'polygon' ? [plainPolygon(s)] : [])),
  }),
};

const SEGMENTATION: RecordFormat<LabelShape> = {
  syntax: SEGMENTATION_SYNTAX,
  missingLabelFile: MISSING,
  noObjects: { code: 'label_no_polygons', message: 'label.txt has no polygons at all; a segmentation model needs images with outlined objects.' },
  checkShapes: (record, image, report, warn) => checkShapes(record.shapes, image, report, warn),
  annotations: (shapes) => ({ polygons: shapes.flatMap((s) => (s.kind === 'polygon' ? [plainPolygon(s)] : [])) }),
};

export function checkTextDetection(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  return checkRecordUpload(upload, TEXT_DETECTION, options);
}

export function checkSegmentation(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  return checkRecordUpload(upload, SEGMENTATION, options);
}
