"""Task branching: 2-4 dense teachers (segmentation and/or depth) -> one ``branch_unet_tiny``
student with one head per teacher, whose per-task branch points are chosen by their losses.

After the branch-out search of Ye et al. ("Student Becoming the Master", CVPR 2019): the encoder is
shared; a task may share the decoder further or leave it sooner. For each branch point b (0 = only
the encoder shared … D = everything shared but the heads) a candidate student, all tasks branching
at b, is trained for ``searchEpochs``; each task then takes the b whose validation distillation
loss for that task is lowest, preferring more sharing (the larger b, so a smaller model) among those
within ``TIE_TOLERANCE`` of the lowest. The chosen structure is then trained for ``epochs`` from
scratch. Losses: pixel-wise KL to a segmentation teacher's softmax, L1 to a depth teacher's depth
(over the teacher's typical depth variation, so that tasks weigh alike whatever the depth units).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.models.branching import BranchUNet, Head, build_branching, decoder_depth, output_names
from aip_trainer.models.normalize import Normalize
from aip_trainer.refinery.contract import Batch, RefineryContext, RefineryResult, Teacher
from aip_trainer.refinery.features import for_teacher
from aip_trainer.refinery.loop import Checkpoint, Optimizer, count_batches
from aip_trainer.refinery.losses import kl_at_t

ARCH = "branch_unet_tiny"
# Relative: a candidate within 3 % of a task's lowest loss counts as a tie (two seeds of one
# structure differ by about that after a couple of epochs).
TIE_TOLERANCE = 0.03


@dataclass
class Targets:
    """What the frozen teachers say about a batch, at the student's size: per head, segmentation
    logits [N,C,H,W] or depth [N,1,H,W]."""

    teachers: list[Teacher]
    size: tuple[int, int]

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for teacher in self.teachers:
            out = teacher(for_teacher(images, teacher)).float()
            if tuple(out.shape[-2:]) != self.size:
                out = F.interpolate(out, size=self.size, mode="bilinear", align_corners=False)
            outputs.append(out)
        return outputs


def heads_of(teachers: Sequence[Teacher], targets: Targets, device: torch.device) -> list[Head]:
    """One head per teacher; a segmentation head has as many channels as its teacher's logits."""
    if not 2 <= len(teachers) <= 4:
        raise UserError("task branching takes 2 to 4 teachers")
    probe = targets(torch.zeros(1, 3, *targets.size, device=device))
    heads = []
    for teacher, out in zip(teachers, probe, strict=True):
        if teacher.task == "segmentation":
            heads.append(Head("segmentation", int(out.shape[1])))
        elif teacher.task == "depth":
            if out.shape[1] != 1:
                raise UserError(f"a depth teacher must output one channel, this one has {out.shape[1]}")
            heads.append(Head("depth", 1))
        else:
            raise UserError(f"task branching takes segmentation and depth teachers, not {teacher.task}")
    return heads


class Loss:
    """Per-head distillation losses; depth L1 is divided by ``depth_scales`` (each depth teacher's
    mean absolute deviation on a few training batches)."""

    def __init__(self, heads: Sequence[Head], depth_scales: Sequence[float]) -> None:
        self.heads = list(heads)
        self.depth_scales = list(depth_scales)

    def __call__(self, outputs: Sequence[torch.Tensor], targets: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        losses = []
        for head, scale, out, target in zip(self.heads, self.depth_scales, outputs, targets, strict=True):
            if head.kind == "segmentation":
                losses.append(kl_at_t(out, target, 1.0))
            else:
                losses.append(F.l1_loss(out, target) / scale)
        return losses


def depth_scales(heads: Sequence[Head], targets: Targets, train: Iterable[Batch], device: torch.device) -> list[float]:
    """Per head: for depth, the teacher's mean absolute deviation over the first few training
    batches (the depth's unit); 1 for segmentation."""
    sums, batches = [0.0] * len(heads), 0
    for batch in train:
        for j, out in enumerate(targets(batch.images.to(device))):
            sums[j] += float((out - out.mean()).abs().mean())
        batches += 1
        if batches == 4:
            break
    return [max(s / max(batches, 1), 1e-6) if h.kind == "depth" else 1.0 for h, s in zip(heads, sums, strict=True)]


@torch.no_grad()
def evaluate(
    net: BranchUNet, targets: Targets, loss: Loss, batches: Iterable[Batch], device: torch.device
) -> list[float]:
    """Mean per-head distillation loss over ``batches`` (per image)."""
    net.eval()
    normalize = Normalize().to(device)
    totals = [0.0] * len(loss.heads)
    count = 0
    for batch in batches:
        images = batch.images.to(device)
        for i, value in enumerate(loss(net(normalize(images)), targets(images))):
            totals[i] += float(value) * len(images)
        count += len(images)
    return [t / max(count, 1) for t in totals]


def train_structure(
    net: BranchUNet,
    targets: Targets,
    loss: Loss,
    train: Iterable[Batch],
    val: Iterable[Batch],
    *,
    epochs: int,
    learning_rate: float,
    device: torch.device,
    on_epoch: Callable[[int, dict[str, float]], None] = lambda _e, _f: None,
    resume: dict[str, Any] | None = None,
    save: Callable[[dict[str, Any]], None] = lambda _s: None,
) -> list[float]:
    """Trains ``net`` on the teachers' outputs for ``epochs``; returns the last validation losses
    per head. ``on_epoch(epoch, figures)`` after each epoch; ``resume``/``save`` carry the state
    (net, optimizer, epoch) across restarts."""
    net.to(device)
    normalize = Normalize().to(device)
    optimizer = Optimizer(net.parameters(), learning_rate, epochs * count_batches(train))
    start = 0
    val_losses: list[float] = []
    if resume is not None:
        net.load_state_dict(resume["net"])
        optimizer.load_state_dict(resume["optimizer"])
        start, val_losses = int(resume["epoch"]), list(resume["val"])
    for epoch in range(start, epochs):
        net.train()
        total, batches = 0.0, 0
        for batch in train:
            images = batch.images.to(device)
            value = torch.stack(loss(net(normalize(images)), targets(images))).sum()
            if not torch.isfinite(value):
                raise UserError(f"training diverged (the loss is {float(value)}); try a lower learningRate")
            optimizer.step(value)
            total += value.item()
            batches += 1
        val_losses = evaluate(net, targets, loss, val, device)
        figures = {"loss": total / max(batches, 1), "val_loss": sum(val_losses)}
        figures.update({f"val_loss_{i}": v for i, v in enumerate(val_losses)})
        on_epoch(epoch + 1, figures)
        save({"net": net.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch + 1, "val": val_losses})
    return val_losses


def choose_branch_points(candidate_losses: dict[int, list[float]], tolerance: float = TIE_TOLERANCE) -> list[int]:
    """Per head, the branch point with the lowest validation loss, or the largest (most shared)
    within ``tolerance`` (relative) of it."""
    points = sorted(candidate_losses)
    heads = len(candidate_losses[points[0]])
    chosen = []
    for h in range(heads):
        best = min(candidate_losses[b][h] for b in points)
        chosen.append(max(b for b in points if candidate_losses[b][h] <= best * (1 + tolerance)))
    return chosen


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def run(ctx: RefineryContext) -> RefineryResult:
    if ctx.student_arch not in (None, ARCH):
        raise UserError(f"task branching trains a {ARCH} student, not {ctx.student_arch}")
    epochs = int(ctx.params.get("epochs", 20))
    search_epochs = int(ctx.params.get("searchEpochs", 2))
    learning_rate = float(ctx.params.get("learningRate", 0.01))
    device = ctx.device
    size = (int(ctx.input_size[0]), int(ctx.input_size[1]))
    targets = Targets(list(ctx.teachers), size)
    heads = heads_of(ctx.teachers, targets, device)
    loss = Loss(heads, depth_scales(heads, targets, ctx.train, device))
    depth = decoder_depth()
    candidates = list(range(depth + 1))
    total_epochs = len(candidates) * search_epochs + epochs
    checkpoint = Checkpoint(
        ctx,
        "task_branch",
        {
            "heads": [[h.kind, h.outputs] for h in heads],
            "params": dict(ctx.params),
            "seed": ctx.seed,
            "size": list(size),
        },
    )
    state = checkpoint.load() or {}
    candidate_losses: dict[int, list[float]] = {int(k): v for k, v in state.get("candidates", {}).items()}
    done_epochs = len(candidate_losses) * search_epochs

    ctx.log(f"task branching: {len(heads)} tasks ({', '.join(h.kind for h in heads)}); candidates b = {candidates}")
    for b in candidates:
        if b in candidate_losses:
            continue
        torch.manual_seed(ctx.seed)
        net = build_branching(ARCH, heads, [b] * len(heads))
        offset = done_epochs

        def report(epoch: int, figures: dict[str, float], b: int = b, offset: int = offset) -> None:
            ctx.on_epoch(offset + epoch, total_epochs, {**figures, "candidate": float(b)})

        candidate_losses[b] = train_structure(
            net,
            targets,
            loss,
            ctx.train,
            ctx.val,
            epochs=search_epochs,
            learning_rate=learning_rate,
            device=device,
            on_epoch=report,
        )
        done_epochs += search_epochs
        ctx.log(f"candidate b={b}: validation losses per task {[round(v, 4) for v in candidate_losses[b]]}")
        checkpoint.save({"candidates": {str(k): v for k, v in candidate_losses.items()}})

    chosen = choose_branch_points(candidate_losses)
    ctx.log(f"chosen branch points per task: {chosen} (0 = only the encoder shared, {depth} = all but the head)")
    torch.manual_seed(ctx.seed)
    net = build_branching(ARCH, heads, chosen)
    final_state = state.get("final")

    def save(final: dict[str, Any]) -> None:
        checkpoint.save({"candidates": {str(k): v for k, v in candidate_losses.items()}, "final": final})

    val_losses = train_structure(
        net,
        targets,
        loss,
        ctx.train,
        ctx.val,
        epochs=epochs,
        learning_rate=learning_rate,
        device=device,
        on_epoch=lambda epoch, figures: ctx.on_epoch(done_epochs + epoch, total_epochs, figures),
        resume=final_state,
        save=save,
    )
    net.eval()
    names = output_names(heads)
    head_info = [
        {
            "name": name,
            "kind": h.kind,
            "outputs": h.outputs,
            "classes": list(t.classes) if h.kind == "segmentation" else [],
        }
        for name, h, t in zip(names, heads, ctx.teachers, strict=True)
    ]
    classes: list[str] = []
    for info in head_info:
        classes.extend(c for c in info["classes"] if c not in classes)
    metrics = {
        "algorithm": "task_branch",
        "branchPoints": dict(zip(names, chosen, strict=True)),
        "decoderBlocks": depth,
        "candidates": [
            {"branchPoint": b, "valLoss": dict(zip(names, candidate_losses[b], strict=True))} for b in candidates
        ],
        "valLoss": dict(zip(names, val_losses, strict=True)),
        "parameters": parameter_count(net),
    }
    return RefineryResult(
        network=net.cpu(),
        arch=ARCH,
        task="multi_task",
        classes=classes,
        input_size=size,
        extra={"heads": head_info, "branchPoints": chosen},
        metrics=metrics,
    )
