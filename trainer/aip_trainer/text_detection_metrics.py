"""Text detection metrics: precision, recall and their harmonic mean at IoU 0.5.

Per image, predicted regions and ground-truth polygons are matched one to one, greedily: of all
pairs with IoU >= 0.5, the highest IoU first (ties: the earlier truth, then the earlier
prediction), each region in one pair at most. Precision = matches / predictions, recall = matches /
truths, both over every test image together (0 when there is nothing to divide by), hmean =
2PR / (P + R) (0 when both are 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aip_trainer.text_detection import Point, convex_hull, polygon_area

IOU_THRESHOLD = 0.5


def _clip(subject: list[Point], clip: list[Point]) -> list[Point]:
    """Sutherland-Hodgman: ``subject`` (any simple polygon) cut to the convex polygon ``clip``
    (counter-clockwise in x-right, y-up terms: a positive shoelace sum). A non-convex subject may
    come out with zero-width bridges along the clip's edges; they add no area."""
    output = subject
    for i, a in enumerate(clip):
        b = clip[(i + 1) % len(clip)]
        if not output:
            break

        def side(p: Point, a: Point = a, b: Point = b) -> float:
            return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])

        def crossing(p: Point, q: Point, a: Point = a, b: Point = b) -> Point:
            sp, sq = side(p, a, b), side(q, a, b)
            t = sp / (sp - sq)
            return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))

        points, output = output, []
        for j, current in enumerate(points):
            previous = points[j - 1]
            if side(current) >= 0:
                if side(previous) < 0:
                    output.append(crossing(previous, current))
                output.append(current)
            elif side(previous) >= 0:
                output.append(crossing(previous, current))
    return output


def polygon_iou(truth: Sequence[Point], predicted: Sequence[Point]) -> float:
    """Intersection over union of a ground-truth polygon (any simple polygon) and a predicted
    region, exactly: the intersection is the truth clipped (Sutherland-Hodgman) to the predicted
    region's convex hull (a rectangle, or one whose corners were clamped to the image, which keeps
    it convex but for rounding), the areas by the shoelace formula."""
    hull = convex_hull(predicted)  # from the smallest (x, y): a positive shoelace sum
    truth_area, predicted_area = polygon_area(truth), polygon_area(hull)
    if len(hull) < 3 or truth_area == 0:
        return 0.0
    intersection = polygon_area(_clip(list(truth), hull))
    union = truth_area + predicted_area - intersection
    return intersection / union if union > 0 else 0.0


def count_matches(truth: Sequence[Sequence[Point]], predicted: Sequence[Sequence[Point]]) -> int:
    """One image's one-to-one matches at IoU >= IOU_THRESHOLD, highest IoU first."""
    pairs = [
        (iou, t, p)
        for t, truth_points in enumerate(truth)
        for p, predicted_points in enumerate(predicted)
        if (iou := polygon_iou(truth_points, predicted_points)) >= IOU_THRESHOLD
    ]
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    used_truth: set[int] = set()
    used_predicted: set[int] = set()
    for _, t, p in pairs:
        if t not in used_truth and p not in used_predicted:
            used_truth.add(t)
            used_predicted.add(p)
    return len(used_truth)


def text_detection_metrics(
    truth: Sequence[Sequence[Sequence[Point]]], predicted: Sequence[Sequence[Sequence[Point]]]
) -> dict[str, Any]:
    """``truth`` and ``predicted``: per test image, its polygons in the original image's pixels."""
    matches = sum(count_matches(t, p) for t, p in zip(truth, predicted, strict=True))
    truths, predictions = sum(len(t) for t in truth), sum(len(p) for p in predicted)
    precision = matches / predictions if predictions else 0.0
    recall = matches / truths if truths else 0.0
    hmean = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "hmean": hmean, "testImages": len(truth)}
