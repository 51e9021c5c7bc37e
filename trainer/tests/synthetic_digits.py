"""Generated digits 0-9 (coloured, scaled, shifted, turned, on noisy backgrounds) for the refinery
tests: as files in the canonical manifest format, or as tensors for algorithm-level tests."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from synthetic import fnv1a_split

DIGITS = [str(d) for d in range(10)]


def draw_digit(digit: int, rng: random.Random, size: int = 32) -> Image.Image:
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 12, (size, size, 3))
    image = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))
    while True:
        ink = tuple(rng.randint(0, 255) for _ in range(3))
        if sum(abs(a - b) for a, b in zip(ink, base, strict=True)) > 240:
            break
    # The glyph is drawn on its own layer, turned and pasted, so position, scale and slant vary.
    font = ImageFont.load_default(size=int(size * rng.uniform(0.65, 0.9)))
    glyph = Image.new("L", (size, size), 0)
    ImageDraw.Draw(glyph).text((size / 2, size / 2), str(digit), fill=255, font=font, anchor="mm")
    glyph = glyph.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BILINEAR)
    shift = int(size * 0.12)
    glyph = glyph.transform(
        glyph.size, Image.Transform.AFFINE, (1, 0, rng.randint(-shift, shift), 0, 1, rng.randint(-shift, shift))
    )
    image.paste(Image.new("RGB", (size, size), ink), (0, 0), glyph)
    return image


def digit_tensors(
    count: int, digits: Sequence[int] = range(10), seed: int = 0, size: int = 32
) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` images (float 0..255 [N,3,S,S]) cycling through ``digits``, and their digit labels."""
    rng = random.Random(seed)
    labels = [digits[i % len(digits)] for i in range(count)]
    images = np.stack([np.asarray(draw_digit(d, rng, size)) for d in labels])
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().contiguous(), torch.tensor(labels)


def make_digits(
    root: Path, count: int, digits: Sequence[int] = range(10), seed: int = 0, size: int = 32, labeled: bool = True
) -> Path:
    """``count`` digit images under ``root/images`` with a canonical manifest (classification
    format, class = the digit; ``labeled=False`` writes a refinery manifest without classes)."""
    rng = random.Random(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        digit = digits[i % len(digits)]
        path = f"images/{digit}_{i:05d}.png"
        draw_digit(digit, rng, size).save(root / path)
        record = {"path": path, "width": size, "height": size, "split": fnv1a_split(path)}
        if labeled:
            record["class"] = str(digit)
        records.append(record)
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    classes = sorted({str(d) for d in digits}) if labeled else []
    splits = {s: sum(r["split"] == s for r in records) for s in ("train", "val", "test")}
    meta = {
        "version": 1,
        "format": "classification" if labeled else "refinery",
        "classes": classes,
        "images": count,
        "splits": splits,
    }
    (root / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return manifest
