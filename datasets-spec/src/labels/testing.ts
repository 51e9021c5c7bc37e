/** Items and labels the label interchange tests share (one sample per task, awkward sizes on purpose). */
import type { ExportItem, ItemLabels, LabelItemRef, LabelTask, LabelingTarget } from './types.ts';

export const ITEMS: LabelItemRef[] = [
  { id: 'i1', path: 'images/cat/a.png', width: 200, height: 100 },
  // 64x48: percents of it are not round numbers, so round trips must round back exactly.
  { id: 'i2', path: 'images/dog/b.png', width: 64, height: 48 },
  // Two items share the file name "same.png": the name alone must match neither.
  { id: 'i3', path: 'images/cat/same.png', width: 10, height: 10 },
  { id: 'i4', path: 'images/dog/same.png', width: 10, height: 10 },
];

export const TARGETS: Record<LabelTask, LabelingTarget> = {
  classification: { task: 'classification', classes: ['cat', 'dog'] },
  detection: { task: 'detection', classes: ['cat', 'dog'] },
  segmentation: { task: 'segmentation', classes: ['cat', 'dog'] },
  text_detection: { task: 'text_detection', classes: [] },
  text_recognition: { task: 'text_recognition', classes: [] },
};

/** Labels of items i1 and i2 per task, already canonical (what checkItemLabels returns). */
export const SAMPLES: Record<LabelTask, [ItemLabels, ItemLabels]> = {
  classification: [{ class: 'cat' }, { class: 'dog' }],
  detection: [
    { boxes: [{ x1: 10, y1: 20.5, x2: 199.99, y2: 100, label: 'cat' }, { x1: 0, y1: 0, x2: 1, y2: 1, label: 'dog' }] },
    { boxes: [] },
  ],
  segmentation: [
    { polygons: [{ points: [[10, 10], [50.25, 12], [30, 90.5]], label: 'cat' }] },
    { polygons: [{ points: [[1.11, 2.22], [63.99, 3.33], [60, 47.77], [5.55, 40]], label: 'dog' }, { points: [[0, 0], [7, 0], [0, 9]], label: 'cat' }] },
  ],
  text_detection: [
    { polygons: [{ points: [[10, 10], [150, 12], [150, 40], [10, 38]], label: 'Hello, world' }] },
    { polygons: [{ points: [[3.33, 4.44], [60.1, 4.44], [60.1, 20.2], [3.33, 20.2]], label: '猫 A1' }] },
  ],
  text_recognition: [{ text: 'A猫' }, { text: ' spaced text ' }],
};

/** Items i1 and i2 labeled with the task's samples (i2 also pre-labeled), i3 unlabeled and pre-labeled without confidence. */
export function exportItems(task: LabelTask): ExportItem[] {
  const [first, second] = SAMPLES[task];
  return [
    { ...ITEMS[0]!, labels: first, prelabel: null },
    { ...ITEMS[1]!, labels: second, prelabel: { labels: second, confidence: 0.42 } },
    { ...ITEMS[2]!, labels: null, prelabel: { labels: task === 'classification' ? { class: 'cat' } : task === 'text_recognition' ? { text: 'x' } : task === 'detection' ? { boxes: [] } : { polygons: [] }, confidence: null } },
  ];
}
