"""Enhancement (image -> image): paired data, paired augmentation, the loss, PSNR and SSIM.

Input and target are both stretched to the model's input size, so every comparison happens there.
SSIM follows Wang et al. 2004 as scikit-image computes it with ``gaussian_weights=True,
use_sample_covariance=False``: an 11-tap Gaussian window (sigma 1.5), K1 0.01, K2 0.03, per channel,
averaged over the pixels whose window lies inside the image.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from aip_trainer.augment import random_shift
from aip_trainer.images import ImageStore

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03
SSIM_LOSS_WEIGHT = 0.2
# Identical images have an infinite PSNR, which JSON cannot carry; 100 dB is beyond any 8-bit difference
# (one pixel off by one in a 64x64 image is already ~84 dB).
PSNR_CAP_DB = 100.0

EnhancementSample = tuple[torch.Tensor, torch.Tensor]


def target_store(inputs: ImageStore) -> ImageStore:
    """The target images paired with ``inputs``' entries, at the same size."""
    targets = []
    for entry in inputs.entries:
        # read_manifest gives every entry of an enhancement job its target.
        assert entry.target is not None
        assert entry.target_file is not None
        targets.append(dataclasses.replace(entry, path=entry.target, file=entry.target_file))
    return ImageStore(targets, inputs.size)


class EnhancementData(Dataset[EnhancementSample]):
    """(input uint8 [3,H,W], target uint8 [3,H,W]), both at the input size."""

    def __init__(self, inputs: ImageStore, targets: ImageStore) -> None:
        self.inputs = inputs
        self.targets = targets

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> EnhancementSample:
        return self.inputs[index], self.targets[index]


def collate_enhancement(batch: list[EnhancementSample]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.stack([item[0] for item in batch]), torch.stack([item[1] for item in batch])


def augment_pairs(
    inputs: torch.Tensor, targets: torch.Tensor, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same h-flip and shift for each input and its target. No colour jitter: changing the
    input's colours alone would change what the target asks of it."""
    both = torch.cat([inputs, targets], dim=1)
    flip = (torch.rand(both.shape[0], generator=gen) < 0.5).to(both.device).view(-1, 1, 1, 1)
    both = random_shift(torch.where(flip, both.flip(-1), both), gen)
    return both[:, :3], both[:, 3:]


def _gaussian_window(like: torch.Tensor) -> torch.Tensor:
    x = torch.arange(SSIM_WINDOW, dtype=like.dtype, device=like.device) - SSIM_WINDOW // 2
    window = torch.exp(-(x**2) / (2 * SSIM_SIGMA**2))
    return window / window.sum()


def ssim(images: torch.Tensor, targets: torch.Tensor, data_range: float) -> torch.Tensor:
    """Mean SSIM per image [N] of float [N,C,H,W] batches (differentiable; H, W >= 11).

    The window is applied without padding: scikit-image filters with reflected borders but then
    drops the window's radius from every side, which leaves exactly the same pixels.
    """
    channels = images.shape[1]
    window = _gaussian_window(images)
    stacked = torch.cat([images, targets, images * images, targets * targets, images * targets], dim=1)
    groups = stacked.shape[1]
    # Separable: a row pass, then a column pass.
    blurred = F.conv2d(stacked, window.view(1, 1, 1, -1).expand(groups, 1, 1, -1), groups=groups)
    blurred = F.conv2d(blurred, window.view(1, 1, -1, 1).expand(groups, 1, -1, 1), groups=groups)
    mean_x, mean_y, xx, yy, xy = blurred.split(channels, dim=1)
    var_x, var_y, cov = xx - mean_x**2, yy - mean_y**2, xy - mean_x * mean_y
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    score = ((2 * mean_x * mean_y + c1) * (2 * cov + c2)) / ((mean_x**2 + mean_y**2 + c1) * (var_x + var_y + c2))
    return score.mean(dim=(1, 2, 3))


def psnr(images: torch.Tensor, targets: torch.Tensor, data_range: float) -> torch.Tensor:
    """PSNR per image [N] in dB (mean squared error over all channels and pixels), capped at PSNR_CAP_DB."""
    mse = ((images - targets) ** 2).mean(dim=(1, 2, 3))
    floor = data_range**2 / 10 ** (PSNR_CAP_DB / 10)
    return 10 * torch.log10(data_range**2 / mse.clamp(min=floor))


def enhancement_loss(predicted: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """L1 plus 0.2 x (1 - SSIM) on 0..1 images: L1 gets the intensities right, SSIM rewards the
    local structure (edges, texture) that a per-pixel loss blurs away."""
    return F.l1_loss(predicted, targets) + SSIM_LOSS_WEIGHT * (1 - ssim(predicted, targets, 1.0).mean())


@dataclass
class QualitySums:
    """Sums of per-image PSNR and SSIM of the model's outputs and of the unprocessed inputs, each
    against the target, on 0..255 RGB."""

    psnr: float = 0.0
    ssim: float = 0.0
    input_psnr: float = 0.0
    input_ssim: float = 0.0
    images: int = 0

    def add(self, outputs: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        # float64: SSIM's variances are differences of squares of values up to 255.
        outputs, inputs, targets = outputs.double(), inputs.double(), targets.double()
        self.psnr += float(psnr(outputs, targets, 255.0).sum())
        self.ssim += float(ssim(outputs, targets, 255.0).sum())
        self.input_psnr += float(psnr(inputs, targets, 255.0).sum())
        self.input_ssim += float(ssim(inputs, targets, 255.0).sum())
        self.images += outputs.shape[0]

    def metrics(self) -> dict[str, Any]:
        n = max(self.images, 1)
        values = {"psnr": self.psnr, "ssim": self.ssim, "inputPsnr": self.input_psnr, "inputSsim": self.input_ssim}
        return {**{name: total / n for name, total in values.items()}, "testImages": self.images}
