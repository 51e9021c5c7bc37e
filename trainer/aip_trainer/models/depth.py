"""Depth estimation networks (one channel of depth at the input size) and the deployable wrapper
(raw pixels in, depth out). Depth exists only in the refinery: a depth student learns from a depth
teacher (distillation, task branching), so its units are whatever the teacher's are."""

from __future__ import annotations

import torch
from torch import nn

from aip_trainer.models.normalize import Normalize
from aip_trainer.models.segmenters import TinyUNet

DEPTH_ARCHS = ("tiny_unet_depth",)


def build_depth(arch: str) -> nn.Module:
    """Normalized image [N,3,H,W] -> depth [N,1,H,W]. The head is linear (no ReLU or sigmoid): a
    teacher's depth may be metric, inverse or shifted, and a bounded output would clip it."""
    if arch == "tiny_unet_depth":
        # The segmenter's U-Net with one output channel: the same receptive field serves "which
        # object is this pixel on", which is most of what a per-object depth needs.
        return TinyUNet(1)
    raise ValueError(f"not a depth architecture: {arch}")


class DepthDeploy(nn.Module):
    """``image`` float32 [N,3,H,W] 0..255 RGB -> ``depth`` float32 [N,1,H,W]."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.net(self.normalize(image))
