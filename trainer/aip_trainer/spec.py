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
RefineryKind = Literal["refine", "refine_evaluate", "validate_model"]
AtlasKind = Literal["atlas"]
Algorithm = Literal["auto_prune", "distill", "amalgamate", "common_feature", "task_branch"]
TeacherFormat = Literal["aip", "weights", "torchscript", "onnx"]
TeacherTask = Literal["classification", "segmentation", "depth"]
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


@dataclass(frozen=True)
class InputMeta:
    """An uploaded model's input: size (H, W), colour order, value range and mean/std in its units."""

    size: tuple[int, int]
    color_space: Literal["RGB", "BGR"] = "RGB"
    value_range: tuple[float, float] = (0.0, 255.0)
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher (or an uploaded model to validate) as the job names it; for ``aip`` files the
    file's own metadata wins over task/arch/classes/input."""

    file: Path
    format: TeacherFormat
    task: TeacherTask | None = None
    arch: str | None = None
    classes: list[str] = field(default_factory=list)
    input: InputMeta | None = None
    name: str | None = None


# Defaults of the algorithms' parameters (the contract's); the Node side sends complete params, these
# make a hand-written job work too.
COMMON_DEFAULTS: dict[str, Any] = {"learningRate": 0.003, "batchSize": 32, "imageSize": None}
PARAM_DEFAULTS: dict[str, dict[str, Any]] = {
    "auto_prune": {"targetRatio": 0.5, "steps": 3, "epochsPerStep": 3},
    "distill": {"epochs": 20, "temperature": 4.0, "ceWeight": 0.0},
    "amalgamate": {"epochs": 20, "temperature": 4.0, "featureWeight": 1.0},
    "common_feature": {
        "epochs": 20,
        "temperature": 4.0,
        "commonDim": 128,
        "mmdWeight": 1.0,
        "reconstructionWeight": 1.0,
    },
    "task_branch": {"epochs": 20, "searchEpochs": 2},
}


@dataclass(frozen=True)
class RefineSpec:
    """``kind: refine`` (a new model from teachers) and ``refine_evaluate`` (``model`` against them)."""

    kind: Literal["refine", "refine_evaluate"]
    algorithm: Algorithm
    teachers: list[TeacherSpec]
    manifest: Path
    image_root: Path
    output: Path
    params: dict[str, Any]
    student_arch: str | None = None
    model: Path | None = None
    device: Device = "auto"
    seed: int = 0


@dataclass(frozen=True)
class ValidateModelSpec:
    kind: Literal["validate_model"]
    model: TeacherSpec
    output: Path
    device: Device = "auto"
    seed: int = 0


@dataclass(frozen=True)
class AtlasModel:
    """A model to sign: a teacher object (for ``aip`` files the model.pt's metadata wins, and any task
    is accepted) and the caller's id for it."""

    id: str
    model: TeacherSpec


@dataclass(frozen=True)
class AtlasSignatureRef:
    """A signature an earlier atlas job wrote."""

    id: str
    file: Path


@dataclass(frozen=True)
class AtlasSpec:
    """``kind: atlas``: signs ``models`` over the probe set and computes the distance of each of ``pairs``
    (ids of ``models`` and ``signatures``)."""

    kind: AtlasKind
    output: Path
    models: list[AtlasModel]
    signatures: list[AtlasSignatureRef]
    pairs: list[tuple[str, str]]
    probe_set: str = "v1"
    probe_count: int = 64
    probe_size: int = 64
    device: Device = "auto"
    seed: int = 0


AnySpec = JobSpec | RefineSpec | ValidateModelSpec | AtlasSpec


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "job" + "".join(parts)


def _teacher(raw: dict[str, Any]) -> TeacherSpec:
    meta = raw.get("input")
    inputs = None
    if meta is not None:
        height, width = meta["size"]
        low, high = meta.get("range", [0, 255])
        mean, std = meta.get("mean"), meta.get("std")
        inputs = InputMeta(
            (int(height), int(width)),
            meta.get("colorSpace", "RGB"),
            (float(low), float(high)),
            None if mean is None else (float(mean[0]), float(mean[1]), float(mean[2])),
            None if std is None else (float(std[0]), float(std[1]), float(std[2])),
        )
    return TeacherSpec(
        file=Path(raw["file"]),
        format=raw["format"],
        task=raw.get("task"),
        arch=raw.get("arch"),
        classes=list(raw.get("classes") or []),
        input=inputs,
        name=raw.get("name"),
    )


def _input_problems(where: str, teacher: dict[str, Any]) -> list[str]:
    """What the schema cannot say: a value range of [0, 1] or [0, 255], mean and std given together."""
    meta = teacher.get("input")
    if not isinstance(meta, dict):
        return []
    problems = []
    if "range" in meta and [float(v) for v in meta["range"]] not in ([0.0, 1.0], [0.0, 255.0]):
        problems.append(f"{where}.input.range: must be [0, 1] or [0, 255], not {meta['range']}")
    if (meta.get("mean") is None) != (meta.get("std") is None):
        problems.append(f"{where}.input: give both mean and std, or neither")
    return problems


def _refinery_spec(raw: dict[str, Any]) -> RefineSpec | ValidateModelSpec:
    device, seed = raw.get("device", "auto"), int(raw.get("seed", 0))
    if raw["kind"] == "validate_model":
        problems = _input_problems("job.model", raw["model"])
        if problems:
            raise UserError("the job spec is invalid:\n" + "\n".join(problems))
        return ValidateModelSpec("validate_model", _teacher(raw["model"]), Path(raw["output"]), device, seed)
    problems = [p for i, t in enumerate(raw["teachers"]) for p in _input_problems(f"job.teachers[{i}]", t)]
    if problems:
        raise UserError("the job spec is invalid:\n" + "\n".join(problems))
    algorithm = raw["algorithm"]
    params = {**COMMON_DEFAULTS, **PARAM_DEFAULTS[algorithm], **(raw.get("params") or {})}
    student = raw.get("student") or {}
    return RefineSpec(
        kind=raw["kind"],
        algorithm=algorithm,
        teachers=[_teacher(t) for t in raw["teachers"]],
        manifest=Path(raw["manifest"]),
        image_root=Path(raw["imageRoot"]),
        output=Path(raw["output"]),
        params=params,
        student_arch=student.get("arch"),
        model=Path(raw["model"]) if raw.get("model") else None,
        device=device,
        seed=seed,
    )


def validate_any_spec(raw: Any) -> AnySpec:
    """Checks a parsed job spec of any kind against the schema; raises UserError listing every problem."""
    errors = sorted(_validator().iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"{_where(e.absolute_path)}: {e.message}" for e in errors]
        raise UserError("the job spec is invalid:\n" + "\n".join(lines))
    if raw["kind"] in ("refine", "refine_evaluate", "validate_model"):
        return _refinery_spec(raw)
    if raw["kind"] == "atlas":
        return _atlas_spec(raw)
    return _flowchart_spec(raw)


def _atlas_spec(raw: dict[str, Any]) -> AtlasSpec:
    """Beyond the schema: ids are unique and every pair names known ids (a bad spec is the caller's
    bug, reported at once rather than as skipped pairs)."""
    models = raw.get("models") or []
    signatures = raw.get("signatures") or []
    problems = [p for i, m in enumerate(models) for p in _input_problems(f"job.models[{i}]", m)]
    ids = [str(m["id"]) for m in models] + [str(s["id"]) for s in signatures]
    problems += [f"job: the id {i!r} is given more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    known = set(ids)
    for index, (a, b) in enumerate(raw.get("pairs") or []):
        unknown = [x for x in (a, b) if x not in known]
        problems += [f"job.pairs[{index}]: unknown id {x!r} (not in models or signatures)" for x in unknown]
        if a == b:
            problems.append(f"job.pairs[{index}]: a pair of {a!r} with itself")
    if problems:
        raise UserError("the job spec is invalid:\n" + "\n".join(problems))
    probes = raw.get("probes") or {}
    return AtlasSpec(
        kind="atlas",
        output=Path(raw["output"]),
        models=[AtlasModel(str(m["id"]), _teacher(m)) for m in models],
        signatures=[AtlasSignatureRef(str(s["id"]), Path(s["file"])) for s in signatures],
        pairs=[(str(a), str(b)) for a, b in raw.get("pairs") or []],
        probe_set=probes.get("set", "v1"),
        probe_count=int(probes.get("count", 64)),
        probe_size=int(probes.get("size", 64)),
        device=raw.get("device", "auto"),
        seed=int(raw.get("seed", 0)),
    )


def validate_spec(raw: Any) -> JobSpec:
    """A train or evaluate job spec (what the flowchart's stages run); see ``validate_any_spec``."""
    spec = validate_any_spec(raw)
    if not isinstance(spec, JobSpec):
        raise UserError(f"the job spec is invalid:\njob.kind: expected train or evaluate, not {spec.kind}")
    return spec


def _flowchart_spec(raw: dict[str, Any]) -> JobSpec:
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


def load_spec(path: Path) -> AnySpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read the job spec {path}: {error.strerror}") from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"the job spec {path} is not valid JSON: {error}") from error
    return validate_any_spec(raw)
