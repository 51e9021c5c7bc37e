"""torchvision's detectors (untrained): one tiny epoch through the CLI, an ONNX model with the contract's
outputs that matches PyTorch, and a warm start across class counts — on a few tiny images (training
them is too slow on CPU)."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch
from torch import nn

from aip_trainer.artifacts import load_model_pt
from aip_trainer.export import export_onnx, verify_onnx
from aip_trainer.images import ImageStore
from aip_trainer.manifest import read_manifest
from aip_trainer.models import build_deploy, build_network, normalization, output_names
from aip_trainer.models.detectors import TORCHVISION_DETECTORS
from aip_trainer.spec import validate_spec
from aip_trainer.tasks import DetectionAdapter
from aip_trainer.warm_start import load_initial_weights

from conftest import det_spec, run_job
from synthetic import make_detection

SIZE = 128
ARCHS = list(TORCHVISION_DETECTORS)
# What depends on the class count: the class scores (and Faster R-CNN's per-class box deltas).
CLASS_HEADS = {
    "fasterrcnn_mobilenet_v3_large_320_fpn": "roi_heads.box_predictor.",
    "retinanet_resnet50_fpn_v2": "head.classification_head.cls_logits.",
    "fcos_resnet50_fpn": "head.classification_head.cls_logits.",
    "ssdlite320_mobilenet_v3_large": "head.classification_head.",
}


@pytest.mark.parametrize("arch", ARCHS)
def test_trains_exports_and_matches_onnx(arch, tmp_path):
    data = tmp_path / "data"
    make_detection(data, 6, seed=5)  # 4 training images (2 steps), 2 validation images
    spec = det_spec(data, tmp_path / "out", arch=arch, hyper={"epochs": 1, "batchSize": 2, "imageSize": SIZE})
    result = run_job(tmp_path, spec)
    assert result.code == 0, result.stderr[-3000:]
    assert len(result.of("epoch")) == 1
    assert {"mAP50", "mAP50_95", "perClassAP50"} <= result.of("done")[0]["metrics"].keys()
    job = validate_spec(spec)
    described = json.loads((job.output / "model.json").read_text())
    assert described["inputSize"] == [SIZE, SIZE]
    assert described["normalization"] == normalization(arch)

    session = ort.InferenceSession(str(job.output / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["boxes", "scores", "labels"]
    image = np.random.default_rng(0).uniform(0, 255, (1, 3, SIZE, SIZE)).astype(np.float32)
    boxes, scores, labels = session.run(None, {"image": image})
    assert boxes.dtype == scores.dtype == np.float32
    assert labels.dtype == np.int64
    assert boxes.ndim == 2
    assert boxes.shape[1] == 4
    assert boxes.shape[0] == scores.shape[0] == labels.shape[0]
    assert ((labels >= 0) & (labels < 2)).all()
    assert ((boxes >= 0) & (boxes <= 1)).all()

    # The job's own check compared a network whose BatchNorm statistics have barely left their start
    # (mean 0, variance 1): in eval mode its deep features are nearly dead and every image gets the
    # same, almost tied detections; RetinaNet's and FCOS's class scores also start at a 1 % prior,
    # under the check's floor. One batch's statistics and neutral class biases give image-dependent
    # detections to compare, decoding and NMS included, on an image other than the one traced.
    model = load_model_pt(job.output / "model.pt")
    net = build_network(arch, len(model.classes), model.input_size)
    net.load_state_dict(model.state_dict)
    adapter = DetectionAdapter(arch, model.classes, torch.device("cpu"))
    store = ImageStore(read_manifest(job), model.input_size)
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # a plain average: exactly the next batch's statistics
    with torch.no_grad():
        batch = adapter.collate([adapter.dataset(store)[i] for i in range(len(store))])
        adapter.train_loss(net.train(), batch, torch.Generator().manual_seed(0))
        for name, parameter in net.named_parameters():
            if name.endswith("cls_logits.bias"):
                parameter.zero_()
    deploy = build_deploy(arch, net, model.input_size)
    traced, other = store[0][None].float(), store[1][None].float()
    export_onnx(deploy, traced, tmp_path / "model.onnx", output_names("detection"))
    detections = []
    for sample in (traced, other):
        with torch.no_grad():
            e_boxes, e_scores, e_labels = deploy(sample)
        assert (e_scores >= adapter.PARITY_MIN_SCORE).sum() >= 1
        assert ((e_labels >= 0) & (e_labels < 2)).all()
        verify_onnx(tmp_path / "model.onnx", deploy, sample, adapter.parity_problem)
        detections.append(e_boxes[:5])
    assert not torch.equal(*detections)


@pytest.mark.parametrize("arch", ARCHS)
def test_warm_start_keeps_the_class_heads_of_another_class_count_fresh(arch, tmp_path):
    source = build_network(arch, 2, (SIZE, SIZE)).state_dict()
    torch.save(source, tmp_path / "weights.pt")
    net = build_network(arch, 3, (SIZE, SIZE))
    fresh = {k: v.clone() for k, v in net.state_dict().items()}
    load_initial_weights(net, tmp_path / "weights.pt")
    skipped = {name for name, tensor in net.state_dict().items() if tensor.shape != source[name].shape}
    assert skipped
    assert all(name.startswith(CLASS_HEADS[arch]) for name in skipped), skipped
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, fresh[name] if name in skipped else source[name]), name
