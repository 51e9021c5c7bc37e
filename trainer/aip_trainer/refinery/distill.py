"""Knowledge distillation: a registry student learns one teacher's outputs.

- classification: KL(student/T ‖ teacher/T)·T², plus ``ceWeight``·CE on the dataset's labels where
  every image of the batch has one (the KL term then weighs 1 - ceWeight);
- segmentation: the same KL per pixel (teacher logits resized to the student's size);
- depth: L1 to the teacher's depth.

The student's head is sized from the teacher's outputs (its classes, or one depth channel). Teachers
are frozen and run without gradients, so any format works. ``KDTrainer`` is also the fine-tuning
loop of pruning (prune.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.models import ALL_ARCH_TASK, build_network
from aip_trainer.models.normalize import Normalize
from aip_trainer.models.segmenters import segmentation_logits
from aip_trainer.refinery.checkpoint import load_state, save_state
from aip_trainer.refinery.contract import Batch, RefineryContext, RefineryResult, Teacher
from aip_trainer.refinery.losses import kl_at_t
from aip_trainer.refinery.measure import Agreement
from aip_trainer.train import GRAD_CLIP_NORM, WEIGHT_DECAY, _lr_factor

ALGORITHM = "distill"


def teacher_outputs(teacher: Teacher, images: torch.Tensor) -> torch.Tensor:
    """The teacher's raw outputs for raw images at the student's size: the images are resized to the
    teacher's input, dense outputs back to the student's size."""
    size = tuple(images.shape[-2:])
    x = images
    if tuple(teacher.input.size) != size:
        x = F.interpolate(images, size=teacher.input.size, mode="bilinear", align_corners=False)
    with torch.no_grad():
        out = teacher(x).to(images.device).float()
    if out.ndim == 4 and tuple(out.shape[-2:]) != size:
        out = F.interpolate(out, size=size, mode="bilinear", align_corners=False)
    return out


def student_outputs(task: str, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The student's raw outputs (logits, or depth) for normalized input."""
    return segmentation_logits(net, x) if task == "segmentation" else net(x)


def kd_loss(
    task: str,
    student: torch.Tensor,
    teacher: torch.Tensor,
    temperature: float,
    *,
    labels: torch.Tensor | None = None,
    ce_weight: float = 0.0,
) -> torch.Tensor:
    if task == "depth":
        return F.l1_loss(student, teacher)
    # Class dimension 1 for both [N,C] and [N,C,H,W]: averaged over images, and over pixels for segmentation.
    kl = kl_at_t(student, teacher, temperature)
    if labels is None or ce_weight <= 0 or task != "classification":
        return kl
    return (1 - ce_weight) * kl + ce_weight * F.cross_entropy(student, labels)


def student_head(teacher: Teacher) -> int:
    """What ``build_network``'s class count must be to match the teacher's outputs."""
    if teacher.task == "depth":
        return 1
    return len(teacher.classes)


class KDTrainer:
    """Trains ``net`` (normalized input via ``normalize``) on the teacher's outputs for some epochs,
    keeping the weights with the best validation score."""

    def __init__(
        self,
        ctx: RefineryContext,
        teacher: Teacher,
        task: str,
        net: nn.Module,
        *,
        normalize: nn.Module,
        epochs: int,
        temperature: float,
        ce_weight: float,
    ) -> None:
        self.ctx, self.teacher, self.task, self.net = ctx, teacher, task, net.to(ctx.device)
        for parameter in self.net.parameters():  # a copy of a frozen teacher (pruning) learns too
            parameter.requires_grad_(True)
        self.normalize = normalize.to(ctx.device)
        self.epochs, self.temperature, self.ce_weight = epochs, temperature, ce_weight
        self.lr = float(ctx.params["learningRate"])
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=self.lr, weight_decay=WEIGHT_DECAY)
        self.steps = max(1, len(ctx.train)) if hasattr(ctx.train, "__len__") else 1
        self.best_score = -math.inf
        self.best_state: dict[str, torch.Tensor] = {}

    def state(self) -> dict[str, Any]:
        return {
            "model": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "best_score": self.best_score,
            "best_state": self.best_state,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.best_score = float(state["best_score"])
        self.best_state = state["best_state"]

    def train_epoch(self, epoch: int) -> float:
        self.net.train()
        total, steps = 0.0, 0
        for step, batch in enumerate(self.ctx.train):
            for group in self.optimizer.param_groups:
                group["lr"] = self.lr * _lr_factor((epoch - 1) * self.steps + step, self.epochs * self.steps)
            loss = self.loss(batch)
            if not torch.isfinite(loss):
                raise UserError(
                    f"training diverged at epoch {epoch} (the loss is {float(loss)}); try a lower learningRate"
                )
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(self.net.parameters(), GRAD_CLIP_NORM)
            self.optimizer.step()
            total += float(loss.detach())
            steps += 1
        return total / max(steps, 1)

    def loss(self, batch: Batch) -> torch.Tensor:
        target = teacher_outputs(self.teacher, batch.images)
        out = student_outputs(self.task, self.net, self.normalize(batch.images))
        return kd_loss(self.task, out, target, self.temperature, labels=batch.labels, ce_weight=self.ce_weight)

    def validate(self) -> Agreement:
        return evaluate_student(self.task, self.net, self.normalize, self.teacher, self.ctx.val)

    def keep_if_best(self, score: float) -> bool:
        if score > self.best_score:
            self.best_score = score
            self.best_state = {k: v.detach().cpu().clone() for k, v in self.net.state_dict().items()}
            return True
        return False

    def load_best(self) -> None:
        if self.best_state:
            self.net.load_state_dict(self.best_state)


def evaluate_student(task: str, net: nn.Module, normalize: nn.Module, teacher: Teacher, batches: Any) -> Agreement:
    agreement = Agreement(task)
    was_training = net.training
    net.eval()
    with torch.no_grad():
        for batch in batches:
            out = student_outputs(task, net, normalize(batch.images))
            agreement.add(out, teacher_outputs(teacher, batch.images), batch.labels)
    net.train(was_training)
    return agreement


def run_epochs(
    trainer: KDTrainer,
    first: int,
    last: int,
    report: Callable[[int, float, Agreement], None],
) -> None:
    """Epochs ``first..last`` (1-based, of ``trainer.epochs``): train, validate, keep the best,
    then ``report`` (which checkpoints and tells the job)."""
    for epoch in range(first, last + 1):
        loss = trainer.train_epoch(epoch)
        agreement = trainer.validate()
        trainer.keep_if_best(agreement.score)
        report(epoch, loss, agreement)


def val_figures(agreement: Agreement) -> dict[str, float]:
    return {f"val_{k}": round(v, 5) for k, v in agreement.figures().items()}


def run(ctx: RefineryContext) -> RefineryResult:
    if len(ctx.teachers) != 1:
        raise UserError(f"distillation takes one teacher, not {len(ctx.teachers)}")
    teacher = ctx.teachers[0]
    task = teacher.task
    arch = ctx.student_arch
    if arch is None or ALL_ARCH_TASK.get(arch) != task:
        choices = sorted(a for a, t in ALL_ARCH_TASK.items() if t == task)
        raise UserError(
            f"distilling a {task} teacher needs a {task} student architecture ({', '.join(choices)}), not {arch}"
        )
    params = ctx.params
    epochs = int(params["epochs"])
    torch.manual_seed(ctx.seed)
    net = build_network(arch, student_head(teacher), ctx.input_size)
    trainer = KDTrainer(
        ctx,
        teacher,
        task,
        net,
        normalize=Normalize(),
        epochs=epochs,
        temperature=float(params["temperature"]),
        ce_weight=float(params["ceWeight"]),
    )
    first = 1
    saved = load_state(ctx, ALGORITHM)
    if saved is not None:
        trainer.restore(saved["trainer"])
        first = int(saved["epoch"]) + 1
        ctx.log(f"resuming distillation after epoch {first - 1}")

    def report(epoch: int, loss: float, agreement: Agreement) -> None:
        save_state(ctx, ALGORITHM, {"epoch": epoch, "trainer": trainer.state()})
        ctx.on_epoch(epoch, epochs, {"loss": round(loss, 5), **val_figures(agreement)})

    run_epochs(trainer, first, epochs, report)
    trainer.load_best()
    net.eval()
    return RefineryResult(
        network=net.cpu(),
        arch=arch,
        task=task,
        classes=list(teacher.classes),
        input_size=ctx.input_size,
        metrics={"bestValScore": trainer.best_score, "temperature": trainer.temperature},
    )
