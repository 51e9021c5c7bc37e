"""Helpers of the distillation / pruning / model-validation tests: small digit teachers trained in
the test and in-memory batches (the epoch recorder and the context: refinery_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.artifacts import ModelFile, save_model_pt
from aip_trainer.models import build_network
from aip_trainer.models.normalize import Normalize
from aip_trainer.refinery.contract import Batch
from aip_trainer.refinery.teachers import LoadedTeacher, platform_input

DIGITS = [str(d) for d in range(10)]


class Batches:
    """Re-iterable in-memory batches; shuffled epochs repeat across runs (seeded per epoch)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None, batch_size: int, shuffle: bool) -> None:
        self.images, self.labels, self.batch_size, self.shuffle = images, labels, batch_size, shuffle
        self.epoch = 0

    def __len__(self) -> int:
        return (len(self.images) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[Batch]:
        self.epoch += 1
        n = len(self.images)
        order = (
            torch.randperm(n, generator=torch.Generator().manual_seed(self.epoch)) if self.shuffle else torch.arange(n)
        )
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            yield Batch(self.images[index], None if self.labels is None else self.labels[index])


def train_supervised(
    net: nn.Module, images: torch.Tensor, targets: torch.Tensor, epochs: int, lr: float = 3e-3, seed: int = 0
) -> nn.Module:
    """CE training of ``net`` (normalized input) with a one-cycle schedule; ``targets`` class indices."""
    torch.manual_seed(seed)
    normalize = Normalize()
    batches = Batches(images, targets, 32, shuffle=True)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * len(batches))
    net.train()
    for _ in range(epochs):
        for batch in batches:
            assert batch.labels is not None
            loss = F.cross_entropy(net(normalize(batch.images)), batch.labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return net.eval()


def teacher_of(net: nn.Module, arch: str, task: Any, classes: list[str], size: tuple[int, int]) -> LoadedTeacher:
    return LoadedTeacher(
        task, classes, platform_input(size), arch, "aip", Path("teacher.pt"), torch.device("cpu"), module=net
    )


def save_aip(path: Path, net: nn.Module, arch: str, task: str, classes: list[str], size: tuple[int, int]) -> Path:
    save_model_pt(path, ModelFile(arch, task, classes, size, {k: v.clone() for k, v in net.state_dict().items()}))
    return path


@torch.no_grad()
def predict(net: nn.Module, images: torch.Tensor) -> torch.Tensor:
    net.eval()
    normalize = Normalize()
    return torch.cat([net(normalize(images[i : i + 256])) for i in range(0, len(images), 256)])


def build(arch: str, outputs: int, size: tuple[int, int], seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return build_network(arch, outputs, size)
