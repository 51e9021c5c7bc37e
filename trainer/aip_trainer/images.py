"""Image loading: decode, RGB, stretch to the model's input size (as serving does, no letterbox)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from aip_trainer.errors import UserError
from aip_trainer.manifest import Entry
from aip_trainer.masks import rasterize

log = logging.getLogger(__name__)

# Datasets whose resized pixels fit in this many bytes are decoded once and kept in memory.
PRELOAD_BUDGET_BYTES = 1 << 30


def load_image(entry: Entry, size: tuple[int, int]) -> torch.Tensor:
    """uint8 [3, H, W] for ``size = (H, W)``."""
    try:
        with Image.open(entry.file) as image:
            rgb = image.convert("RGB").resize((size[1], size[0]), Image.Resampling.BILINEAR)
    except (OSError, UnidentifiedImageError) as error:
        raise UserError(f"cannot decode image {entry.path}: {error}") from error
    return torch.from_numpy(np.asarray(rgb, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()


class ImageStore:
    """Resized images by index; decoded up front when they fit in memory, else on demand."""

    def __init__(self, entries: Sequence[Entry], size: tuple[int, int]) -> None:
        self.entries = list(entries)
        self.size = size
        self._cache: list[torch.Tensor] | None = None
        if len(self.entries) * 3 * size[0] * size[1] <= PRELOAD_BUDGET_BYTES:
            self._cache = [load_image(e, size) for e in self.entries]

    @property
    def preloaded(self) -> bool:
        return self._cache is not None

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> torch.Tensor:
        if self._cache is not None:
            return self._cache[index]
        return load_image(self.entries[index], self.size)


class ClassificationData(Dataset[tuple[torch.Tensor, int]]):
    def __init__(self, store: ImageStore) -> None:
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.store[index], self.store.entries[index].label


DetectionSample = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


class DetectionData(Dataset[DetectionSample]):
    """(image uint8 [3,H,W], boxes float [n,4] xyxy in input pixels, labels int64 [n])."""

    def __init__(self, store: ImageStore) -> None:
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int) -> DetectionSample:
        entry = self.store.entries[index]
        height, width = self.store.size
        sx, sy = width / entry.width, height / entry.height
        boxes = torch.tensor(
            [[b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy] for b in entry.boxes], dtype=torch.float32
        ).reshape(-1, 4)
        labels = torch.tensor([b.label for b in entry.boxes], dtype=torch.int64)
        return self.store[index], boxes, labels


SegmentationSample = tuple[torch.Tensor, torch.Tensor]


class SegmentationData(Dataset[SegmentationSample]):
    """(image uint8 [3,H,W], mask int64 [H,W]: 0 background, k = class k-1), both at the input size.

    Masks are rasterized on demand: at input resolution that costs far less than the training step.
    """

    def __init__(self, store: ImageStore) -> None:
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int) -> SegmentationSample:
        return self.store[index], rasterize(self.store.entries[index], self.store.size)


def collate_classification(batch: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.stack([item[0] for item in batch])
    labels = torch.tensor([item[1] for item in batch], dtype=torch.int64)
    return images, labels


def collate_detection(batch: list[DetectionSample]) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    return torch.stack([item[0] for item in batch]), [item[1] for item in batch], [item[2] for item in batch]


def collate_segmentation(batch: list[SegmentationSample]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.stack([item[0] for item in batch]), torch.stack([item[1] for item in batch])
