"""Layer-wise amalgamation: several classifiers of one registry arch -> one student of that arch
over the union of their classes.

After Ye et al. ("Student Becoming the Master", CVPR 2019) and Shen et al. ("Amalgamating Knowledge
towards Comprehensive Classification", AAAI 2019): at each aligned layer (``features.FEATURE_LAYERS``)
the student's feature map goes through one small encoder/decoder per teacher (1x1 convolutions,
student channels -> teacher channels) that must reconstruct that teacher's feature map, so the
student's layer has to hold every teacher's knowledge at once; and the student's logits learn the
softmax at T over the teachers' concatenated logits, mapped onto the union classes. The adapters
only serve training and are not part of the result.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.models import build_network
from aip_trainer.models.normalize import Normalize
from aip_trainer.refinery.contract import RefineryContext, RefineryResult, Teacher
from aip_trainer.refinery.features import capture_outputs, feature_layers, for_teacher, teacher_network
from aip_trainer.refinery.loop import (
    Checkpoint,
    Optimizer,
    classifier_figures,
    classifier_result,
    count_batches,
    end_epoch,
)
from aip_trainer.refinery.losses import concatenated_targets, kl_to_probs, measure_balance, union_mapping


def _adapter(student_channels: int, teacher_channels: int) -> nn.Module:
    # Encoder (to the teacher's width, nonlinear) then decoder (linear, so it can reach any sign and
    # scale of the teacher's features).
    return nn.Sequential(
        nn.Conv2d(student_channels, teacher_channels, 1, bias=False),
        nn.BatchNorm2d(teacher_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(teacher_channels, teacher_channels, 1),
    )


def _relative_mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE divided by the target's mean square: layers (and teachers) differ by orders of magnitude
    in activation size, and a plain sum would let the loudest layer drown the others."""
    if prediction.shape[-2:] != target.shape[-2:]:
        # Teachers may run at another input size than the student.
        prediction = F.interpolate(prediction, size=target.shape[-2:], mode="bilinear", align_corners=False)
    return F.mse_loss(prediction, target) / target.pow(2).mean().clamp(min=1e-6)


class _Teachers:
    """The frozen teachers: per batch, their logits and their features at the aligned layers."""

    def __init__(self, teachers: Sequence[Teacher], layers: Sequence[str]) -> None:
        self.teachers = list(teachers)
        self.networks = [teacher_network(t, "layer-wise amalgamation") for t in teachers]
        self.layers = list(layers)

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> tuple[list[torch.Tensor], list[list[torch.Tensor]]]:
        logits, features = [], []
        for teacher, net in zip(self.teachers, self.networks, strict=True):
            with capture_outputs(net, self.layers) as captured:
                logits.append(net(teacher.normalize(for_teacher(images, teacher))))
            features.append([captured[name] for name in self.layers])
        return logits, features


def _check(ctx: RefineryContext) -> str:
    if not 2 <= len(ctx.teachers) <= 8:
        raise UserError("layer-wise amalgamation takes 2 to 8 teachers")
    archs = {t.arch for t in ctx.teachers}
    if any(t.task != "classification" for t in ctx.teachers):
        raise UserError("layer-wise amalgamation takes classification teachers")
    if len(archs) != 1 or None in archs:
        raise UserError(
            f"layer-wise amalgamation needs teachers of one registry architecture, got {sorted(map(str, archs))}"
        )
    arch = ctx.student_arch or next(iter(archs))
    if arch not in archs:
        raise UserError(f"the student must have the teachers' architecture ({next(iter(archs))}), not {arch}")
    assert arch is not None
    return arch


def run(ctx: RefineryContext) -> RefineryResult:
    arch = _check(ctx)
    epochs = int(ctx.params.get("epochs", 20))
    temperature = float(ctx.params.get("temperature", 4.0))
    feature_weight = float(ctx.params.get("featureWeight", 1.0))
    learning_rate = float(ctx.params.get("learningRate", 0.01))
    torch.manual_seed(ctx.seed)
    device = ctx.device

    layers = feature_layers(arch)
    teachers = _Teachers(ctx.teachers, layers)
    for net in teachers.networks:
        net.to(device)
    # Every teacher's logits at a common scale before they are concatenated (``balance_factors``).
    factors = measure_balance(lambda x: teachers(x)[0], ctx.train, device)
    ctx.log(f"teacher logit balance factors: {[round(f, 3) for f in factors]}")
    mapping = union_mapping([t.classes for t in ctx.teachers], ctx.classes).to(device)
    student = build_network(arch, len(ctx.classes), ctx.input_size).to(device)
    normalize = Normalize().to(device)

    # The adapters' widths: one probe pass (eval mode, so BatchNorm statistics stay untouched).
    probe = torch.zeros(2, 3, *ctx.input_size, device=device)
    _, teacher_features = teachers(probe)
    student.eval()
    with torch.no_grad(), capture_outputs(student, layers) as captured:
        student(normalize(probe))
    student_channels = [captured[name].shape[1] for name in layers]
    adapters = nn.ModuleList(
        nn.ModuleList(_adapter(cs, f.shape[1]) for cs, f in zip(student_channels, features, strict=True))
        for features in teacher_features
    ).to(device)

    steps_per_epoch = count_batches(ctx.train)
    optimizer = Optimizer([*student.parameters(), *adapters.parameters()], learning_rate, epochs * steps_per_epoch)
    checkpoint = Checkpoint(
        ctx,
        "amalgamate",
        {"arch": arch, "classes": list(ctx.classes), "epochs": epochs, "params": dict(ctx.params), "seed": ctx.seed},
    )
    start, history = 0, []
    state = checkpoint.load()
    if state is not None:
        student.load_state_dict(state["student"])
        adapters.load_state_dict(state["adapters"])
        optimizer.load_state_dict(state["optimizer"])
        start, history = int(state["epoch"]), list(state["history"])
        ctx.log(f"resuming layer-wise amalgamation after epoch {start}")

    ctx.log(
        f"layer-wise amalgamation of {len(ctx.teachers)} {arch} teachers into {len(ctx.classes)} classes; "
        f"aligned layers {layers}"
    )
    for epoch in range(start, epochs):
        student.train()
        adapters.train()
        totals = {"loss": 0.0, "kl": 0.0, "feature": 0.0}
        batches = 0
        for batch in ctx.train:
            images = batch.images.to(device)
            teacher_logits, teacher_feats = teachers(images)
            with capture_outputs(student, layers) as captured:
                logits = student(normalize(images))
            kl = kl_to_probs(logits, concatenated_targets(teacher_logits, mapping, temperature, factors), temperature)
            feature = torch.zeros((), device=device)
            for per_teacher, feats in zip(adapters, teacher_feats, strict=True):
                for adapter, name, target in zip(per_teacher, layers, feats, strict=True):
                    feature = feature + _relative_mse(adapter(captured[name]), target)
            feature = feature / (len(layers) * len(ctx.teachers))
            loss = kl + feature_weight * feature
            optimizer.step(loss)
            totals["loss"] += loss.item()
            totals["kl"] += kl.item()
            totals["feature"] += feature.item()
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
        state = {
            "student": student.state_dict(),
            "adapters": adapters.state_dict(),
            "optimizer": optimizer.state_dict(),
        }
        end_epoch(ctx, epoch + 1, epochs, figures, history=history, checkpoint=checkpoint, state=state)

    metrics = {
        "algorithm": "amalgamate",
        "alignedLayers": layers,
        "teachers": [{"classes": list(t.classes)} for t in ctx.teachers],
    }
    return classifier_result(ctx, student, arch, history, metrics)
