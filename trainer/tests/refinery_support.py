"""In-memory pieces for the refinery algorithm tests: registry networks as contract teachers,
re-iterable batches and a plain supervised trainer for the teachers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aip_trainer.models.normalize import Normalize
from aip_trainer.refinery.contract import Batch, InputSpec, RefineryContext, RefineryTask

DIGITS = [str(d) for d in range(10)]


class ModuleTeacher:
    """A registry network (trained in the test) behind the contract's Teacher protocol."""

    def __init__(
        self,
        net: nn.Module,
        task: RefineryTask,
        classes: list[str],
        size: tuple[int, int],
        arch: str | None,
        output: Callable[[Any], torch.Tensor] = lambda out: out,
    ) -> None:
        self.net = net.eval()
        self.task = task
        self.classes = classes
        self.input = InputSpec(size=size)
        self.arch = arch
        self._normalize = Normalize()
        self._output = output

    def network(self) -> nn.Module:
        return self.net

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return self._normalize.to(images.device)(images)

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return self._output(self.net(self.normalize(images)))


class Batches:
    """Re-iterable batches of in-memory tensors; ``shuffle`` reorders each epoch from a seeded
    generator (so runs repeat)."""

    def __init__(
        self, images: torch.Tensor, labels: torch.Tensor | None, batch_size: int, shuffle: bool, seed: int = 0
    ) -> None:
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle = batch_size, shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.images)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            yield Batch(self.images[index], None if self.labels is None else self.labels[index])


@dataclass
class Recorder:
    epochs: list[tuple[int, int, dict[str, float]]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def on_epoch(self, epoch: int, total: int, figures: dict[str, float]) -> None:
        self.epochs.append((epoch, total, dict(figures)))
        print(f"epoch {epoch}/{total}: " + ", ".join(f"{k}={v:.4f}" for k, v in figures.items()), flush=True)

    def log(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)


def context(
    teachers: Sequence[Any],
    classes: list[str],
    size: tuple[int, int],
    train: Batches,
    val: Batches,
    params: dict[str, Any],
    student_arch: str | None,
    recorder: Recorder,
    work_dir: Any = None,
) -> RefineryContext:
    return RefineryContext(
        teachers=list(teachers),
        classes=classes,
        input_size=size,
        train=train,
        val=val,
        params=params,
        device=torch.device("cpu"),
        seed=0,
        student_arch=student_arch,
        on_epoch=recorder.on_epoch,
        log=recorder.log,
        work_dir=work_dir,
    )


def train_supervised(
    net: nn.Module,
    batches: Batches,
    loss_fn: Callable[[Any, Batch], torch.Tensor],
    epochs: int,
    learning_rate: float = 3e-3,
) -> nn.Module:
    """Plain supervised training of ``net`` (takes normalized input) for ``epochs``; AdamW with a
    cosine schedule."""
    normalize = Normalize()
    optimizer = torch.optim.AdamW(net.parameters(), lr=learning_rate, weight_decay=1e-4)
    steps = epochs * sum(1 for _ in batches)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate, total_steps=steps)
    net.train()
    for _ in range(epochs):
        for batch in batches:
            loss = loss_fn(net(normalize(batch.images)), batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return net.eval()


@torch.no_grad()
def accuracy(predict: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy of ``predict`` (raw images -> scores) in chunks."""
    correct = 0
    for start in range(0, len(images), 256):
        scores = predict(images[start : start + 256])
        correct += int((scores.argmax(dim=1) == labels[start : start + 256]).sum())
    return correct / len(images)


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def halves_teachers(
    nets: Sequence[tuple[str | None, nn.Module]],
    train: tuple[torch.Tensor, torch.Tensor],
    size: tuple[int, int],
    epochs: int,
) -> list[ModuleTeacher]:
    """Two classifiers of 5 outputs, given as (arch, network): the first trained on digits 0-4, the
    second on 5-9, on ground truth."""
    images, labels = train
    teachers = []
    for (arch, net), low in zip(nets, (0, 5), strict=True):
        keep = (labels >= low) & (labels < low + 5)
        torch.manual_seed(low)
        batches = Batches(images[keep], labels[keep] - low, 32, shuffle=True, seed=low)
        train_supervised(net, batches, lambda logits, b: F.cross_entropy(logits, b.labels), epochs)
        teachers.append(ModuleTeacher(net, "classification", DIGITS[low : low + 5], size, arch))
    return teachers


def half_accuracies(teachers: Sequence[ModuleTeacher], test: tuple[torch.Tensor, torch.Tensor]) -> list[float]:
    """Each teacher's accuracy on the test images of its own half."""
    images, labels = test
    figures = []
    for teacher, low in zip(teachers, (0, 5), strict=True):
        keep = (labels >= low) & (labels < low + 5)
        figures.append(accuracy(teacher, images[keep], labels[keep] - low))
    return figures
