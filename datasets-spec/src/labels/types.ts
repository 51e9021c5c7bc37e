/**
 * The shapes the label interchange speaks (docs/contracts.md, "Labeling"): a labeling job's items,
 * their labels in the canonical manifest's shapes, and problems worded for the person who labeled.
 */
import type { ManifestEntry } from '../manifest.ts';

export type LabelTask = 'classification' | 'detection' | 'segmentation' | 'text_detection' | 'text_recognition';
export const LABEL_TASKS: readonly LabelTask[] = ['classification', 'detection', 'segmentation', 'text_detection', 'text_recognition'];

/**
 * The labels of one item, in the canonical manifest's shapes. After checkItemLabels exactly one
 * field is set: `class` (classification), `boxes` (detection), `polygons` (segmentation and text
 * detection, label = the text) or `text` (text recognition).
 */
export type ItemLabels = Pick<ManifestEntry, 'class' | 'boxes' | 'polygons' | 'text'>;

export interface LabelingTarget {
  task: LabelTask;
  /** The classes a label may name; unused (may be empty) for the text tasks. */
  classes: string[];
}

export interface LabelItemRef {
  id: string;
  /** The item's path, as a manifest path (e.g. `images/cat/001.png`). */
  path: string;
  width: number;
  height: number;
}

export interface LabelProblem {
  /** The path of the item concerned; absent for a problem with the payload as a whole. */
  item?: string;
  /** A full sentence naming the item, the box or polygon and what is wrong. */
  message: string;
}

export type DeliveryFormat = 'aip' | 'coco' | 'label-studio';
export const DELIVERY_FORMATS: readonly DeliveryFormat[] = ['aip', 'coco', 'label-studio'];

export interface ExportItem extends LabelItemRef {
  labels: ItemLabels | null;
  prelabel: { labels: ItemLabels; confidence: number | null } | null;
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
