"""The job spec: JSON Schema validation (``trainer/job-spec.schema.json``) and a typed view of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator

from aip_trainer.errors import UserError

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "job-spec.schema.json"

Kind = Literal["train", "evaluate"]
Task = Literal["classification", "detection", "segmentation", "enhancement", "text_recognition", "text_detection"]
Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class HyperSpec:
    """Hyper-parameters as the user gave them; ``None`` = choose automatically (see hyper.py)."""

    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    image_size: int | None = None
    patience: int | None = None


@dataclass(frozen=True)
class JobSpec:
    kind: Kind
    task: Task
    arch: str
    classes: list[str]
    manifest: Path
    image_root: Path
    output: Path
    label_map: dict[str, str] = field(default_factory=dict)
    hyper: HyperSpec = field(default_factory=HyperSpec)
    init_weights: Path | None = None
    model: Path | None = None
    device: Device = "auto"
    seed: int = 0


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "job" + "".join(parts)


def validate_spec(raw: Any) -> JobSpec:
    """Checks a parsed job spec against the schema; raises UserError listing every problem."""
    errors = sorted(_validator().iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"{_where(e.absolute_path)}: {e.message}" for e in errors]
        raise UserError("the job spec is invalid:\n" + "\n".join(lines))
    label_map: dict[str, str] = dict(raw.get("labelMap") or {})
    classes: list[str] = list(raw["classes"])
    unknown = sorted({target for target in label_map.values() if target not in classes})
    if unknown:
        raise UserError(f"the job spec is invalid:\njob.labelMap maps to {unknown}, which are not in job.classes")
    hyper = raw.get("hyper") or {}

    def path_or_none(key: str) -> Path | None:
        value = raw.get(key)
        return Path(value) if value else None

    return JobSpec(
        kind=raw["kind"],
        task=raw["task"],
        arch=raw["arch"],
        classes=classes,
        manifest=Path(raw["manifest"]),
        image_root=Path(raw["imageRoot"]),
        output=Path(raw["output"]),
        label_map=label_map,
        hyper=HyperSpec(
            epochs=hyper.get("epochs"),
            batch_size=hyper.get("batchSize"),
            learning_rate=hyper.get("learningRate"),
            image_size=hyper.get("imageSize"),
            patience=hyper.get("patience"),
        ),
        init_weights=path_or_none("initWeights"),
        model=path_or_none("model"),
        device=raw.get("device", "auto"),
        seed=int(raw.get("seed", 0)),
    )


def load_spec(path: Path) -> JobSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read the job spec {path}: {error.strerror}") from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"the job spec {path} is not valid JSON: {error}") from error
    return validate_spec(raw)
