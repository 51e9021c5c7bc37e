"""A synthetic text detection dataset in the canonical manifest format: words of capitals and digits
(Pillow's bundled font, the same on every machine), a third of them turned by 10-40 degrees, with
a few blobs that are not text, on noisy backgrounds of 160-256 px; split by the contract's FNV-1a
path hash.

Each word's region is the rectangle around its ink, turned with it. Level words are labelled as
`boxes` or as 4-point `polygons` (half each), turned words as `polygons`, clockwise on screen as
the manifest wants.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synthetic import fnv1a_split

CHARACTERS = "ABCDEFHKLMNPRTUXYZ0123456789"
GAP = 6  # pixels kept free around every word and blob, so that no two regions touch


def _background(rng: random.Random, width: int, height: int) -> tuple[Image.Image, float]:
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    ramp = np.linspace(-1, 1, width, dtype=np.float32)[None, :, None] * rng.uniform(0, 30)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 14, (height, width, 3))
    pixels = np.clip(base + ramp + noise, 0, 255)
    return Image.fromarray(pixels.astype(np.uint8)), float(pixels.mean())


def _contrasting(rng: random.Random, brightness: float) -> tuple[int, int, int]:
    """A colour at least 90 grey levels away from the background's mean brightness."""
    while True:
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if abs(sum(colour) / 3 - brightness) > 90:
            return colour


def word_stencil(text: str, size: int, degrees: float) -> tuple[Image.Image, list[list[float]]]:
    """``text``'s ink as an 8-bit mask turned clockwise by ``degrees``, and the corners of the
    rectangle around the ink (turned with it) in the mask's pixels: top-left, top-right,
    bottom-right, bottom-left before turning."""
    font = ImageFont.load_default(size=size)
    _, _, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (right + 8, bottom + 8))
    ImageDraw.Draw(canvas).text((4, 4), text, font=font, fill=255)
    x1, y1, x2, y2 = canvas.getbbox()  # the ink's pixels span [x1, x2) x [y1, y2)
    w, h = x2 - x1, y2 - y1
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    # Turned about the ink's centre; y points down, so this turns clockwise on screen.
    corners = [(cx * cos - cy * sin, cx * sin + cy * cos) for cx, cy in ((-w, -h), (w, -h), (w, h), (-w, h))]
    corners = [(x / 2, y / 2) for x, y in corners]
    out_w = math.ceil(max(x for x, _ in corners) - min(x for x, _ in corners)) + 4
    out_h = math.ceil(max(y for _, y in corners) - min(y for _, y in corners)) + 4
    # Pillow's affine transform maps each output point to the input point it samples.
    centre_in, centre_out = ((x1 + x2) / 2, (y1 + y2) / 2), (out_w / 2, out_h / 2)
    data = (
        cos,
        sin,
        centre_in[0] - cos * centre_out[0] - sin * centre_out[1],
        -sin,
        cos,
        centre_in[1] + sin * centre_out[0] - cos * centre_out[1],
    )
    stencil = canvas.transform((out_w, out_h), Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR)
    return stencil, [[centre_out[0] + x, centre_out[1] + y] for x, y in corners]


def _free(occupied: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    height, width = occupied.shape
    if x < 1 or y < 1 or x + w > width - 1 or y + h > height - 1:
        return False
    return not occupied[max(y - GAP, 0) : y + h + GAP, max(x - GAP, 0) : x + w + GAP].any()


def _place(rng: random.Random, occupied: np.ndarray, w: int, h: int) -> tuple[int, int] | None:
    height, width = occupied.shape
    for _ in range(30):
        x, y = rng.randint(1, max(width - w - 1, 1)), rng.randint(1, max(height - h - 1, 1))
        if _free(occupied, x, y, w, h):
            occupied[y : y + h, x : x + w] = True
            return x, y
    return None


def _scene(rng: random.Random) -> tuple[Image.Image, list[dict], list[dict]]:
    width, height = rng.randint(160, 256), rng.randint(160, 256)
    image, brightness = _background(rng, width, height)
    draw = ImageDraw.Draw(image)
    occupied = np.zeros((height, width), dtype=bool)
    for _ in range(rng.randint(0, 2)):
        w, h = rng.randint(12, 40), rng.randint(12, 40)
        if (at := _place(rng, occupied, w, h)) is not None:
            draw.ellipse((at[0], at[1], at[0] + w - 1, at[1] + h - 1), fill=_contrasting(rng, brightness))
    boxes: list[dict] = []
    polygons: list[dict] = []
    for _ in range(rng.randint(1, 5)):
        text = "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(2, 6)))
        turned = rng.random() < 1 / 3
        degrees = rng.choice((-1, 1)) * rng.uniform(10, 40) if turned else 0.0
        stencil, corners = word_stencil(text, rng.randint(18, 28), degrees)
        if (at := _place(rng, occupied, *stencil.size)) is None:
            continue
        image.paste(_contrasting(rng, brightness), at, stencil)
        points = [[round(x + at[0], 2), round(y + at[1], 2)] for x, y in corners]
        if not turned and rng.random() < 0.5:
            (x1, y1), (x2, y2) = points[0], points[2]
            boxes.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "label": text})
        else:
            polygons.append({"points": points, "label": text})
    return image, boxes, polygons


def make_text_detection(root: Path, count: int, seed: int = 0) -> Path:
    """``count`` scenes of 1-5 words and 0-2 blobs; returns the manifest path."""
    rng = random.Random(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        image, boxes, polygons = _scene(rng)
        path = f"images/scene_{i:04d}.png"
        image.save(root / path)
        split = fnv1a_split(path)
        records.append(
            {
                "path": path,
                "width": image.width,
                "height": image.height,
                "split": split,
                "boxes": boxes,
                "polygons": polygons,
            }
        )
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    splits = {s: sum(r["split"] == s for r in records) for s in ("train", "val", "test")}
    meta = {"version": 1, "format": "text_detection", "classes": [], "images": count, "splits": splits}
    (root / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return manifest
