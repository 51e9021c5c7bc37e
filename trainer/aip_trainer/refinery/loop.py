"""Training-loop pieces the refinery's amalgamation and branching algorithms share: the optimizer
and its schedule, per-epoch checkpoints to resume from, and batch counting."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from aip_trainer.refinery.checkpoint import load_state, save_state
from aip_trainer.refinery.contract import Batch, RefineryContext, RefineryResult

GRAD_CLIP_NORM = 10.0
WEIGHT_DECAY = 1e-4
FINAL_LR_FRACTION = 0.05


def count_batches(batches: Iterable[Any]) -> int:
    return sum(1 for _ in batches)


class Optimizer:
    """AdamW with a short linear warm-up and a cosine decay over ``total_steps`` (as the trainer's
    own jobs), gradient clipping included."""

    def __init__(self, parameters: Iterable[nn.Parameter], learning_rate: float, total_steps: int) -> None:
        self.parameters = [p for p in parameters if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.parameters, lr=learning_rate, weight_decay=WEIGHT_DECAY)
        self.learning_rate = learning_rate
        self.total_steps = max(1, total_steps)
        self.step_count = 0

    def _factor(self) -> float:
        warmup = max(1, min(self.total_steps // 20, 300))
        if self.step_count < warmup:
            return (self.step_count + 1) / warmup
        progress = min(1.0, (self.step_count - warmup) / max(1, self.total_steps - warmup))
        return FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))

    def step(self, loss: torch.Tensor) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate * self._factor()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.parameters, GRAD_CLIP_NORM)
        self.optimizer.step()
        self.step_count += 1

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict(), "step": self.step_count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.step_count = int(state["step"])


class Checkpoint:
    """The job's checkpoint (refinery/checkpoint.py: output/checkpoint.pt, kept for a moved or
    retried job) saved after every epoch, so a restarted job resumes at the next one. ``key`` (the
    algorithm's structure) must match too, so a checkpoint of other settings is ignored instead of
    loaded into the wrong shapes."""

    def __init__(self, ctx: RefineryContext, algorithm: str, key: dict[str, Any]) -> None:
        self.ctx, self.algorithm, self.key = ctx, algorithm, key

    def load(self) -> dict[str, Any] | None:
        state = load_state(self.ctx, self.algorithm)
        return state if state is not None and state.get("key") == self.key else None

    def save(self, state: dict[str, Any]) -> None:
        save_state(self.ctx, self.algorithm, {**state, "key": self.key})


def end_epoch(
    ctx: RefineryContext,
    epoch: int,
    epochs: int,
    figures: dict[str, float],
    *,
    history: list[dict[str, float]],
    checkpoint: Checkpoint,
    state: dict[str, Any],
) -> None:
    """A finished epoch: into the history, out as the job's epoch event, and saved with ``state``
    (the modules' and optimizer's state dicts) so a restart resumes after it."""
    history.append(figures)
    ctx.on_epoch(epoch, epochs, figures)
    checkpoint.save({"epoch": epoch, "history": history, **state})


def classifier_result(
    ctx: RefineryContext, student: nn.Module, arch: str, history: list[dict[str, float]], metrics: dict[str, Any]
) -> RefineryResult:
    """An amalgamated classifier over ``ctx.classes``, with the last epoch's figures as ``final_*``."""
    last = history[-1] if history else {}
    return RefineryResult(
        network=student.eval().cpu(),
        arch=arch,
        task="classification",
        classes=list(ctx.classes),
        input_size=ctx.input_size,
        metrics={**metrics, **{f"final_{k}": v for k, v in last.items()}},
    )


@torch.no_grad()
def classifier_figures(
    student: nn.Module,
    normalize: nn.Module,
    teacher_probs: Callable[[torch.Tensor], torch.Tensor],
    val: Iterable[Batch],
    device: torch.device,
) -> dict[str, float]:
    """Validation figures of a classification student: top-1 agreement with the teachers' joint
    prediction (``teacher_probs``: raw images -> scores over the student's classes), and accuracy
    where the data has labels."""
    student.eval()
    agree = correct = labeled = total = 0
    for batch in val:
        images = batch.images.to(device)
        predicted = student(normalize(images)).argmax(dim=1)
        agree += int((predicted == teacher_probs(images).argmax(dim=1)).sum())
        total += len(images)
        if batch.labels is not None:
            correct += int((predicted == batch.labels.to(device)).sum())
            labeled += len(images)
    figures = {"val_agreement": agree / max(total, 1)}
    if labeled:
        figures["val_accuracy"] = correct / labeled
    return figures
