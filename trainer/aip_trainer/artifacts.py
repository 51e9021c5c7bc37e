"""The files a job writes: model.pt, model.json, metrics.json, checkpoint.pt (all atomically)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from aip_trainer.errors import UserError
from aip_trainer.models import ALL_ARCH_TASK, multi_task_output_names, normalization, output_names
from aip_trainer.text_detection import DECODE

log = logging.getLogger(__name__)

MODEL_PT = "model.pt"
MODEL_JSON = "model.json"
MODEL_ONNX = "model.onnx"
METRICS_JSON = "metrics.json"
CHECKPOINT = "checkpoint.pt"
# metrics.json is written last: its presence (with the others) means the job finished.
FINISHED_FILES = (MODEL_ONNX, MODEL_PT, MODEL_JSON, METRICS_JSON)
DETECTION_SCORE_THRESHOLD = 0.3


def _replace_atomically(path: Path, write: Any) -> None:
    """Writes to a temporary sibling and renames it, so a killed job never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_json(path: Path, value: Any) -> None:
    _replace_atomically(path, lambda tmp: tmp.write_text(json.dumps(value, indent=2), encoding="utf-8"))


def save_torch(path: Path, value: Any) -> None:
    _replace_atomically(path, lambda tmp: torch.save(value, tmp))


@dataclass(frozen=True)
class ModelFile:
    """model.pt: plain tensors and strings only, so it loads with ``weights_only=True``."""

    arch: str
    task: str
    classes: list[str]
    input_size: tuple[int, int]
    state_dict: dict[str, torch.Tensor]
    # Text recognition: the characters that outputs 1..K stand for (0 is the CTC blank).
    charset: list[str] | None = None
    # Refinery models: more plain fields (the algorithm, its teachers' names …), kept as they are.
    extra: dict[str, Any] | None = None

    @property
    def labels(self) -> list[str]:
        """What the network's outputs index: the charset for text recognition, else the classes."""
        return self.classes if self.charset is None else self.charset

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": 1,
            "arch": self.arch,
            "task": self.task,
            "classes": self.classes,
            "inputSize": list(self.input_size),
            "state_dict": self.state_dict,
        }
        if self.charset is not None:
            data["charset"] = self.charset
        if self.extra:
            data = {**self.extra, **data}
        return data


def save_model_pt(path: Path, model: ModelFile) -> None:
    save_torch(path, model.to_dict())


def load_model_pt(path: Path) -> ModelFile:
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise UserError(f"model file {path} does not exist") from error
    except Exception as error:
        raise UserError(f"cannot load model file {path}: {error}") from error
    if not isinstance(data, dict) or not {"arch", "task", "classes", "inputSize", "state_dict"} <= data.keys():
        raise UserError(f"{path} is not a model.pt written by the AIP trainer (arch/task/classes/state_dict missing)")
    if data["arch"] not in ALL_ARCH_TASK:
        raise UserError(f"{path} holds an unknown architecture {data['arch']!r}")
    charset = data.get("charset")
    if data["task"] == "text_recognition" and not isinstance(charset, list):
        raise UserError(f"{path} is a text recognition model without its charset")
    height, width = data["inputSize"]
    known = {"version", "arch", "task", "classes", "inputSize", "state_dict", "charset"}
    extra = {key: value for key, value in data.items() if key not in known}
    return ModelFile(
        data["arch"],
        data["task"],
        list(data["classes"]),
        (int(height), int(width)),
        data["state_dict"],
        None if charset is None else [str(char) for char in charset],
        extra or None,
    )


def model_json(model: ModelFile, parameters: int) -> dict[str, Any]:
    description: dict[str, Any] = {
        "version": 1,
        "task": model.task,
        "arch": model.arch,
        "classes": model.classes,
        "inputSize": list(model.input_size),
        "input": {"name": "image", "layout": "NCHW", "dtype": "float32", "colorSpace": "RGB", "range": [0, 255]},
        # A task-branching student has one output per head (named in model.pt's "heads").
        "outputs": multi_task_output_names(model.extra or {})
        if model.task == "multi_task"
        else output_names(model.task),
    }
    if model.charset is not None:
        description["charset"] = model.charset
    if model.task == "detection":
        description["scoreThreshold"] = DETECTION_SCORE_THRESHOLD
    if model.task == "text_detection":
        description["textDetection"] = DECODE.to_json()  # how to decode ``prob`` into text regions
    description["normalization"] = normalization(model.arch)
    description["parameters"] = parameters
    return description


def is_finished(output: Path) -> bool:
    return all((output / name).is_file() for name in FINISHED_FILES)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_checkpoint(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a damaged checkpoint costs a restart, not the job
        log.warning("ignoring unreadable checkpoint %s: %s", path, error)
        return None
    return data if isinstance(data, dict) else None
