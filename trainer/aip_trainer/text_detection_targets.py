"""Text detection training targets (DBNet, Liao et al. 2020) from the manifest's text regions.

Per image, at the input size, three maps:

- ``shrunk``: 1 on the pixels (centres) inside a region shrunk by D, else 0: the probability map's
  target;
- ``threshold``: 0.3 + 0.4 * (1 - distance to the region's border / D), at most D away from the
  border, else 0.3: the threshold map's target, high on the border between text and background;
- ``threshold_mask``: 1 inside the region grown by D, where the threshold map is trained.

D is the shrink that the decoder's unclip undoes exactly for a rectangle (``shrink_distance``), so
a model that finds the shrunk regions decodes to the regions themselves.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import Dataset

from aip_trainer.images import ImageStore
from aip_trainer.manifest import Entry
from aip_trainer.masks import fill_polygon
from aip_trainer.text_detection import polygon_area

THRESHOLD_LOW, THRESHOLD_HIGH = 0.3, 0.7
# Maps per sample, in this order.
SHRUNK, THRESHOLD, THRESHOLD_MASK = 0, 1, 2

TextDetectionSample = tuple[torch.Tensor, torch.Tensor]


def polygon_perimeter(points: np.ndarray) -> float:
    return float(np.linalg.norm(np.roll(points, -1, axis=0) - points, axis=1).sum())


def shrink_distance(area: float, perimeter: float, unclip_ratio: float) -> float:
    """The D that the unclip of decoding step 5 undoes for a rectangle of this area and perimeter.

    A rectangle w x h (A = w h, L = 2 (w + h)) shrunk by D on every side unclips by
    d = u (w - 2D)(h - 2D) / (2 (w + h - 4D)); d = D where 4 (u + 2) D^2 - (u + 1) L D + u A = 0, whose
    smaller root is D. (DBNet's own D = A (1 - 0.4^2) / L, decoded with u = 1.5, gives back only 40%
    of a long line's height.) Other polygons use their own area and perimeter.
    """
    u = unclip_ratio
    discriminant = ((u + 1) * perimeter) ** 2 - 16 * u * (u + 2) * area
    # Negative only for shapes rounder than a square, which a rectangle's formula does not describe:
    # the double root then is the largest shrink that still leaves something.
    return ((u + 1) * perimeter - math.sqrt(max(discriminant, 0.0))) / (8 * (u + 2))


def _border_distance(points: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Distance [len(ys), len(xs)] from the points (xs, ys) to the closed polyline ``points``."""
    px, py = xs[None, :], ys[:, None]
    nearest = np.full((len(ys), len(xs)), np.inf)
    # Edge by edge: a curved line's many points over a large window would not fit in memory at once.
    for (ax, ay), (bx, by) in zip(points, np.roll(points, -1, axis=0), strict=True):
        ex, ey = bx - ax, by - ay
        t = np.clip(((px - ax) * ex + (py - ay) * ey) / max(ex * ex + ey * ey, 1e-12), 0.0, 1.0)
        np.minimum(nearest, np.hypot(px - (ax + t * ex), py - (ay + t * ey)), out=nearest)
    return nearest


def draw_region(maps: np.ndarray, points: np.ndarray, unclip_ratio: float) -> None:
    """Adds one region ``points`` [n, 2] (input pixels) to ``maps`` [3, H, W] (float32)."""
    area = polygon_area(points.tolist())
    if area < 1e-6:
        return  # a region without area has no inside to find
    shrink = shrink_distance(area, polygon_perimeter(points), unclip_ratio)
    _, height, width = maps.shape
    # Only the pixels at most D (plus one, for the centres) from the region can change.
    x0 = max(math.floor(points[:, 0].min() - shrink - 1), 0)
    y0 = max(math.floor(points[:, 1].min() - shrink - 1), 0)
    x1 = min(math.ceil(points[:, 0].max() + shrink + 1), width)
    y1 = min(math.ceil(points[:, 1].max() + shrink + 1), height)
    if x0 >= x1 or y0 >= y1:
        return
    local = points - np.array([x0, y0], dtype=np.float64)
    inside = np.zeros((y1 - y0, x1 - x0), dtype=np.int64)
    fill_polygon(inside, local, 1)
    distance = _border_distance(local, np.arange(x1 - x0) + 0.5, np.arange(y1 - y0) + 0.5)
    window = (slice(y0, y1), slice(x0, x1))
    maps[SHRUNK][window][(inside == 1) & (distance >= shrink)] = 1.0
    near = distance <= shrink
    closeness = np.where(near, 1.0 - distance / max(shrink, 1e-6), 0.0)
    threshold = maps[THRESHOLD][window]
    np.maximum(threshold, THRESHOLD_LOW + (THRESHOLD_HIGH - THRESHOLD_LOW) * closeness, out=threshold)
    maps[THRESHOLD_MASK][window][(inside == 1) | near] = 1.0


def text_targets(entry: Entry, size: tuple[int, int], unclip_ratio: float) -> torch.Tensor:
    """float32 [3, H, W] for ``size = (H, W)``: ``SHRUNK``, ``THRESHOLD``, ``THRESHOLD_MASK``."""
    height, width = size
    maps = np.zeros((3, height, width), dtype=np.float32)
    maps[THRESHOLD] = THRESHOLD_LOW
    scale = np.array([width / entry.width, height / entry.height], dtype=np.float64)
    for region in entry.polygons:
        draw_region(maps, np.asarray(region.points, dtype=np.float64) * scale, unclip_ratio)
    return torch.from_numpy(maps)


class TextDetectionData(Dataset[TextDetectionSample]):
    """(image uint8 [3,H,W], targets float32 [3,H,W]); the targets are drawn on demand: at the
    input size that costs far less than the training step."""

    def __init__(self, store: ImageStore, unclip_ratio: float) -> None:
        self.store = store
        self.unclip_ratio = unclip_ratio

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int) -> TextDetectionSample:
        return self.store[index], text_targets(self.store.entries[index], self.store.size, self.unclip_ratio)


def collate_text_detection(batch: list[TextDetectionSample]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.stack([item[0] for item in batch]), torch.stack([item[1] for item in batch])
