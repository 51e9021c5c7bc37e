"""tiny_det learns the synthetic scenes with default hyper-parameters; ONNX matches PyTorch."""

from __future__ import annotations

import itertools
import json
import time

import numpy as np
import onnxruntime as ort
import pytest
import torch

from aip_trainer.artifacts import load_model_pt
from aip_trainer.images import load_image
from aip_trainer.manifest import read_manifest
from aip_trainer.models import build_deploy, build_network
from aip_trainer.spec import validate_spec

from conftest import det_spec, run_job

MIN_MAP50 = 0.8


@pytest.fixture(scope="module")
def trained(det_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("det-train")
    spec = det_spec(det_data, work / "out")
    started = time.monotonic()
    result = run_job(work, spec)
    print(f"tiny_det training took {time.monotonic() - started:.1f}s; done: {result.of('done')}")
    assert result.code == 0, result.stderr[-3000:]
    return spec, result


def test_learns_shapes(trained):
    _, result = trained
    metrics = result.of("done")[0]["metrics"]
    assert metrics["mAP50"] >= MIN_MAP50
    assert 0 < metrics["mAP50_95"] <= metrics["mAP50"]
    assert set(metrics["perClassAP50"]) == {"round", "angular"}
    curve = metrics["prCurve50"]
    assert len(curve["recall"]) == 101
    assert (curve["recall"][0], curve["recall"][-1]) == (0, 1)
    for name, precision in curve["precision"].items():
        assert len(precision) == 101
        # COCO's interpolated precision never rises with recall, and averages to the class's AP50.
        assert all(a >= b for a, b in itertools.pairwise(precision))
        assert abs(sum(precision) / 101 - metrics["perClassAP50"][name]) < 1e-3
    assert all(result["metricName"] == "mAP50" for result in result.of("epoch"))


def test_model_json(trained):
    spec, _ = trained
    described = json.loads((validate_spec(spec).output / "model.json").read_text())
    assert described["outputs"] == ["boxes", "scores", "labels"]
    assert described["inputSize"] == [128, 128]
    assert described["classes"] == ["round", "angular"]
    assert 0 < described["scoreThreshold"] < 1


def test_onnx_matches_torch(trained):
    spec, _ = trained
    job = validate_spec(spec)
    model = load_model_pt(job.output / "model.pt")
    net = build_network(model.arch, len(model.classes), model.input_size)
    net.load_state_dict(model.state_dict)
    deploy = build_deploy(model.arch, net, model.input_size)
    session = ort.InferenceSession(str(job.output / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["boxes", "scores", "labels"]
    for entry in [e for e in read_manifest(job) if e.split == "test"][:5]:
        image = load_image(entry, model.input_size)[None].float()
        boxes, scores, labels = session.run(None, {"image": image.numpy()})
        with torch.no_grad():
            e_boxes, e_scores, e_labels = (t.numpy() for t in deploy(image))
        assert boxes.dtype == np.float32
        assert boxes.shape[1] == 4
        assert labels.dtype == np.int64
        assert ((boxes >= 0) & (boxes <= 1)).all()
        confident = e_scores >= 0.05
        np.testing.assert_allclose(scores[confident], e_scores[confident], atol=1e-4)
        np.testing.assert_allclose(boxes[confident], e_boxes[confident], atol=1e-4)
        np.testing.assert_array_equal(labels[confident], e_labels[confident])
        # The trained model finds the objects in the image (score above model.json's threshold).
        assert (scores >= 0.3).sum() >= 1
