"""Where the amalgamation algorithms read a network's intermediate features.

Layer-wise amalgamation aligns a student and its same-arch teachers at a few "layers": the ends of
each arch's resolution stages (forward hooks by module name). Common feature learning uses each
network's penultimate feature: the input of its last ``nn.Linear`` (the classifier), which is what
every registry classification arch ends in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.refinery.contract import Teacher

# Module names whose outputs are the aligned layers, shallow to deep: the end of each stage (one
# per resolution, where a stage has several blocks), so the student learns every teacher's
# features at each scale.
FEATURE_LAYERS: dict[str, list[str]] = {
    # features: conv16, pool, conv32, conv32, pool, conv64, conv64, pool, conv128, maxpool, flatten
    "tiny_cnn": ["features.0", "features.3", "features.6", "features.8"],
    "resnet18": ["layer1", "layer2", "layer3", "layer4"],
    "resnet50": ["layer1", "layer2", "layer3", "layer4"],
    # features.0 is the stem; 1 (stride 4), 2-3 (8), 4-8 (16), 9-11 (32), 12 the 1x1 expansion.
    "mobilenet_v3_small": ["features.1", "features.3", "features.8", "features.11"],
    # features.1..7 are the MBConv stages; 2 ends stride 4, 3 stride 8, 5 stride 16, 7 stride 32.
    "efficientnet_b0": ["features.2", "features.3", "features.5", "features.7"],
}


def feature_layers(arch: str) -> list[str]:
    if arch not in FEATURE_LAYERS:
        raise UserError(f"layer-wise amalgamation does not know the layers of {arch}")
    return list(FEATURE_LAYERS[arch])


@contextmanager
def capture_outputs(net: nn.Module, names: Sequence[str]) -> Iterator[dict[str, torch.Tensor]]:
    """Within the block, each forward pass of ``net`` fills the yielded dict with the outputs of the
    named modules (overwritten per pass)."""
    modules = dict(net.named_modules())
    missing = [n for n in names if n not in modules]
    if missing:
        raise UserError(f"the network has no modules named {missing}")
    captured: dict[str, torch.Tensor] = {}
    handles = []
    for name in names:

        def hook(_module: nn.Module, _inputs: object, output: torch.Tensor, name: str = name) -> None:
            captured[name] = output

        handles.append(modules[name].register_forward_hook(hook))
    try:
        yield captured
    finally:
        for handle in handles:
            handle.remove()


def classifier_layer(net: nn.Module) -> nn.Linear:
    """The last ``nn.Linear`` in registration order: the classifier of every registry
    classification arch (tiny_cnn's ``classifier.1``, resnet's ``fc``, mobilenet's and
    efficientnet's ``classifier``'s last)."""
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise UserError("the network has no linear classifier to take its penultimate feature from")
    return linears[-1]


@contextmanager
def capture_penultimate(net: nn.Module) -> Iterator[dict[str, torch.Tensor]]:
    """Within the block, each forward pass of ``net`` stores the classifier's input [N,D] under
    ``"feature"``."""
    captured: dict[str, torch.Tensor] = {}

    def hook(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        captured["feature"] = inputs[0]

    handle = classifier_layer(net).register_forward_pre_hook(hook)
    try:
        yield captured
    finally:
        handle.remove()


def for_teacher(images: torch.Tensor, teacher: Teacher) -> torch.Tensor:
    """Raw images at the student's size -> raw images at the teacher's input size."""
    size = tuple(teacher.input.size)
    if tuple(images.shape[-2:]) == size:
        return images
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False)


def teacher_network(teacher: Teacher, algorithm: str) -> nn.Module:
    net = teacher.network()
    if net is None:
        raise UserError(f"{algorithm} needs PyTorch teachers (their intermediate features); an ONNX teacher has none")
    return net.eval()
