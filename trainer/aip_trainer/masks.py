"""Segmentation targets: the manifest's polygons rasterized into a class-index mask.

A pixel belongs to a polygon when its centre lies inside it (scanline, even-odd rule), with
half-open edges so that polygons sharing an edge split its pixels without gap or overlap. PIL's
``ImageDraw.polygon`` is not used: it floors the vertices and adds the outline, which makes a
4x4-pixel square cover 5x5 pixels, a mask one pixel too wide at the right and bottom.
"""

from __future__ import annotations

import numpy as np
import torch

from aip_trainer.manifest import Entry


def fill_polygon(mask: np.ndarray, points: np.ndarray, value: int) -> None:
    """Sets ``mask`` [H,W] to ``value`` where pixel centres lie inside ``points`` [n,2] (x, y pixels)."""
    height, width = mask.shape
    x0, y0 = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    centres = np.arange(height, dtype=np.float64)[:, None] + 0.5
    # An edge crosses a row when the row's centre lies in [low y, high y): a vertex on the row
    # counts once, a horizontal edge never.
    crosses = (np.minimum(y0, y1) <= centres) & (centres < np.maximum(y0, y1))
    rows, edges = np.nonzero(crosses)
    t = (centres[rows, 0] - y0[edges]) / (y1[edges] - y0[edges])
    xs = x0[edges] + t * (x1[edges] - x0[edges])
    # Each crossing toggles inside/outside from the first column whose centre is at or right of it.
    columns = np.clip(np.ceil(xs - 0.5), 0, width).astype(np.int64)
    toggles = np.zeros((height, width + 1), dtype=np.int64)
    np.add.at(toggles, (rows, columns), 1)
    mask[np.cumsum(toggles[:, :width], axis=1) % 2 == 1] = value


def rasterize(entry: Entry, size: tuple[int, int]) -> torch.Tensor:
    """int64 [H,W] for ``size = (H, W)``: 0 background, k = class k-1; later polygons lie on top."""
    height, width = size
    mask = np.zeros(size, dtype=np.int64)
    scale = np.array([width / entry.width, height / entry.height], dtype=np.float64)
    for polygon in entry.polygons:
        fill_polygon(mask, np.asarray(polygon.points, dtype=np.float64) * scale, polygon.label + 1)
    return torch.from_numpy(mask)
