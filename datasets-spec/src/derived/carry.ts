/**
 * Carrying ground truth from a source image to what a stage derives from it: a crop (a detector's
 * box cut out) or a resized image (an enhancer's output). Pure functions on manifest entries; the
 * pixels are cut by the serving runtime, so the region here is the one it cut.
 */
import { signedArea2, type Box, type DatasetFormat, type ManifestEntry, type Polygon } from '../manifest.ts';
import { area, boundsOf, clipPolygon, intersectRegion, withoutRepeats, type Rect, type Region } from './geometry.ts';

/** One labeled object of a source entry as a rectangle (a polygon by its bounds), to match a detector's boxes against. */
export interface LabeledObject extends Rect {
  label: string;
  /** Set when the object is a polygon: its outline. */
  points?: [number, number][];
}

/** Every box and polygon of an entry (detection, text detection, segmentation), in that order. */
export function objectsOf(entry: ManifestEntry): LabeledObject[] {
  return [
    ...(entry.boxes ?? []).map(({ x1, y1, x2, y2, label }) => ({ x1, y1, x2, y2, label })),
    ...(entry.polygons ?? []).map(({ points, label }) => ({ ...boundsOf(points), label, points: points.map(([x, y]) => [x, y] as [number, number]) })),
  ];
}

/** The labels a crop keeps: boxes (detection, text detection) and polygons (segmentation, text detection). */
export type RegionLabels = Pick<ManifestEntry, 'boxes' | 'polygons'>;

export interface RegionOptions {
  /**
   * Fraction of an object's area that must lie inside the region for the crop to keep it (cut to
   * the region). Default 0.5; text detection defaults to 0.9, since a cut word no longer reads as
   * its label.
   */
  minVisible?: number;
}

/**
 * The labels of `entry` that fall inside `region`, cut to it and moved to the region's own
 * coordinates, for a derived dataset of `format`. Formats whose labels are not geometry get none
 * here: a crop's class or text comes from the object it was matched to (`objectsOf`, `matchByIou`).
 */
export function labelsInRegion(entry: ManifestEntry, region: Region, format: DatasetFormat, options: RegionOptions = {}): RegionLabels {
  const minVisible = options.minVisible ?? (format === 'text_detection' ? 0.9 : 0.5);
  const boxes = (): Box[] =>
    (entry.boxes ?? []).flatMap((box) => {
      const inside = intersectRegion(box, region);
      if (inside === null || area(inside) < minVisible * area(box)) return [];
      return [{ ...shift(inside, region), label: box.label }];
    });
  const polygons = (): Polygon[] =>
    (entry.polygons ?? []).flatMap((polygon) => {
      const whole = signedArea2(polygon.points);
      const clipped = clipPolygon(polygon.points, region).map(([x, y]) => [round(x - region.left), round(y - region.top)] as [number, number]);
      // Rounding can make neighbours coincide again.
      const kept = withoutRepeats(clipped);
      if (kept.length < 3 || !(signedArea2(kept) > 0) || signedArea2(kept) < minVisible * whole) return [];
      return [{ points: kept, label: polygon.label }];
    });
  switch (format) {
    case 'detection':
      return { boxes: boxes() };
    case 'segmentation':
      return { polygons: polygons() };
    case 'text_detection':
      return { boxes: boxes(), polygons: polygons() };
    default:
      return {};
  }
}

/**
 * The entry's labels for the same picture at another size (an enhancer that upscales): boxes and
 * polygons scaled (those that shrink to nothing dropped); class, text and the rest unchanged. Returns a new entry of `width`×`height`.
 */
export function scaleLabels(entry: ManifestEntry, width: number, height: number): ManifestEntry {
  const sx = width / entry.width;
  const sy = height / entry.height;
  const scaled: ManifestEntry = { ...entry, width, height };
  if (entry.boxes) {
    scaled.boxes = entry.boxes.map((box) => ({
      x1: clamp(round(box.x1 * sx), width),
      y1: clamp(round(box.y1 * sy), height),
      x2: clamp(round(box.x2 * sx), width),
      y2: clamp(round(box.y2 * sy), height),
      label: box.label,
    })).filter((box) => box.x1 < box.x2 && box.y1 < box.y2);
  }
  if (entry.polygons) {
    scaled.polygons = entry.polygons.map((polygon) => ({
      points: polygon.points.map(([x, y]) => [clamp(round(x * sx), width), clamp(round(y * sy), height)] as [number, number]),
      label: polygon.label,
    })).filter((polygon) => signedArea2(polygon.points) > 0);
  }
  return scaled;
}

function shift(rect: Rect, region: Region): Rect {
  return { x1: round(rect.x1 - region.left), y1: round(rect.y1 - region.top), x2: round(rect.x2 - region.left), y2: round(rect.y2 - region.top) };
}

/** Hundredths of a pixel: enough for any label, and no 12.000000000001 in the manifest. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function clamp(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max);
}
