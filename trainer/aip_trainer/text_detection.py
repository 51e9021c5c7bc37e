"""Text detection decoding: a probability map to text regions, as every decoder of the models does.

The steps (docs/contracts.md, "Model files"; the Node decoder in serving/ follows them too):

1. text pixels: ``prob > binaryThreshold``;
2. their 8-connected components;
3. a component's score is the mean ``prob`` over its pixels; below ``boxThreshold`` it is dropped;
4. the minimum-area rotated rectangle around the component's pixel squares (the convex hull of the
   corners of every pixel), in input pixels;
5. unclip: with w, h its sides, ``d = unclipRatio * w * h / (2 * (w + h))``; the rectangle grows to
   (w + 2d) x (h + 2d) around the same centre, in the same orientation;
6. dropped when ``min(w + 2d, h + 2d) < minSize``;
7. the corners scaled to the original image (x * W0 / W, y * H0 / H) and clamped to it;
8. the corners clockwise on screen, in reading order (``reading_order``);
9. the regions sorted by score, highest first.

``min_area_rect`` and ``reading_order`` follow the Node decoder's line for line (the same hull, the
same first edge on ties, the same tolerances), so both find the same rectangles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

# Diagonal neighbours join a component: a slanted stroke is one piece, not a staircase of pieces.
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class DecodeParams:
    """The decoding parameters; model.json's ``textDetection`` block carries them to every decoder.

    ``binary_threshold`` 0.5, not DBNet's 0.3: P is fitted (cross-entropy) to the shrunk regions, so
    its 0.5 level is their border, which unclip is calibrated to; at 0.3 the regions come out a pixel
    or so wider and unclip grows them further (tiny_dbnet on the tests' words, val and test images:
    mean IoU with the truth 0.63 instead of 0.76, hmean 0.92 instead of 0.99).
    """

    binary_threshold: float = 0.5
    box_threshold: float = 0.6
    unclip_ratio: float = 1.5
    min_size: float = 3.0

    def to_json(self) -> dict[str, float]:
        return {
            "binaryThreshold": self.binary_threshold,
            "boxThreshold": self.box_threshold,
            "unclipRatio": self.unclip_ratio,
            "minSize": self.min_size,
        }


DECODE = DecodeParams()


@dataclass(frozen=True)
class TextRegion:
    """Four corners in the original image's pixels, clockwise on screen, in reading order."""

    points: Quad
    score: float


def decode(prob: np.ndarray, width: int, height: int, params: DecodeParams = DECODE) -> list[TextRegion]:
    """The text regions of ``prob`` [H, W] (the model's output at its input size) in an original
    image of ``width`` x ``height`` pixels."""
    text = prob > params.binary_threshold
    labels, count = ndimage.label(text, structure=EIGHT_CONNECTED)
    if count == 0:
        return []
    flat = labels.ravel()
    sums = np.bincount(flat, weights=prob.ravel().astype(np.float64), minlength=count + 1)
    sizes = np.bincount(flat, minlength=count + 1)
    scores = sums[1:] / sizes[1:]
    input_height, input_width = prob.shape
    sx, sy = width / input_width, height / input_height
    regions = []
    for index, where in enumerate(ndimage.find_objects(labels)):
        score = float(scores[index])
        if where is None or score < params.box_threshold:
            continue
        rect = unclip(min_area_rect(_pixel_corners(labels[where] == index + 1, where)), params.unclip_ratio)
        side_a, side_b = math.dist(rect[0], rect[1]), math.dist(rect[1], rect[2])
        if min(side_a, side_b) < params.min_size:
            continue
        scaled = tuple((min(max(x * sx, 0.0), width), min(max(y * sy, 0.0), height)) for x, y in rect)
        regions.append(TextRegion(reading_order(scaled), score))  # type: ignore[arg-type]
    # Stable: equal scores keep the order of the components' first pixels in raster order (scipy
    # numbers them so), as the Node decoder keeps it.
    return sorted(regions, key=lambda region: -region.score)


def _pixel_corners(mask: np.ndarray, where: tuple[slice, ...]) -> list[Point]:
    """The corners of the leftmost and rightmost pixel of each row of ``mask`` (a component in its
    bounding box at ``where``): the other pixels' corners lie inside their hull."""
    top, left = where[0].start, where[1].start
    rows = np.flatnonzero(mask.any(axis=1))
    first = mask[rows].argmax(axis=1)
    last = mask.shape[1] - 1 - mask[rows, ::-1].argmax(axis=1)
    points: list[Point] = []
    for row, x0, x1 in zip(rows.tolist(), first.tolist(), last.tolist(), strict=True):
        y = float(top + row)
        x_left, x_right = float(left + x0), float(left + x1 + 1)
        points += [(x_left, y), (x_left, y + 1), (x_right, y), (x_right, y + 1)]
    return points


def polygon_area(points: Sequence[Point]) -> float:
    """Shoelace area, either orientation."""
    total = 0.0
    for i, (x, y) in enumerate(points):
        nx, ny = points[(i + 1) % len(points)]
        total += x * ny - nx * y
    return abs(total) / 2


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """Andrew's monotone chain; the hull without collinear points, from the smallest (x, y)."""
    ordered = sorted(points)

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def half(chain: Sequence[Point]) -> list[Point]:
        out: list[Point] = []
        for p in chain:
            while len(out) >= 2 and cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        out.pop()
        return out

    return half(ordered) + half(ordered[::-1])


def min_area_rect(points: Sequence[Point]) -> Quad:
    """The smallest-area rectangle holding every point (rotating calipers over the convex hull),
    corners clockwise on screen; on equal areas the first hull edge wins."""
    hull = convex_hull(points)
    if len(hull) < 3:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
        return ((x1, y1), (x2, y1), (x2, y2), (x1, y2))
    best: tuple[float, Quad] | None = None
    for i, a in enumerate(hull):
        b = hull[(i + 1) % len(hull)]
        length = math.hypot(b[0] - a[0], b[1] - a[1])
        if length == 0:
            continue
        # The edge's direction and its normal: every hull point projected on both.
        e = ((b[0] - a[0]) / length, (b[1] - a[1]) / length)
        n = (-e[1], e[0])
        along = [p[0] * e[0] + p[1] * e[1] for p in hull]
        across = [p[0] * n[0] + p[1] * n[1] for p in hull]
        min_e, max_e, min_n, max_n = min(along), max(along), min(across), max(across)
        area = (max_e - min_e) * (max_n - min_n)
        if best is None or area < best[0] - 1e-9:

            def corner(se: float, sn: float, e: Point = e, n: Point = n) -> Point:
                return (se * e[0] + sn * n[0], se * e[1] + sn * n[1])

            best = (area, (corner(min_e, min_n), corner(max_e, min_n), corner(max_e, max_n), corner(min_e, max_n)))
    assert best is not None  # a hull of 3 or more distinct points has an edge of some length
    return best[1]


def unclip(rect: Quad, ratio: float) -> Quad:
    """``rect`` grown by d = ratio * w * h / (2 (w + h)) on every side (w, h its sides)."""
    p0, p1, _, p3 = rect
    w, h = math.dist(p0, p1), math.dist(p0, p3)
    d = ratio * w * h / (2 * (w + h))
    u = ((p1[0] - p0[0]) / w, (p1[1] - p0[1]) / w)
    v = ((p3[0] - p0[0]) / h, (p3[1] - p0[1]) / h)

    def moved(p: Point, su: float, sv: float) -> Point:
        return (p[0] + d * (su * u[0] + sv * v[0]), p[1] + d * (su * u[1] + sv * v[1]))

    return (moved(rect[0], -1, -1), moved(rect[1], 1, -1), moved(rect[2], 1, 1), moved(rect[3], -1, 1))


def reading_order(quad: Quad) -> Quad:
    """Of the four rotations of a clockwise corner list, the one whose first edge points most to
    the right (the first on ties within 1e-9): top-left, top-right, bottom-right, bottom-left."""
    best, best_dx = quad, -math.inf
    for k in range(4):
        q = (quad[k], quad[(k + 1) % 4], quad[(k + 2) % 4], quad[(k + 3) % 4])
        dx = (q[1][0] - q[0][0]) / (math.hypot(q[1][0] - q[0][0], q[1][1] - q[0][1]) or 1)
        if dx > best_dx + 1e-9:
            best, best_dx = q, dx
    return best
