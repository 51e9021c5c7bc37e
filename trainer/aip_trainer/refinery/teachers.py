"""Teachers: models of every upload format loaded as frozen contract ``Teacher``s, without running
uploaded Python.

- ``aip``: a model.pt the platform wrote (``load_model_pt``; pruned ones too);
- ``weights``: a state_dict for a registry arch, read with ``torch.load(weights_only=True)`` (which
  refuses pickled modules and any other code-carrying object);
- ``torchscript``: ``torch.jit.load`` (a serialized graph, not Python);
- ``onnx``: an ONNX Runtime session.

Every teacher takes raw 0..255 RGB at its own input size and converts it to what the model wants
(colour order, value range, mean/std): ``InputNormalize``.
"""

from __future__ import annotations

import logging
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from aip_trainer.artifacts import ModelFile, load_model_pt
from aip_trainer.errors import UserError, first_line
from aip_trainer.models import ALL_ARCH_TASK, build_multi_task, build_network
from aip_trainer.models.normalize import IMAGENET_MEAN, IMAGENET_STD
from aip_trainer.models.segmenters import segmentation_logits
from aip_trainer.refinery.contract import InputSpec, RefineryTask
from aip_trainer.spec import InputMeta, TeacherSpec

log = logging.getLogger(__name__)

# What the platform's own models take: raw RGB 0..255, ImageNet mean/std in those units.
PLATFORM_INPUT_MEAN = IMAGENET_MEAN
PLATFORM_INPUT_STD = IMAGENET_STD
REFINERY_TASKS = ("classification", "segmentation", "depth")


def platform_input(size: tuple[int, int]) -> InputSpec:
    return InputSpec(size, "RGB", (0.0, 255.0), PLATFORM_INPUT_MEAN, PLATFORM_INPUT_STD)


def input_spec(meta: InputMeta) -> InputSpec:
    return InputSpec(meta.size, meta.color_space, meta.value_range, meta.mean, meta.std)


def input_to_json(spec: InputSpec) -> dict[str, Any]:
    return {
        "size": list(spec.size),
        "colorSpace": spec.color_space,
        "range": list(spec.value_range),
        "mean": None if spec.mean is None else list(spec.mean),
        "std": None if spec.std is None else list(spec.std),
    }


def input_from_json(data: dict[str, Any]) -> InputSpec:
    mean, std = data.get("mean"), data.get("std")
    return InputSpec(
        (int(data["size"][0]), int(data["size"][1])),
        "BGR" if data.get("colorSpace") == "BGR" else "RGB",
        (float(data["range"][0]), float(data["range"][1])),
        None if mean is None else (float(mean[0]), float(mean[1]), float(mean[2])),
        None if std is None else (float(std[0]), float(std[1]), float(std[2])),
    )


def is_platform_input(spec: InputSpec) -> bool:
    """True when ``spec`` normalizes exactly like the platform's models (the registry's deploy
    wrappers), whatever units it is written in."""
    probe = torch.tensor([[0.0, 255.0, 100.0]]).T.reshape(1, 3, 1, 1).expand(1, 3, 1, 3).contiguous()
    ours = InputNormalize(platform_input(spec.size))(probe)
    return bool(torch.allclose(InputNormalize(spec)(probe), ours, atol=1e-4))


class InputNormalize(nn.Module):
    """Raw 0..255 RGB -> a model's own input (colour order, value range, mean/std). Exported inside
    ONNX graphs like the platform's ``Normalize``."""

    scale: torch.Tensor
    shift: torch.Tensor

    def __init__(self, spec: InputSpec) -> None:
        super().__init__()
        self.bgr = spec.color_space == "BGR"
        # x' = (x * range/255 - mean) / std = x * scale + shift, per channel (in the model's order).
        factor = (spec.value_range[1] - spec.value_range[0]) / 255.0
        mean = torch.tensor(spec.mean if spec.mean is not None else (0.0, 0.0, 0.0), dtype=torch.float32)
        std = torch.tensor(spec.std if spec.std is not None else (1.0, 1.0, 1.0), dtype=torch.float32)
        low = spec.value_range[0]
        self.register_buffer("scale", (factor / std).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", ((low - mean) / std).view(1, 3, 1, 1), persistent=False)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        if self.bgr:
            image = image.flip(1)
        return image * self.scale + self.shift


def _raw_output(out: Any, where: str) -> torch.Tensor:
    """The tensor of a model's output: torchvision segmenters return {"out": ...}, some exports a
    tuple whose first element is the prediction."""
    if isinstance(out, dict):
        out = out.get("out", next(iter(out.values()), None))
    if isinstance(out, list | tuple):
        out = out[0] if out else None
    if not isinstance(out, torch.Tensor):
        raise UserError(f"{where} returned {type(out).__name__}, not a tensor")
    return out


def shape_output(task: RefineryTask, out: torch.Tensor, where: str) -> torch.Tensor:
    """Checks a raw output's rank for the task; depth [N,H,W] becomes [N,1,H,W]."""
    out = out.float()
    if task == "classification" and out.ndim != 2:
        raise UserError(f"{where}: a classifier must output [N, classes], got shape {list(out.shape)}")
    if task == "segmentation" and out.ndim != 4:
        raise UserError(f"{where}: a segmenter must output [N, 1 + classes, H, W], got shape {list(out.shape)}")
    if task == "depth":
        if out.ndim == 3:
            out = out[:, None]
        if out.ndim != 4 or out.shape[1] != 1:
            raise UserError(f"{where}: a depth model must output [N, 1, H, W], got shape {list(out.shape)}")
    return out


@dataclass
class LoadedTeacher:
    """A contract ``Teacher`` backed by a PyTorch network, a TorchScript module or an ONNX session."""

    task: RefineryTask
    classes: list[str]
    input: InputSpec
    arch: str | None
    format: str
    file: Path
    device: torch.device
    module: nn.Module | None = None  # PyTorch network or TorchScript module (takes normalized input)
    session: Any = None  # onnxruntime.InferenceSession
    name: str = ""

    def __post_init__(self) -> None:
        self._normalize = InputNormalize(self.input).to(self.device)
        if self.module is not None:
            self.module.to(self.device).eval()
            for parameter in self.module.parameters():
                parameter.requires_grad_(False)

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return self._normalize(images)

    def network(self) -> nn.Module | None:
        return self.module

    def forward_normalized(self, x: torch.Tensor) -> torch.Tensor:
        where = f"teacher {self.name or self.file.name}"
        if self.session is not None:
            return shape_output(self.task, self._run_onnx(x), where)
        assert self.module is not None
        out = segmentation_logits(self.module, x) if self.task == "segmentation" else self.module(x)
        return shape_output(self.task, _raw_output(out, where), where)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.forward_normalized(self.normalize(images.to(self.device)))

    def _run_onnx(self, x: torch.Tensor) -> torch.Tensor:
        meta = self.session.get_inputs()[0]
        batch_dim = meta.shape[0] if meta.shape else None
        array = x.detach().cpu().numpy().astype(np.float32)
        # A graph exported with a fixed batch of one runs image by image.
        chunks = [array[i : i + 1] for i in range(len(array))] if batch_dim == 1 else [array]
        outputs = [self.session.run(None, {meta.name: chunk})[0] for chunk in chunks]
        return torch.from_numpy(np.concatenate(outputs)).to(self.device)

    def parameters_count(self) -> int:
        if self.module is not None:
            return sum(p.numel() for p in self.module.parameters())
        import onnx  # noqa: PLC0415  (only ONNX teachers need it)
        from onnx import numpy_helper  # noqa: PLC0415

        graph = onnx.load(str(self.file)).graph
        return int(sum(numpy_helper.to_array(t).size for t in graph.initializer))


def _check_task(task: str | None, where: str) -> RefineryTask:
    if task not in REFINERY_TASKS:
        raise UserError(f"{where} is a {task} model; the refinery takes {', '.join(REFINERY_TASKS)} models")
    return task  # type: ignore[return-value]


def _load_aip(spec: TeacherSpec, device: torch.device) -> LoadedTeacher:
    model = load_model_pt(spec.file)
    task = _check_task(model.task, f"{spec.file.name}")
    net = network_of(model, spec.file.name)
    extra = model.extra or {}
    spec_in = (
        input_from_json(extra["input"]) if isinstance(extra.get("input"), dict) else platform_input(model.input_size)
    )
    return LoadedTeacher(
        task, model.classes, spec_in, model.arch, "aip", spec.file, device, module=net, name=spec.name or ""
    )


def network_of(model: ModelFile, what: str) -> nn.Module:
    """The network a model.pt holds (pruned ones reshape on load: see models/pruned.py)."""
    if model.task == "multi_task":
        net: nn.Module = build_multi_task(model.arch, model.extra or {})
    else:
        net = build_network(model.arch, len(model.labels) if model.task != "depth" else 1, model.input_size)
    try:
        net.load_state_dict(model.state_dict)
    except RuntimeError as error:
        raise UserError(f"the weights in {what} do not fit architecture {model.arch}: {error}") from error
    return net


def _read_state_dict(file: Path) -> dict[str, torch.Tensor]:
    try:
        data = torch.load(file, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise UserError(f"the weights file {file.name} does not exist") from error
    except pickle.UnpicklingError as error:
        text = str(error)
        # A pickled object (a whole nn.Module …) names a Python global to import; random bytes
        # fail on an unknown opcode instead.
        if "Unsupported global" in text or "GLOBAL" in text:
            raise UserError(
                f"{file.name} holds pickled Python objects (for example a whole nn.Module), not just tensors: "
                "loading it would run code from the upload, which the platform refuses. Save "
                "model.state_dict() instead (or upload TorchScript or ONNX)"
            ) from error
        raise UserError(f"{file.name} is not a PyTorch weights file (torch.load cannot read it)") from error
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as error:
        raise UserError(f"{file.name} is not a PyTorch weights file (torch.load cannot read it: {error})") from error
    # Common wrappers: {"state_dict": ...} (Lightning and many scripts), {"model": ...}, a model.pt.
    for key in ("state_dict", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
            break
    if not isinstance(data, dict) or not data:
        raise UserError(f"{file.name} is not a state_dict (expected a mapping of parameter names to tensors)")
    if not all(isinstance(v, torch.Tensor) for v in data.values()):
        bad = next(k for k, v in data.items() if not isinstance(v, torch.Tensor))
        raise UserError(f"{file.name} is not a state_dict: {bad!r} is a {type(data[bad]).__name__}, not a tensor")
    if all(str(k).startswith("module.") for k in data):  # saved from DataParallel/DDP
        data = {str(k)[len("module.") :]: v for k, v in data.items()}
    return {str(k): v for k, v in data.items()}


def _outputs_problem(
    file: Path, arch: str, declared: int, expected: dict[str, torch.Tensor], got: dict[str, Any]
) -> str:
    """A class-count mismatch, said as one: every mismatch is the output layer's first dimension."""
    mismatched = [k for k in expected if k in got and tuple(got[k].shape) != tuple(expected[k].shape)]
    firsts = {int(got[k].shape[0]) for k in mismatched if got[k].ndim > 0}
    same_rest = all(tuple(got[k].shape[1:]) == tuple(expected[k].shape[1:]) for k in mismatched)
    targets = {int(expected[k].shape[0]) for k in mismatched}
    if mismatched and same_rest and len(firsts) == 1 and targets == {declared}:
        return (
            f"the weights in {file.name} have {firsts.pop()} outputs but {arch} with the declared classes has "
            f"{declared}; the classes list does not match the model"
        )
    return ""


def _load_weights(spec: TeacherSpec, device: torch.device) -> LoadedTeacher:
    # The schema requires both for weights.
    assert spec.input is not None
    assert spec.arch is not None
    task = _check_task(spec.task, f"{spec.file.name}")
    if spec.arch not in ALL_ARCH_TASK:
        raise UserError(f"unknown architecture {spec.arch!r} for {spec.file.name}")
    if ALL_ARCH_TASK[spec.arch] != task:
        raise UserError(f"{spec.arch} is a {ALL_ARCH_TASK[spec.arch]} architecture, but the model is declared {task}")
    if task == "classification" and len(spec.classes) < 2:
        raise UserError("a classifier needs at least 2 classes")
    state = _read_state_dict(spec.file)
    outputs = 1 if task == "depth" else len(spec.classes)
    net = build_network(spec.arch, outputs, spec.input.size)
    expected = net.state_dict()
    declared = outputs + 1 if task == "segmentation" else outputs
    problem = _outputs_problem(spec.file, spec.arch, declared, expected, state)
    if problem:
        raise UserError(problem)
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        f"{k} (file {list(state[k].shape)}, {spec.arch} {list(expected[k].shape)})"
        for k in expected
        if k in state and state[k].shape != expected[k].shape
    ]
    if missing or unexpected or mismatched:

        def few(keys: list[str]) -> str:
            return ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")

        parts = [f"missing keys: {few(missing)}"] if missing else []
        parts += [f"unexpected keys: {few(unexpected)}"] if unexpected else []
        parts += [f"shape mismatches: {few(mismatched)}"] if mismatched else []
        raise UserError(f"the weights in {spec.file.name} do not fit architecture {spec.arch}: " + "; ".join(parts))
    net.load_state_dict(state)
    return LoadedTeacher(
        task,
        spec.classes,
        input_spec(spec.input),
        spec.arch,
        "weights",
        spec.file,
        device,
        module=net,
        name=spec.name or "",
    )


def _load_torchscript(spec: TeacherSpec, device: torch.device) -> LoadedTeacher:
    assert spec.input is not None
    task = _check_task(spec.task, f"{spec.file.name}")
    try:
        module = torch.jit.load(str(spec.file), map_location="cpu")
    except FileNotFoundError as error:
        raise UserError(f"the TorchScript file {spec.file.name} does not exist") from error
    except Exception as error:
        raise UserError(f"{spec.file.name} is not a TorchScript file (torch.jit.load: {error})") from error
    return LoadedTeacher(
        task,
        spec.classes,
        input_spec(spec.input),
        None,
        "torchscript",
        spec.file,
        device,
        module=module,
        name=spec.name or "",
    )


def _load_onnx(spec: TeacherSpec, device: torch.device) -> LoadedTeacher:
    import onnxruntime as ort  # noqa: PLC0415  (only ONNX teachers need it)

    assert spec.input is not None
    task = _check_task(spec.task, f"{spec.file.name}")
    if not spec.file.is_file():
        raise UserError(f"the ONNX file {spec.file.name} does not exist")
    try:
        session = ort.InferenceSession(str(spec.file), providers=["CPUExecutionProvider"])
    except Exception as error:
        raise UserError(f"{spec.file.name} is not an ONNX model ONNX Runtime can load: {error}") from error
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise UserError(f"{spec.file.name} has {len(inputs)} inputs; the refinery takes models with one image input")
    shape = inputs[0].shape
    if len(shape) != 4:
        raise UserError(f"{spec.file.name}'s input {inputs[0].name} has shape {shape}; expected [N, 3, H, W]")
    fixed = [d if isinstance(d, int) else None for d in shape]
    height, width = spec.input.size
    if (fixed[1] not in (None, 3)) or (fixed[2] not in (None, height)) or (fixed[3] not in (None, width)):
        raise UserError(
            f"input metadata mismatch: {spec.file.name} takes input {shape} but the declared input is "
            f"[N, 3, {height}, {width}]"
        )
    return LoadedTeacher(
        task,
        spec.classes,
        input_spec(spec.input),
        None,
        "onnx",
        spec.file,
        device,
        session=session,
        name=spec.name or "",
    )


def load_teacher(spec: TeacherSpec, device: torch.device) -> LoadedTeacher:
    if spec.format == "aip":
        teacher = _load_aip(spec, device)
    elif spec.format == "weights":
        teacher = _load_weights(spec, device)
    elif spec.format == "torchscript":
        teacher = _load_torchscript(spec, device)
    else:
        teacher = _load_onnx(spec, device)
    log.info(
        "teacher %s: %s %s, %d classes, input %s",
        spec.file.name,
        teacher.format,
        teacher.task,
        len(teacher.classes),
        teacher.input,
    )
    return teacher


def output_problem(teacher: LoadedTeacher, out: torch.Tensor) -> str | None:
    """Does a (shaped) output fit the declared task and classes?"""
    name = teacher.file.name
    if teacher.task == "classification" and out.shape[1] != len(teacher.classes):
        return f"{name} outputs {out.shape[1]} classes but {len(teacher.classes)} were declared"
    if teacher.task == "segmentation" and out.shape[1] != len(teacher.classes) + 1:
        return (
            f"{name} outputs {out.shape[1]} channels but {len(teacher.classes)} classes were declared "
            f"(a segmenter outputs background + one channel per class: {len(teacher.classes) + 1})"
        )
    return None


def probe(teacher: LoadedTeacher) -> torch.Tensor:
    """One forward pass on a dummy input of the teacher's size; the output, checked against the
    declared task and classes (UserError naming the problem)."""
    height, width = teacher.input.size
    dummy = torch.full((1, 3, height, width), 127.0, device=teacher.device)
    try:
        out = teacher(dummy)
    except UserError:
        raise
    except Exception as error:
        raise UserError(
            f"{teacher.file.name} fails on a [1, 3, {height}, {width}] input (check the declared input size): "
            f"{first_line(error)}"
        ) from error
    problem = output_problem(teacher, out)
    if problem:
        raise UserError(problem)
    return out
