"""``kind: evaluate``: metrics of an existing model.pt on the held-out images of a manifest."""

from __future__ import annotations

import dataclasses
import logging

from aip_trainer.artifacts import METRICS_JSON, load_model_pt, write_json
from aip_trainer.device import select_device
from aip_trainer.errors import UserError
from aip_trainer.events import EventWriter
from aip_trainer.images import ImageStore
from aip_trainer.manifest import read_manifest, usable_image
from aip_trainer.models import build_deploy, build_network
from aip_trainer.spec import JobSpec
from aip_trainer.tasks import make_adapter

log = logging.getLogger(__name__)


def run_evaluate(spec: JobSpec, events: EventWriter) -> None:
    assert spec.model is not None  # the schema requires it for kind evaluate
    model = load_model_pt(spec.model)
    if model.task != spec.task:
        raise UserError(f"the model {spec.model} is a {model.task} model, but the job's task is {spec.task}")
    if set(model.classes) != set(spec.classes):
        raise UserError(f"the model's classes {model.classes} differ from the job's classes {spec.classes}")
    if model.arch != spec.arch:
        log.warning("the job names arch %s but the model is %s; evaluating the model", spec.arch, model.arch)
    # The model's class order is what its outputs index.
    spec = dataclasses.replace(spec, classes=model.classes, arch=model.arch)
    device = select_device(spec.device)
    entries = read_manifest(spec)
    split = next((name for name in ("test", "val", "train") if any(e.split == name for e in entries)), None)
    if split is None:
        raise UserError(f"the manifest {spec.manifest} has no image {usable_image(spec)}")
    if split != "test":
        log.warning("the manifest has no test images; evaluating on its %s images", split)
    held_out = [e for e in entries if e.split == split]
    net = build_network(model.arch, len(model.labels), model.input_size)
    try:
        net.load_state_dict(model.state_dict)
    except RuntimeError as error:
        raise UserError(f"the weights in {spec.model} do not fit architecture {model.arch}: {error}") from error
    deploy = build_deploy(model.arch, net, model.input_size).to(device)
    events.emit("start", epochs=0, device=device.type, trainImages=0, valImages=0, testImages=len(held_out))
    adapter = make_adapter(model.task, model.arch, model.labels, device)
    metrics = {**adapter.evaluate(deploy, ImageStore(held_out, model.input_size)).metrics, "evaluatedOn": split}
    spec.output.mkdir(parents=True, exist_ok=True)
    write_json(spec.output / METRICS_JSON, metrics)
    events.emit("done", metrics=metrics)
