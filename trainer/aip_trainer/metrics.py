"""Test metrics: accuracy / macro F1 / confusion matrix, COCO mAP via pycocotools, and IoU from a
pixel confusion matrix."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from aip_trainer.manifest import Entry


def classification_metrics(truth: Sequence[int], predicted: Sequence[int], classes: list[str]) -> dict[str, Any]:
    n = len(classes)
    t, p = np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    confusion = np.bincount(t * n + p, minlength=n * n).reshape(n, n)  # rows: truth, columns: prediction
    true_pos = np.diag(confusion).astype(np.float64)
    support, predicted_count = confusion.sum(axis=1), confusion.sum(axis=0)
    denominator = support + predicted_count
    # Like scikit-learn: the mean over classes present in the truth or the predictions.
    present = denominator > 0
    f1 = np.divide(2 * true_pos, denominator, out=np.zeros(n), where=present)
    return {
        "accuracy": float(true_pos.sum() / max(len(t), 1)),
        "macroF1": float(f1[present].mean()) if present.any() else 0.0,
        "confusionMatrix": confusion.tolist(),
        "classes": list(classes),
        "testImages": len(t),
    }


@dataclass(frozen=True)
class Detections:
    """One image's predictions: boxes normalized xyxy [K,4], scores [K], labels [K]."""

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray


def _coco_ground_truth(entries: Sequence[Entry], classes: list[str]) -> COCO:
    images, annotations = [], []
    for image_id, entry in enumerate(entries, start=1):
        images.append({"id": image_id, "width": entry.width, "height": entry.height})
        for box in entry.boxes:
            w, h = box.x2 - box.x1, box.y2 - box.y1
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": box.label + 1,
                    "bbox": [box.x1, box.y1, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    coco = COCO()
    coco.dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i + 1, "name": name} for i, name in enumerate(classes)],
    }
    coco.createIndex()
    return coco


def detection_metrics(
    entries: Sequence[Entry], predictions: Sequence[Detections], classes: list[str]
) -> dict[str, Any]:
    """mAP@0.5 and @0.5:0.95 in the original images' pixels; per-class AP50 (null: no such object) and
    the precision-recall curve at IoU 0.5 (`prCurve50`: COCO's 101 recall points, precision per class,
    null for a class without objects)."""
    results: dict[str, Any] = {"mAP50": 0.0, "mAP50_95": 0.0, "perClassAP50": dict.fromkeys(classes)}
    recall_points = [round(r, 2) for r in np.linspace(0.0, 1.0, 101)]
    results["prCurve50"] = {"recall": recall_points, "precision": dict.fromkeys(classes)}
    results |= {"classes": list(classes), "testImages": len(entries)}
    rows = []
    for image_id, (entry, det) in enumerate(zip(entries, predictions, strict=True), start=1):
        scale = np.array([entry.width, entry.height, entry.width, entry.height], dtype=np.float64)
        for box, score, label in zip(det.boxes.astype(np.float64) * scale, det.scores, det.labels, strict=True):
            rows.append([image_id, box[0], box[1], box[2] - box[0], box[3] - box[1], float(score), int(label) + 1])
    if not rows or not any(entry.boxes for entry in entries):
        return results
    # pycocotools prints progress and tables: keep stdout for events and the log readable.
    with contextlib.redirect_stdout(io.StringIO()):
        truth = _coco_ground_truth(entries, classes)
        evaluation = COCOeval(truth, truth.loadRes(np.asarray(rows, dtype=np.float64)), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    results["mAP50_95"] = max(float(evaluation.stats[0]), 0.0)
    results["mAP50"] = max(float(evaluation.stats[1]), 0.0)
    # precision: [IoU threshold, recall, class, area range, max dets]; IoU 0.5, all areas, 100 dets.
    precision = evaluation.eval["precision"][0, :, :, 0, -1]
    for k, name in enumerate(classes):
        values = precision[:, k]
        defined = bool((values > -1).all())
        results["perClassAP50"][name] = float(values.mean()) if defined else None
        results["prCurve50"]["precision"][name] = [round(float(v), 4) for v in values] if defined else None
    return results


def segmentation_metrics(confusion: np.ndarray, classes: list[str], images: int) -> dict[str, Any]:
    """Everything from one confusion matrix of pixel counts over the whole split: (C+1)x(C+1), rows
    truth, columns prediction, index 0 background. A class neither in the truth nor predicted has no
    IoU (null) and stays out of the mean; mIoU is over the foreground classes only."""
    confusion = np.asarray(confusion, dtype=np.int64)
    true_pos = np.diag(confusion).astype(np.float64)
    union = confusion.sum(axis=1) + confusion.sum(axis=0) - true_pos
    present = union > 0
    iou = np.divide(true_pos, union, out=np.zeros(len(union)), where=present)
    foreground = present[1:]
    total = int(confusion.sum())
    return {
        "mIoU": float(iou[1:][foreground].mean()) if foreground.any() else 0.0,
        "perClassIoU": {name: float(iou[k]) if present[k] else None for k, name in enumerate(classes, start=1)},
        "backgroundIoU": float(iou[0]) if present[0] else None,
        "pixelAccuracy": float(true_pos.sum() / total) if total else 0.0,
        "confusionMatrix": confusion.tolist(),
        "classes": list(classes),
        "testImages": images,
    }
