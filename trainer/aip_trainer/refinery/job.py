"""``kind: refine``: loads the teachers and the data, runs the algorithm's ``run(ctx)``, reports its
epochs, then writes model.onnx (verified against PyTorch), model.pt, model.json and, last,
metrics.json (the ONNX model evaluated on the held-out images, see evaluate.py)."""

from __future__ import annotations

import importlib
import logging
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch

from aip_trainer.artifacts import (
    METRICS_JSON,
    MODEL_JSON,
    MODEL_ONNX,
    MODEL_PT,
    ModelFile,
    is_finished,
    model_json,
    read_json,
    save_model_pt,
    write_json,
)
from aip_trainer.device import seed_everything, select_device
from aip_trainer.errors import UserError
from aip_trainer.events import EventWriter
from aip_trainer.export import export_onnx, verify_onnx
from aip_trainer.models import ALL_ARCH_TASK, build_deploy, multi_task_output_names, output_names
from aip_trainer.models.pruned import mark_pruned
from aip_trainer.refinery.contract import RefineryContext, RefineryResult
from aip_trainer.refinery.data import load_data
from aip_trainer.refinery.evaluate import evaluate_onnx
from aip_trainer.refinery.teachers import InputNormalize, LoadedTeacher, input_from_json, load_teacher, probe
from aip_trainer.spec import RefineSpec

log = logging.getLogger(__name__)

ALGORITHM_MODULES = {
    "auto_prune": "aip_trainer.refinery.prune",
    "distill": "aip_trainer.refinery.distill",
    "amalgamate": "aip_trainer.refinery.amalgamate",
    "common_feature": "aip_trainer.refinery.common_feature",
    "task_branch": "aip_trainer.refinery.task_branch",
}
# Where the algorithm fixes the student's architecture.
FIXED_STUDENT = {"task_branch": "branch_unet_tiny"}


def algorithm_module(algorithm: str) -> ModuleType:
    try:
        return importlib.import_module(ALGORITHM_MODULES[algorithm])
    except ModuleNotFoundError as error:
        raise UserError(f"the algorithm {algorithm} is not available in this trainer") from error


def union_classes(teachers: list[LoadedTeacher]) -> list[str]:
    """The teachers' classes in order of first appearance; classes sharing a name are one."""
    seen: dict[str, None] = {}
    for teacher in teachers:
        seen.update(dict.fromkeys(teacher.classes))
    return list(seen)


def student_classes(algorithm: str, teachers: list[LoadedTeacher]) -> list[str]:
    if algorithm in ("auto_prune", "distill"):
        return list(teachers[0].classes)
    return union_classes(teachers)


def load_teachers(spec: RefineSpec, device: torch.device) -> list[LoadedTeacher]:
    teachers = []
    for index, teacher_spec in enumerate(spec.teachers):
        teacher = load_teacher(teacher_spec, device)
        teacher.name = teacher_spec.name or f"teacher {index + 1} ({teacher_spec.file.name})"
        probe(teacher)  # one forward pass: a teacher that does not fit its declaration fails now
        teachers.append(teacher)
    return teachers


def deployable(result: RefineryResult) -> torch.nn.Module:
    """The registry's deploy wrapper around the student; a student that keeps an uploaded model's
    own input convention (a pruned upload) gets that normalization in the graph instead."""
    deploy = build_deploy(result.arch, result.network, result.input_size)
    if isinstance(result.extra.get("input"), dict):
        deploy.normalize = InputNormalize(input_from_json(result.extra["input"]))  # type: ignore[assignment]
    return deploy.eval()


def deploy_outputs(task: str, extra: dict[str, Any]) -> list[str]:
    """The ONNX output names: the task's, or one per head of a task-branching student."""
    return multi_task_output_names(extra) if task == "multi_task" else output_names(task)


def _parity_problem(task: str) -> Any:
    def problem(expected: list[np.ndarray], actual: list[np.ndarray]) -> str | None:
        for want, got in zip(expected, actual, strict=True):
            if want.shape != got.shape:
                return f"output shape {got.shape} instead of {want.shape}"
            if want.dtype.kind in "iu":  # class maps: a rare tie may flip a pixel
                if float((want == got).mean()) < 0.999:
                    return f"{float((want != got).mean()):.4%} of the mask's pixels differ"
            elif not np.allclose(want, got, rtol=1e-3, atol=1e-4 if task == "classification" else 1e-3):
                return f"largest difference {float(np.abs(want - got).max()):.6f}"
        return None

    return problem


def write_outputs(
    spec: RefineSpec, result: RefineryResult, teachers: list[LoadedTeacher], sample: torch.Tensor
) -> dict[str, Any]:
    out = spec.output
    net = result.network.cpu().eval()
    deploy = deployable(result)
    export_onnx(deploy, sample, out / MODEL_ONNX, deploy_outputs(result.task, result.extra))
    verify_onnx(out / MODEL_ONNX, deploy, sample, _parity_problem(result.task))
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    if result.extra.get("pruned"):
        state = mark_pruned(state)
    teachers_json = [
        {"name": t.name, "format": t.format, "task": t.task, "arch": t.arch, "classes": t.classes} for t in teachers
    ]
    extra = {**result.extra, "refinery": {"algorithm": spec.algorithm, "teachers": teachers_json}}
    model = ModelFile(result.arch, result.task, result.classes, result.input_size, state, extra=extra)
    save_model_pt(out / MODEL_PT, model)
    description = model_json(model, sum(p.numel() for p in net.parameters()))
    description["refinery"] = {"algorithm": spec.algorithm, "teachers": teachers_json, "params": spec.params}
    if isinstance(result.extra.get("input"), dict):
        description["modelInput"] = result.extra["input"]  # the normalization inside the graph
    write_json(out / MODEL_JSON, description)
    return description


def _reemit_done(spec: RefineSpec, events: EventWriter) -> None:
    described = read_json(spec.output / MODEL_JSON)
    if (described.get("refinery") or {}).get("algorithm") != spec.algorithm:
        raise UserError(
            f"the output folder {spec.output} already holds a finished model of another job; use a new output folder"
        )
    log.info("the job already finished; reporting its metrics again")
    events.emit("done", metrics=read_json(spec.output / METRICS_JSON))


def run_refine(spec: RefineSpec, events: EventWriter) -> None:
    spec.output.mkdir(parents=True, exist_ok=True)
    if is_finished(spec.output):
        _reemit_done(spec, events)
        return
    device = select_device(spec.device)
    seed_everything(spec.seed)
    teachers = load_teachers(spec, device)
    module = algorithm_module(spec.algorithm)
    classes = student_classes(spec.algorithm, teachers)
    side = spec.params.get("imageSize") or teachers[0].input.size[0]
    size = (int(side), int(side))
    student_arch = FIXED_STUDENT.get(spec.algorithm, spec.student_arch)
    if spec.algorithm == "amalgamate" and student_arch is None:
        student_arch = teachers[0].arch
    if student_arch is not None and student_arch not in ALL_ARCH_TASK:
        raise UserError(f"unknown student architecture {student_arch!r}")
    data = load_data(
        spec.manifest,
        spec.image_root,
        classes=classes,
        size=size,
        batch_size=int(spec.params["batchSize"]),
        device=device,
        seed=spec.seed,
    )
    events.emit(
        "start",
        epochs=_total_epochs(spec),
        device=device.type,
        trainImages=len(data.splits.train),
        valImages=len(data.splits.val),
        testImages=len(data.splits.test),
    )
    started = time.monotonic()
    best = {"score": -float("inf")}

    def on_epoch(epoch: int, epochs: int, figures: dict[str, float]) -> None:
        metric_name, metric = next(((k[4:], v) for k, v in figures.items() if k.startswith("val_")), ("loss", 0.0))
        score = -metric if metric_name in ("mae", "absRel") else metric
        improved = score > best["score"]
        best["score"] = max(best["score"], score)
        elapsed = time.monotonic() - started
        events.emit(
            "progress",
            epoch=epoch,
            epochs=epochs,
            step=epoch,
            steps=epochs,
            fraction=round(epoch / max(epochs, 1), 4),
            loss=figures.get("loss"),
            etaSeconds=round(elapsed / max(epoch, 1) * (epochs - epoch), 1),
        )
        events.emit(
            "epoch",
            epoch=epoch,
            epochs=epochs,
            loss=figures.get("loss"),
            metric=metric,
            metricName=metric_name,
            best=improved,
            metrics=figures,
        )
        log.info("epoch %d/%d %s", epoch, epochs, figures)

    ctx = RefineryContext(
        teachers=list(teachers),
        classes=classes,
        input_size=size,
        train=data.train,
        val=data.val,
        params=dict(spec.params),
        device=device,
        seed=spec.seed,
        student_arch=student_arch,
        on_epoch=on_epoch,
        log=lambda message: log.info("%s", message),
        work_dir=spec.output,
    )
    result = module.run(ctx)
    sample = data.val.store[0][None].float()
    write_outputs(spec, result, teachers, sample)
    evaluation = evaluate_onnx(spec.output / MODEL_ONNX, result.task, result.classes, teachers, data.test)
    measured = {
        "algorithm": spec.algorithm,
        **evaluation,
        "evaluatedOn": data.test_split,
        "parameters": sum(p.numel() for p in result.network.parameters()),
        "teacherParameters": [t.parameters_count() for t in teachers],
        **_student_cost(result, spec.output / MODEL_ONNX),
    }
    # The held-out figures above win; an algorithm's own figure of the same name is kept aside.
    clashing = {k: v for k, v in result.metrics.items() if k in measured and measured[k] != v}
    metrics = {**result.metrics, **measured, **({"algorithmFigures": clashing} if clashing else {})}
    write_json(spec.output / METRICS_JSON, metrics)
    events.emit("done", metrics=metrics)


def _student_cost(result: RefineryResult, onnx_path: Path) -> dict[str, Any]:
    """MACs of the network and the CPU latency of what ships (the ONNX graph, one thread)."""
    from aip_trainer.refinery.measure import count_macs, onnx_latency_ms  # noqa: PLC0415

    try:
        macs = count_macs(result.network, result.input_size)
    except Exception as error:  # FLOPs are a figure, not the job: never fail on the counter
        log.warning("could not count the student's FLOPs: %s", error)
        macs = None
    return {"macs": macs, "latencyMs": onnx_latency_ms(str(onnx_path), result.input_size)}


def _total_epochs(spec: RefineSpec) -> int:
    params = spec.params
    if spec.algorithm == "auto_prune":
        return int(params["steps"]) * int(params["epochsPerStep"])
    return int(params.get("epochs", 0))
