"""Text detection networks (DBNet, Liao et al. 2020), their loss and the deployable wrapper.

A backbone's features at strides 4, 8, 16 and 32 are merged top-down (FPN) into one stride-4 map;
two heads upsample it x4 to the input size: the probability map P (the shrunk text regions) and,
for training only, the threshold map T. Training fits P, T and the differentiable binarization
B = 1 / (1 + exp(-k (P - T))); only P is exported.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import models

from aip_trainer.models.normalize import Normalize

AMPLIFICATION = 50.0  # DBNet's k
NEGATIVE_RATIO = 3  # hard negatives per positive pixel in P's loss
# An image (batch) without text still teaches "no text here" on this many of its hardest pixels.
MIN_NEGATIVES = 256
THRESHOLD_WEIGHT = 10.0
PRIOR_LOGIT = -2.0


def _cbr(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class TinyBackbone(nn.Module):
    """Strides 4, 8, 16, 32 with 24, 48, 64, 96 channels (two convolutions per level, the first one
    strided): small enough to learn from scratch on a CPU in minutes."""

    channels = (24, 48, 64, 96)

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(_cbr(3, 16, stride=2), _cbr(16, 16))
        widths = (16, *self.channels)
        self.stages = nn.ModuleList(
            nn.Sequential(_cbr(cin, cout, stride=2), _cbr(cout, cout)) for cin, cout in itertools.pairwise(widths)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.stem(x)
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


class MobileNetV3Backbone(nn.Module):
    """torchvision's MobileNetV3-Large features (weights=None: nothing is downloaded), cut after the
    last block of each stride."""

    channels = (24, 40, 112, 960)
    STAGE_ENDS = (4, 7, 13, 17)

    def __init__(self) -> None:
        super().__init__()
        features = models.mobilenet_v3_large(weights=None).features
        # torchvision's BatchNorm momentum of 0.01 suits long ImageNet runs; over a few hundred steps
        # from scratch the running statistics lag the weights so far that the eval-mode model finds
        # little text (6 epochs on the tests' words at 128 px: test hmean 0.15, though the training
        # loss was as low as tiny_dbnet's). PyTorch's default, 0.1, keeps up: 0.93.
        for module in features.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.momentum = 0.1
        starts = (0, *self.STAGE_ENDS[:-1])
        self.stages = nn.ModuleList(features[a:b] for a, b in zip(starts, self.STAGE_ENDS, strict=True))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


class FPN(nn.Module):
    """Features at strides 4-32 -> one stride-4 map of ``inner`` channels (a quarter from each level)."""

    def __init__(self, channels: tuple[int, ...], inner: int) -> None:
        super().__init__()
        self.laterals = nn.ModuleList(nn.Conv2d(c, inner, 1, bias=False) for c in channels)
        self.smooth = nn.ModuleList(_cbr(inner, inner // len(channels)) for _ in channels)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        merged = [self.laterals[-1](features[-1])]
        for lateral, feature in zip(reversed(self.laterals[:-1]), reversed(features[:-1]), strict=True):
            top = F.interpolate(merged[0], size=feature.shape[-2:], mode="nearest")
            merged.insert(0, lateral(feature) + top)
        size = merged[0].shape[-2:]
        return torch.cat(
            [
                F.interpolate(smooth(m), size=size, mode="nearest")
                for smooth, m in zip(self.smooth, merged, strict=True)
            ],
            dim=1,
        )


def _head(channels: int) -> nn.Sequential:
    """Stride-4 map -> one logit per input pixel (two x2 transposed convolutions)."""
    mid = channels // 4
    return nn.Sequential(
        _cbr(channels, mid),
        nn.ConvTranspose2d(mid, mid, 2, stride=2, bias=False),
        nn.BatchNorm2d(mid),
        nn.ReLU(inplace=True),
        nn.ConvTranspose2d(mid, 1, 2, stride=2),
    )


class DBNet(nn.Module):
    """Normalized image [N,3,H,W] (H, W multiples of 32) -> (P logits, T logits), each [N,1,H,W]."""

    def __init__(self, backbone: TinyBackbone | MobileNetV3Backbone, inner: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.neck = FPN(backbone.channels, inner)
        self.prob_head = _head(inner)
        self.threshold_head = _head(inner)
        # Most pixels are background: P starts near 0.12, not 0.5, so that the first epochs do not go
        # into pushing the whole map down (tiny_dbnet, 6 epochs on the tests' words: test hmean 0.93
        # instead of 0.89).
        nn.init.constant_(self.prob_head[-1].bias, PRIOR_LOGIT)

    def probability_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.prob_head(self.neck(self.backbone(x)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        merged = self.neck(self.backbone(x))
        return self.prob_head(merged), self.threshold_head(merged)


def build_dbnet(arch: str) -> DBNet:
    if arch == "tiny_dbnet":
        return DBNet(TinyBackbone(), inner=64)
    if arch == "dbnet_mobilenet_v3_large":
        return DBNet(MobileNetV3Backbone(), inner=128)
    raise ValueError(f"not a text detection architecture: {arch}")


def db_loss(prob_logits: torch.Tensor, threshold_logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """BCE(P) on the positives and the 3x as many hardest negatives + 10 x L1(T) where the threshold
    mask is set + Dice(B); ``targets`` [N,3,H,W] as text_detection_targets draws them."""
    shrunk, threshold, threshold_mask = targets[:, 0], targets[:, 1], targets[:, 2]
    logits = prob_logits[:, 0]
    bce = F.binary_cross_entropy_with_logits(logits, shrunk, reduction="none")
    positive = shrunk > 0.5
    positives = int(positive.sum())
    negative_losses = bce[~positive]
    negatives = min(negative_losses.numel(), max(NEGATIVE_RATIO * positives, MIN_NEGATIVES))
    hardest = negative_losses.topk(negatives).values if negatives > 0 else negative_losses[:0]
    prob_loss = (bce[positive].sum() + hardest.sum()) / max(positives + negatives, 1)

    t = torch.sigmoid(threshold_logits[:, 0])
    threshold_loss = ((t - threshold).abs() * threshold_mask).sum() / (threshold_mask.sum() + 1e-6)

    binary = torch.sigmoid(AMPLIFICATION * (torch.sigmoid(logits) - t))
    dice = 1 - (2 * (binary * shrunk).sum() + 1) / (binary.sum() + shrunk.sum() + 1)
    return prob_loss + THRESHOLD_WEIGHT * threshold_loss + dice


class DBNetDeploy(nn.Module):
    """``image`` float32 [1,3,H,W] 0..255 RGB -> ``prob`` float32 [1,H,W] in 0..1."""

    def __init__(self, net: DBNet) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net.probability_logits(self.normalize(image)))[:, 0]
