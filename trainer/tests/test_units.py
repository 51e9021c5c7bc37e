"""Unit checks of the manifest reader, the split rules, defaults and metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.hyper import resolve_hyper
from aip_trainer.images import ImageStore
from aip_trainer.manifest import Entry, Polygon, read_manifest, split_entries
from aip_trainer.masks import rasterize
from aip_trainer.metrics import classification_metrics, segmentation_metrics
from aip_trainer.spec import HyperSpec, validate_spec
from aip_trainer.tasks import make_adapter

from conftest import det_spec, seg_spec


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


def _square(x1, y1, x2, y2):
    return ((x1, y1), (x2, y1), (x2, y2), (x1, y2))  # clockwise with y down


def _entry(polygons, width=8, height=8, file=Path("x.png")):
    return Entry("x.png", file, width, height, "test", polygons=tuple(polygons))


def test_rasterized_square_covers_exactly_its_area():
    mask = rasterize(_entry([Polygon(_square(2, 2, 6, 6), 0)]), (8, 8))
    assert mask.dtype == torch.int64
    assert int((mask == 1).sum()) == 16
    assert torch.equal(mask[2:6, 2:6], torch.ones(4, 4, dtype=torch.int64))
    # Scaled with the image: a 16x16 image's square of side 8 is 4x4 pixels at input size 8x8.
    scaled = rasterize(_entry([Polygon(_square(4, 4, 12, 12), 1)], 16, 16), (8, 8))
    assert int((scaled == 2).sum()) == 16
    # A triangle of area 72: a pixel belongs to it when its centre lies inside.
    triangle = rasterize(_entry([Polygon(((8, 2), (14, 14), (2, 14)), 0)], 16, 16), (16, 16))
    assert int(triangle.sum()) == 72


def test_rasterized_polygons_share_edges_and_later_lie_on_top():
    halves = rasterize(_entry([Polygon(_square(0, 0, 4, 8), 0), Polygon(_square(4, 0, 8, 8), 1)]), (8, 8))
    assert (int((halves == 1).sum()), int((halves == 2).sum())) == (32, 32)
    stacked = rasterize(_entry([Polygon(_square(0, 0, 8, 8), 0), Polygon(_square(2, 2, 6, 6), 1)]), (8, 8))
    assert (int((stacked == 1).sum()), int((stacked == 2).sum())) == (48, 16)
    # Points beyond the image are fine: only the image's pixels are drawn.
    outside = rasterize(_entry([Polygon(_square(-5, -5, 4, 20), 0)]), (8, 8))
    assert int(outside.sum()) == 32


def test_segmentation_manifest_maps_labels_and_drops_unknown_polygons(tmp_path):
    polygons = [
        {"points": [[1, 1], [10, 1], [10, 10]], "label": "circle"},
        {"points": [[5, 5], [50, 5], [50, 40]], "label": "unknown"},
        {"points": [[20, 20], [30, 20], [30, 30], [20, 30]], "label": "square"},
    ]
    records = [
        {"path": "images/a.png", "width": 64, "height": 64, "split": "train", "polygons": polygons},
        {"path": "images/b.png", "width": 64, "height": 64, "split": "train"},  # unlabeled: skipped
    ]
    root = _dataset(tmp_path, records)
    (entry,) = read_manifest(validate_spec(seg_spec(root, tmp_path / "out")))
    assert [p.label for p in entry.polygons] == [0, 1]
    assert entry.polygons[1].points == ((20, 20), (30, 20), (30, 30), (20, 30))


def test_segmentation_manifest_rejects_a_bad_polygon(tmp_path):
    polygon = {"points": [[1, 1], [10, 1]], "label": "circle"}
    root = _dataset(
        tmp_path, [{"path": "images/a.png", "width": 8, "height": 8, "split": "train", "polygons": [polygon]}]
    )
    with pytest.raises(UserError, match=r"line 1: polygons\[0\] needs at least 3 points"):
        read_manifest(validate_spec(seg_spec(root, tmp_path / "out")))


def test_segmentation_metrics_by_hand():
    # truth       prediction     classes a (1), b (2), c (3, in neither)
    # 0 0 1 1     0 1 1 1
    # 0 0 1 1     0 0 1 1
    # 0 0 0 0     0 0 0 0
    # 2 2 0 0     2 0 0 0
    confusion = np.array([[9, 1, 0, 0], [0, 4, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    metrics = segmentation_metrics(confusion, ["a", "b", "c"], 1)
    assert metrics["perClassIoU"] == {"a": pytest.approx(4 / 5), "b": pytest.approx(1 / 2), "c": None}
    assert metrics["mIoU"] == pytest.approx((4 / 5 + 1 / 2) / 2)
    assert metrics["backgroundIoU"] == pytest.approx(9 / 11)
    assert metrics["pixelAccuracy"] == pytest.approx(14 / 16)
    assert metrics["confusionMatrix"] == confusion.tolist()
    assert (metrics["classes"], metrics["testImages"]) == (["a", "b", "c"], 1)


class _FixedMask(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, image):
        return self.mask.expand(image.shape[0], -1, -1)


def test_segmentation_evaluation_counts_pixels(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    # The hand-made case above, as polygons and a model that always predicts the same mask.
    entry = _entry([Polygon(_square(2, 0, 4, 2), 0), Polygon(_square(0, 3, 2, 4), 1)], 4, 4, tmp_path / "a.png")
    predicted = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0], [2, 0, 0, 0]])
    adapter = make_adapter("segmentation", "tiny_unet", ["a", "b", "c"], torch.device("cpu"))
    evaluation = adapter.evaluate(_FixedMask(predicted), ImageStore([entry, entry], (4, 4)))
    assert evaluation.metrics["confusionMatrix"] == [[18, 2, 0, 0], [0, 8, 0, 0], [2, 0, 2, 0], [0, 0, 0, 0]]
    assert evaluation.metrics["testImages"] == 2
    assert evaluation.score == (pytest.approx(0.65), pytest.approx(14 / 16))
