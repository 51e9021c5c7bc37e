"""Training throughput of the trainer against a plain hand-written PyTorch loop, in one run.

    PYTHONPATH=trainer python trainer/bench/throughput.py [--images 600] [--epochs 3] [--arch tiny_cnn] [--device auto]

Both train the same architecture (``build_network``) on the same generated classification images
(``trainer/tests/synthetic.py``), with the same batch size, input size, optimizer (AdamW) and
device, for the same number of epochs:

- **trainer**: a whole ``train`` job through ``aip_trainer`` (what a flowchart stage runs):
  augmentation, the learning-rate schedule, gradient clipping, progress events, a validation pass
  and a checkpoint every epoch; export and test evaluation are excluded (timed up to the last
  ``epoch`` event).
- **plain loop**: images preloaded as one tensor, shuffled batches, forward, cross-entropy,
  backward, step: the least any training of this model does.

It prints training images per second of each and their ratio (trainer / plain; 1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aip_trainer.events import EventWriter  # noqa: E402
from aip_trainer.images import ImageStore  # noqa: E402
from aip_trainer.manifest import read_manifest, split_entries  # noqa: E402
from aip_trainer.models import build_network  # noqa: E402
from aip_trainer.models.normalize import Normalize  # noqa: E402
from aip_trainer.spec import JobSpec, validate_spec  # noqa: E402
from aip_trainer.train import Trainer  # noqa: E402

from synthetic import make_classification  # noqa: E402  (the tests' generator: the tests' data)


class _EpochClock(io.StringIO):
    """Collects the trainer's events and notes when the last ``epoch`` event came."""

    def __init__(self) -> None:
        super().__init__()
        self.last_epoch_at = 0.0

    def write(self, text: str) -> int:
        if '"event": "epoch"' in text:
            self.last_epoch_at = time.perf_counter()
        return super().write(text)


@dataclass(frozen=True)
class Setup:
    manifest: Path
    arch: str
    epochs: int

    def spec(self, output: Path, device: str = "auto") -> JobSpec:
        return validate_spec(
            {
                "kind": "train",
                "task": "classification",
                "arch": self.arch,
                "classes": ["circle", "square", "triangle"],
                "manifest": str(self.manifest),
                "imageRoot": str(self.manifest.parent),
                "output": str(output),
                "device": device,
                # No early stopping: both sides run every epoch.
                "hyper": {"epochs": self.epochs, "patience": 0},
            }
        )


@dataclass(frozen=True)
class TrainerRun:
    images_per_second: float
    batch_size: int
    image_size: int
    device: torch.device


def trainer_throughput(setup: Setup, output: Path, device: str) -> TrainerRun:
    output.mkdir(parents=True, exist_ok=True)
    clock = _EpochClock()
    trainer = Trainer(setup.spec(output, device), EventWriter(clock))
    started = time.perf_counter()
    trainer.run()
    images = len(trainer.splits.train) * setup.epochs
    seconds = clock.last_epoch_at - started
    return TrainerRun(images / seconds, trainer.hyper.batch_size, trainer.hyper.image_size, trainer.device)


def plain_throughput(setup: Setup, run: TrainerRun) -> float:
    """The same model, data, batch size, input size and device, in the simplest loop there is."""
    device, size, batch = run.device, run.image_size, run.batch_size
    spec = setup.spec(setup.manifest.parent / "unused")
    train = split_entries(read_manifest(spec), spec.seed).train
    store = ImageStore(train, (size, size))
    images = torch.stack([store[i] for i in range(len(store))]).float().to(device)
    labels = torch.tensor([entry.label for entry in train], device=device)
    net = build_network(setup.arch, 3, (size, size)).to(device).train()
    normalize = Normalize().to(device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    started = time.perf_counter()
    for _ in range(setup.epochs):
        order = torch.randperm(len(images), device=device)
        for start in range(0, len(images) - batch + 1, batch):
            index = order[start : start + batch]
            loss = F.cross_entropy(net(normalize(images[index])), labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(images) // batch * batch * setup.epochs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--arch", default="tiny_cnn")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aip-bench-trainer-") as tmp:
        setup = Setup(make_classification(Path(tmp) / "data", args.images, seed=3), args.arch, args.epochs)
        run = trainer_throughput(setup, Path(tmp) / "out", args.device)
        plain = plain_throughput(setup, run)
    ratio = run.images_per_second / plain
    size, device = run.image_size, run.device.type
    print(f"\nTraining throughput: {args.arch} {size}x{size}, batch {run.batch_size}, {args.epochs} epochs, {device}")
    print(f"{'':12} {'images/s':>10}")
    print(f"{'trainer':12} {run.images_per_second:10.1f}")
    print(f"{'plain loop':12} {plain:10.1f}")
    print(f"ratio trainer / plain loop: {ratio:.2f}")
    summary = {"arch": args.arch, "device": device, "trainer": run.images_per_second, "plain": plain, "ratio": ratio}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
