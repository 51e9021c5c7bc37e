"""Light, label-safe augmentation on float batches (0..255): colour jitter, small shifts, h-flips
(detection boxes and segmentation masks flip with their images), turns and zooms (per-pixel target
maps turn with their images)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(n: int, low: float, high: float, gen: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    return (torch.rand(n, generator=gen) * (high - low) + low).to(like.device).view(n, 1, 1, 1)


def color_jitter(images: torch.Tensor, gen: torch.Generator, strength: float = 0.1) -> torch.Tensor:
    """Per-image brightness and contrast factors in [1 - strength, 1 + strength]."""
    n = images.shape[0]
    brightness = _uniform(n, 1 - strength, 1 + strength, gen, images)
    contrast = _uniform(n, 1 - strength, 1 + strength, gen, images)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (((images - mean) * contrast + mean) * brightness).clamp(0.0, 255.0)


def random_shift(images: torch.Tensor, gen: torch.Generator, max_fraction: float = 0.06) -> torch.Tensor:
    """Moves each image by up to ``max_fraction`` of its size, repeating the border pixels."""
    n, _, height, width = images.shape
    pad_y, pad_x = round(height * max_fraction), round(width * max_fraction)
    if pad_x == 0 and pad_y == 0:
        return images
    padded = F.pad(images, (pad_x, pad_x, pad_y, pad_y), mode="replicate")
    dx = torch.randint(0, 2 * pad_x + 1, (n,), generator=gen).tolist()
    dy = torch.randint(0, 2 * pad_y + 1, (n,), generator=gen).tolist()
    return torch.stack([padded[i, :, dy[i] : dy[i] + height, dx[i] : dx[i] + width] for i in range(n)])


def hflip_detection(
    images: torch.Tensor, boxes: list[torch.Tensor], gen: torch.Generator
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Mirrors half of the images left-right, boxes with them."""
    width = images.shape[-1]
    flip = (torch.rand(images.shape[0], generator=gen) < 0.5).tolist()
    out_images = images.clone()
    out_boxes = []
    for i, box in enumerate(boxes):
        if flip[i]:
            out_images[i] = images[i].flip(-1)
            out_boxes.append(torch.stack([width - box[:, 2], box[:, 1], width - box[:, 0], box[:, 3]], dim=1))
        else:
            out_boxes.append(box)
    return out_images, out_boxes


def hflip_segmentation(
    images: torch.Tensor, masks: torch.Tensor, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mirrors half of the images left-right, masks [N,H,W] with them."""
    flip = (torch.rand(images.shape[0], generator=gen) < 0.5).to(images.device).view(-1, 1, 1)
    return torch.where(flip[:, None], images.flip(-1), images), torch.where(flip, masks.flip(-1), masks)


def random_turn_and_zoom(
    images: torch.Tensor, maps: torch.Tensor, gen: torch.Generator, max_degrees: float, zoom: tuple[float, float]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turns each image by up to ±``max_degrees``, zooms it by a factor in ``zoom`` and shifts it by
    up to a tenth of its size, ``maps`` [N,C,H,W] (per-pixel targets) with it; bilinear, 0 outside
    the source. Maps of 0/1 come out blurred along their edges: the caller binarizes them."""
    n, _, height, width = images.shape
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(max_degrees)
    factor = torch.empty(n).uniform_(zoom[0], zoom[1], generator=gen)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.2
    cos, sin = torch.cos(angle) / factor, torch.sin(angle) / factor
    # Output pixel -> source pixel, in grid_sample's -1..1 coordinates along each side.
    theta = torch.stack(
        [
            torch.stack([cos, -sin * height / width, shift[:, 0]], dim=1),
            torch.stack([sin * width / height, cos, shift[:, 1]], dim=1),
        ],
        dim=1,
    ).to(images.device, images.dtype)
    grid = F.affine_grid(theta, [n, 1, height, width], align_corners=False)

    def warp(x: torch.Tensor) -> torch.Tensor:
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    return warp(images), warp(maps)
