"""What a refinery algorithm receives and returns.

The job plumbing (``job.py``) loads the teachers and the data, builds the context and writes the
outputs; an algorithm module exposes ``run(ctx: RefineryContext) -> RefineryResult`` and knows
nothing about files or the job spec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import torch
from torch import nn

# The tasks a teacher or a refinery student can have. ``depth`` and ``multi_task`` exist only in
# the refinery (the flowchart tasks have no depth).
RefineryTask = Literal["classification", "segmentation", "depth", "multi_task"]


@dataclass(frozen=True)
class InputSpec:
    """How a model wants its input; the platform always feeds raw 0..255 RGB and converts."""

    size: tuple[int, int]  # (H, W)
    color_space: Literal["RGB", "BGR"] = "RGB"
    value_range: tuple[float, float] = (0.0, 255.0)
    # In units of ``value_range`` (after scaling), per channel of ``color_space``; None = none.
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None


class Teacher(Protocol):
    """A frozen model. ``__call__`` takes raw 0..255 RGB float [N,3,H,W] at ``input.size`` and returns
    the raw outputs: logits [N,C] (classification), logits [N,C,H,W] (segmentation), depth [N,1,H,W]."""

    task: RefineryTask
    classes: list[str]
    input: InputSpec
    # The registry architecture, or None for TorchScript/ONNX teachers.
    arch: str | None

    def __call__(self, images: torch.Tensor) -> torch.Tensor: ...

    def network(self) -> nn.Module | None:
        """The PyTorch network (takes the teacher's normalized input) when there is one, for
        algorithms that need intermediate features (layer-wise amalgamation, common feature
        learning); None for ONNX teachers."""
        ...

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """Raw 0..255 RGB -> what ``network()`` takes."""
        ...


@dataclass(frozen=True)
class Batch:
    images: torch.Tensor  # raw 0..255 RGB float [N,3,H,W] at the student's input size, on ctx.device
    # Class indices into ``RefineryContext.classes`` where the dataset carries labels, else None.
    labels: torch.Tensor | None = None


@dataclass
class RefineryContext:
    teachers: list[Teacher]
    # The student's classes (the union of the teachers' for amalgamation), in output order.
    classes: list[str]
    input_size: tuple[int, int]
    # Re-iterable; each iteration is one epoch (train shuffled with a seeded generator).
    train: Iterable[Batch]
    val: Iterable[Batch]
    params: dict[str, Any]  # the algorithm's parameters (spec "params"), defaults already applied
    device: torch.device
    seed: int
    # Student architecture from the registry (None for pruning: the student is the teacher, pruned).
    student_arch: str | None
    # Called after every epoch: (epoch, epochs, {"loss": ..., "val_...": ...}); also what the job's
    # progress and curves show.
    on_epoch: Callable[[int, int, dict[str, float]], None]
    # Called with free text for the log.
    log: Callable[[str], None]
    # Where an algorithm may keep a checkpoint to resume from after a restart.
    work_dir: Any = None


@dataclass
class RefineryResult:
    # The trained student network (takes normalized input, as registry networks do).
    network: nn.Module
    arch: str
    task: RefineryTask
    classes: list[str]
    input_size: tuple[int, int]
    # Extra fields for model.pt (e.g. torch-pruning's structure so a pruned model reloads).
    extra: dict[str, Any] = field(default_factory=dict)
    # Algorithm-specific figures for metrics.json (before/after params, chosen branch points, …).
    metrics: dict[str, Any] = field(default_factory=dict)
