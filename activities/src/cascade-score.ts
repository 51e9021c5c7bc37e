/**
 * End-to-end scoring of a cascade's answers against the source dataset's ground truth. A ground
 * truth box counts as right when one predicted object overlaps it (IoU ≥ 0.5, one to one) with the
 * right coarse class and the right finest class the cascade can name; a ground-truth text line
 * when one found line overlaps it (polygon IoU ≥ 0.5, one to one) and reads exactly its text.
 */
import { matchByIou, matchPolygonsByIou, objectsOf, type ManifestEntry } from '@aip/datasets-spec';
import type { PlanStage } from '@aip/workflows';

export interface CascadeObject {
  class: string;
  fineClass: string;
  box: { x1: number; y1: number; x2: number; y2: number };
}

export interface CascadeTally {
  images: number;
  truths: number;
  predictions: number;
  correct: number;
  coarseCorrect: number;
}

export function emptyTally(): CascadeTally {
  return { images: 0, truths: 0, predictions: 0, correct: 0, coarseCorrect: 0 };
}

/**
 * What the cascade should answer for a ground-truth label: the root stage's class it maps to,
 * and the finest class any stage of the cascade names (the label itself when some stage lists it).
 */
export function expectedClasses(
  root: PlanStage,
  stages: PlanStage[],
  label: string,
): { coarse: string | undefined; fine: string | undefined } {
  const coarse = root.classes.includes(label) ? label : root.labelMap[label];
  const namedSomewhere = stages.some((stage) => stage.classes.includes(label));
  return { coarse, fine: namedSomewhere ? label : coarse };
}

/** A fine class people gave a crop, where the crop was cut from. */
export interface FineLabel {
  box: { x1: number; y1: number; x2: number; y2: number };
  label: string;
}

/**
 * The entry with the fine classes people gave its crops in a child stage's labeling job carried
 * back onto its coarse boxes (each crop onto the box it overlaps most, IoU ≥ 0.5), so the cascade
 * is scored against fine truth even when the upload only said "round".
 */
export function withFineLabels(entry: ManifestEntry, fine: readonly FineLabel[]): ManifestEntry {
  if (!entry.boxes || fine.length === 0) return entry;
  const matches = matchByIou(fine.map((f) => f.box), entry.boxes, 0.5);
  const boxes = entry.boxes.map((box) => ({ ...box }));
  for (const [fineIndex, boxIndex] of matches) boxes[boxIndex]!.label = fine[fineIndex]!.label;
  return { ...entry, boxes };
}

export function scoreDetections(
  tally: CascadeTally,
  entry: ManifestEntry,
  objects: CascadeObject[],
  root: PlanStage,
  stages: PlanStage[],
): void {
  const truths = (entry.boxes ?? [])
    .map((box) => ({ ...box, expected: expectedClasses(root, stages, box.label) }))
    .filter((box) => box.expected.coarse !== undefined);
  const matches = matchByIou(
    objects.map((object) => object.box),
    truths,
    0.5,
  );
  tally.images++;
  tally.truths += truths.length;
  tally.predictions += objects.length;
  for (const [objectIndex, truthIndex] of matches) {
    const object = objects[objectIndex]!;
    const truth = truths[truthIndex]!;
    if (object.class !== truth.expected.coarse) continue;
    tally.coarseCorrect++;
    if (object.fineClass === truth.expected.fine) tally.correct++;
  }
}

/** A text line the cascade found (a rotated rectangle in image pixels) and what it read there, if anything. */
export interface CascadeLine {
  points: [number, number][];
  text: string | undefined;
}

/** Text detection → recognition: found = overlapping a labeled line ("coarse"), right = also read exactly. */
export function scoreTextLines(tally: CascadeTally, entry: ManifestEntry, lines: CascadeLine[]): void {
  const truths = objectsOf(entry).map((truth) => ({
    text: truth.label,
    points: truth.points ?? ([[truth.x1, truth.y1], [truth.x2, truth.y1], [truth.x2, truth.y2], [truth.x1, truth.y2]] as [number, number][]),
  }));
  const matches = matchPolygonsByIou(
    lines.map((line) => line.points),
    truths.map((truth) => truth.points),
    0.5,
  );
  tally.images++;
  tally.truths += truths.length;
  tally.predictions += lines.length;
  for (const [lineIndex, truthIndex] of matches) {
    tally.coarseCorrect++;
    if (lines[lineIndex]!.text === truths[truthIndex]!.text) tally.correct++;
  }
}

export function cascadeMetrics(tally: CascadeTally): Record<string, number> {
  return {
    testImages: tally.images,
    groundTruthObjects: tally.truths,
    predictedObjects: tally.predictions,
    /** Ground-truth objects found with the right coarse and fine class. */
    endToEndAccuracy: tally.truths ? tally.correct / tally.truths : 0,
    /** Predicted objects that are right all the way down. */
    endToEndPrecision: tally.predictions ? tally.correct / tally.predictions : 0,
    coarseRecall: tally.truths ? tally.coarseCorrect / tally.truths : 0,
  };
}
