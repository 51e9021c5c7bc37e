"""Per-task training and evaluation: data, loss, evaluation and ONNX parity rules.

The training loop (train.py) is task-agnostic; everything that differs between classification
and detection lives behind ``TaskAdapter``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from aip_trainer.augment import color_jitter, hflip_detection, random_shift
from aip_trainer.images import (
    ClassificationData,
    DetectionData,
    ImageStore,
    collate_classification,
    collate_detection,
)
from aip_trainer.metrics import Detections, classification_metrics, detection_metrics
from aip_trainer.models import FASTERRCNN
from aip_trainer.models.fasterrcnn import fasterrcnn_loss
from aip_trainer.models.normalize import Normalize
from aip_trainer.models.tiny_det import tiny_det_loss

EVAL_BATCH = 64


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, Any]
    # Compared as a tuple: the metric first, the tie-breaker second (a saturated accuracy of 1.0
    # on a small validation set should still prefer the more confident model).
    score: tuple[float, float]


class TaskAdapter(ABC):
    metric_name: str

    def __init__(self, arch: str, classes: list[str], device: torch.device) -> None:
        self.arch = arch
        self.classes = classes
        self.device = device
        self.normalize = Normalize().to(device)

    @abstractmethod
    def dataset(self, store: ImageStore) -> Dataset[Any]: ...

    @property
    @abstractmethod
    def collate(self) -> Callable[[list[Any]], Any]: ...

    @abstractmethod
    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor: ...

    @abstractmethod
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation: ...

    @abstractmethod
    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        """Why ONNX Runtime's outputs differ from PyTorch's beyond tolerance, or None."""


class ClassificationAdapter(TaskAdapter):
    metric_name = "accuracy"

    def dataset(self, store: ImageStore) -> Dataset[Any]:
        return ClassificationData(store)

    @property
    def collate(self) -> Callable[[list[Any]], Any]:
        return collate_classification

    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor:
        images, labels = batch
        images = random_shift(color_jitter(images.to(self.device).float(), gen), gen)
        return F.cross_entropy(net(self.normalize(images)), labels.to(self.device), label_smoothing=0.05)

    @torch.no_grad()
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation:
        truth = [e.label for e in store.entries]
        predicted: list[int] = []
        log_likelihood = 0.0
        for start in range(0, len(store), EVAL_BATCH):
            indices = range(start, min(start + EVAL_BATCH, len(store)))
            images = torch.stack([store[i] for i in indices]).to(self.device).float()
            probs = deploy(images)
            predicted += probs.argmax(dim=1).tolist()
            labels = torch.tensor([truth[i] for i in indices], device=self.device)
            log_likelihood += float(probs.gather(1, labels[:, None]).clamp(min=1e-8).log().sum())
        metrics = classification_metrics(truth, predicted, self.classes)
        return Evaluation(metrics, (metrics["accuracy"], log_likelihood / max(len(truth), 1)))

    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        if expected[0].shape != actual[0].shape:
            return f"probs shape {actual[0].shape} != {expected[0].shape}"
        diff = float(np.abs(expected[0] - actual[0]).max())
        return f"probs differ by up to {diff:.2e}" if diff > 1e-3 else None


class DetectionAdapter(TaskAdapter):
    metric_name = "mAP50"
    PARITY_TOP = 20
    PARITY_MIN_SCORE = 0.05

    def dataset(self, store: ImageStore) -> Dataset[Any]:
        return DetectionData(store)

    @property
    def collate(self) -> Callable[[list[Any]], Any]:
        return collate_detection

    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor:
        images, boxes, labels = batch
        images = color_jitter(images.float(), gen)
        images, boxes = hflip_detection(images, boxes, gen)
        images = images.to(self.device)
        boxes = [b.to(self.device) for b in boxes]
        labels = [lab.to(self.device) for lab in labels]
        if self.arch == FASTERRCNN:
            return fasterrcnn_loss(net, images, boxes, labels)  # type: ignore[arg-type]
        heat, sides = net(self.normalize(images))
        return tiny_det_loss(heat, sides, boxes, labels)

    @torch.no_grad()
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation:
        predictions = []
        for i in range(len(store)):
            boxes, scores, labels = deploy(store[i][None].to(self.device).float())
            predictions.append(Detections(boxes.cpu().numpy(), scores.cpu().numpy(), labels.cpu().numpy()))
        metrics = detection_metrics(store.entries, predictions, self.classes)
        return Evaluation(metrics, (metrics["mAP50"], metrics["mAP50_95"]))

    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        e_boxes, e_scores, e_labels = expected
        a_boxes, a_scores, a_labels = actual
        if a_boxes.ndim != 2 or a_boxes.shape[1:] != (4,) or a_labels.dtype != np.int64:
            return f"unexpected outputs: boxes {a_boxes.shape}, labels {a_labels.dtype}"
        # Compare the confident detections as sets: tiny score differences may reorder ties.
        order = np.argsort(-e_scores)[: self.PARITY_TOP]
        for i in order[e_scores[order] >= self.PARITY_MIN_SCORE]:
            match = (
                (a_labels == e_labels[i])
                & (np.abs(a_scores - e_scores[i]) <= 1e-3)
                & (np.abs(a_boxes - e_boxes[i]).max(axis=1, initial=0.0) <= 2e-3)
            )
            if not match.any():
                return f"PyTorch detection {e_boxes[i].tolist()} score {e_scores[i]:.4f} has no ONNX counterpart"
        return None


def make_adapter(task: str, arch: str, classes: list[str], device: torch.device) -> TaskAdapter:
    adapter = ClassificationAdapter if task == "classification" else DetectionAdapter
    return adapter(arch, classes, device)
