"""Figures of a refined model: agreement with its teachers, accuracy on labels, parameters, FLOPs
(multiply-accumulates) and CPU latency."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class Agreement:
    """Accumulates how a student's outputs compare with a teacher's over batches.

    classification: top-1 agreement (and accuracy where labels exist); segmentation: mIoU of the
    student's argmax against the teacher's (classes absent from both are skipped); depth: mean
    absolute error and mean abs-rel against the teacher's depth.
    """

    task: str
    count: int = 0
    agree: int = 0
    correct: int = 0
    labeled: int = 0
    abs_error: float = 0.0
    abs_rel: float = 0.0
    pixels: int = 0
    intersection: dict[int, int] = field(default_factory=dict)
    union: dict[int, int] = field(default_factory=dict)

    def add(self, student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor | None = None) -> None:
        """``student``/``teacher``: classification [N,C] scores, segmentation [N,C,H,W] scores or
        [N,H,W] class maps, depth [N,1,H,W]."""
        if self.task == "classification":
            predicted = student.argmax(1)
            self.count += len(predicted)
            self.agree += int((predicted == teacher.argmax(1)).sum())
            if labels is not None:
                self.labeled += len(labels)
                self.correct += int((predicted == labels).sum())
        elif self.task == "segmentation":
            mine = student.argmax(1) if student.ndim == 4 else student
            theirs = teacher.argmax(1) if teacher.ndim == 4 else teacher
            self.count += len(mine)
            for cls in torch.unique(torch.cat([mine.unique(), theirs.unique()])).tolist():
                a, b = mine == cls, theirs == cls
                self.intersection[cls] = self.intersection.get(cls, 0) + int((a & b).sum())
                self.union[cls] = self.union.get(cls, 0) + int((a | b).sum())
            self.agree += int((mine == theirs).sum())
            self.pixels += mine.numel()
        else:
            self.count += len(student)
            difference = (student.float() - teacher.float()).abs()
            self.abs_error += float(difference.sum())
            self.abs_rel += float((difference / teacher.float().abs().clamp(min=1e-6)).sum())
            self.pixels += difference.numel()

    @property
    def score(self) -> float:
        """Higher is better: agreement, mIoU, or minus the mean absolute error."""
        figures = self.figures()
        if self.task == "classification":
            return figures["agreement"]
        if self.task == "segmentation":
            return figures["miou"]
        return -figures["mae"]

    def figures(self) -> dict[str, float]:
        if self.task == "classification":
            out = {"agreement": self.agree / max(self.count, 1)}
            if self.labeled:
                out["accuracy"] = self.correct / self.labeled
            return out
        if self.task == "segmentation":
            ious = [self.intersection[c] / self.union[c] for c in self.union if self.union[c] > 0]
            return {"miou": sum(ious) / max(len(ious), 1), "pixelAgreement": self.agree / max(self.pixels, 1)}
        return {"mae": self.abs_error / max(self.pixels, 1), "absRel": self.abs_rel / max(self.pixels, 1)}


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def count_macs(net: nn.Module, size: tuple[int, int]) -> int:
    """Multiply-accumulates of one forward pass on a [1,3,H,W] input (torch-pruning's counter)."""
    import torch_pruning as tp  # noqa: PLC0415  (heavy import, only needed here and in prune.py)

    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    macs, _ = tp.utils.count_ops_and_params(net, torch.zeros(1, 3, *size, device=device))
    net.train(was_training)
    return int(macs)


def latency_ms(run: Callable[[torch.Tensor], object], size: tuple[int, int], repeats: int = 15) -> float:
    """Median wall time of one image (batch 1) through ``run``, after warm-up passes (the first
    calls pay for allocations and kernel selection)."""
    sample = torch.rand(1, 3, *size) * 255
    with torch.no_grad():
        for _ in range(5):
            run(sample)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run(sample)
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def onnx_latency_ms(path: str, size: tuple[int, int], repeats: int = 10) -> float:
    import numpy as np  # noqa: PLC0415
    import onnxruntime as ort  # noqa: PLC0415

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # a per-image CPU figure that does not depend on the machine's cores
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(sample: torch.Tensor) -> object:
        return session.run(None, {name: sample.numpy().astype(np.float32)})

    return latency_ms(run, size, repeats)
