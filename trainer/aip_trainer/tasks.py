"""Per-task training and evaluation: data, loss, evaluation and ONNX parity rules.

The training loop (train.py) is task-agnostic; everything that differs between classification,
detection, segmentation, enhancement, text recognition and text detection lives behind
``TaskAdapter``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from aip_trainer.augment import (
    color_jitter,
    hflip_detection,
    hflip_segmentation,
    random_shift,
    random_turn_and_zoom,
)
from aip_trainer.enhance import (
    EnhancementData,
    QualitySums,
    augment_pairs,
    collate_enhancement,
    enhancement_loss,
    target_store,
)
from aip_trainer.images import (
    ClassificationData,
    DetectionData,
    ImageStore,
    SegmentationData,
    collate_classification,
    collate_detection,
    collate_segmentation,
)
from aip_trainer.metrics import Detections, classification_metrics, detection_metrics, segmentation_metrics
from aip_trainer.models.dbnet import db_loss
from aip_trainer.models.detectors import TORCHVISION_DETECTORS
from aip_trainer.models.enhancers import enhance_unclamped
from aip_trainer.models.normalize import Normalize
from aip_trainer.models.recognizers import ctc_loss
from aip_trainer.models.segmenters import class_weights, segmentation_logits, segmentation_loss
from aip_trainer.models.tiny_det import tiny_det_loss
from aip_trainer.text_detection import DECODE, decode
from aip_trainer.text_detection_metrics import text_detection_metrics
from aip_trainer.text_detection_targets import (
    SHRUNK,
    THRESHOLD_MASK,
    TextDetectionData,
    collate_text_detection,
)
from aip_trainer.text_recognition import (
    TextRecognitionData,
    collate_text,
    decode_text,
    entry_text,
    random_affine,
    text_metrics,
)

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
        if self.arch in TORCHVISION_DETECTORS:
            return TORCHVISION_DETECTORS[self.arch].loss(net, images, boxes, labels)
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


class SegmentationAdapter(TaskAdapter):
    metric_name = "mIoU"
    # Full-resolution logits of C+1 classes per image: smaller batches than classification's.
    EVAL_BATCH = 8
    # Argmax ties (at class boundaries) may break differently in ONNX Runtime.
    PARITY_MIN_AGREEMENT = 0.995

    # Pixel frequencies for the loss's class weights: counted on at most this many training masks.
    WEIGHT_SAMPLE = 1000

    def __init__(self, arch: str, classes: list[str], device: torch.device) -> None:
        super().__init__(arch, classes, device)
        self._weights: WeakKeyDictionary[ImageStore, torch.Tensor] = WeakKeyDictionary()
        self.class_weights: torch.Tensor | None = None

    def dataset(self, store: ImageStore) -> Dataset[Any]:
        # train.py asks for the training store's dataset only: its masks set the loss's weights.
        data = SegmentationData(store)
        if store not in self._weights:
            step = max(1, len(data) // self.WEIGHT_SAMPLE)
            counts = torch.zeros(len(self.classes) + 1, dtype=torch.int64)
            for i in range(0, len(data), step):
                counts += torch.bincount(data[i][1].reshape(-1), minlength=len(counts))
            self._weights[store] = class_weights(counts).to(self.device)
        self.class_weights = self._weights[store]
        return data

    @property
    def collate(self) -> Callable[[list[Any]], Any]:
        return collate_segmentation

    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor:
        images, masks = batch
        images = color_jitter(images.to(self.device).float(), gen)
        images, masks = hflip_segmentation(images, masks.to(self.device), gen)
        return segmentation_loss(segmentation_logits(net, self.normalize(images)), masks, self.class_weights)

    @torch.no_grad()
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation:
        data = SegmentationData(store)
        n = len(self.classes) + 1
        confusion = torch.zeros(n * n, dtype=torch.int64, device=self.device)
        for start in range(0, len(data), self.EVAL_BATCH):
            images, masks = collate_segmentation(
                [data[i] for i in range(start, min(start + self.EVAL_BATCH, len(data)))]
            )
            predicted = deploy(images.to(self.device).float())
            confusion += torch.bincount((masks.to(self.device) * n + predicted).reshape(-1), minlength=n * n)
        metrics = segmentation_metrics(confusion.reshape(n, n).cpu().numpy(), self.classes, len(data))
        return Evaluation(metrics, (metrics["mIoU"], metrics["pixelAccuracy"]))

    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        if actual[0].shape != expected[0].shape or actual[0].dtype != np.int64:
            return f"mask {actual[0].dtype} {actual[0].shape} != int64 {expected[0].shape}"
        agreement = float((actual[0] == expected[0]).mean())
        if agreement < self.PARITY_MIN_AGREEMENT:
            return f"masks agree on only {agreement:.2%} of the pixels"
        return None


class EnhancementAdapter(TaskAdapter):
    metric_name = "psnr"
    # Three full-resolution images per sample (input, output, target) and SSIM's five filtered maps.
    EVAL_BATCH = 16
    # On the 0..255 scale: half a grey level, so that both round to 8-bit pixels at most one level apart.
    PARITY_MAX_DIFF = 0.5

    def __init__(self, arch: str, classes: list[str], device: torch.device) -> None:
        super().__init__(arch, classes, device)
        # train.py asks for a dataset every epoch (and evaluates val every epoch): decode each store's
        # targets once, for as long as the store lives.
        self._targets: WeakKeyDictionary[ImageStore, ImageStore] = WeakKeyDictionary()

    def dataset(self, store: ImageStore) -> Dataset[Any]:
        if store not in self._targets:
            self._targets[store] = target_store(store)
        return EnhancementData(store, self._targets[store])

    @property
    def collate(self) -> Callable[[list[Any]], Any]:
        return collate_enhancement

    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor:
        inputs, targets = batch
        inputs, targets = augment_pairs(inputs.to(self.device).float(), targets.to(self.device).float(), gen)
        return enhancement_loss(enhance_unclamped(net, self.normalize, inputs), targets / 255)

    @torch.no_grad()
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation:
        data = self.dataset(store)
        sums = QualitySums()
        for start in range(0, len(store), self.EVAL_BATCH):
            indices = range(start, min(start + self.EVAL_BATCH, len(store)))
            inputs, targets = collate_enhancement([data[i] for i in indices])
            inputs, targets = inputs.to(self.device).float(), targets.to(self.device).float()
            sums.add(deploy(inputs), inputs, targets)
        metrics = sums.metrics()
        return Evaluation(metrics, (metrics["psnr"], metrics["ssim"]))

    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        if actual[0].shape != expected[0].shape or actual[0].dtype != np.float32:
            return f"enhanced {actual[0].dtype} {actual[0].shape} != float32 {expected[0].shape}"
        diff = float(np.abs(actual[0] - expected[0]).max())
        return f"enhanced images differ by up to {diff:.3f}" if diff > self.PARITY_MAX_DIFF else None


class TextRecognitionAdapter(TaskAdapter):
    """``classes`` here is the charset: output k (1..K) is ``classes[k-1]``, 0 the CTC blank."""

    metric_name = "wordAccuracy"
    PARITY_MAX_SCORE_DIFF = 1e-3

    def dataset(self, store: ImageStore) -> Dataset[Any]:
        return TextRecognitionData(store, self.classes)

    @property
    def collate(self) -> Callable[[list[Any]], Any]:
        return collate_text

    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor:
        images, targets, lengths = batch
        images = random_affine(color_jitter(images.to(self.device).float(), gen), gen)
        return ctc_loss(net(self.normalize(images)), targets.to(self.device), lengths)

    @torch.no_grad()
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation:
        # One image at a time, as the model ships: [1,3,H,W] in, one decoded text out.
        predicted = [
            decode_text(deploy(store[i][None].to(self.device).float())[0].tolist(), self.classes)
            for i in range(len(store))
        ]
        metrics = text_metrics([entry_text(e) for e in store.entries], predicted, len(self.classes))
        return Evaluation(metrics, (metrics["wordAccuracy"], -metrics["cer"]))

    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        e_indices, e_scores = expected
        a_indices, a_scores = actual
        if a_indices.dtype != np.int64 or a_indices.ndim != 1 or a_scores.shape != a_indices.shape:
            return f"unexpected outputs: indices {a_indices.dtype} {a_indices.shape}, scores {a_scores.shape}"
        if not np.array_equal(a_indices, e_indices):
            return f"decoded indices {a_indices.tolist()} != {e_indices.tolist()}"
        diff = float(np.abs(a_scores - e_scores).max(initial=0.0))
        return f"scores differ by up to {diff:.2e}" if diff > self.PARITY_MAX_SCORE_DIFF else None


class TextDetectionAdapter(TaskAdapter):
    metric_name = "hmean"
    EVAL_BATCH = 16
    # Probabilities on 0..1: a pixel can only flip sides of a threshold it already lies on.
    PARITY_MAX_DIFF = 1e-3
    # Words lie at any angle: turns up to 10 degrees and zooms keep the model from learning a few.
    MAX_TURN_DEGREES = 10.0
    ZOOM = (0.8, 1.25)

    def dataset(self, store: ImageStore) -> Dataset[Any]:
        return TextDetectionData(store, DECODE.unclip_ratio)

    @property
    def collate(self) -> Callable[[list[Any]], Any]:
        return collate_text_detection

    def train_loss(self, net: nn.Module, batch: Any, gen: torch.Generator) -> torch.Tensor:
        images, targets = batch
        images = color_jitter(images.to(self.device).float(), gen)
        images, targets = random_turn_and_zoom(images, targets.to(self.device), gen, self.MAX_TURN_DEGREES, self.ZOOM)
        # The warp blurs the 0/1 maps' edges; the threshold map is a distance and stays as it is.
        for binary in (SHRUNK, THRESHOLD_MASK):
            targets[:, binary] = (targets[:, binary] > 0.5).float()
        prob_logits, threshold_logits = net(self.normalize(images))
        return db_loss(prob_logits, threshold_logits, targets)

    @torch.no_grad()
    def evaluate(self, deploy: nn.Module, store: ImageStore) -> Evaluation:
        data = self.dataset(store)
        truth, predicted = [], []
        overlap, total = 0.0, 0.0
        for start in range(0, len(store), self.EVAL_BATCH):
            indices = range(start, min(start + self.EVAL_BATCH, len(store)))
            images, targets = collate_text_detection([data[i] for i in indices])
            probs = deploy(images.to(self.device).float()).cpu()
            shrunk = targets[:, SHRUNK]
            overlap += float((probs * shrunk).sum())
            total += float(probs.sum() + shrunk.sum())
            for i, prob in zip(indices, probs.numpy(), strict=True):
                entry = store.entries[i]
                truth.append([polygon.points for polygon in entry.polygons])
                predicted.append([region.points for region in decode(prob, entry.width, entry.height)])
        metrics = text_detection_metrics(truth, predicted)
        # Tie-breaker, and a signal while no region is found yet: soft Dice of P and its target.
        return Evaluation(metrics, (metrics["hmean"], 2 * overlap / max(total, 1e-6)))

    def parity_problem(self, expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        if actual[0].shape != expected[0].shape or actual[0].dtype != np.float32:
            return f"prob {actual[0].dtype} {actual[0].shape} != float32 {expected[0].shape}"
        diff = float(np.abs(actual[0] - expected[0]).max())
        return f"probabilities differ by up to {diff:.2e}" if diff > self.PARITY_MAX_DIFF else None


ADAPTERS: dict[str, type[TaskAdapter]] = {
    "classification": ClassificationAdapter,
    "detection": DetectionAdapter,
    "segmentation": SegmentationAdapter,
    "enhancement": EnhancementAdapter,
    "text_recognition": TextRecognitionAdapter,
    "text_detection": TextDetectionAdapter,
}


def make_adapter(task: str, arch: str, classes: list[str], device: torch.device) -> TaskAdapter:
    return ADAPTERS[task](arch, classes, device)
