"""Tiny synthetic datasets in the canonical manifest format: coloured circles, squares and
triangles on noisy backgrounds, split by the contract's FNV-1a path hash."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle")


def fnv1a_split(path: str) -> str:
    h = 0x811C9DC5
    for byte in path.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    bucket = h % 10
    return "train" if bucket <= 6 else "val" if bucket == 7 else "test"


def _background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 18, (size[1], size[0], 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def _colour(rng: random.Random, avoid: tuple[int, ...]) -> tuple[int, int, int]:
    while True:
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if sum(abs(a - b) for a, b in zip(colour, avoid, strict=True)) > 200:
            return colour


def _draw(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill: tuple[int, int, int]) -> None:
    x1, y1, x2, y2 = box
    if shape == "circle":
        draw.ellipse((x1, y1, x2 - 1, y2 - 1), fill=fill)
    elif shape == "square":
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=fill)
    else:
        draw.polygon([((x1 + x2) / 2, y1), (x2 - 1, y2 - 1), (x1, y2 - 1)], fill=fill)


def _write(root: Path, records: list[dict], fmt: str, classes: list[str]) -> Path:
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    splits = {s: sum(r["split"] == s for r in records) for s in ("train", "val", "test")}
    meta = {"version": 1, "format": fmt, "classes": classes, "images": len(records), "splits": splits}
    (root / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return manifest


def make_classification(root: Path, count: int, seed: int = 0, size: int = 64) -> Path:
    """``count`` crops, one centred shape each (class = shape); returns the manifest path."""
    rng = random.Random(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        shape = SHAPES[i % len(SHAPES)]
        image = _background(rng, (size, size))
        avg = tuple(int(v) for v in np.asarray(image).reshape(-1, 3).mean(0))
        side = rng.randint(int(size * 0.45), int(size * 0.8))
        x1, y1 = rng.randint(2, size - side - 2), rng.randint(2, size - side - 2)
        _draw(ImageDraw.Draw(image), shape, (x1, y1, x1 + side, y1 + side), _colour(rng, avg))
        path = f"images/{shape}_{i:04d}.png"
        image.save(root / path)
        records.append({"path": path, "width": size, "height": size, "split": fnv1a_split(path), "class": shape})
    return _write(root, records, "classification", sorted(SHAPES))


def make_detection(root: Path, count: int, seed: int = 0, size: int = 128) -> Path:
    """``count`` images with 1-4 non-overlapping shapes of 15-45 px; returns the manifest path."""
    rng = random.Random(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        image = _background(rng, (size, size))
        avg = tuple(int(v) for v in np.asarray(image).reshape(-1, 3).mean(0))
        draw = ImageDraw.Draw(image)
        boxes: list[dict] = []
        for _ in range(rng.randint(1, 4)):
            for _attempt in range(20):
                side = rng.randint(15, 45)
                x1, y1 = rng.randint(0, size - side), rng.randint(0, size - side)
                box = (x1, y1, x1 + side, y1 + side)
                if all(box[2] <= b["x1"] or box[0] >= b["x2"] or box[3] <= b["y1"] or box[1] >= b["y2"] for b in boxes):
                    shape = rng.choice(SHAPES)
                    _draw(draw, shape, box, _colour(rng, avg))
                    boxes.append({"x1": box[0], "y1": box[1], "x2": box[2], "y2": box[3], "label": shape})
                    break
        path = f"images/scene_{i:04d}.png"
        image.save(root / path)
        records.append({"path": path, "width": size, "height": size, "split": fnv1a_split(path), "boxes": boxes})
    return _write(root, records, "detection", sorted(SHAPES))
