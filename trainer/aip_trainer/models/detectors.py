"""torchvision's detectors (untrained), all trained and wrapped for the contract the same way.

Each keeps torchvision's own transform (normalization, resize, padding) and post-processing
(decoding, NMS) inside the exported graph; only the class numbering and the input statistics differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torchvision.models.detection import (
    fasterrcnn_mobilenet_v3_large_320_fpn,
    fcos_resnet50_fpn,
    retinanet_resnet50_fpn_v2,
    ssdlite320_mobilenet_v3_large,
)
from torchvision.models.detection.transform import GeneralizedRCNNTransform

from aip_trainer.models.normalize import IMAGENET_MEAN, IMAGENET_STD


@dataclass(frozen=True)
class TorchvisionDetector:
    builder: Callable[..., nn.Module]
    # Faster R-CNN and SSD reserve class 0 for the background (a softmax over C+1); RetinaNet and
    # FCOS score each class on its own (sigmoid) and use 0..C-1 as they are.
    background: bool
    # In 0..255 pixel units, as model.json reports them.
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD

    @property
    def label_offset(self) -> int:
        return 1 if self.background else 0

    def build(self, num_classes: int, input_size: tuple[int, int]) -> nn.Module:
        # weights=None everywhere: nothing can be downloaded; initWeights warm-starts instead.
        model = self.builder(weights=None, weights_backbone=None, num_classes=num_classes + self.label_offset)
        # min/max size = the input size, so the internal resize keeps the caller's stretched image
        # (SSD's builder fixes 320x320 and takes no size, hence a new transform rather than
        # arguments); the padding multiple stays the model's own.
        model.transform = GeneralizedRCNNTransform(
            min(input_size),
            max(input_size),
            [m / 255 for m in self.mean],
            [s / 255 for s in self.std],
            size_divisible=model.transform.size_divisible,
        )
        return model

    def loss(
        self, model: nn.Module, images: torch.Tensor, boxes: list[torch.Tensor], labels: list[torch.Tensor]
    ) -> torch.Tensor:
        """Training loss; ``images`` float 0..255 [N,3,H,W], boxes in input pixels, labels 0-based."""
        targets = [{"boxes": b, "labels": lab + self.label_offset} for b, lab in zip(boxes, labels, strict=True)]
        losses: dict[str, torch.Tensor] = model(list(images / 255.0), targets)
        return torch.stack(list(losses.values())).sum()

    def deploy(self, model: nn.Module, input_size: tuple[int, int]) -> nn.Module:
        return TorchvisionDetectorDeploy(model, input_size, self.label_offset)


TORCHVISION_DETECTORS: dict[str, TorchvisionDetector] = {
    "fasterrcnn_mobilenet_v3_large_320_fpn": TorchvisionDetector(
        fasterrcnn_mobilenet_v3_large_320_fpn, background=True
    ),
    "retinanet_resnet50_fpn_v2": TorchvisionDetector(retinanet_resnet50_fpn_v2, background=False),
    "fcos_resnet50_fpn": TorchvisionDetector(fcos_resnet50_fpn, background=False),
    # SSDlite's MobileNet backbone is trained on -1..1 inputs in torchvision.
    "ssdlite320_mobilenet_v3_large": TorchvisionDetector(
        ssdlite320_mobilenet_v3_large, background=True, mean=(127.5, 127.5, 127.5), std=(127.5, 127.5, 127.5)
    ),
}


class TorchvisionDetectorDeploy(nn.Module):
    """``image`` float32 [1,3,H,W] 0..255 RGB -> (``boxes`` normalized, ``scores``, ``labels`` 0-based)."""

    scale: torch.Tensor

    def __init__(self, model: nn.Module, input_size: tuple[int, int], label_offset: int) -> None:
        super().__init__()
        self.model = model
        self.label_offset = label_offset
        height, width = input_size
        self.register_buffer("scale", torch.tensor([width, height, width, height], dtype=torch.float32))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out: dict[str, Any] = self.model([image[0] / 255.0])[0]
        boxes = (out["boxes"] / self.scale).clamp(0.0, 1.0)
        return boxes, out["scores"], out["labels"] - self.label_offset
