"""The atlas's probe sets: the images every model is signed on.

Distances are only meaningful between signatures taken on the same images, so a probe set is
generated, never downloaded or shipped, and must come out byte for byte the same on every machine
and in every process: each image is drawn from its own seeded numpy generator with PIL's integer
drawing (uint8 pixels; the only floating point is numpy's, in float64, rounded to uint8), and the
glyphs use PIL's built-in bitmap font (no FreeType, whose anti-aliasing differs between builds).
Image ``i`` does not depend on ``count``: a set of 32 is the first 32 of a set of 64.

``v1``: ``count`` RGB images of ``size``x``size``, raw 0..255 floats, cycling through seven kinds of
content so that a model's attribution has something to pick: a smooth colour gradient, a band-limited
noise texture, and, on a gradient or texture background, filled/outlined ellipses, rectangles,
polygons, lines, or glyphs (digits and letters, scaled up).
"""

from __future__ import annotations

import hashlib
import string

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

PROBE_SETS = ("v1",)
DEFAULT_COUNT = 64
DEFAULT_SIZE = 64
# Mixed into every image's generator seed: a different set never reuses v1's images by accident.
_V1_SEED = 0xA71A5
_GLYPHS = string.digits + string.ascii_uppercase + string.ascii_lowercase
_KINDS = ("gradient", "texture", "ellipses", "rectangles", "polygons", "lines", "glyphs")


def probe_set(name: str = "v1", count: int = DEFAULT_COUNT, size: int = DEFAULT_SIZE) -> torch.Tensor:
    """The probe images, float32 [count, 3, size, size] of raw 0..255 RGB."""
    if name not in PROBE_SETS:
        raise ValueError(f"unknown probe set {name!r}")
    images = np.stack([_v1_image(index, size) for index in range(count)])
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().contiguous()


def probe_hash(probes: torch.Tensor) -> str:
    """A short fingerprint of the probe pixels (what two signatures must share to be compared)."""
    return hashlib.sha256(probes.to(torch.uint8).numpy().tobytes()).hexdigest()[:16]


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(0, 256, 3))
    return r, g, b


def _gradient(rng: np.random.Generator, size: int) -> np.ndarray:
    """A linear blend between two colours along a random direction."""
    angle = float(rng.uniform(0.0, 2.0 * np.pi))
    start, end = np.array(_colour(rng), np.float64), np.array(_colour(rng), np.float64)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64) / max(size - 1, 1)
    t = xs * np.cos(angle) + ys * np.sin(angle)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-9)
    image = start + (end - start) * t[..., None]
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """Band-limited noise: two octaves of coarse random grids, upsampled smoothly by PIL."""
    total = np.zeros((size, size, 3), np.float64)
    for cells, weight in ((int(rng.integers(3, 7)), 0.65), (int(rng.integers(8, 17)), 0.35)):
        grid = rng.integers(0, 256, (cells, cells, 3)).astype(np.uint8)
        smooth = Image.fromarray(grid).resize((size, size), Image.Resampling.BICUBIC)
        total += weight * np.asarray(smooth, np.float64)
    return np.clip(np.rint(total), 0, 255).astype(np.uint8)


def _point(rng: np.random.Generator, size: int) -> tuple[int, int]:
    x, y = (int(v) for v in rng.integers(0, size, 2))
    return x, y


def _box(rng: np.random.Generator, size: int) -> tuple[int, int, int, int]:
    low = max(size // 8, 2)
    width, height = (int(v) for v in rng.integers(low, max(size // 2, low + 1) + 1, 2))
    x0 = int(rng.integers(0, max(size - width, 1)))
    y0 = int(rng.integers(0, max(size - height, 1)))
    return x0, y0, x0 + width, y0 + height


def _draw_shapes(kind: str, rng: np.random.Generator, image: Image.Image) -> None:
    size = image.width
    draw = ImageDraw.Draw(image)
    line = max(size // 32, 1)
    for _ in range(int(rng.integers(1, 5))):
        filled = bool(rng.integers(0, 2))
        colour = _colour(rng)
        fill, outline = (colour, None) if filled else (None, colour)
        if kind == "ellipses":
            draw.ellipse(_box(rng, size), fill=fill, outline=outline, width=line)
        elif kind == "rectangles":
            draw.rectangle(_box(rng, size), fill=fill, outline=outline, width=line)
        elif kind == "polygons":
            corners = [_point(rng, size) for _ in range(int(rng.integers(3, 7)))]
            draw.polygon(corners, fill=fill, outline=outline, width=line)
        elif kind == "lines":
            draw.line([_point(rng, size) for _ in range(int(rng.integers(2, 5)))], fill=colour, width=line * 2)
        else:
            _draw_glyphs(rng, image, colour)


def _draw_glyphs(rng: np.random.Generator, image: Image.Image, colour: tuple[int, int, int]) -> None:
    """One to three characters in PIL's bitmap font, scaled up (nearest: the same pixels everywhere)
    to a random height and pasted at a random place."""
    text = "".join(_GLYPHS[int(i)] for i in rng.integers(0, len(_GLYPHS), int(rng.integers(1, 4))))
    font = ImageFont.load_default_imagefont()
    left, top, right, bottom = font.getbbox(text)
    glyph = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(glyph).text((-left, -top), text, fill=255, font=font)
    height = int(rng.integers(max(image.height // 4, 4), max(image.height * 3 // 4, 5) + 1))
    width = min(max(round(glyph.width * height / glyph.height), 1), image.width)
    glyph = glyph.resize((width, height), Image.Resampling.NEAREST)
    x = int(rng.integers(0, max(image.width - width, 0) + 1))
    y = int(rng.integers(0, max(image.height - height, 0) + 1))
    image.paste(Image.new("RGB", glyph.size, colour), (x, y), glyph)


def _v1_image(index: int, size: int) -> np.ndarray:
    rng = np.random.default_rng([_V1_SEED, index, size])
    kind = _KINDS[index % len(_KINDS)]
    if kind == "gradient":
        return _gradient(rng, size)
    if kind == "texture":
        return _texture(rng, size)
    # Shapes alternate between the two backgrounds, so neither is always paired with one kind.
    background = _gradient(rng, size) if (index // len(_KINDS)) % 2 == 0 else _texture(rng, size)
    image = Image.fromarray(background)
    _draw_shapes(kind, rng, image)
    return np.asarray(image, np.uint8)
