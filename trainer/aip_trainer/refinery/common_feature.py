"""Common feature learning: classifiers of any registry archs -> one student (its own arch) over
the union of their classes.

After Luo et al., "Knowledge Amalgamation from Heterogeneous Networks by Common Feature Learning"
(IJCAI 2019): the teachers' and the student's penultimate features (``features.capture_penultimate``)
have different sizes and meanings, so each is aligned by its own small encoder and a shared
extractor into one common space of ``commonDim``. There the student's features must be distributed
like each teacher's (multi-kernel MMD); each teacher's common features must still reconstruct that
teacher's own features (a decoder per teacher: the common space may not discard what the teachers
know, and cannot collapse to a point that makes the MMD trivially zero); and the student's logits
learn the softmax at T over the teachers' concatenated logits. The alignment blocks are dropped
from the result.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.models import ARCH_TASK, build_network
from aip_trainer.models.normalize import Normalize
from aip_trainer.refinery.contract import RefineryContext, RefineryResult, Teacher
from aip_trainer.refinery.features import capture_penultimate, for_teacher, teacher_network
from aip_trainer.refinery.loop import (
    Checkpoint,
    Optimizer,
    classifier_figures,
    classifier_result,
    count_batches,
    end_epoch,
)
from aip_trainer.refinery.losses import concatenated_targets, kl_to_probs, measure_balance, mk_mmd, union_mapping


class CommonSpace(nn.Module):
    """Per-network aligners (feature -> 2·commonDim), one shared extractor (-> commonDim) and one
    decoder per teacher (common -> that teacher's feature)."""

    def __init__(self, student_dim: int, teacher_dims: Sequence[int], common_dim: int) -> None:
        super().__init__()
        hidden = 2 * common_dim
        self.align_student = nn.Sequential(nn.Linear(student_dim, hidden), nn.ReLU(inplace=True))
        self.align_teachers = nn.ModuleList(
            nn.Sequential(nn.Linear(d, hidden), nn.ReLU(inplace=True)) for d in teacher_dims
        )
        self.extractor = nn.Sequential(
            nn.Linear(hidden, common_dim), nn.ReLU(inplace=True), nn.Linear(common_dim, common_dim)
        )
        self.decoders = nn.ModuleList(
            nn.Sequential(nn.Linear(common_dim, d), nn.ReLU(inplace=True), nn.Linear(d, d)) for d in teacher_dims
        )

    def student(self, feature: torch.Tensor) -> torch.Tensor:
        return self.extractor(self.align_student(feature))

    def teacher(self, index: int, feature: torch.Tensor) -> torch.Tensor:
        return self.extractor(self.align_teachers[index](feature))


def _relative_mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE over the target's mean square: teachers' features differ in scale by arch."""
    return F.mse_loss(prediction, target) / target.pow(2).mean().clamp(min=1e-6)


class _Teachers:
    """The frozen teachers: per batch, their logits and penultimate features [N,D_t]."""

    def __init__(self, teachers: Sequence[Teacher]) -> None:
        self.teachers = list(teachers)
        self.networks = [teacher_network(t, "common feature learning") for t in teachers]

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        logits, features = [], []
        for teacher, net in zip(self.teachers, self.networks, strict=True):
            with capture_penultimate(net) as captured:
                logits.append(net(teacher.normalize(for_teacher(images, teacher))))
            features.append(captured["feature"].flatten(1))
        return logits, features


def _student_arch(ctx: RefineryContext) -> str:
    if not 2 <= len(ctx.teachers) <= 8:
        raise UserError("common feature learning takes 2 to 8 teachers")
    if any(t.task != "classification" for t in ctx.teachers):
        raise UserError("common feature learning takes classification teachers")
    arch = ctx.student_arch or ctx.teachers[0].arch
    if arch is None or ARCH_TASK.get(arch) != "classification":
        raise UserError(f"common feature learning needs a classification student architecture, not {arch}")
    return arch


def run(ctx: RefineryContext) -> RefineryResult:
    arch = _student_arch(ctx)
    epochs = int(ctx.params.get("epochs", 20))
    temperature = float(ctx.params.get("temperature", 4.0))
    common_dim = int(ctx.params.get("commonDim", 128))
    mmd_weight = float(ctx.params.get("mmdWeight", 1.0))
    reconstruction_weight = float(ctx.params.get("reconstructionWeight", 1.0))
    learning_rate = float(ctx.params.get("learningRate", 0.01))
    torch.manual_seed(ctx.seed)
    device = ctx.device

    teachers = _Teachers(ctx.teachers)
    for net in teachers.networks:
        net.to(device)
    # Every teacher's logits at a common scale before they are concatenated (``balance_factors``).
    factors = measure_balance(lambda x: teachers(x)[0], ctx.train, device)
    ctx.log(f"teacher logit balance factors: {[round(f, 3) for f in factors]}")
    mapping = union_mapping([t.classes for t in ctx.teachers], ctx.classes).to(device)
    student = build_network(arch, len(ctx.classes), ctx.input_size).to(device)
    normalize = Normalize().to(device)

    # The feature sizes: one probe pass (eval mode, so BatchNorm statistics stay untouched).
    probe = torch.zeros(2, 3, *ctx.input_size, device=device)
    _, teacher_features = teachers(probe)
    student.eval()
    with torch.no_grad(), capture_penultimate(student) as captured:
        student(normalize(probe))
    student_dim = captured["feature"].flatten(1).shape[1]
    space = CommonSpace(student_dim, [f.shape[1] for f in teacher_features], common_dim).to(device)

    steps_per_epoch = count_batches(ctx.train)
    optimizer = Optimizer([*student.parameters(), *space.parameters()], learning_rate, epochs * steps_per_epoch)
    checkpoint = Checkpoint(
        ctx,
        "common_feature",
        {"arch": arch, "classes": list(ctx.classes), "epochs": epochs, "params": dict(ctx.params), "seed": ctx.seed},
    )
    start, history = 0, []
    state = checkpoint.load()
    if state is not None:
        student.load_state_dict(state["student"])
        space.load_state_dict(state["space"])
        optimizer.load_state_dict(state["optimizer"])
        start, history = int(state["epoch"]), list(state["history"])
        ctx.log(f"resuming common feature learning after epoch {start}")

    ctx.log(
        f"common feature learning of {len(ctx.teachers)} teachers ({', '.join(str(t.arch) for t in ctx.teachers)}) "
        f"into a {arch} over {len(ctx.classes)} classes; common space of {common_dim}"
    )
    count = len(ctx.teachers)
    for epoch in range(start, epochs):
        student.train()
        space.train()
        totals = {"loss": 0.0, "kl": 0.0, "mmd": 0.0, "reconstruction": 0.0}
        batches = 0
        for batch in ctx.train:
            images = batch.images.to(device)
            teacher_logits, teacher_feats = teachers(images)
            with capture_penultimate(student) as captured:
                logits = student(normalize(images))
            common_student = space.student(captured["feature"].flatten(1))
            mmd = torch.zeros((), device=device)
            reconstruction = torch.zeros((), device=device)
            for i, feature in enumerate(teacher_feats):
                common_teacher = space.teacher(i, feature)
                mmd = mmd + mk_mmd(common_student, common_teacher)
                reconstruction = reconstruction + _relative_mse(space.decoders[i](common_teacher), feature)
            mmd, reconstruction = mmd / count, reconstruction / count
            kl = kl_to_probs(logits, concatenated_targets(teacher_logits, mapping, temperature, factors), temperature)
            loss = kl + mmd_weight * mmd + reconstruction_weight * reconstruction
            optimizer.step(loss)
            for name, value in (("loss", loss), ("kl", kl), ("mmd", mmd), ("reconstruction", reconstruction)):
                totals[name] += value.item()
            batches += 1
        figures = {k: v / max(batches, 1) for k, v in totals.items()}
        figures.update(
            classifier_figures(
                student,
                normalize,
                lambda x: concatenated_targets(teachers(x)[0], mapping, 1.0, factors),
                ctx.val,
                device,
            )
        )
        state = {"student": student.state_dict(), "space": space.state_dict(), "optimizer": optimizer.state_dict()}
        end_epoch(ctx, epoch + 1, epochs, figures, history=history, checkpoint=checkpoint, state=state)

    metrics = {
        "algorithm": "common_feature",
        "commonDim": common_dim,
        "teachers": [{"arch": t.arch, "classes": list(t.classes)} for t in ctx.teachers],
    }
    return classifier_result(ctx, student, arch, history, metrics)
