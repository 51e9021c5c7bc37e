"""A model as the atlas sees it: a differentiable map from its normalized input to its representation.

The representation ``f`` of a model is what its task makes it compute, before any non-differentiable
decoding:

- classification: the logits; segmentation: the per-pixel logits; depth: the depth map;
- enhancement: the network's output (the residual it adds to the image: the image itself, which
  every enhancer passes through, would make all enhancers look alike);
- text detection: the text probability map; text recognition: the per-column logits [N, T, K]
  (batch first, like the platform's CRNN), moved to [N, K, T] so that channels come before the
  spatial axis like every other tensor here;
- multi_task: every head's output;
- detection: ``tiny_det`` its raw head outputs (centre heatmap logits and box sides); torchvision's
  detectors the feature maps of their backbone (FPN levels) on the normalized input, since what they
  return in eval mode has been through NMS and carries no gradient;
- TorchScript uploads: every float tensor the module returns.

Formats: ``aip`` (the platform's model.pt, any task), ``weights`` and ``torchscript`` (loaded as the
refinery loads teachers). ``onnx`` is unsupported: ONNX Runtime computes no gradients, and the
attribution map is a gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.artifacts import load_model_pt
from aip_trainer.errors import UserError, first_line
from aip_trainer.models.dbnet import DBNet
from aip_trainer.models.detectors import TORCHVISION_DETECTORS
from aip_trainer.models.segmenters import segmentation_logits
from aip_trainer.refinery.contract import InputSpec
from aip_trainer.refinery.teachers import InputNormalize, input_from_json, load_teacher, network_of, platform_input
from aip_trainer.spec import TeacherSpec

ONNX_REASON = (
    "an ONNX upload has no gradients to attribute; upload its PyTorch weights or TorchScript to place it in the atlas"
)

Represent = Callable[[nn.Module, torch.Tensor], list[torch.Tensor]]


class Unsupported(Exception):
    """A model the atlas cannot sign, for a reason that is no fault of the file."""


@dataclass
class Subject:
    """A loaded model: ``represent(network, normalize(images))`` is its representation, a list of
    float tensors with the batch first (then channels, then any spatial axes)."""

    network: nn.Module
    normalize: nn.Module
    input_size: tuple[int, int]
    task: str
    arch: str | None
    format: str
    represent: Represent

    def features(self, normalized: torch.Tensor) -> list[torch.Tensor]:
        return [t.float() for t in self.represent(self.network, normalized)]


def float_tensors(value: Any) -> list[torch.Tensor]:
    """Every floating-point tensor in a (nested) module output, in order."""
    if isinstance(value, torch.Tensor):
        return [value] if value.is_floating_point() else []
    if isinstance(value, dict):
        return [t for v in value.values() for t in float_tensors(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in float_tensors(v)]
    return []


def _outputs(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    return float_tensors(net(x))


def _segmentation(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    return [segmentation_logits(net, x)]


def _text_probability(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    assert isinstance(net, DBNet)
    return [torch.sigmoid(net.probability_logits(x))]


def _text_columns(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    return [net(x).transpose(1, 2)]  # [N, T, K] -> [N, K, T]


def _backbone_features(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    backbone = net.backbone
    assert isinstance(backbone, nn.Module)
    return float_tensors(backbone(x))


def representation_of(task: str, arch: str | None) -> Represent:
    """How to get the representation of a registry network of ``task`` and ``arch`` (None: an
    uploaded module of unknown structure, all its float outputs)."""
    if arch in TORCHVISION_DETECTORS:
        return _backbone_features
    if arch is None:
        return _outputs
    if task == "segmentation":
        return _segmentation
    if task == "text_detection":
        return _text_probability
    if task == "text_recognition":
        return _text_columns
    return _outputs  # classification, depth, enhancement, multi_task, tiny_det


def network_input(arch: str | None, input_size: tuple[int, int]) -> InputSpec:
    """What a platform network takes: torchvision's detectors normalize inside (with their own
    statistics, SSDlite -1..1), so their backbone gets that; the others ImageNet mean/std."""
    if arch in TORCHVISION_DETECTORS:
        detector = TORCHVISION_DETECTORS[arch]
        return InputSpec(input_size, "RGB", (0.0, 255.0), detector.mean, detector.std)
    return platform_input(input_size)


def load_subject(spec: TeacherSpec, device: torch.device) -> Subject:
    """Loads a model the atlas will sign; ``Unsupported`` for ONNX, ``UserError`` for a bad file."""
    if spec.format == "onnx":
        raise Unsupported(ONNX_REASON)
    if spec.format == "aip":
        model = load_model_pt(spec.file)
        net = network_of(model, spec.file.name)
        extra = model.extra or {}
        wanted = extra.get("input")
        spec_in = input_from_json(wanted) if isinstance(wanted, dict) else network_input(model.arch, model.input_size)
        subject = Subject(
            net,
            InputNormalize(spec_in),
            spec_in.size,
            model.task,
            model.arch,
            "aip",
            representation_of(model.task, model.arch),
        )
    else:
        teacher = load_teacher(spec, device)
        module = teacher.network()
        assert module is not None  # weights and TorchScript teachers hold a module
        subject = Subject(
            module,
            InputNormalize(teacher.input),
            teacher.input.size,
            teacher.task,
            teacher.arch,
            teacher.format,
            representation_of(teacher.task, teacher.arch),
        )
    subject.network.to(device).eval()
    subject.normalize.to(device)
    for parameter in subject.network.parameters():
        parameter.requires_grad_(False)
    _check_runs(subject, spec, device)
    return subject


def _check_runs(subject: Subject, spec: TeacherSpec, device: torch.device) -> None:
    """One forward pass on a grey image: a model that does not run at its input size, or has no
    float output, fails here with a message rather than in the middle of signing."""
    height, width = subject.input_size
    grey = torch.full((1, 3, height, width), 127.0, device=device)
    try:
        with torch.no_grad():
            features = subject.features(subject.normalize(grey))
    except Exception as error:
        raise UserError(f"{spec.file.name} fails on a [1, 3, {height}, {width}] input: {first_line(error)}") from error
    if not features or sum(t.numel() for t in features) == 0:
        raise UserError(f"{spec.file.name} returns no floating-point output to attribute")


def pool_features(features: list[torch.Tensor], limit: int) -> torch.Tensor:
    """The representation flattened per image [N, D]; where D > ``limit``, each tensor with spatial
    axes is first adaptive-average-pooled so that D comes down to about ``limit`` (never below one
    value per channel)."""
    flat = [t.reshape(len(t), -1) for t in features]
    total = sum(t.shape[1] for t in flat)
    if total <= limit:
        return torch.cat(flat, dim=1)
    spatial = [t for t in features if t.ndim >= 3]
    fixed = sum(t[0].numel() for t in features if t.ndim < 3)
    channels = sum(t.shape[1] for t in spatial)
    cells = max(1, (limit - fixed) // max(channels, 1))
    pooled = []
    for tensor in features:
        out = tensor
        if tensor.ndim == 3:
            out = F.adaptive_avg_pool1d(tensor, min(cells, tensor.shape[2]))
        elif tensor.ndim == 4:
            side = max(1, int(cells**0.5))
            out = F.adaptive_avg_pool2d(tensor, (min(side, tensor.shape[2]), min(side, tensor.shape[3])))
        elif tensor.ndim > 4:
            rows = tensor.reshape(*tensor.shape[:2], -1)
            out = F.adaptive_avg_pool1d(rows, min(cells, rows.shape[2]))
        pooled.append(out.reshape(len(out), -1))
    return torch.cat(pooled, dim=1)
