"""A refined model's ONNX graph (what ships) against its teachers on held-out images, and
``kind: refine_evaluate``.

Per teacher: classification top-1 agreement (the student's scores restricted to that teacher's
classes, so an amalgamated student is compared with each teacher on its own classes); segmentation
mIoU of the class maps (the student's classes mapped onto the teacher's by name); depth mean absolute
error and abs-rel. Accuracy where the dataset's ``class`` labels match the student's classes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch

from aip_trainer.artifacts import METRICS_JSON, MODEL_ONNX, load_model_pt, write_json
from aip_trainer.device import seed_everything, select_device
from aip_trainer.errors import UserError
from aip_trainer.events import EventWriter
from aip_trainer.export import export_onnx
from aip_trainer.models import build_deploy, multi_task_output_names, output_names
from aip_trainer.refinery.contract import Batch
from aip_trainer.refinery.data import load_data
from aip_trainer.refinery.distill import teacher_outputs
from aip_trainer.refinery.measure import Agreement, count_macs, count_parameters, onnx_latency_ms
from aip_trainer.refinery.teachers import InputNormalize, LoadedTeacher, input_from_json, load_teacher
from aip_trainer.spec import RefineSpec

log = logging.getLogger(__name__)


def _student_view(task: str, out: torch.Tensor, student: list[str], teacher: LoadedTeacher) -> torch.Tensor | None:
    """The student's output in the teacher's terms, or None when they share no class."""
    if task == "depth":
        return out
    if task == "classification":
        index = [student.index(c) for c in teacher.classes if c in student]
        if len(index) != len(teacher.classes):
            return None
        return out[:, index]
    # Segmentation class map: 0 background, k = student class k-1 -> the teacher's numbering.
    lookup = torch.tensor(
        [0] + [teacher.classes.index(c) + 1 if c in teacher.classes else 0 for c in student], dtype=torch.int64
    )
    return lookup[out.long()]


def evaluate_onnx(
    path: Path, task: str, classes: list[str], teachers: list[LoadedTeacher], batches: Iterable[Batch]
) -> dict[str, Any]:
    """Runs the model's ONNX graph (image by image: graphs have a fixed batch of one) on ``batches``.

    A task-branching student (``multi_task``) has one output per teacher, in the teachers' order,
    each in that teacher's own terms."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    per_teacher = [Agreement(task if task != "multi_task" else t.task) for t in teachers]
    teacher_own = [Agreement("classification") for _ in teachers]  # teachers' own accuracy on labels
    accuracy = Agreement("classification")
    for batch in batches:
        images = batch.images.cpu()
        runs = [session.run(None, {name: images[i : i + 1].numpy().astype(np.float32)}) for i in range(len(images))]
        heads = [torch.from_numpy(np.concatenate([r[k] for r in runs])) for k in range(len(runs[0]))]
        student = heads[0]
        if task == "classification" and batch.labels is not None:
            accuracy.add(student, student, batch.labels.cpu())
        for i, teacher in enumerate(teachers):
            if task == "multi_task":
                view: torch.Tensor | None = heads[i] if i < len(heads) else None
            else:
                view = _student_view(task, student, classes, teacher)
            target = teacher_outputs(teacher, batch.images).cpu()
            if view is None:
                continue
            per_teacher[i].add(view, target)
            if teacher.task == "classification" and batch.labels is not None and teacher.classes == classes:
                teacher_own[i].add(target, target, batch.labels.cpu())
    figures: dict[str, Any] = {
        "teachers": [
            {"name": t.name, **a.figures(), **({"accuracy": o.figures()["accuracy"]} if o.labeled else {})}
            for t, a, o in zip(teachers, per_teacher, teacher_own, strict=True)
        ]
    }
    if task == "classification":
        figures["agreement"] = float(np.mean([a.figures()["agreement"] for a in per_teacher if a.count] or [0.0]))
        if accuracy.labeled:
            figures["accuracy"] = accuracy.figures()["accuracy"]
    elif task == "segmentation":
        figures["miou"] = float(np.mean([a.figures()["miou"] for a in per_teacher if a.count] or [0.0]))
    elif task == "multi_task":
        figures["heads"] = [
            {"teacher": t.name, "task": t.task, **a.figures()} for t, a in zip(teachers, per_teacher, strict=True)
        ]
    elif task == "depth":
        figures["mae"] = float(np.mean([a.figures()["mae"] for a in per_teacher if a.count] or [0.0]))
        figures["absRel"] = float(np.mean([a.figures()["absRel"] for a in per_teacher if a.count] or [0.0]))
    return figures


def run_refine_evaluate(spec: RefineSpec, events: EventWriter) -> None:
    assert spec.model is not None  # the schema requires it for refine_evaluate
    model = load_model_pt(spec.model)
    device = select_device(spec.device)
    seed_everything(spec.seed)
    from aip_trainer.refinery.teachers import network_of  # noqa: PLC0415

    net = network_of(model, spec.model.name).eval()
    teachers = [load_teacher(t, device) for t in spec.teachers]
    for index, teacher in enumerate(teachers):
        teacher.name = spec.teachers[index].name or f"teacher {index + 1} ({spec.teachers[index].file.name})"
    data = load_data(
        spec.manifest,
        spec.image_root,
        classes=model.classes,
        size=model.input_size,
        batch_size=16,
        device=device,
        seed=spec.seed,
    )
    spec.output.mkdir(parents=True, exist_ok=True)
    onnx_path = spec.model.with_name(MODEL_ONNX)
    if not onnx_path.is_file():
        # An evaluation of a model.pt without its ONNX graph: export it the way the refine job does.
        extra = model.extra or {}
        deploy = build_deploy(model.arch, net, model.input_size)
        if isinstance(extra.get("input"), dict):
            deploy.normalize = InputNormalize(input_from_json(extra["input"]))  # type: ignore[assignment]
        onnx_path = spec.output / MODEL_ONNX
        names = multi_task_output_names(extra) if model.task == "multi_task" else output_names(model.task)
        export_onnx(deploy.eval(), data.val.store[0][None].float(), onnx_path, names)
    events.emit("start", epochs=0, device=device.type, trainImages=0, valImages=0, testImages=len(data.test.store))
    if model.task not in ("classification", "segmentation", "depth", "multi_task"):
        raise UserError(f"{spec.model.name} is a {model.task} model; refine_evaluate takes refinery models")
    metrics = {
        **evaluate_onnx(onnx_path, model.task, model.classes, teachers, data.test),
        "evaluatedOn": data.test_split,
        "parameters": count_parameters(net),
        "macs": count_macs(net, model.input_size),
        "latencyMs": onnx_latency_ms(str(onnx_path), model.input_size),
    }
    write_json(spec.output / METRICS_JSON, metrics)
    events.emit("done", metrics=metrics)
