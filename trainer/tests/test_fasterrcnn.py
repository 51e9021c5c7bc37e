"""Faster R-CNN (torchvision, untrained) trains one tiny epoch and exports a working ONNX model."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort

from conftest import det_spec, run_job
from synthetic import make_detection


def test_fasterrcnn_exports(tmp_path):
    data = tmp_path / "data"
    make_detection(data, 12, seed=5)
    spec = det_spec(
        data,
        tmp_path / "out",
        arch="fasterrcnn_mobilenet_v3_large_320_fpn",
        hyper={"epochs": 1, "batchSize": 2, "imageSize": 160},
    )
    result = run_job(tmp_path, spec, timeout=300)
    assert result.code == 0, result.stderr[-3000:]
    assert len(result.of("epoch")) == 1
    assert {"mAP50", "mAP50_95", "perClassAP50"} <= result.of("done")[0]["metrics"].keys()
    described = json.loads((tmp_path / "out" / "model.json").read_text())
    assert described["inputSize"] == [160, 160]
    session = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"), providers=["CPUExecutionProvider"])
    image = np.random.default_rng(0).uniform(0, 255, (1, 3, 160, 160)).astype(np.float32)
    boxes, scores, labels = session.run(None, {"image": image})
    assert boxes.ndim == 2
    assert boxes.shape[1] == 4
    assert boxes.shape[0] == scores.shape[0] == labels.shape[0]
    assert labels.dtype == np.int64
    assert ((labels >= 0) & (labels < 2)).all()
    assert ((boxes >= 0) & (boxes <= 1)).all()
