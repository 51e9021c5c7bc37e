"""``branch_unet_tiny``: one encoder-decoder for several dense tasks (segmentation, depth) whose
per-task branch points are configurable, and its deployable wrapper (one named output per task).

The encoder is always shared. Decoder block ``i`` (0 = the deepest) is shared by every task whose
branch point is above ``i``; a task with branch point ``b`` leaves that trunk after block ``b - 1``
and has its own copies of blocks ``b..D-1`` and its own 1x1 head. ``b = D`` for every task is the
single-branch network (everything shared but the heads); ``b = 0`` shares only the encoder. Since
the tasks sharing block ``i`` are exactly those with ``b > i``, a nested set, any assignment of
branch points is a tree with one trunk, which is all the structures the branch search can choose.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.models.normalize import Normalize

BRANCH_ARCHS = ("branch_unet_tiny",)
# Four levels (strides 1..8): the two-task student carries its task-specific decoder copies on top,
# so it is kept a bit smaller than tiny_unet.
BRANCH_WIDTHS = (8, 16, 32, 64)

HeadKind = Literal["segmentation", "depth"]


@dataclass(frozen=True)
class Head:
    """One task of the student: ``segmentation`` with ``outputs`` logits (background + classes) or
    ``depth`` with one channel."""

    kind: HeadKind
    outputs: int


def _cbr(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def decoder_depth(widths: Sequence[int] = BRANCH_WIDTHS) -> int:
    """D: the number of decoder blocks, so branch points run 0..D."""
    return len(widths) - 1


class BranchUNet(nn.Module):
    """Normalized image [N,3,H,W] -> a list of per-head outputs [N,C_t,H,W] (segmentation logits or
    depth), in ``heads`` order."""

    def __init__(
        self, heads: Sequence[Head], branch_points: Sequence[int], widths: Sequence[int] = BRANCH_WIDTHS
    ) -> None:
        super().__init__()
        depth = decoder_depth(widths)
        if len(heads) != len(branch_points) or not heads:
            raise ValueError("one branch point per head, at least one head")
        if any(not 0 <= b <= depth for b in branch_points):
            raise ValueError(f"branch points must be within 0..{depth}: {list(branch_points)}")
        self.heads_spec = [Head(h.kind, h.outputs) for h in heads]
        self.branch_points = [int(b) for b in branch_points]
        self.widths = tuple(widths)
        self.encoders = nn.ModuleList([nn.Sequential(_cbr(3, widths[0]), _cbr(widths[0], widths[0]))])
        self.encoders.extend(
            nn.Sequential(nn.MaxPool2d(2), _cbr(cin, cout), _cbr(cout, cout))
            for cin, cout in itertools.pairwise(widths)
        )
        # Block i upsamples from widths[D-i] and merges the skip of widths[D-1-i].
        shapes = [(widths[depth - i] + widths[depth - 1 - i], widths[depth - 1 - i]) for i in range(depth)]
        self.trunk = nn.ModuleList(_cbr(cin, cout) for cin, cout in shapes[: max(self.branch_points)])
        self.branches = nn.ModuleList(
            nn.ModuleList(_cbr(cin, cout) for cin, cout in shapes[b:]) for b in self.branch_points
        )
        self.heads = nn.ModuleList(nn.Conv2d(widths[0], h.outputs, 1) for h in self.heads_spec)

    @staticmethod
    def _block(block: nn.Module, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        # To the skip's size, not x2: odd sizes halve with rounding.
        return block(torch.cat([F.interpolate(x, size=skip.shape[-2:], mode="nearest"), skip], dim=1))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
        decoder_skips = list(reversed(skips[:-1]))  # the skip each decoder block merges, deepest first
        # trunk_out[i]: the trunk's state before block i (0 = the bottleneck).
        trunk_out = [skips[-1]]
        for i, block in enumerate(self.trunk):
            trunk_out.append(self._block(block, trunk_out[-1], decoder_skips[i]))
        outputs = []
        for b, branch, head in zip(self.branch_points, self.branches, self.heads, strict=True):
            y = trunk_out[b]
            for j, block in enumerate(branch):
                y = self._block(block, y, decoder_skips[b + j])
            outputs.append(head(y))
        return outputs


def build_branching(
    arch: str, heads: Sequence[Head], branch_points: Sequence[int], width_scale: float = 1.0
) -> BranchUNet:
    """``width_scale`` widens every level (rounded to whole channels): how the single-branch
    comparison gets at least the branched student's parameter count."""
    if arch != "branch_unet_tiny":
        raise ValueError(f"not a multi-task architecture: {arch}")
    widths = tuple(max(1, round(w * width_scale)) for w in BRANCH_WIDTHS)
    return BranchUNet(heads, branch_points, widths)


def output_names(heads: Sequence[Head]) -> list[str]:
    """One ONNX output per head: ``mask`` for segmentation, ``depth`` for depth; where two heads
    share a kind they are numbered in head order from 1 (``mask_1``, ``mask_2``)."""
    base = {"segmentation": "mask", "depth": "depth"}
    kinds = [h.kind for h in heads]
    names = []
    for i, kind in enumerate(kinds):
        names.append(base[kind] if kinds.count(kind) == 1 else f"{base[kind]}_{kinds[: i + 1].count(kind)}")
    return names


class BranchDeploy(nn.Module):
    """``image`` float32 [N,3,H,W] 0..255 RGB -> per head, in order: ``mask`` int64 [N,H,W] (argmax;
    0 background, k = class k-1) for segmentation, ``depth`` float32 [N,1,H,W] for depth."""

    def __init__(self, net: BranchUNet) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net
        self.kinds = [h.kind for h in net.heads_spec]

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = self.net(self.normalize(image))
        return tuple(o.argmax(dim=1) if k == "segmentation" else o for k, o in zip(self.kinds, outputs, strict=True))


def heads_from_json(heads: Sequence[dict[str, object]]) -> list[Head]:
    """The heads as model.pt's ``extra["heads"]`` stores them (``{"kind", "outputs", …}``)."""
    out = []
    for h in heads:
        kind, outputs = h["kind"], h["outputs"]
        if kind not in ("segmentation", "depth") or not isinstance(outputs, int):
            raise ValueError(f"not a branch head: {h}")
        out.append(Head(kind, outputs))  # type: ignore[arg-type]
    return out


def build_from_extra(arch: str, extra: dict[str, object]) -> BranchUNet:
    """Rebuilds the network a task-branching run produced from model.pt's ``extra`` (its heads and
    branch points), ready for its state_dict."""
    heads = extra.get("heads")
    points = extra.get("branchPoints")
    if not isinstance(heads, list) or not isinstance(points, list):
        raise ValueError("a branch_unet_tiny model needs its heads and branch points")
    return build_branching(arch, heads_from_json(heads), [int(b) for b in points])
