"""torchvision's Faster R-CNN (MobileNetV3-Large 320 FPN), untrained, wrapped for the contract."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.detection import FasterRCNN, fasterrcnn_mobilenet_v3_large_320_fpn


def build_fasterrcnn(num_classes: int, input_size: tuple[int, int]) -> FasterRCNN:
    # weights=None everywhere: nothing can be downloaded; initWeights warm-starts instead.
    # min/max size = the input size, so the internal resize keeps the caller's stretched image.
    return fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None,
        weights_backbone=None,
        num_classes=num_classes + 1,  # + background (index 0)
        min_size=min(input_size),
        max_size=max(input_size),
    )


def fasterrcnn_loss(
    model: FasterRCNN, images: torch.Tensor, boxes: list[torch.Tensor], labels: list[torch.Tensor]
) -> torch.Tensor:
    """Training loss; ``images`` float 0..255 [N,3,H,W], boxes in input pixels, labels 0-based."""
    targets = [{"boxes": b, "labels": lab + 1} for b, lab in zip(boxes, labels, strict=True)]
    losses: dict[str, torch.Tensor] = model(list(images / 255.0), targets)
    return torch.stack(list(losses.values())).sum()


class FasterRCNNDeploy(nn.Module):
    """``image`` float32 [1,3,H,W] 0..255 RGB -> (``boxes`` normalized, ``scores``, ``labels``).

    torchvision's transform normalizes with the model's own mean/std inside the graph.
    """

    def __init__(self, model: FasterRCNN, input_size: tuple[int, int]) -> None:
        super().__init__()
        self.model = model
        height, width = input_size
        self.register_buffer("scale", torch.tensor([width, height, width, height], dtype=torch.float32))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = self.model([image[0] / 255.0])[0]
        boxes = (out["boxes"] / self.scale).clamp(0.0, 1.0)
        return boxes, out["scores"], out["labels"] - 1
