"""Job spec validation: bad specs fail at once with a user error naming the problem."""

from __future__ import annotations

import copy
import json

import pytest

from aip_trainer.errors import UserError
from aip_trainer.hyper import ARCH_DEFAULTS
from aip_trainer.models import ARCH_TASK
from aip_trainer.spec import validate_spec

from conftest import TRAINER_ROOT, cls_spec, run_job, seg_spec


def test_valid_spec_gets_defaults(tmp_path):
    spec = validate_spec(cls_spec(tmp_path, tmp_path / "out"))
    assert spec.hyper.epochs is None
    assert spec.label_map == {}
    assert spec.device == "cpu"


def test_segmentation_spec_takes_one_class(tmp_path):
    spec = validate_spec(seg_spec(tmp_path, tmp_path / "out", classes=["road"], labelMap={}))
    assert (spec.task, spec.arch, spec.classes) == ("segmentation", "tiny_unet", ["road"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.pop("manifest"), "'manifest' is a required property"),
        (lambda s: s.update(arch="tiny_det"), "job.arch"),
        (lambda s: s.update(arch="tiny_unet"), "job.arch"),
        (lambda s: s.update(task="segmentation"), "job.arch"),
        (lambda s: s.update(kind="predict"), "job.kind"),
        (lambda s: s.update(hyper={"epoch": 3}), "'epoch' was unexpected"),
        (lambda s: s.update(hyper={"learningRate": 0}), "job.hyper.learningRate"),
        (lambda s: s.update(classes=["only-one"]), "job.classes"),
        (lambda s: s.update(labelMap={"kitten": "cat"}), "not in job.classes"),
        (lambda s: s.update(kind="evaluate"), "'model' is a required property"),
    ],
)
def test_invalid_specs_are_rejected(tmp_path, change, expected):
    spec = copy.deepcopy(cls_spec(tmp_path, tmp_path / "out"))
    change(spec)
    with pytest.raises(UserError, match="the job spec is invalid") as raised:
        validate_spec(spec)
    assert expected in str(raised.value)


def test_schema_offers_each_registered_arch_for_its_task():
    schema = json.loads((TRAINER_ROOT / "job-spec.schema.json").read_text(encoding="utf-8"))
    assert set(schema["properties"]["arch"]["enum"]) == set(ARCH_TASK)
    for rule in schema["allOf"]:
        task = rule["if"]["properties"].get("task", {}).get("const")
        if task is not None:
            assert set(rule["then"]["properties"]["arch"]["enum"]) == {a for a, t in ARCH_TASK.items() if t == task}
    assert set(ARCH_DEFAULTS) >= set(ARCH_TASK)


def test_cli_reports_invalid_spec_as_user_error(tmp_path):
    spec = cls_spec(tmp_path, tmp_path / "out", arch="resnet101")
    result = run_job(tmp_path, spec)
    assert result.code == 2
    assert len(result.events) == 1
    error = result.events[0]
    assert error["event"] == "error"
    assert error["userError"] is True
    assert "job.arch" in error["message"]


def test_cli_reports_missing_manifest_as_user_error(tmp_path):
    spec = cls_spec(tmp_path / "nowhere", tmp_path / "out")
    result = run_job(tmp_path, spec)
    assert result.code == 2
    assert result.events[-1]["event"] == "error"
    assert "cannot read the manifest" in result.events[-1]["message"]
