"""Classification networks (logits out) and the deployable wrapper (raw pixels in, softmax out)."""

from __future__ import annotations

import torch
from torch import nn
from torchvision import models

from aip_trainer.models.normalize import Normalize


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class TinyCNN(nn.Module):
    """A small VGG-style CNN for small crops (64x64 by default); ~0.15M parameters."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            _conv(3, 16),
            nn.MaxPool2d(2),
            _conv(16, 32),
            _conv(32, 32),
            nn.MaxPool2d(2),
            _conv(32, 64),
            _conv(64, 64),
            nn.MaxPool2d(2),
            _conv(64, 128),
            # Max, not average: "is there a corner anywhere" is the kind of evidence small crops
            # carry; with average pooling the same net learns shapes several times slower.
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.1), nn.Linear(128, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def build_classifier(arch: str, num_classes: int) -> nn.Module:
    if arch == "tiny_cnn":
        return TinyCNN(num_classes)
    if arch == "resnet18":
        return models.resnet18(weights=None, num_classes=num_classes)
    if arch == "mobilenet_v3_small":
        return models.mobilenet_v3_small(weights=None, num_classes=num_classes)
    if arch == "efficientnet_b0":
        return models.efficientnet_b0(weights=None, num_classes=num_classes)
    if arch == "resnet50":
        return models.resnet50(weights=None, num_classes=num_classes)
    raise ValueError(f"not a classification architecture: {arch}")


class ClassifierDeploy(nn.Module):
    """``image`` float32 [N,3,H,W] 0..255 RGB -> ``probs`` [N,C]."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(self.normalize(image)), dim=1)
