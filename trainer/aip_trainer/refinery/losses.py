"""Losses shared by the amalgamation, common feature learning and task branching algorithms."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F


def kl_to_probs(student_logits: torch.Tensor, target_probs: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(target || softmax(student / T)) over dim 1, averaged over the batch (and pixels, for
    [N,C,H,W]), times T² so that its gradients keep their size whatever T (Hinton et al.)."""
    log_student = F.log_softmax(student_logits / temperature, dim=1)
    # xlogy: zero-probability targets contribute 0, not nan.
    per_item = (torch.xlogy(target_probs, target_probs) - target_probs * log_student).sum(dim=1)
    return per_item.mean() * temperature**2


def kl_at_t(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """The distillation KL at temperature T between two logit tensors of the same shape ([N,C] or
    pixel-wise [N,C,H,W])."""
    return kl_to_probs(student_logits, F.softmax(teacher_logits / temperature, dim=1), temperature)


def union_mapping(teacher_classes: Sequence[Sequence[str]], classes: Sequence[str]) -> torch.Tensor:
    """[sum C_t, U] 0/1 matrix from the teachers' concatenated outputs to the union classes: a
    teacher class goes to the union class of the same name, so classes shared by name merge."""
    index = {name: i for i, name in enumerate(classes)}
    rows = [index[name] for names in teacher_classes for name in names]
    mapping = torch.zeros(len(rows), len(classes))
    mapping[torch.arange(len(rows)), torch.tensor(rows)] = 1.0
    return mapping


def concatenated_targets(
    teacher_logits: Sequence[torch.Tensor],
    mapping: torch.Tensor,
    temperature: float,
    factors: Sequence[float] | None = None,
) -> torch.Tensor:
    """Soft targets over the union classes: the softmax at T over the teachers' concatenated logits
    (each teacher's scores compete with the others', as in Shen et al.'s score-vector
    concatenation), each teacher's logits first multiplied by its ``factors`` entry
    (``balance_factors``), with the mass of classes sharing a name summed."""
    if factors is not None:
        teacher_logits = [logits * f for logits, f in zip(teacher_logits, factors, strict=True)]
    joint = F.softmax(torch.cat(list(teacher_logits), dim=1) / temperature, dim=1)
    return joint @ mapping.to(joint)


def logit_spread(logits: torch.Tensor) -> float:
    """How far a teacher's logits typically lie from their per-image mean (RMS)."""
    return float((logits - logits.mean(dim=1, keepdim=True)).pow(2).mean().sqrt())


def balance_factors(spreads: Sequence[float]) -> list[float]:
    """Per-teacher multipliers that give every teacher the mean logit spread.

    Concatenating raw logits lets the teacher with the larger logit scale win every image, its
    classes included or not: a tiny_cnn (dropout before its classifier) and a plain three-layer
    CNN trained on the two halves of the digits differ by that much, and with raw logits the
    joint prediction (and the student) was right on 54 % of the digits where each teacher was
    right on 96-98 % of its own half. Scale is not confidence: after equalizing it, a teacher's
    high logit for one class still outbids the other teacher's spread-out scores.
    """
    mean = sum(spreads) / len(spreads)
    return [mean / max(s, 1e-6) for s in spreads]


def mk_mmd(x: torch.Tensor, y: torch.Tensor, kernels: int = 5, multiplier: float = 2.0) -> torch.Tensor:
    """Multi-kernel maximum mean discrepancy (biased estimate) between samples x [N,D] and y [M,D]:
    the sum of Gaussian kernels whose bandwidths are ``multiplier`` powers around the mean pairwise
    squared distance (Long et al.'s DAN; the bandwidth follows the data, so no scale to tune)."""
    z = torch.cat([x, y], dim=0)
    distances = torch.cdist(z, z).pow(2)
    n = z.shape[0]
    # The bandwidth is a statistic of the batch, not something to optimize through.
    base = distances.detach().sum() / max(n * n - n, 1)
    base = base.clamp(min=1e-6)
    bandwidths = [base * multiplier ** (k - kernels // 2) for k in range(kernels)]
    kernel = sum(torch.exp(-distances / bw) for bw in bandwidths)
    assert isinstance(kernel, torch.Tensor)
    nx = x.shape[0]
    return kernel[:nx, :nx].mean() + kernel[nx:, nx:].mean() - 2 * kernel[:nx, nx:].mean()


@torch.no_grad()
def measure_balance(
    teacher_logits: Callable[[torch.Tensor], Sequence[torch.Tensor]],
    batches: Iterable[Any],
    device: torch.device,
    limit: int = 4,
) -> list[float]:
    """``balance_factors`` from the teachers' logits (``teacher_logits``: raw images -> one tensor
    per teacher) on the first ``limit`` batches."""
    spreads: list[float] = []
    for seen, batch in enumerate(batches, start=1):
        values = [logit_spread(logits) for logits in teacher_logits(batch.images.to(device))]
        spreads = values if not spreads else [a + b for a, b in zip(spreads, values, strict=True)]
        if seen == limit:
            break
    return balance_factors(spreads) if spreads else []
