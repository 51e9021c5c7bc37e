"""tiny_det: a small anchor-free detector (TTFNet-style CenterNet) on a stride-4 feature map.

Per class a centre heatmap (penalty-reduced focal loss on elliptical Gaussian targets) and per
location the distances to the four box sides (GIoU loss, spread over the Gaussian area around
each centre so that every object trains many locations: this is what makes it converge in
minutes on CPU). Decoding — 3x3 max-pool peak NMS, top-k, box assembly — is plain tensor code,
so it is part of the exported ONNX graph.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import generalized_box_iou_loss

from aip_trainer.models.normalize import Normalize

STRIDE = 4
TOP_K = 100
GAUSSIAN_ALPHA = 0.54  # heatmap Gaussian: sigma = alpha * box side / 6 (TTFNet)
BOX_SCALE = 16.0  # side distances = relu(raw) * BOX_SCALE pixels
BOX_LOSS_WEIGHT = 5.0


def _cbr(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class TinyDetNet(nn.Module):
    """Normalized image [N,3,H,W] -> (heatmap logits [N,C,H/4,W/4], side distances [N,4,H/4,W/4])."""

    def __init__(self, num_classes: int, width: int = 32) -> None:
        super().__init__()
        self.stage2 = nn.Sequential(_cbr(3, 16, 2), _cbr(16, 32, 2), _cbr(32, 32))  # stride 4
        self.stage3 = nn.Sequential(_cbr(32, 64, 2), _cbr(64, 64))  # stride 8
        self.stage4 = nn.Sequential(_cbr(64, 128, 2), _cbr(128, 128))  # stride 16
        self.lateral4 = nn.Conv2d(128, 64, 1)
        self.lateral3 = nn.Conv2d(64, 64, 1)
        self.lateral2 = nn.Conv2d(32, 64, 1)
        self.smooth3 = _cbr(64, 64)
        self.smooth2 = _cbr(64, width)
        self.box = nn.Sequential(_cbr(width, width), nn.Conv2d(width, 4, 1))
        heat_out = nn.Conv2d(width, num_classes, 1)
        nn.init.constant_(heat_out.bias, -math.log((1 - 0.1) / 0.1))  # start at p=0.1 (CenterNet)
        self.heat = nn.Sequential(_cbr(width, width), heat_out)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c2 = self.stage2(x)
        c3 = self.stage3(c2)
        c4 = self.stage4(c3)
        p3 = self.smooth3(self.lateral3(c3) + F.interpolate(self.lateral4(c4), scale_factor=2.0, mode="nearest"))
        p2 = self.smooth2(self.lateral2(c2) + F.interpolate(p3, scale_factor=2.0, mode="nearest"))
        return self.heat(p2), F.relu(self.box(p2)) * BOX_SCALE


def _grid(height: int, width: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel centres of the feature map's cells: (x [h*w], y [h*w])."""
    ys, xs = torch.meshgrid(
        torch.arange(height, device=device, dtype=torch.float32),
        torch.arange(width, device=device, dtype=torch.float32),
        indexing="ij",
    )
    return ((xs + 0.5) * STRIDE).reshape(-1), ((ys + 0.5) * STRIDE).reshape(-1)


def decode(
    heat_logits: torch.Tensor, sides: torch.Tensor, input_size: tuple[int, int], top_k: int = TOP_K
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One image's outputs -> boxes [K,4] normalized xyxy, scores [K], labels int64 [K]."""
    _, classes, height, width = heat_logits.shape
    heat = torch.sigmoid(heat_logits)
    peaks = F.max_pool2d(heat, 3, stride=1, padding=1)
    heat = heat * (peaks == heat).to(heat.dtype)
    scores, index = torch.topk(heat.reshape(-1), min(top_k, classes * height * width))
    labels = torch.div(index, height * width, rounding_mode="floor")
    cell = index - labels * (height * width)
    cx, cy = _grid(height, width, heat.device)
    dist = sides.reshape(4, height * width)[:, cell]  # [4, K]: left, top, right, bottom
    x, y = cx[cell], cy[cell]
    in_h, in_w = input_size
    boxes = torch.stack([(x - dist[0]) / in_w, (y - dist[1]) / in_h, (x + dist[2]) / in_w, (y + dist[3]) / in_h], dim=1)
    return boxes.clamp(0.0, 1.0), scores, labels.to(torch.int64)


class TinyDetDeploy(nn.Module):
    """``image`` float32 [1,3,H,W] 0..255 RGB -> (``boxes``, ``scores``, ``labels``)."""

    def __init__(self, net: TinyDetNet, input_size: tuple[int, int]) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net
        self.input_size = input_size

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        heat, sides = self.net(self.normalize(image))
        return decode(heat, sides, self.input_size)


def _targets(
    boxes: torch.Tensor, labels: torch.Tensor, classes: int, height: int, width: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One image's targets: heatmap [C,h*w], box per cell [h*w,4], regression weight [h*w]."""
    device = boxes.device
    heat = torch.zeros(classes, height * width, device=device)
    box_target = torch.zeros(height * width, 4, device=device)
    weight = torch.zeros(height * width, device=device)
    if boxes.numel() == 0:
        return heat, box_target, weight
    gx, gy = _grid(height, width, device)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    # Large objects first, so that where objects overlap the smaller one owns the regression.
    for i in torch.argsort(areas, descending=True).tolist():
        x1, y1, x2, y2 = boxes[i].tolist()
        # The centre cell is the cell holding the box centre; the Gaussian is centred on that
        # cell's pixel centre so that its peak value is exactly 1 (a positive of the focal loss).
        col = min(max(int((x1 + x2) / 2 / STRIDE), 0), width - 1)
        row = min(max(int((y1 + y2) / 2 / STRIDE), 0), height - 1)
        cx, cy = (col + 0.5) * STRIDE, (row + 0.5) * STRIDE
        sx = max(GAUSSIAN_ALPHA * (x2 - x1) / 6, STRIDE / 2)
        sy = max(GAUSSIAN_ALPHA * (y2 - y1) / 6, STRIDE / 2)
        g = torch.exp(-((gx - cx) ** 2) / (2 * sx**2) - (gy - cy) ** 2 / (2 * sy**2))
        label = int(labels[i])
        heat[label] = torch.maximum(heat[label], g)
        inside = (gx > x1) & (gx < x2) & (gy > y1) & (gy < y2) & (g > 0.05)
        inside[row * width + col] = True
        w = torch.where(inside, g, torch.zeros_like(g))
        w = w / w.sum() * math.log(max((x2 - x1) * (y2 - y1), 2.0))
        box_target[inside] = boxes[i]
        weight = torch.where(inside, w, weight)
    return heat, box_target, weight


def _focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, normalized by the number of centres."""
    pos = target.eq(1).to(logits.dtype)
    log_p = F.logsigmoid(logits)
    log_not_p = F.logsigmoid(-logits)
    p = log_p.exp()
    pos_loss = (log_p * (1 - p) ** 2 * pos).sum()
    neg_loss = (log_not_p * p**2 * (1 - target) ** 4 * (1 - pos)).sum()
    return -(pos_loss + neg_loss) / pos.sum().clamp(min=1.0)


def tiny_det_loss(
    heat_logits: torch.Tensor, sides: torch.Tensor, boxes: list[torch.Tensor], labels: list[torch.Tensor]
) -> torch.Tensor:
    batch, classes, height, width = heat_logits.shape
    targets = [_targets(b, lab, classes, height, width) for b, lab in zip(boxes, labels, strict=True)]
    heat_t = torch.stack([t[0] for t in targets]).reshape(batch, classes, height, width)
    box_t = torch.stack([t[1] for t in targets]).reshape(-1, 4)
    weight = torch.stack([t[2] for t in targets]).reshape(-1)
    heat_loss = _focal_loss(heat_logits, heat_t)
    keep = weight > 0
    if not bool(keep.any()):
        return heat_loss
    gx, gy = _grid(height, width, heat_logits.device)
    cx, cy = gx.repeat(batch)[keep], gy.repeat(batch)[keep]
    dist = sides.permute(0, 2, 3, 1).reshape(-1, 4)[keep]
    pred = torch.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], dim=1)
    giou = generalized_box_iou_loss(pred, box_t[keep], reduction="none")
    box_loss = (giou * weight[keep]).sum() / weight[keep].sum().clamp(min=1e-6)
    return heat_loss + BOX_LOSS_WEIGHT * box_loss
