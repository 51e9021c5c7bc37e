"""A generated two-task dense dataset for the task-branching tests: coloured circles, squares and
triangles on a noisy background; the segmentation target is each pixel's shape class (0 background,
1 circle, 2 square, 3 triangle) and the depth target a per-shape height map:

- the background is a ground plane, farther towards the top (0.9 at the top row, 0.5 at the bottom);
- a shape stands nearer the bigger it is (its base depth falls with its size), and its surface
  follows its class: a circle is a dome (nearest at its centre), a square a flat plate, a triangle a
  ramp (nearest at its base).

Both targets are inferable from the image (class from the outline, depth from class, size and
position in the shape), yet they need different things from a decoder: one the class of a whole
region, the other smooth within-shape geometry. As tensors, or as manifest files whose records carry
``mask`` (8-bit PNG of class indices) and ``depth`` (16-bit PNG, ``DEPTH_SCALE`` units per 1.0) in
extra fields.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from synthetic import fnv1a_split

SHAPES = ("circle", "square", "triangle")
DEPTH_SCALE = 10_000


def draw_scene(rng: random.Random, size: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One scene: image uint8 [S,S,3], class mask int64 [S,S], depth float32 [S,S]."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 14, (size, size, 3))
    image = base + noise
    mask = np.zeros((size, size), dtype=np.int64)
    depth = 0.9 - 0.4 * yy / (size - 1)
    for _ in range(rng.randint(1, 2)):
        kind = rng.randrange(3)
        side = rng.uniform(0.35, 0.7) * size
        x1, y1 = rng.uniform(0, size - side), rng.uniform(0, size - side)
        cx, cy = x1 + side / 2, y1 + side / 2
        u, v = (xx - cx) / (side / 2), (yy - cy) / (side / 2)  # -1..1 across the shape's box
        if kind == 0:
            inside = u**2 + v**2 <= 1
            surface = -0.15 * (1 - (u**2 + v**2)).clip(0, 1)
        elif kind == 1:
            inside = (np.abs(u) <= 1) & (np.abs(v) <= 1)
            surface = np.zeros_like(u)
        else:
            # Apex at the top centre, base at the bottom.
            inside = (v <= 1) & (v >= -1) & (np.abs(u) <= (v + 1) / 2)
            surface = -0.15 * (v + 1) / 2
        level = 0.45 - 0.35 * (side / size)  # nearer when bigger
        while True:
            ink = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
            if np.abs(ink - base).sum() > 200:
                break
        image[inside] = ink + noise[inside] * 0.5
        mask[inside] = kind + 1
        depth = np.where(inside, level + surface, depth)
    return np.clip(image, 0, 255).astype(np.uint8), mask, depth.astype(np.float32)


def dense_tensors(count: int, seed: int = 0, size: int = 32) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``count`` scenes: images float 0..255 [N,3,S,S], masks int64 [N,S,S], depth float [N,1,S,S]."""
    rng = random.Random(seed)
    scenes = [draw_scene(rng, size) for _ in range(count)]
    images = torch.from_numpy(np.stack([s[0] for s in scenes])).permute(0, 3, 1, 2).float().contiguous()
    masks = torch.from_numpy(np.stack([s[1] for s in scenes]))
    depth = torch.from_numpy(np.stack([s[2] for s in scenes]))[:, None]
    return images, masks, depth


def make_dense(root: Path, count: int, seed: int = 0, size: int = 32) -> Path:
    """``count`` scenes under ``root/images`` with a refinery manifest (no classes); each record
    also names its ``mask`` and ``depth`` PNGs (extra fields, for tests that want ground truth)."""
    rng = random.Random(seed)
    for folder in ("images", "masks", "depth"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        image, mask, depth = draw_scene(rng, size)
        path = f"images/scene_{i:05d}.png"
        Image.fromarray(image).save(root / path)
        Image.fromarray(mask.astype(np.uint8)).save(root / f"masks/scene_{i:05d}.png")
        # 16-bit grayscale ("I;16"): depth in 1/DEPTH_SCALE units.
        Image.fromarray(np.round(depth * DEPTH_SCALE).astype(np.uint16)).save(root / f"depth/scene_{i:05d}.png")
        records.append(
            {
                "path": path,
                "width": size,
                "height": size,
                "split": fnv1a_split(path),
                "mask": f"masks/scene_{i:05d}.png",
                "depth": f"depth/scene_{i:05d}.png",
            }
        )
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    splits = {s: sum(r["split"] == s for r in records) for s in ("train", "val", "test")}
    meta = {"version": 1, "format": "refinery", "classes": [], "images": count, "splits": splits}
    (root / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return manifest


def read_depth(path: Path) -> np.ndarray:
    """A depth PNG written by ``make_dense`` back to float depth [H,W]."""
    return np.asarray(Image.open(path), dtype=np.float32) / DEPTH_SCALE
