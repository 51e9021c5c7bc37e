"""Tiny synthetic datasets in the canonical manifest format: coloured circles, squares and
triangles on noisy backgrounds, split by the contract's FNV-1a path hash."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

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


SUPERSAMPLE = 4
CORNERS = {"circle": 16, "square": 4, "triangle": 3}


def _regular_polygon(shape: str, cx: float, cy: float, radius: float, angle: float) -> list[list[float]]:
    """Corners on a circle; angles grow clockwise on screen (y down), as the manifest wants."""
    n = CORNERS[shape]
    return [
        [
            round(cx + radius * math.cos(angle + 2 * math.pi * k / n), 2),
            round(cy + radius * math.sin(angle + 2 * math.pi * k / n), 2),
        ]
        for k in range(n)
    ]


def make_segmentation(root: Path, count: int, seed: int = 0, size: int = 64) -> Path:
    """``count`` images with 1-3 non-overlapping, randomly turned shapes of radius 7-14 px, labelled
    as polygons (a circle is a 16-gon); returns the manifest path."""
    rng = random.Random(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        background = _background(rng, (size, size))
        avg = tuple(int(v) for v in np.asarray(background).reshape(-1, 3).mean(0))
        # Drawn at 4x and box-filtered down: edges are anti-aliased as in photos, and the pixels more
        # than half covered are those whose centres lie inside, as the trainer rasterizes.
        big = background.resize((size * SUPERSAMPLE, size * SUPERSAMPLE), Image.Resampling.NEAREST)
        draw = ImageDraw.Draw(big)
        polygons: list[dict] = []
        placed: list[tuple[float, float, float]] = []
        for _ in range(rng.randint(1, 3)):
            for _attempt in range(20):
                radius = rng.uniform(7, 14)
                cx, cy = rng.uniform(radius + 1, size - radius - 1), rng.uniform(radius + 1, size - radius - 1)
                if all(math.hypot(cx - x, cy - y) > radius + r + 2 for x, y, r in placed):
                    shape = rng.choice(SHAPES)
                    points = _regular_polygon(shape, cx, cy, radius, rng.uniform(0, 2 * math.pi))
                    draw.polygon([(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points], fill=_colour(rng, avg))
                    polygons.append({"points": points, "label": shape})
                    placed.append((cx, cy, radius))
                    break
        path = f"images/field_{i:04d}.png"
        big.resize((size, size), Image.Resampling.BOX).save(root / path)
        records.append({"path": path, "width": size, "height": size, "split": fnv1a_split(path), "polygons": polygons})
    return _write(root, records, "segmentation", sorted(SHAPES))


ENHANCEMENT_NOISE = 20.0
ENHANCEMENT_BLUR = 0.8


def make_enhancement(root: Path, count: int, seed: int = 0, size: int = 64) -> Path:
    """``count`` pairs: the target, 2-4 anti-aliased shapes (radius 6-16 px, overlapping freely) on a
    smooth colour gradient; the input, that target slightly blurred (Gaussian, radius 0.8) plus
    Gaussian noise (sigma 20). Inputs under images/input/, targets under images/target/ with the same
    name (as the importer stores an upload without split folders); returns the manifest path."""
    rng = random.Random(seed)
    for role in ("input", "target"):
        (root / "images" / role).mkdir(parents=True, exist_ok=True)
    big = size * SUPERSAMPLE
    ramp = np.linspace(0.0, 1.0, big, dtype=np.float32)
    records = []
    for i in range(count):
        start = np.array(_colour(rng, (128, 128, 128)), dtype=np.float32)
        end = np.array(_colour(rng, tuple(int(v) for v in start)), dtype=np.float32)
        angle = rng.uniform(0, 2 * math.pi)
        along = math.cos(angle) * ramp[None, :] + math.sin(angle) * ramp[:, None]
        along = (along - along.min()) / (along.max() - along.min())
        canvas = Image.fromarray((start + along[..., None] * (end - start)).astype(np.uint8))
        draw = ImageDraw.Draw(canvas)
        middle = tuple(int(v) for v in (start + end) / 2)
        for _ in range(rng.randint(2, 4)):
            radius = rng.uniform(6, 16)
            cx, cy = rng.uniform(radius, size - radius), rng.uniform(radius, size - radius)
            points = _regular_polygon(rng.choice(SHAPES), cx, cy, radius, rng.uniform(0, 2 * math.pi))
            draw.polygon([(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points], fill=_colour(rng, middle))
        target = canvas.resize((size, size), Image.Resampling.BOX)
        blurred = np.asarray(target.filter(ImageFilter.GaussianBlur(ENHANCEMENT_BLUR)), dtype=np.float32)
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, ENHANCEMENT_NOISE, blurred.shape)
        degraded = Image.fromarray(np.clip(np.rint(blurred + noise), 0, 255).astype(np.uint8))
        path, target_path = f"images/input/pair_{i:04d}.png", f"images/target/pair_{i:04d}.png"
        degraded.save(root / path)
        target.save(root / target_path)
        records.append({"path": path, "width": size, "height": size, "split": fnv1a_split(path), "target": target_path})
    return _write(root, records, "enhancement", [])
