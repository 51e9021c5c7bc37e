/**
 * COCO "instances" JSON (the format of cocodataset.org, read by pycocotools, Detectron2, MMDetection
 * and most labelling tools): one file per split, boxes as `[x, y, width, height]` in pixels,
 * outlines as flat `[x1, y1, x2, y2, …]` polygons, category ids from 1.
 */
import type { ManifestEntry, Polygon } from '../manifest.ts';

export interface CocoImage {
  id: number;
  /** Relative to the split's image folder (`images/<split>/`). */
  file_name: string;
  width: number;
  height: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** `[x, y, width, height]`, pixels, from the top-left corner. */
  bbox: [number, number, number, number];
  area: number;
  /** Polygons, each `[x1, y1, x2, y2, …]`; `[]` for a box without an outline. */
  segmentation: number[][];
  iscrowd: 0;
}

export interface CocoFile {
  info: { description: string; version: string };
  licenses: [];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: { id: number; name: string }[];
}

/** Area enclosed by a polygon (shoelace formula), whichever way it turns. */
export function polygonArea(points: readonly (readonly [number, number])[]): number {
  let twice = 0;
  points.forEach(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length]!;
    twice += x * ny - nx * y;
  });
  return Math.abs(twice) / 2;
}

function polygonBounds(polygon: Polygon): [number, number, number, number] {
  const xs = polygon.points.map(([x]) => x);
  const ys = polygon.points.map(([, y]) => y);
  const [x, y] = [Math.min(...xs), Math.min(...ys)];
  return [x, y, Math.max(...xs) - x, Math.max(...ys) - y];
}

export interface CocoImageInput {
  entry: ManifestEntry;
  /** Dataset-wide id, so an image keeps its id whichever split file lists it. */
  id: number;
  fileName: string;
}

/**
 * One split's COCO file. `nextAnnotationId` numbers annotations across all splits (ids stay
 * unique if the files are merged); `categoryId` maps a label to its id.
 */
export function cocoFile(
  images: readonly CocoImageInput[],
  kind: 'boxes' | 'polygons',
  categories: readonly string[],
  nextAnnotationId: () => number,
  description: string,
): CocoFile {
  const categoryId = new Map(categories.map((name, i) => [name, i + 1]));
  const annotations: CocoAnnotation[] = [];
  for (const { entry, id } of images) {
    const base = { image_id: id, iscrowd: 0 as const };
    if (kind === 'boxes') {
      for (const box of entry.boxes ?? []) {
        const [width, height] = [box.x2 - box.x1, box.y2 - box.y1];
        annotations.push({ id: nextAnnotationId(), ...base, category_id: categoryId.get(box.label)!, bbox: [box.x1, box.y1, width, height], area: width * height, segmentation: [] });
      }
    } else {
      for (const polygon of entry.polygons ?? []) {
        annotations.push({
          id: nextAnnotationId(),
          ...base,
          category_id: categoryId.get(polygon.label)!,
          bbox: polygonBounds(polygon),
          area: polygonArea(polygon.points),
          segmentation: [polygon.points.flat()],
        });
      }
    }
  }
  return {
    info: { description, version: '1.0' },
    licenses: [],
    images: images.map(({ entry, id, fileName }) => ({ id, file_name: fileName, width: entry.width, height: entry.height })),
    annotations,
    categories: categories.map((name, i) => ({ id: i + 1, name })),
  };
}
