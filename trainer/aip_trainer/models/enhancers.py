"""Enhancement networks (image -> image) and the deployable wrapper (raw pixels in, enhanced pixels out).

The networks predict a residual: the enhanced image is the input plus the network's output. An
enhancer therefore starts as the identity (its last convolution is zero) and only has to learn the
correction, which trains far faster than re-synthesizing every pixel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.models.normalize import Normalize


def _conv_relu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    # No BatchNorm: restoration nets do better without it (batch statistics shift intensities, and
    # small CPU batches make them noisy).
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU(inplace=True))


class EnhanceUNet(nn.Module):
    """Normalized image [N,3,H,W] -> residual [N,3,H,W] in 0..1 units of the pixel range.

    A U-Net: each level halves the resolution (strided convolution) and ``depth`` convolutions deep;
    the decoder upsamples bilinearly (no checkerboard artefacts) and merges the skip connection.
    """

    def __init__(self, widths: tuple[int, ...], depth: int) -> None:
        super().__init__()
        ins = (3, *widths[:-1])
        self.encoders = nn.ModuleList(
            nn.Sequential(
                _conv_relu(cin, cout, 1 if i == 0 else 2), *(_conv_relu(cout, cout) for _ in range(depth - 1))
            )
            for i, (cin, cout) in enumerate(zip(ins, widths, strict=True))
        )
        self.decoders = nn.ModuleList(
            nn.Sequential(
                _conv_relu(widths[i + 1] + widths[i], widths[i]),
                *(_conv_relu(widths[i], widths[i]) for _ in range(depth - 1)),
            )
            for i in range(len(widths) - 1)
        )
        self.head = nn.Conv2d(widths[0], 3, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
        x = skips.pop()
        for decoder, skip in zip(reversed(self.decoders), reversed(skips), strict=True):
            # To the skip's size, not x2: odd sizes halve with rounding.
            up = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = decoder(torch.cat([up, skip], dim=1))
        return self.head(x)


def build_enhancer(arch: str) -> nn.Module:
    if arch == "unet_enhance_tiny":
        return EnhanceUNet((16, 32, 64), depth=2)
    if arch == "unet_enhance":
        return EnhanceUNet((32, 64, 128, 256), depth=3)
    raise ValueError(f"not an enhancement architecture: {arch}")


def enhance_unclamped(net: nn.Module, normalize: nn.Module, image: torch.Tensor) -> torch.Tensor:
    """The enhanced image in 0..1 units, not yet clamped: training's loss needs the gradient of
    pixels that overshoot, which a clamp would zero."""
    return image / 255 + net(normalize(image))


class EnhancerDeploy(nn.Module):
    """``image`` float32 [N,3,H,W] 0..255 RGB -> ``enhanced`` float32 [N,3,H,W] 0..255 RGB."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return enhance_unclamped(self.net, self.normalize, image).clamp(0.0, 1.0) * 255
