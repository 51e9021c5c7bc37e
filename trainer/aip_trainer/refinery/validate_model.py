"""``kind: validate_model``: checks an uploaded model before the platform accepts it.

Loads it the way a teacher is loaded (no uploaded Python runs), runs one forward pass on a dummy
input of its declared size and checks the output against the declared task and classes. Writes
model.json; for ``weights`` uploads also a platform model.pt and model.onnx, so the upload can be used
in flowcharts and as a pruning or amalgamation teacher. A bad file is a user error (exit 2) whose
message names the problem.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from aip_trainer.artifacts import MODEL_JSON, MODEL_ONNX, MODEL_PT, ModelFile, model_json, save_model_pt, write_json
from aip_trainer.device import select_device
from aip_trainer.events import EventWriter
from aip_trainer.export import export_onnx, verify_onnx
from aip_trainer.models import build_deploy, output_names
from aip_trainer.refinery.job import _parity_problem
from aip_trainer.refinery.teachers import (
    InputNormalize,
    input_to_json,
    is_platform_input,
    load_teacher,
    probe,
)
from aip_trainer.spec import ValidateModelSpec

log = logging.getLogger(__name__)


def run_validate_model(spec: ValidateModelSpec, events: EventWriter) -> None:
    # Validation is one forward pass: the CPU is always enough, and keeps the result independent
    # of the worker.
    device = select_device("cpu" if spec.device == "auto" else spec.device)
    events.emit("start", epochs=0, device=device.type, trainImages=0, valImages=0, testImages=0)
    teacher = load_teacher(spec.model, device)
    out = probe(teacher)
    spec.output.mkdir(parents=True, exist_ok=True)
    description: dict[str, Any] = {
        "version": 1,
        "task": teacher.task,
        "arch": teacher.arch,
        "classes": teacher.classes,
        "inputSize": list(teacher.input.size),
        "input": input_to_json(teacher.input),
        "format": teacher.format,
        # The raw output the model gives (what a teacher's outputs are); the platform's deploy outputs
        # where a model.onnx is written.
        "outputs": ["depth" if teacher.task == "depth" else "logits"],
        "outputShape": list(out.shape),
        "parameters": teacher.parameters_count(),
    }
    net = teacher.network()
    if teacher.format == "weights" and net is not None and teacher.arch is not None:
        net = net.cpu().eval()
        state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        # The platform's model.pt; an upload with its own input convention keeps it (model.pt
        # "input", and inside the ONNX graph).
        extra = {} if is_platform_input(teacher.input) else {"input": input_to_json(teacher.input)}
        model = ModelFile(teacher.arch, teacher.task, teacher.classes, teacher.input.size, state, extra=extra or None)
        deploy = build_deploy(teacher.arch, net, teacher.input.size)
        if extra:
            deploy.normalize = InputNormalize(teacher.input)  # type: ignore[assignment]
        sample = torch.rand(1, 3, *teacher.input.size) * 255
        export_onnx(deploy.eval(), sample, spec.output / MODEL_ONNX, output_names(teacher.task))
        verify_onnx(spec.output / MODEL_ONNX, deploy, sample, _parity_problem(teacher.task))
        save_model_pt(spec.output / MODEL_PT, model)
        platform = model_json(model, description["parameters"])
        # model.onnx takes raw 0..255 RGB like every platform model: "input" describes it (what
        # serving reads), "uploadInput" what the uploaded network itself expects.
        description = {
            **platform,
            **description,
            "input": platform["input"],
            "uploadInput": description["input"],
            "outputs": platform["outputs"],
        }
    write_json(spec.output / MODEL_JSON, description)
    events.emit("done", metrics={"parameters": description["parameters"], "outputShape": list(out.shape)})
