"""Text recognition: the charset, training samples, augmentation, metrics and the warm start of the
charset-shaped final layer.

The charset is every character (Unicode code point) of the training texts, sorted by code point;
the networks' output 0 is the CTC blank and output k is ``charset[k-1]``.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from aip_trainer.images import ImageStore
from aip_trainer.manifest import Entry
from aip_trainer.models.recognizers import CLASSIFIER_PREFIX, HORIZONTAL_STRIDE

log = logging.getLogger(__name__)

EXAMPLES = 12

TextSample = tuple[torch.Tensor, torch.Tensor]


def build_charset(texts: Iterable[str]) -> list[str]:
    return sorted({char for text in texts for char in text})


def entry_text(entry: Entry) -> str:
    assert entry.text is not None  # read_manifest keeps only entries with a text for this task
    return entry.text


def ctc_steps_needed(text: str) -> int:
    """Time steps CTC needs to spell ``text``: one per character, plus a blank between repeats."""
    return len(text) + sum(a == b for a, b in itertools.pairwise(text))


def warn_if_too_long(entries: Sequence[Entry], arch: str, width: int) -> None:
    steps = width // HORIZONTAL_STRIDE[arch]
    too_long = [entry_text(e) for e in entries if ctc_steps_needed(entry_text(e)) > steps]
    if too_long:
        log.warning(
            "%d training texts (e.g. %r) need more than the %d time steps of %s's input width; "
            "they teach nothing: raise imageSize (the width is 4 x imageSize)",
            len(too_long),
            too_long[0],
            steps,
            arch,
        )


class TextRecognitionData(Dataset[TextSample]):
    """(image uint8 [3,H,W], the text's output indices int64 [L]); every character must be in
    ``charset`` (true of the training split, which the charset is built from)."""

    def __init__(self, store: ImageStore, charset: list[str]) -> None:
        self.store = store
        self.index = {char: k for k, char in enumerate(charset, start=1)}

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int) -> TextSample:
        text = entry_text(self.store.entries[index])
        return self.store[index], torch.tensor([self.index[char] for char in text], dtype=torch.int64)


def collate_text(batch: list[TextSample]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images [N,3,H,W], the targets concatenated [sum L] and their lengths [N], as CTC takes them."""
    images = torch.stack([item[0] for item in batch])
    targets = torch.cat([item[1] for item in batch])
    lengths = torch.tensor([len(item[1]) for item in batch], dtype=torch.int64)
    return images, targets, lengths


def random_affine(images: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A small random rotation (±2°), scale (±5%), slant and shift per image, repeating the border.

    Small on purpose: a line's first or last character must not leave the image, or its text would
    no longer be the label. Never a flip: mirrored text is other text.
    """
    n, _, height, width = images.shape

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(n, generator=gen) * 2 - 1) * limit

    angle, scale, shear = uniform(math.radians(2)), 1 + uniform(0.05), uniform(0.15)
    shift_x, shift_y = uniform(0.03), uniform(0.08)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    # The transform in pixel units ([x, y] -> [[a, b], [c, d]] @ [x, y]), then in grid_sample's
    # coordinates, which span -1..1 along both sides of a 4:1 image.
    a, b, c, d = cos, cos * shear - sin, sin, sin * shear + cos
    aspect = width / height
    theta = torch.stack(
        [torch.stack([a, b / aspect, shift_x], dim=1), torch.stack([c * aspect, d, shift_y], dim=1)], dim=1
    ).to(images.device, images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def decode_text(indices: Iterable[int], charset: list[str]) -> str:
    return "".join(charset[k - 1] for k in indices)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one code point each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def text_metrics(truth: Sequence[str], predicted: Sequence[str], charset_size: int) -> dict[str, Any]:
    """wordAccuracy (exact matches), cer (total edit distance / total truth characters), and the
    first images' texts as examples."""
    distance = sum(levenshtein(t, p) for t, p in zip(truth, predicted, strict=True))
    characters = sum(len(t) for t in truth)
    return {
        "wordAccuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(len(truth), 1),
        "cer": distance / max(characters, 1),
        "testImages": len(truth),
        "charsetSize": charset_size,
        "examples": [{"truth": t, "predicted": p} for t, p in zip(truth[:EXAMPLES], predicted[:EXAMPLES], strict=True)],
    }


def carry_charset_rows(
    state: dict[str, Any], source_charset: list[str], charset: list[str], own: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """``state`` with the final layer's rows rearranged for ``charset``: the blank's and those of the
    characters both charsets share come from ``state``, the others stay as in ``own`` (fresh)."""
    source_row = {char: k for k, char in enumerate(source_charset, start=1)}
    rows = [(0, 0)] + [(k, source_row[char]) for k, char in enumerate(charset, start=1) if char in source_row]
    carried = dict(state)
    for name in (f"{CLASSIFIER_PREFIX}weight", f"{CLASSIFIER_PREFIX}bias"):
        source, target = state.get(name), own.get(name)
        # Another layer size (another arch's): the shape check leaves it out, the layer stays fresh.
        if (
            isinstance(source, torch.Tensor)
            and target is not None
            and source.shape == (len(source_charset) + 1, *target.shape[1:])
        ):
            merged = target.clone()
            for new, old in rows:
                merged[new] = source[old]
            carried[name] = merged
            log.info("warm start: %s keeps the rows of %d of %d characters", name, len(rows) - 1, len(charset))
    return carried
