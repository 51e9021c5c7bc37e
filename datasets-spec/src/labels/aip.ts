/**
 * The `aip` delivery: manifest-style entries, `[{"path": "images/a.png", "boxes": [...]}, …]` (or
 * `{"items": [...]}`), the labels in the manifest's own shapes. A script that already writes
 * manifests can deliver labels without learning another format, so `width`, `height` and `split`
 * are accepted too: the size must be the item's (a mismatch means another image), the split is
 * ignored (the job's dataset decides it).
 */
import { describe } from './check.ts';
import type { DeliveryCollector, ItemIndex } from './collect.ts';
import { isObject } from './types.ts';

export function readAipDelivery(payload: unknown, items: ItemIndex, collector: DeliveryCollector): void {
  const entries = Array.isArray(payload) ? payload : isObject(payload) && Array.isArray(payload.items) ? payload.items : null;
  if (entries === null) {
    collector.problem(`An "aip" delivery must be a list of entries such as [{"path": "images/a.png", "class": "cat"}] (or {"items": [...]}), but it is ${describe(payload)}.`);
    return;
  }
  entries.forEach((entry: unknown, index) => {
    const where = `entry ${index + 1}`;
    if (!isObject(entry)) {
      collector.problem(`The delivery's ${where} must be an object such as {"path": "images/a.png", "class": "cat"}, but it is ${describe(entry)}.`);
      return;
    }
    const { path, width, height, split: _split, ...labels } = entry;
    if (typeof path !== 'string' || path === '') {
      collector.problem(`The delivery's ${where} has no "path" naming the item it labels.`);
      return;
    }
    const item = items.byPath(path);
    if (item === undefined) {
      collector.problem(`The delivery's ${where} labels "${path}", which is not an item of this job.`, path);
      return;
    }
    if ((width !== undefined && width !== item.width) || (height !== undefined && height !== item.height)) {
      collector.problem(`${path}: the delivery says the image is ${String(width ?? item.width)}x${String(height ?? item.height)} pixels, but the item is ${item.width}x${item.height}; are these labels for another image?`, path);
      return;
    }
    collector.add(item, labels, where);
  });
}
