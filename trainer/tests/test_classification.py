"""tiny_cnn learns the shape crops with default hyper-parameters; outputs match the contract."""

from __future__ import annotations

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

from conftest import SHAPES, cls_spec, run_job

MIN_ACCURACY = 0.9


@pytest.fixture(scope="module")
def trained(cls_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("cls-train")
    spec = cls_spec(cls_data, work / "out")
    started = time.monotonic()
    result = run_job(work, spec)
    print(f"tiny_cnn training took {time.monotonic() - started:.1f}s; done: {result.of('done')}")
    assert result.code == 0, result.stderr[-3000:]
    return spec, result


def test_learns_shapes(trained):
    _, result = trained
    metrics = result.of("done")[0]["metrics"]
    assert metrics["accuracy"] >= MIN_ACCURACY
    assert metrics["macroF1"] >= MIN_ACCURACY - 0.05
    assert metrics["classes"] == SHAPES
    assert np.asarray(metrics["confusionMatrix"]).sum() == metrics["testImages"] > 0


def test_events_follow_the_protocol(trained):
    _, result = trained
    start = result.events[0]
    assert start["event"] == "start"
    assert start["device"] == "cpu"
    assert start["trainImages"] > 100
    assert start["valImages"] > 0
    epochs = result.of("epoch")
    assert 1 <= len(epochs) <= start["epochs"]
    assert [e["epoch"] for e in epochs] == list(range(1, len(epochs) + 1))
    assert all(e["metricName"] == "accuracy" and 0 <= e["metric"] <= 1 for e in epochs)
    assert epochs[0]["best"] is True
    progress = result.of("progress")[0]
    assert {"epoch", "epochs", "step", "steps", "loss", "etaSeconds"} <= progress.keys()
    assert result.events[-1]["event"] == "done"


def test_writes_contract_files(trained):
    spec, _ = trained
    out = validate_spec(spec).output
    assert {"model.onnx", "model.pt", "model.json", "metrics.json", "checkpoint.pt"} <= {p.name for p in out.iterdir()}
    described = json.loads((out / "model.json").read_text())
    assert described["task"] == "classification"
    assert described["arch"] == "tiny_cnn"
    assert described["classes"] == SHAPES
    assert described["inputSize"] == [64, 64]
    assert described["outputs"] == ["probs"]
    assert described["input"]["range"] == [0, 255]
    model = torch.load(out / "model.pt", weights_only=True)
    assert model["arch"] == "tiny_cnn"
    assert set(model) >= {"task", "classes", "inputSize", "state_dict"}


def test_onnx_matches_torch_on_test_images(trained):
    spec, _ = trained
    job = validate_spec(spec)
    model = load_model_pt(job.output / "model.pt")
    net = build_network(model.arch, len(model.classes), model.input_size)
    net.load_state_dict(model.state_dict)
    deploy = build_deploy(model.arch, net, model.input_size)
    session = ort.InferenceSession(str(job.output / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["image"]
    assert [o.name for o in session.get_outputs()] == ["probs"]
    for entry in [e for e in read_manifest(job) if e.split == "test"][:10]:
        image = load_image(entry, model.input_size)[None].float()
        (probs,) = session.run(None, {"image": image.numpy()})
        with torch.no_grad():
            expected = deploy(image).numpy()
        assert probs.shape == (1, 3)
        np.testing.assert_allclose(probs, expected, atol=1e-4)
        assert probs.sum() == pytest.approx(1.0, abs=1e-4)


def test_finished_job_just_reports_done(trained, tmp_path):
    spec, first = trained
    started = time.monotonic()
    again = run_job(tmp_path, spec)
    assert again.code == 0
    assert [e["event"] for e in again.events] == ["done"]
    assert again.events[0]["metrics"] == first.of("done")[0]["metrics"]
    assert time.monotonic() - started < 30


def test_evaluate_kind_writes_metrics(trained, cls_data, tmp_path):
    spec, first = trained
    model_pt = validate_spec(spec).output / "model.pt"
    evaluate = cls_spec(cls_data, tmp_path / "eval", kind="evaluate", model=str(model_pt))
    result = run_job(tmp_path, evaluate)
    assert result.code == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert result.of("done")[0]["metrics"] == metrics
    assert metrics["evaluatedOn"] == "test"
    assert metrics["accuracy"] == pytest.approx(first.of("done")[0]["metrics"]["accuracy"])
