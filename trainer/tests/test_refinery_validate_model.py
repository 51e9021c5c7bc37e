"""``kind: validate_model``: uploads are loaded without running uploaded Python, checked with one
forward pass, and bad files are refused with a message that names the problem."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from refinery_p1_support import DIGITS, build
from torch import nn

from aip_trainer.artifacts import load_model_pt
from aip_trainer.errors import UserError
from aip_trainer.events import EventWriter
from aip_trainer.models import build_network
from aip_trainer.refinery.validate_model import run_validate_model
from aip_trainer.spec import validate_any_spec

from conftest import run_job

SIZE = [32, 32]
PLATFORM_INPUT = {
    "size": SIZE,
    "colorSpace": "RGB",
    "range": [0, 255],
    "mean": [123.675, 116.28, 103.53],
    "std": [58.395, 57.12, 57.375],
}


def job(tmp_path: Path, model: dict) -> dict:
    return {"kind": "validate_model", "model": model, "output": str(tmp_path / "out"), "device": "cpu"}


def validate(tmp_path: Path, model: dict) -> dict:
    spec = validate_any_spec(job(tmp_path, model))
    tmp_path.mkdir(parents=True, exist_ok=True)
    with (tmp_path / "events.jsonl").open("w") as stream:
        run_validate_model(spec, EventWriter(stream))  # type: ignore[arg-type]
    return json.loads((tmp_path / "out" / "model.json").read_text())


def weights(tmp_path: Path, file: Path, **extra) -> dict:
    return {
        "file": str(file),
        "format": "weights",
        "task": "classification",
        "arch": "tiny_cnn",
        "classes": DIGITS,
        "input": PLATFORM_INPUT,
        **extra,
    }


def test_weights_upload_becomes_a_platform_model(tmp_path):
    net = build("tiny_cnn", 10, (32, 32)).eval()
    file = tmp_path / "upload.pth"
    # Wrapped and saved from DataParallel: both are unwrapped.
    torch.save({"state_dict": {f"module.{k}": v for k, v in net.state_dict().items()}}, file)
    described = validate(tmp_path, weights(tmp_path, file))
    assert (described["task"], described["arch"], described["classes"], described["format"]) == (
        "classification",
        "tiny_cnn",
        DIGITS,
        "weights",
    )
    # ONNX counts its initializers: the exporter folds BatchNorm into the convolutions.
    assert described["parameters"] == pytest.approx(sum(p.numel() for p in net.parameters()), rel=0.01)
    assert described["outputShape"] == [1, 10]
    assert described["input"]["range"] == [0, 255]  # model.onnx takes raw pixels
    assert described["uploadInput"]["mean"] == PLATFORM_INPUT["mean"]
    model = load_model_pt(tmp_path / "out" / "model.pt")
    assert (model.arch, model.classes, model.input_size) == ("tiny_cnn", DIGITS, (32, 32))
    # The ONNX graph takes raw pixels and gives the uploaded network's softmax.
    image = torch.rand(1, 3, 32, 32) * 255
    session = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"), providers=["CPUExecutionProvider"])
    probs = session.run(None, {"image": image.numpy()})[0]
    mean, std = (
        torch.tensor(PLATFORM_INPUT["mean"]).view(1, 3, 1, 1),
        torch.tensor(PLATFORM_INPUT["std"]).view(1, 3, 1, 1),
    )
    with torch.no_grad():
        expected = net((image - mean) / std).softmax(1).numpy()
    np.testing.assert_allclose(probs, expected, atol=1e-5)


def test_weights_upload_with_its_own_normalization_keeps_it(tmp_path):
    net = build("tiny_cnn", 10, (32, 32)).eval()
    file = tmp_path / "upload.pt"
    torch.save(net.state_dict(), file)
    own = {"size": SIZE, "colorSpace": "BGR", "range": [0, 1], "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]}
    validate(tmp_path, weights(tmp_path, file, input=own))
    model = load_model_pt(tmp_path / "out" / "model.pt")
    assert model.extra is not None
    assert model.extra["input"]["colorSpace"] == "BGR"
    image = torch.rand(1, 3, 32, 32) * 255
    session = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"), providers=["CPUExecutionProvider"])
    probs = session.run(None, {"image": image.numpy()})[0]
    x = image.flip(1) / 255
    x = (x - torch.tensor(own["mean"]).view(1, 3, 1, 1)) / torch.tensor(own["std"]).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = net(x).softmax(1).numpy()
    np.testing.assert_allclose(probs, expected, atol=1e-5)


class Depthish(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.avg_pool2d(x.mean(1, keepdim=True), 3, 1, 1)


def test_torchscript_and_onnx_uploads(tmp_path):
    scripted = torch.jit.script(Depthish())
    scripted.save(str(tmp_path / "depth.ts"))
    meta = {"size": [24, 40], "colorSpace": "RGB", "range": [0, 1]}
    described = validate(
        tmp_path / "ts",
        {"file": str(tmp_path / "depth.ts"), "format": "torchscript", "task": "depth", "classes": [], "input": meta},
    )
    assert (described["task"], described["format"], described["outputShape"]) == (
        "depth",
        "torchscript",
        [1, 1, 24, 40],
    )
    assert not (tmp_path / "ts" / "out" / "model.pt").exists()
    net = build("tiny_unet", 2, (32, 32)).eval()
    torch.onnx.export(net, (torch.zeros(1, 3, 32, 32),), str(tmp_path / "seg.onnx"), input_names=["x"], dynamo=False)
    seg = {
        "file": str(tmp_path / "seg.onnx"),
        "format": "onnx",
        "task": "segmentation",
        "classes": ["a", "b"],
        "input": PLATFORM_INPUT,
    }
    described = validate(tmp_path / "onnx", seg)
    assert (described["task"], described["outputShape"], described["classes"]) == (
        "segmentation",
        [1, 3, 32, 32],
        ["a", "b"],
    )
    # ONNX counts its initializers: the exporter folds BatchNorm into the convolutions.
    assert described["parameters"] == pytest.approx(sum(p.numel() for p in net.parameters()), rel=0.01)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    (root / "random.pt").write_bytes(np.random.default_rng(0).bytes(4096))
    torch.save(build("tiny_cnn", 10, (32, 32)), root / "module.pt")  # a pickled nn.Module
    torch.save(build_network("resnet18", 10, (32, 32)).state_dict(), root / "resnet18.pt")
    torch.save(build("tiny_cnn", 7, (32, 32)).state_dict(), root / "seven.pt")
    torch.onnx.export(
        build("tiny_cnn", 10, (32, 32)).eval(), (torch.zeros(1, 3, 32, 32),), str(root / "fixed32.onnx"), dynamo=False
    )
    (root / "random.onnx").write_bytes(b"not an onnx file")
    return root


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("random.pt", {}, "is not a PyTorch weights file"),
        ("module.pt", {}, "holds pickled Python objects"),
        ("resnet18.pt", {}, "do not fit architecture tiny_cnn: missing keys: features.0.0.weight"),
        ("seven.pt", {}, "have 7 outputs but tiny_cnn with the declared classes has 10"),
        (
            "fixed32.onnx",
            {"format": "onnx", "arch": None, "input": {**PLATFORM_INPUT, "size": [64, 64]}},
            "input metadata mismatch",
        ),
        (
            "fixed32.onnx",
            {"format": "onnx", "arch": None, "classes": DIGITS[:7]},
            "outputs 10 classes but 7 were declared",
        ),
        ("random.onnx", {"format": "onnx", "arch": None}, "is not an ONNX model"),
        ("random.pt", {"format": "torchscript", "arch": None}, "is not a TorchScript file"),
        ("seven.pt", {"task": "segmentation"}, "tiny_cnn is a classification architecture"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(tmp_path, bad_files, file, change, message):
    with pytest.raises(UserError) as raised:
        validate(tmp_path, {**weights(tmp_path, bad_files / file), **change})
    print(raised.value)
    assert message in str(raised.value)
    assert not (tmp_path / "out" / "model.json").exists()


def test_cli_exit_codes(tmp_path, bad_files):
    refused = run_job(tmp_path, job(tmp_path, weights(tmp_path, bad_files / "module.pt")))
    assert refused.code == 2
    assert refused.events[-1]["event"] == "error"
    assert refused.events[-1]["userError"] is True
    assert "pickled Python objects" in refused.events[-1]["message"]
    net = build("tiny_cnn", 10, (32, 32))
    torch.save(net.state_dict(), tmp_path / "good.pt")
    accepted = run_job(tmp_path, job(tmp_path, weights(tmp_path, tmp_path / "good.pt")))
    assert accepted.code == 0, accepted.stderr[-2000:]
    assert [e["event"] for e in accepted.events] == ["start", "done"]
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"model.pt", "model.onnx", "model.json"}
