/**
 * YOLO txt (Ultralytics YOLOv5/v8 and later): one `labels/<split>/<image stem>.txt` per image,
 * one object a line, class ids from 0 and coordinates normalized to 0..1 by the image's size:
 * `class cx cy w h` for boxes, `class x1 y1 x2 y2 …` for outlines (YOLO-seg). `data.yaml` names
 * the classes and the split folders.
 */
import type { ManifestEntry, Split } from '../manifest.ts';

/** Six decimals, as Ultralytics' own converters write (error at most 5e-7 of the image size). */
function number(value: number): string {
  const fixed = value.toFixed(6);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** The label file's text for one image: a line per object, empty for an image without any. */
export function yoloLabels(entry: ManifestEntry, kind: 'boxes' | 'polygons', classId: ReadonlyMap<string, number>): string {
  const { width, height } = entry;
  const lines =
    kind === 'boxes'
      ? (entry.boxes ?? []).map((box) => {
          const [cx, cy] = [(box.x1 + box.x2) / 2 / width, (box.y1 + box.y2) / 2 / height];
          const [w, h] = [(box.x2 - box.x1) / width, (box.y2 - box.y1) / height];
          return [classId.get(box.label)!, number(cx), number(cy), number(w), number(h)].join(' ');
        })
      : (entry.polygons ?? []).map((polygon) => [classId.get(polygon.label)!, ...polygon.points.flatMap(([x, y]) => [number(x / width), number(y / height)])].join(' '));
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * A YAML double-quoted string. JSON's escapes are YAML's too; the characters YAML (1.1, as
 * PyYAML reads it) takes for line breaks or a BOM are escaped as well.
 */
export function yamlString(text: string): string {
  return JSON.stringify(text).replace(/[\u0085\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * data.yaml. Without `path`, Ultralytics takes the folder of data.yaml as the dataset root, so the
 * export works wherever it is unpacked. Only splits that have images are listed.
 */
export function dataYaml(classes: readonly string[], splits: readonly Split[], kind: 'boxes' | 'polygons'): string {
  const lines = [`# YOLO ${kind === 'boxes' ? 'detection' : 'segmentation'} dataset exported by AIP. Paths are relative to this file.`];
  for (const split of splits) lines.push(`${split}: images/${split}`);
  if (!splits.includes('val')) {
    lines.push('# This dataset has no val split (it came with train/ and test/ folders). Training needs one:');
    lines.push('# move some images and their labels into images/val and labels/val, and add "val: images/val".');
  }
  lines.push(`nc: ${classes.length}`);
  lines.push(classes.length === 0 ? 'names: {}' : 'names:');
  classes.forEach((name, i) => lines.push(`  ${i}: ${yamlString(name)}`));
  return `${lines.join('\n')}\n`;
}
