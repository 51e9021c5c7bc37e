"""Tiny trained models as platform model.pt files for the atlas tests, and a way to sign them in-process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from refinery_support import Batches, train_supervised
from synthetic_digits import digit_tensors
from torch import nn

from aip_trainer.artifacts import ModelFile, save_model_pt
from aip_trainer.atlas.probes import probe_hash, probe_set
from aip_trainer.atlas.represent import load_subject
from aip_trainer.atlas.signature import Signature, compute_signature
from aip_trainer.models import build_network
from aip_trainer.spec import TeacherSpec

SIZE = (32, 32)
CPU = torch.device("cpu")


def digits_data(count: int = 600, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    return digit_tensors(count, seed=seed, size=SIZE[0])


def train_classifier(
    data: tuple[torch.Tensor, torch.Tensor],
    digits: Sequence[int],
    seed: int,
    epochs: int,
    arch: str = "tiny_cnn",
    start: nn.Module | None = None,
    learning_rate: float = 3e-3,
) -> nn.Module:
    """A classifier of ``digits`` trained on the images of those digits in ``data`` (labels re-indexed
    in ``digits`` order); ``start`` fine-tunes that network's body under a fresh output layer."""
    images, labels = data
    keep = torch.isin(labels, torch.tensor(list(digits)))
    remap = torch.full((10,), -1, dtype=torch.long)
    remap[torch.tensor(list(digits))] = torch.arange(len(digits))
    torch.manual_seed(seed)
    net = build_network(arch, len(digits), SIZE)
    if start is not None:
        # Every tensor of the same shape (the body) comes from ``start``; the output layer is new.
        state = {k: v for k, v in start.state_dict().items() if v.shape == net.state_dict()[k].shape}
        net.load_state_dict(state, strict=False)
    batches = Batches(images[keep], remap[labels[keep]], 32, shuffle=True, seed=seed)
    return train_supervised(net, batches, lambda out, b: F.cross_entropy(out, b.labels), epochs, learning_rate)


def save_aip(path: Path, net: nn.Module, classes: list[str], arch: str = "tiny_cnn") -> Path:
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    save_model_pt(path, ModelFile(arch, "classification", classes, SIZE, state))
    return path


def sign(path: Path, count: int = 64, size: int = 64) -> Signature:
    probes = probe_set("v1", count, size)
    subject = load_subject(TeacherSpec(file=path, format="aip"), CPU)
    return compute_signature(subject, probes, "v1", probe_hash(probes), CPU)
