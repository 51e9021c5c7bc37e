"""``kind: train``: the training loop with early stopping, per-epoch checkpoints and resume,
then ONNX export (verified), model files and test metrics."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from aip_trainer.artifacts import (
    CHECKPOINT,
    METRICS_JSON,
    MODEL_JSON,
    MODEL_ONNX,
    MODEL_PT,
    ModelFile,
    is_finished,
    load_checkpoint,
    model_json,
    read_json,
    save_model_pt,
    save_torch,
    write_json,
)
from aip_trainer.device import cpu_count, seed_everything, select_device
from aip_trainer.errors import UserError
from aip_trainer.events import EventWriter
from aip_trainer.export import export_onnx, verify_onnx
from aip_trainer.hyper import Hyper, resolve_hyper
from aip_trainer.images import ImageStore
from aip_trainer.manifest import Splits, read_manifest, split_entries, usable_image
from aip_trainer.models import MIN_BATCH_SIZE, build_deploy, build_network, output_names
from aip_trainer.spec import JobSpec
from aip_trainer.tasks import TaskAdapter, make_adapter
from aip_trainer.text_recognition import build_charset, entry_text, warn_if_too_long
from aip_trainer.warm_start import load_initial_weights

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 1.0
GRAD_CLIP_NORM = 10.0
WEIGHT_DECAY = 1e-4
FINAL_LR_FRACTION = 0.05


@dataclass
class EarlyStopping:
    """Best validation score so far, its weights, and how many epochs went by without beating it."""

    patience: int
    best_score: tuple[float, float] = (-math.inf, -math.inf)
    best_epoch: int = 0
    best_state: dict[str, torch.Tensor] = field(default_factory=dict)
    bad_epochs: int = 0
    stopped: bool = False

    def update(self, epoch: int, score: tuple[float, float], net: nn.Module) -> bool:
        if score > self.best_score:
            self.best_score, self.best_epoch, self.bad_epochs = score, epoch, 0
            self.best_state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
            return True
        self.bad_epochs += 1
        if self.patience > 0 and self.bad_epochs >= self.patience:
            self.stopped = True
        return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "best_score": list(self.best_score),
            "best_epoch": self.best_epoch,
            "best_state": self.best_state,
            "bad_epochs": self.bad_epochs,
            "stopped": self.stopped,
        }

    @classmethod
    def from_dict(cls, patience: int, data: dict[str, Any]) -> EarlyStopping:
        best = data["best_score"]
        return cls(
            patience,
            (float(best[0]), float(best[1])),
            int(data["best_epoch"]),
            data["best_state"],
            int(data["bad_epochs"]),
            bool(data["stopped"]),
        )


def _lr_factor(step: int, total: int) -> float:
    """Linear warm-up, then cosine decay to FINAL_LR_FRACTION."""
    warmup = max(1, min(total // 20, 300))
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def _reemit_done(spec: JobSpec, events: EventWriter) -> None:
    described = read_json(spec.output / MODEL_JSON)
    if (described.get("arch"), described.get("task"), described.get("classes")) != (spec.arch, spec.task, spec.classes):
        raise UserError(
            f"the output folder {spec.output} already holds a finished model of another job "
            f"({described.get('arch')}, classes {described.get('classes')}); use a new output folder"
        )
    log.info("the job already finished; reporting its metrics again")
    events.emit("done", metrics=read_json(spec.output / METRICS_JSON))


def _compatible_checkpoint(spec: JobSpec, charset: list[str] | None) -> dict[str, Any] | None:
    checkpoint = load_checkpoint(spec.output / CHECKPOINT)
    if checkpoint is None:
        return None
    if (checkpoint.get("arch"), checkpoint.get("task"), checkpoint.get("classes"), checkpoint.get("charset")) != (
        spec.arch,
        spec.task,
        spec.classes,
        charset,
    ):
        log.warning("ignoring %s: it belongs to a job with another arch, classes or charset", spec.output / CHECKPOINT)
        return None
    return checkpoint


def _check_splits(splits: Splits, spec: JobSpec) -> None:
    if not splits.train:
        raise UserError(f"no training images: the manifest {spec.manifest} has no 'train' image {usable_image(spec)}")
    if not splits.val:
        raise UserError("at least 2 training images are needed (one is held out for validation)")
    if spec.task == "classification":
        seen = {e.label for e in splits.train}
        if len(seen) < 2:
            raise UserError(f"the training images show only {len(seen)} of the classes {spec.classes}; need 2 or more")


class Trainer:
    def __init__(self, spec: JobSpec, events: EventWriter) -> None:
        self.spec = spec
        self.events = events
        self.device = select_device(spec.device)
        self.splits = split_entries(read_manifest(spec), spec.seed)
        _check_splits(self.splits, spec)
        # Text recognition learns its charset from the training texts: what its outputs index.
        self.charset = (
            build_charset(entry_text(e) for e in self.splits.train) if spec.task == "text_recognition" else None
        )
        labels = spec.classes if self.charset is None else self.charset
        self.checkpoint = _compatible_checkpoint(spec, self.charset)
        self.hyper = (
            Hyper.from_dict(self.checkpoint["hyper"])
            if self.checkpoint
            else resolve_hyper(
                spec.arch, spec.hyper, len(self.splits.train), self.device.type == "cuda", spec.init_weights is not None
            )
        )
        log.info("device %s, hyper-parameters %s", self.device, self.hyper)
        if self.hyper.batch_size < MIN_BATCH_SIZE.get(spec.arch, 1):
            raise UserError(
                f"{spec.arch} trains on batches of {MIN_BATCH_SIZE[spec.arch]} or more images: "
                "raise batchSize or add training images"
            )
        seed_everything(spec.seed)
        if self.charset is not None:
            warn_if_too_long(self.splits.train, spec.arch, self.hyper.input_size[1])
        self.net = build_network(spec.arch, len(labels), self.hyper.input_size)
        if self.checkpoint:
            self.net.load_state_dict(self.checkpoint["model"])
        elif spec.init_weights:
            load_initial_weights(self.net, spec.init_weights, self.charset)
        self.net.to(self.device)
        self.optimizer = torch.optim.AdamW(
            self.net.parameters(), lr=self.hyper.learning_rate, weight_decay=WEIGHT_DECAY
        )
        self.stopping = EarlyStopping(self.hyper.patience)
        self.first_epoch = 1
        if self.checkpoint:
            self.optimizer.load_state_dict(self.checkpoint["optimizer"])
            self.stopping = EarlyStopping.from_dict(self.hyper.patience, self.checkpoint["early_stopping"])
            self.first_epoch = int(self.checkpoint["epoch"]) + 1
        self.adapter: TaskAdapter = make_adapter(spec.task, spec.arch, labels, self.device)

    def run(self) -> None:
        splits, hyper = self.splits, self.hyper
        self.events.emit(
            "start",
            epochs=hyper.epochs,
            device=self.device.type,
            trainImages=len(splits.train),
            valImages=len(splits.val),
            testImages=len(splits.test),
        )
        if self.checkpoint:
            self.events.emit("resume", epoch=self.first_epoch - 1)
            log.info("resuming after epoch %d", self.first_epoch - 1)
        if self.first_epoch <= hyper.epochs and not self.stopping.stopped:
            self._train()
        self._finish()

    def _loader(self, store: ImageStore, epoch: int) -> DataLoader[Any]:
        gen = torch.Generator().manual_seed(self.spec.seed * 1_000_003 + epoch)
        return DataLoader(
            self.adapter.dataset(store),
            batch_size=self.hyper.batch_size,
            shuffle=True,
            generator=gen,
            drop_last=len(store) > self.hyper.batch_size,  # no tiny last batch for BatchNorm
            collate_fn=self.adapter.collate,
            num_workers=0 if store.preloaded else min(4, max(cpu_count() - 1, 0)),
            pin_memory=self.device.type == "cuda",
        )

    def _train(self) -> None:
        hyper = self.hyper
        train_store = ImageStore(self.splits.train, hyper.input_size)
        self.val_store = ImageStore(self.splits.val, hyper.input_size)
        steps = len(self._loader(train_store, 0))
        total_steps = hyper.epochs * steps
        started, steps_done = time.monotonic(), 0
        for epoch in range(self.first_epoch, hyper.epochs + 1):
            # Per-epoch seeds: a resumed run draws the same shuffles and augmentations.
            torch.manual_seed(self.spec.seed * 1_000_003 + epoch)
            aug_gen = torch.Generator().manual_seed(self.spec.seed * 7_919 + epoch)
            self.net.train()
            loss_sum, last_report = 0.0, 0.0
            for step, batch in enumerate(self._loader(train_store, epoch), start=1):
                global_step = (epoch - 1) * steps + step - 1
                for group in self.optimizer.param_groups:
                    group["lr"] = hyper.learning_rate * _lr_factor(global_step, total_steps)
                loss = self.adapter.train_loss(self.net, batch, aug_gen)
                if not torch.isfinite(loss):
                    raise UserError(
                        f"training diverged at epoch {epoch} (the loss is {float(loss)}); try a lower learningRate"
                    )
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.net.parameters(), GRAD_CLIP_NORM)
                self.optimizer.step()
                loss_sum += float(loss.detach())
                steps_done += 1
                now = time.monotonic()
                if now - last_report >= PROGRESS_INTERVAL_S or step == steps:
                    last_report = now
                    remaining = total_steps - global_step - 1
                    self.events.emit(
                        "progress",
                        epoch=epoch,
                        epochs=hyper.epochs,
                        step=step,
                        steps=steps,
                        loss=round(loss_sum / step, 5),
                        etaSeconds=round((now - started) / steps_done * remaining, 1),
                    )
            # The wrapper's own buffers (normalization, box scale) are made on the CPU: move them
            # to the network's device, or a GPU job fails at its first validation.
            deploy = build_deploy(self.spec.arch, self.net, hyper.input_size).to(self.device)
            evaluation = self.adapter.evaluate(deploy, self.val_store)
            best = self.stopping.update(epoch, evaluation.score, self.net)
            self._save_checkpoint(epoch)
            metric = evaluation.score[0]
            log.info(
                "epoch %d/%d loss %.4f val %s %.4f",
                epoch,
                hyper.epochs,
                loss_sum / steps,
                self.adapter.metric_name,
                metric,
            )
            self.events.emit(
                "epoch",
                epoch=epoch,
                epochs=hyper.epochs,
                loss=round(loss_sum / steps, 5),
                metric=round(metric, 5),
                metricName=self.adapter.metric_name,
                best=best,
            )
            if self.stopping.stopped:
                log.info("early stop: no better %s for %d epochs", self.adapter.metric_name, self.hyper.patience)
                break

    def _save_checkpoint(self, epoch: int) -> None:
        save_torch(
            self.spec.output / CHECKPOINT,
            {
                "version": 1,
                "arch": self.spec.arch,
                "task": self.spec.task,
                "classes": self.spec.classes,
                "charset": self.charset,
                "hyper": self.hyper.to_dict(),
                "epoch": epoch,
                "model": self.net.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "early_stopping": self.stopping.to_dict(),
            },
        )

    def _finish(self) -> None:
        spec, hyper, out = self.spec, self.hyper, self.spec.output
        if self.stopping.best_state:
            self.net.load_state_dict(self.stopping.best_state)
            log.info("keeping the weights of epoch %d", self.stopping.best_epoch)
        self.net.cpu()
        deploy = build_deploy(spec.arch, self.net, hyper.input_size)
        sample_entry = (self.splits.val or self.splits.train)[:1]
        sample = ImageStore(sample_entry, hyper.input_size)[0][None].float()
        export_onnx(deploy, sample, out / MODEL_ONNX, output_names(spec.task))
        verify_onnx(out / MODEL_ONNX, deploy, sample, self.adapter.parity_problem)
        state = {k: v.detach().cpu() for k, v in self.net.state_dict().items()}
        model = ModelFile(spec.arch, spec.task, spec.classes, hyper.input_size, state, self.charset)
        save_model_pt(out / MODEL_PT, model)
        write_json(out / MODEL_JSON, model_json(model, sum(p.numel() for p in self.net.parameters())))
        held_out, split_name = (self.splits.test, "test") if self.splits.test else (self.splits.val, "val")
        if split_name != "test":
            log.warning("the manifest has no test images; metrics.json describes the validation images")
        evaluation = self.adapter.evaluate(deploy.to(self.device), ImageStore(held_out, hyper.input_size))
        metrics = {**evaluation.metrics, "evaluatedOn": split_name, "bestEpoch": self.stopping.best_epoch}
        write_json(out / METRICS_JSON, metrics)
        self.events.emit("done", metrics=metrics)


def run_train(spec: JobSpec, events: EventWriter) -> None:
    spec.output.mkdir(parents=True, exist_ok=True)
    if is_finished(spec.output):
        _reemit_done(spec, events)
        return
    Trainer(spec, events).run()
