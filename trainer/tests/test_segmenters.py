"""torchvision's segmentation models (untrained): one training step, evaluation, ONNX export with
parity, and a warm start across class counts — on a few tiny images (training them is too slow on CPU)."""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pytest
import torch

from aip_trainer.export import export_onnx, verify_onnx
from aip_trainer.images import ImageStore
from aip_trainer.manifest import read_manifest
from aip_trainer.models import build_deploy, build_network, output_names
from aip_trainer.spec import validate_spec
from aip_trainer.tasks import make_adapter
from aip_trainer.warm_start import load_initial_weights

from conftest import run_job, seg_spec
from synthetic import make_segmentation

SIZE = (64, 64)
TORCHVISION_ARCHS = ["lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"]


@pytest.mark.parametrize("arch", TORCHVISION_ARCHS)
def test_trains_evaluates_and_exports(arch, tmp_path):
    make_segmentation(tmp_path / "data", 4, seed=7)
    job = validate_spec(seg_spec(tmp_path / "data", tmp_path / "out", arch=arch))
    store = ImageStore(read_manifest(job), SIZE)
    torch.manual_seed(0)
    net = build_network(arch, len(job.classes), SIZE)
    adapter = make_adapter("segmentation", arch, job.classes, torch.device("cpu"))
    batch = adapter.collate([adapter.dataset(store)[i] for i in range(len(store))])
    loss = adapter.train_loss(net.train(), batch, torch.Generator().manual_seed(0))
    loss.backward()
    # Cross-entropy of an untrained 3-way softmax starts near log(3).
    value = float(loss.detach())
    assert math.isfinite(value)
    assert 0.3 < value < 5

    deploy = build_deploy(arch, net, SIZE)
    metrics = adapter.evaluate(deploy, store).metrics
    assert np.asarray(metrics["confusionMatrix"]).sum() == len(store) * SIZE[0] * SIZE[1]

    sample = store[0][None].float()
    export_onnx(deploy, sample, tmp_path / "model.onnx", output_names("segmentation"))
    verify_onnx(tmp_path / "model.onnx", deploy, sample, adapter.parity_problem)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["mask"]
    (mask,) = session.run(None, {"image": sample.numpy()})
    assert mask.dtype == np.int64
    assert mask.shape == (1, *SIZE)
    assert ((mask >= 0) & (mask <= len(job.classes))).all()


@pytest.mark.parametrize("arch", TORCHVISION_ARCHS)
def test_warm_start_skips_the_heads_of_another_class_count(arch, tmp_path):
    source = build_network(arch, 2, SIZE).state_dict()
    torch.save(source, tmp_path / "weights.pt")
    net = build_network(arch, 5, SIZE)
    fresh = {k: v.clone() for k, v in net.state_dict().items()}
    load_initial_weights(net, tmp_path / "weights.pt")
    skipped = {name for name, tensor in net.state_dict().items() if tensor.shape != source[name].shape}
    # Only the final classifier convolutions (weight and bias) depend on the class count.
    assert skipped
    assert all(name.startswith("classifier.") for name in skipped)
    assert len(skipped) == (4 if arch.startswith("lraspp") else 2)
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, fresh[name] if name in skipped else source[name]), name


def test_deeplab_refuses_batches_of_one(tmp_path):
    make_segmentation(tmp_path / "data", 8, seed=7)
    spec = seg_spec(tmp_path / "data", tmp_path / "out", arch="deeplabv3_mobilenet_v3_large", hyper={"batchSize": 1})
    result = run_job(tmp_path, spec)
    assert result.code == 2
    assert "batches of 2 or more images" in result.events[-1]["message"]
