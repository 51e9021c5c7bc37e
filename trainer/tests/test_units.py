"""Unit checks of the manifest reader, the split rules, defaults and metrics."""

from __future__ import annotations

import json

import pytest

from aip_trainer.errors import UserError
from aip_trainer.hyper import resolve_hyper
from aip_trainer.manifest import read_manifest, split_entries
from aip_trainer.metrics import classification_metrics
from aip_trainer.spec import HyperSpec, validate_spec

from conftest import det_spec


def _dataset(tmp_path, records):
    (tmp_path / "images").mkdir()
    for record in records:
        (tmp_path / record["path"]).write_bytes(b"")
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path


def test_label_map_and_ignored_labels(tmp_path):
    boxes = [
        {"x1": 1, "y1": 1, "x2": 10, "y2": 10, "label": "circle"},
        {"x1": 5, "y1": 5, "x2": 50, "y2": 40, "label": "unknown"},
        {"x1": 20, "y1": 20, "x2": 200, "y2": 30, "label": "square"},  # clipped to the image
    ]
    root = _dataset(tmp_path, [{"path": "images/a.png", "width": 64, "height": 64, "split": "train", "boxes": boxes}])
    (entry,) = read_manifest(validate_spec(det_spec(root, tmp_path / "out")))
    assert [(b.label, b.x2) for b in entry.boxes] == [(0, 10), (1, 64)]


def test_bad_manifest_line_names_the_line(tmp_path):
    root = _dataset(tmp_path, [{"path": "images/a.png", "width": 8, "height": 8, "split": "train", "boxes": []}])
    with (root / "manifest.jsonl").open("a") as f:
        f.write('{"path": "../x.png", "width": 8, "height": 8, "split": "train", "boxes": []}\n')
    with pytest.raises(UserError, match="line 2"):
        read_manifest(validate_spec(det_spec(root, tmp_path / "out")))


def test_val_is_carved_from_train_deterministically(tmp_path):
    records = [{"path": f"images/{i}.png", "width": 8, "height": 8, "split": "train", "boxes": []} for i in range(30)]
    entries = read_manifest(validate_spec(det_spec(_dataset(tmp_path, records), tmp_path / "out")))
    first, second = split_entries(entries, 0), split_entries(entries, 0)
    assert first.val_carved
    assert len(first.val) == 3
    assert len(first.train) == 27
    assert [e.path for e in first.val] == [e.path for e in second.val]


def test_defaults_adapt_to_dataset_size_and_device():
    small = resolve_hyper("tiny_cnn", HyperSpec(), 100, cuda=False, warm_start=False)
    large = resolve_hyper("tiny_cnn", HyperSpec(), 100_000, cuda=False, warm_start=False)
    gpu = resolve_hyper("tiny_cnn", HyperSpec(), 100, cuda=True, warm_start=False)
    assert small.epochs > large.epochs
    assert gpu.epochs > small.epochs
    assert resolve_hyper("tiny_cnn", HyperSpec(epochs=7), 100, cuda=False, warm_start=False).epochs == 7
    assert small.patience > 0


def test_classification_metrics():
    metrics = classification_metrics([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b", "c"])
    assert metrics["accuracy"] == 0.75
    assert metrics["confusionMatrix"] == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]
    assert metrics["macroF1"] == pytest.approx((2 / 3 + 0.8) / 2)
