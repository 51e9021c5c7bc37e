"""Refinery data: the canonical manifest's images (annotations, if any, are ignored except a
classification ``class``), loaded at the student's input size and served as contract ``Batch``es."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from aip_trainer.errors import UserError
from aip_trainer.images import ImageStore
from aip_trainer.manifest import SPLITS, Entry, Splits, _require, _safe_path, manifest_records, split_entries
from aip_trainer.refinery.contract import Batch


def read_refinery_manifest(manifest: Path, image_root: Path, classes: list[str]) -> list[Entry]:
    """Every image of the manifest; ``Entry.label`` is the index of its ``class`` in ``classes``
    when it has one of them, else -1 (unlabeled)."""
    index = {name: i for i, name in enumerate(classes)}
    entries: list[Entry] = []
    for where, record in manifest_records(manifest):
        path = _safe_path(_require(record, "path", str, where), where)
        split = _require(record, "split", str, where)
        if split not in SPLITS:
            raise UserError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}")
        label = index.get(str(record["class"]), -1) if record.get("class") is not None else -1
        entries.append(
            Entry(
                path=path,
                file=image_root / path,
                width=_require(record, "width", int, where),
                height=_require(record, "height", int, where),
                split=split,
                label=label,
            )
        )
    missing = [e.path for e in entries if not e.file.is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise UserError(f"{len(missing)} images of the manifest are missing under {image_root}: {shown}")
    return entries


class Batches:
    """A re-iterable of ``Batch``es over one split; each iteration is one epoch.

    Shuffled epochs draw from a generator seeded with (seed, epoch), so a resumed run sees the same
    order. ``labels`` is set on a batch only when every image in it carries one.
    """

    def __init__(
        self, store: ImageStore, batch_size: int, device: torch.device, shuffle: bool = False, seed: int = 0
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.device = device
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.labels = torch.tensor([e.label for e in store.entries], dtype=torch.int64)

    @property
    def labeled(self) -> bool:
        return bool(len(self.labels)) and bool((self.labels >= 0).all())

    def __len__(self) -> int:
        count = len(self.store)
        # No tiny last batch in training: BatchNorm cannot normalize a batch of one.
        return count // self.batch_size if self.shuffle and count > self.batch_size else -(-count // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        self.epoch += 1
        count = len(self.store)
        if self.shuffle:
            order = torch.randperm(count, generator=torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch))
        else:
            order = torch.arange(count)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            chosen = order[start : start + self.batch_size].tolist()
            if not chosen:
                break
            images = torch.stack([self.store[i] for i in chosen]).to(self.device).float()
            labels = self.labels[chosen]
            yield Batch(images, labels.to(self.device) if bool((labels >= 0).all()) else None)


@dataclass
class RefineryData:
    splits: Splits
    train: Batches
    val: Batches
    test: Batches
    test_split: str  # "test", or "val" when the manifest has no test images


def load_data(
    manifest: Path,
    image_root: Path,
    *,
    classes: list[str],
    size: tuple[int, int],
    batch_size: int,
    device: torch.device,
    seed: int,
) -> RefineryData:
    splits = split_entries(read_refinery_manifest(manifest, image_root, classes), seed)
    if not splits.train:
        raise UserError(f"no training images: the manifest {manifest} has no image in its 'train' split")
    if not splits.val:
        raise UserError("at least 2 training images are needed (one is held out for validation)")
    batch = max(1, min(batch_size, len(splits.train)))
    train = Batches(ImageStore(splits.train, size), batch, device, shuffle=True, seed=seed)
    val = Batches(ImageStore(splits.val, size), batch, device)
    held_out, name = (splits.test, "test") if splits.test else (splits.val, "val")
    test = val if name == "val" else Batches(ImageStore(held_out, size), batch, device)
    return RefineryData(splits, train, val, test, name)
