"""Default hyper-parameters, adapted to the architecture, the dataset size and the device.

Training length is a budget of *samples seen* (epochs x training images), so a small dataset
gets more epochs and a large one fewer; CPU budgets are small (a CPU worker should finish in
minutes), GPU budgets larger. Early stopping on the validation metric ends training sooner when
it stops improving, and the best epoch's weights are kept.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from aip_trainer.spec import HyperSpec


@dataclass(frozen=True)
class ArchDefaults:
    image_size_cpu: int
    image_size_gpu: int
    batch_cpu: int
    batch_gpu: int
    learning_rate: float
    samples_cpu: int  # training samples to see on CPU
    samples_gpu: int
    width_factor: int = 1  # input width = imageSize x this (text lines are 4 times wider than tall)


ARCH_DEFAULTS: dict[str, ArchDefaults] = {
    "tiny_cnn": ArchDefaults(64, 64, 16, 128, 3e-3, 4_000, 100_000),
    "resnet18": ArchDefaults(128, 224, 32, 64, 1e-3, 4_000, 150_000),
    "mobilenet_v3_small": ArchDefaults(128, 224, 32, 64, 2e-3, 4_000, 150_000),
    "efficientnet_b0": ArchDefaults(128, 224, 16, 32, 1e-3, 3_000, 150_000),
    "resnet50": ArchDefaults(128, 224, 16, 32, 1e-3, 2_000, 150_000),
    "tiny_det": ArchDefaults(128, 128, 16, 32, 2e-3, 7_000, 60_000),
    "fasterrcnn_mobilenet_v3_large_320_fpn": ArchDefaults(320, 320, 4, 8, 2e-4, 1_500, 60_000),
    "retinanet_resnet50_fpn_v2": ArchDefaults(256, 512, 2, 8, 1e-4, 600, 60_000),
    "fcos_resnet50_fpn": ArchDefaults(256, 512, 2, 8, 1e-4, 600, 60_000),
    "ssdlite320_mobilenet_v3_large": ArchDefaults(320, 320, 8, 32, 1e-3, 2_000, 100_000),
    "tiny_unet": ArchDefaults(128, 256, 8, 32, 3e-3, 5_000, 60_000),
    "lraspp_mobilenet_v3_large": ArchDefaults(256, 512, 8, 16, 1e-3, 1_500, 60_000),
    "deeplabv3_mobilenet_v3_large": ArchDefaults(256, 512, 4, 16, 5e-4, 1_000, 60_000),
    "unet_enhance_tiny": ArchDefaults(128, 256, 8, 32, 2e-3, 3_000, 60_000),
    "unet_enhance": ArchDefaults(128, 256, 4, 16, 1e-3, 1_000, 60_000),
    "crnn_tiny": ArchDefaults(32, 32, 16, 64, 3e-3, 6_000, 100_000, width_factor=4),
    "crnn_mobilenet_v3_small": ArchDefaults(32, 32, 16, 64, 1e-3, 4_000, 150_000, width_factor=4),
    "tiny_dbnet": ArchDefaults(256, 640, 4, 16, 3e-3, 3_000, 60_000),
    "dbnet_mobilenet_v3_large": ArchDefaults(320, 640, 4, 16, 1e-3, 1_500, 60_000),
}

EPOCH_RANGE_CPU = (3, 40)
EPOCH_RANGE_GPU = (10, 200)
WARM_START_LR_FACTOR = 0.3  # fine-tuning from initWeights moves less than training from scratch


@dataclass(frozen=True)
class Hyper:
    epochs: int
    batch_size: int
    learning_rate: float
    image_size: int
    patience: int  # 0 = no early stopping
    width_factor: int = 1

    @property
    def input_size(self) -> tuple[int, int]:
        return (self.image_size, self.image_size * self.width_factor)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hyper:
        keys = ("epochs", "batch_size", "learning_rate", "image_size", "patience")
        # Checkpoints written before width_factor existed are all of square-input archs.
        return cls(**{key: data[key] for key in keys}, width_factor=data.get("width_factor", 1))


def default_patience(epochs: int) -> int:
    return max(5, epochs // 3)


def resolve_hyper(arch: str, given: HyperSpec, train_images: int, cuda: bool, warm_start: bool) -> Hyper:
    d = ARCH_DEFAULTS[arch]
    batch = given.batch_size or min(d.batch_gpu if cuda else d.batch_cpu, max(train_images, 1))
    if given.epochs is not None:
        epochs = given.epochs
    else:
        low, high = EPOCH_RANGE_GPU if cuda else EPOCH_RANGE_CPU
        budget = d.samples_gpu if cuda else d.samples_cpu
        epochs = min(max(math.ceil(budget / max(train_images, 1)), low), high)
    learning_rate = given.learning_rate or d.learning_rate * (WARM_START_LR_FACTOR if warm_start else 1.0)
    return Hyper(
        epochs=epochs,
        batch_size=batch,
        learning_rate=learning_rate,
        image_size=given.image_size or (d.image_size_gpu if cuda else d.image_size_cpu),
        patience=default_patience(epochs) if given.patience is None else given.patience,
        width_factor=d.width_factor,
    )
