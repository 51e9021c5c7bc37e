"""Reads the canonical manifest (docs/contracts.md, "Canonical manifest") into train/val/test lists.

Dataset labels are mapped onto the job's classes through ``labelMap``; labels that map to nothing
are ignored (classification images skipped, detection boxes dropped, segmentation polygons dropped
so that their pixels stay background).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from aip_trainer.errors import UserError
from aip_trainer.spec import JobSpec

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
VAL_FRACTION = 0.1


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float
    label: int


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    label: int


@dataclass(frozen=True)
class Entry:
    """One image of the manifest; sizes, boxes and polygons in the original image's pixels."""

    path: str
    file: Path
    width: int
    height: int
    split: str
    label: int = -1
    boxes: tuple[Box, ...] = field(default_factory=tuple)
    # Segmentation: the labelled polygons; text detection: every text region (label 0), rectangles
    # as 4-point polygons.
    polygons: tuple[Polygon, ...] = field(default_factory=tuple)
    # Enhancement: the paired target image (its manifest path and file).
    target: str | None = None
    target_file: Path | None = None
    # Text recognition: the text the image shows.
    text: str | None = None


@dataclass(frozen=True)
class Splits:
    train: list[Entry]
    val: list[Entry]
    test: list[Entry]
    val_carved: bool


class LabelMapper:
    def __init__(self, classes: list[str], label_map: dict[str, str]) -> None:
        self._index = {name: i for i, name in enumerate(classes)}
        self._map = label_map

    def __call__(self, label: str) -> int | None:
        if label in self._map:
            return self._index[self._map[label]]
        return self._index.get(label)


def _require(record: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = record.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UserError(f"{where}: field {key!r} is missing or of the wrong type")
    return value


def _safe_path(path: str, where: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise UserError(f"{where}: path {path!r} must be relative, '/'-separated and without '..'")
    return path


Mapper = Callable[[str], int | None]


def _boxes(record: dict[str, Any], mapper: Mapper, width: int, height: int, where: str) -> tuple[Box, ...]:
    raw = record.get("boxes")
    if not isinstance(raw, list):
        raise UserError(f"{where}: field 'boxes' must be a list")
    boxes: list[Box] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise UserError(f"{where}: boxes[{i}] must be an object")
        try:
            x1, y1, x2, y2 = (float(item[k]) for k in ("x1", "y1", "x2", "y2"))
            label = str(item["label"])
        except (KeyError, TypeError, ValueError) as error:
            raise UserError(f"{where}: boxes[{i}] needs numeric x1, y1, x2, y2 and a label") from error
        index = mapper(label)
        if index is None:
            continue
        # Clip to the image; boxes that vanish after clipping carry nothing to learn.
        x1, x2 = max(0.0, min(x1, width)), max(0.0, min(x2, width))
        y1, y2 = max(0.0, min(y1, height)), max(0.0, min(y2, height))
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        boxes.append(Box(x1, y1, x2, y2, index))
    return tuple(boxes)


def _polygons(record: dict[str, Any], mapper: Mapper, where: str) -> tuple[Polygon, ...]:
    raw = record.get("polygons")
    if not isinstance(raw, list):
        raise UserError(f"{where}: field 'polygons' must be a list")
    polygons: list[Polygon] = []
    for i, item in enumerate(raw):
        try:
            points = tuple((float(x), float(y)) for x, y in item["points"])
            label = str(item["label"])
        except (KeyError, TypeError, ValueError) as error:
            raise UserError(f"{where}: polygons[{i}] needs points [[x, y], ...] and a label") from error
        if len(points) < 3 or not all(math.isfinite(v) for point in points for v in point):
            raise UserError(f"{where}: polygons[{i}] needs at least 3 points with finite coordinates")
        index = mapper(label)
        if index is not None:
            # Points outside the image need no clipping: rasterizing keeps only the image's pixels.
            polygons.append(Polygon(points, index))
    return tuple(polygons)


def _text_regions(record: dict[str, Any], width: int, height: int, where: str) -> tuple[Polygon, ...]:
    """Text detection: every polygon and every rectangle, as the 4-point polygon (x1,y1), (x2,y1),
    (x2,y2), (x1,y2), whatever its label (the text: one implicit class); a missing list means none
    of that kind."""
    lists = {key: record.get(key, []) for key in ("polygons", "boxes")}

    def text(_label: str) -> int:
        return 0

    rectangles = tuple(
        Polygon(((b.x1, b.y1), (b.x2, b.y1), (b.x2, b.y2), (b.x1, b.y2)), 0)
        for b in _boxes(lists, text, width, height, where)
    )
    return _polygons(lists, text, where) + rectangles


def usable_image(spec: JobSpec) -> str:
    """What an image needs to count for this job, for messages: "no image {usable_image(spec)}"."""
    if spec.task == "enhancement":
        return "with a target image"
    if spec.task == "text_recognition":
        return "with a text"
    if spec.task == "text_detection":
        return "with 'polygons' or 'boxes' (empty lists for an image without text)"
    return f"labelled with one of {spec.classes} (directly or through labelMap)"


def manifest_records(manifest: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each line's JSON object with where it is (``manifest.jsonl line N``), for messages."""
    try:
        lines = manifest.read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise UserError(f"cannot read the manifest {manifest}: {error.strerror}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{manifest.name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(f"{where}: not valid JSON ({error.msg})") from error
        if not isinstance(record, dict):
            raise UserError(f"{where}: expected a JSON object")
        yield where, record


def read_manifest(spec: JobSpec) -> list[Entry]:
    """All usable images of the manifest, labels mapped to ``spec.classes``."""
    mapper = LabelMapper(spec.classes, spec.label_map)
    entries: list[Entry] = []
    skipped = 0
    for where, record in manifest_records(spec.manifest):
        path = _safe_path(_require(record, "path", str, where), where)
        width = _require(record, "width", int, where)
        height = _require(record, "height", int, where)
        split = _require(record, "split", str, where)
        if split not in SPLITS:
            raise UserError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}")
        base = {"path": path, "file": spec.image_root / path, "width": width, "height": height, "split": split}
        if spec.task == "classification":
            label = record.get("class")
            index = mapper(str(label)) if label is not None else None
            if index is None:
                skipped += 1
                continue
            entries.append(Entry(**base, label=index))
        elif spec.task == "segmentation":
            if "polygons" not in record:
                skipped += 1  # an unlabeled image says nothing about which pixels are which
                continue
            entries.append(Entry(**base, polygons=_polygons(record, mapper, where)))
        elif spec.task == "enhancement":
            if "target" not in record:
                skipped += 1  # an input without its target teaches nothing
                continue
            target = _safe_path(_require(record, "target", str, where), where)
            entries.append(Entry(**base, target=target, target_file=spec.image_root / target))
        elif spec.task == "text_recognition":
            if "text" not in record:
                skipped += 1  # an image without its text teaches nothing
                continue
            text = _require(record, "text", str, where)
            if not text:
                raise UserError(f"{where}: field 'text' must not be empty")
            entries.append(Entry(**base, text=text))
        elif spec.task == "text_detection":
            if "polygons" not in record and "boxes" not in record:
                skipped += 1  # an unlabeled image says nothing about where text is
                continue
            entries.append(Entry(**base, polygons=_text_regions(record, width, height, where)))
        else:
            if "boxes" not in record:
                skipped += 1  # an unlabeled image says nothing about where objects are
                continue
            entries.append(Entry(**base, boxes=_boxes(record, mapper, width, height, where)))
    if skipped:
        log.info("skipped %d images whose labels are not among the job's classes", skipped)
    missing = [e.path for e in entries if not e.file.is_file()]
    missing += [e.target for e in entries if e.target and e.target_file and not e.target_file.is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise UserError(f"{len(missing)} images of the manifest are missing under {spec.image_root}: {shown}")
    return entries


def _carve_key(seed: int, path: str) -> str:
    return hashlib.sha1(f"{seed}:{path}".encode()).hexdigest()


def split_entries(entries: list[Entry], seed: int) -> Splits:
    """Train/val/test from the manifest; an empty val split is carved from train (by path hash)."""
    by_split: dict[str, list[Entry]] = {name: [] for name in SPLITS}
    for entry in entries:
        by_split[entry.split].append(entry)
    train, val, test = by_split["train"], by_split["val"], by_split["test"]
    carved = False
    if not val and len(train) >= 2:
        count = max(1, round(len(train) * VAL_FRACTION))
        chosen = {e.path for e in sorted(train, key=lambda e: _carve_key(seed, e.path))[:count]}
        val = [e for e in train if e.path in chosen]
        train = [e for e in train if e.path not in chosen]
        carved = True
    return Splits(train=train, val=val, test=test, val_carved=carved)
