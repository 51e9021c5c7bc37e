"""torchvision's larger classifiers (untrained): one tiny epoch through the CLI with its ONNX parity
check, and a warm start across class counts — on a few tiny images (training them is too slow on CPU)."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch

from aip_trainer.models import build_network
from aip_trainer.warm_start import load_initial_weights

from conftest import cls_spec, run_job
from synthetic import make_classification

SIZE = 64
# The final linear layer: the only tensors whose shape depends on the class count.
HEADS = {"efficientnet_b0": "classifier.1.", "resnet50": "fc."}


@pytest.mark.parametrize("arch", list(HEADS))
def test_trains_and_exports(arch, tmp_path):
    data = tmp_path / "data"
    make_classification(data, 9, seed=4)
    # Two classes; the triangles are ignored.
    spec = cls_spec(
        data,
        tmp_path / "out",
        arch=arch,
        classes=["circle", "square"],
        hyper={"epochs": 1, "batchSize": 2, "imageSize": SIZE},
    )
    result = run_job(tmp_path, spec)
    # Exit 0 includes the job's own check that ONNX Runtime's probabilities match PyTorch's.
    assert result.code == 0, result.stderr[-3000:]
    assert len(result.of("epoch")) == 1
    session = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"), providers=["CPUExecutionProvider"])
    image = np.random.default_rng(0).uniform(0, 255, (1, 3, SIZE, SIZE)).astype(np.float32)
    (probs,) = session.run(None, {"image": image})
    assert probs.dtype == np.float32
    assert probs.shape == (1, 2)
    assert abs(float(probs.sum()) - 1) < 1e-5


@pytest.mark.parametrize("arch", list(HEADS))
def test_warm_start_keeps_the_head_of_another_class_count_fresh(arch, tmp_path):
    source = build_network(arch, 2, (SIZE, SIZE)).state_dict()
    torch.save(source, tmp_path / "weights.pt")
    net = build_network(arch, 5, (SIZE, SIZE))
    fresh = {k: v.clone() for k, v in net.state_dict().items()}
    load_initial_weights(net, tmp_path / "weights.pt")
    skipped = {name for name, tensor in net.state_dict().items() if tensor.shape != source[name].shape}
    assert skipped == {HEADS[arch] + "weight", HEADS[arch] + "bias"}
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, fresh[name] if name in skipped else source[name]), name
