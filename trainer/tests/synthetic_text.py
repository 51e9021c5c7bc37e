"""A synthetic text recognition dataset in the canonical manifest format: short strings of digits,
Latin capitals and a few Chinese characters on varied backgrounds, split by the contract's FNV-1a
path hash.

Latin characters and digits use Pillow's bundled font (the same on every machine). It has no Chinese
glyphs, and a CJK system font is not installed everywhere the tests run, so each Chinese character is
drawn as its own fixed pseudo-random 5x7 bitmap, derived from its code point: the recognizer does
not care what a glyph looks like, only that it is the same every time.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synthetic import fnv1a_split

LATIN = "0123456789ABEHKX"
CHINESE = "中文字猫"
ALPHABET = LATIN + CHINESE
GLYPH_COLUMNS, GLYPH_ROWS = 5, 7


def glyph_bitmap(char: str) -> np.ndarray:
    """bool [7, 5]: the fixed pseudo-random glyph of ``char``, about half its cells set."""
    rng = random.Random(ord(char))
    while True:
        bitmap = np.array([[rng.random() < 0.5 for _ in range(GLYPH_COLUMNS)] for _ in range(GLYPH_ROWS)])
        # Ink in every row keeps the glyph as tall as the Latin ones; a few cells could be any glyph.
        if bitmap.any(axis=1).all() and bitmap.sum() >= 12:
            return bitmap


def _background(rng: random.Random, width: int, height: int) -> tuple[Image.Image, float]:
    """A flat, gradient or noisy background, and its mean brightness."""
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    style = rng.choice(("flat", "gradient", "noise"))
    pixels = np.broadcast_to(base, (height, width, 3)).copy()
    if style == "gradient":
        other = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
        # Keep the two ends close enough that one text colour contrasts with both.
        other = base + np.clip(other - base, -70, 70)
        ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
        pixels = base + ramp * (other - base) + np.zeros((height, 1, 1), dtype=np.float32)
    elif style == "noise":
        pixels += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 14, pixels.shape)
    pixels = np.clip(pixels, 0, 255)
    return Image.fromarray(pixels.astype(np.uint8)), float(pixels.mean())


def _ink(rng: random.Random, brightness: float) -> tuple[int, int, int]:
    """A text colour at least 90 grey levels away from the background's mean brightness."""
    while True:
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if abs(sum(colour) / 3 - brightness) > 90:
            return colour


def _render(rng: random.Random, text: str) -> Image.Image:
    size = rng.randint(18, 24)  # glyph height in pixels
    font = ImageFont.load_default(size=size)
    gaps = [rng.randint(1, 4) for _ in text]
    cell = size / GLYPH_ROWS
    widths = [round(font.getlength(c)) if c in LATIN else round(cell * GLYPH_COLUMNS) for c in text]
    margin_x, margin_y = rng.randint(2, 12), rng.randint(2, 8)
    width = margin_x * 2 + sum(widths) + sum(gaps)
    height = size + margin_y * 2
    image, brightness = _background(rng, width, height)
    draw = ImageDraw.Draw(image)
    ink = _ink(rng, brightness)
    x = float(margin_x)
    for char, char_width, gap in zip(text, widths, gaps, strict=True):
        if char in LATIN:
            # The font's cap height starts about a quarter below its nominal top.
            draw.text((x, margin_y - round(size * 0.28)), char, font=font, fill=ink)
        else:
            for row, column in zip(*np.nonzero(glyph_bitmap(char)), strict=True):
                left, top = x + column * cell, margin_y + row * cell
                draw.rectangle((left, top, left + cell - 1, top + cell - 1), fill=ink)
        x += char_width + gap
    return image


def make_text_recognition(root: Path, count: int, seed: int = 0) -> Path:
    """``count`` images of 3-6 random characters of ALPHABET; returns the manifest path."""
    rng = random.Random(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 6)))
        image = _render(rng, text)
        path = f"images/line_{i:04d}.png"
        image.save(root / path)
        records.append(
            {"path": path, "width": image.width, "height": image.height, "split": fnv1a_split(path), "text": text}
        )
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    splits = {s: sum(r["split"] == s for r in records) for s in ("train", "val", "test")}
    meta = {"version": 1, "format": "text_recognition", "classes": [], "images": count, "splits": splits}
    (root / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return manifest
