"""The refinery's job kinds in the job spec: refine, refine_evaluate, validate_model."""

from __future__ import annotations

import copy

import pytest

from aip_trainer.errors import UserError
from aip_trainer.spec import JobSpec, RefineSpec, ValidateModelSpec, validate_any_spec, validate_spec

from conftest import cls_spec

TEACHER = {
    "file": "/models/a.onnx",
    "format": "onnx",
    "task": "classification",
    "arch": None,
    "classes": ["cat", "dog"],
    "input": {"size": [64, 48], "colorSpace": "BGR", "range": [0, 1], "mean": [0.5, 0.5, 0.5], "std": [0.2, 0.2, 0.2]},
}


def refine(**extra):
    spec = {
        "kind": "refine",
        "algorithm": "distill",
        "teachers": [TEACHER],
        "student": {"arch": "tiny_cnn"},
        "manifest": "/data/manifest.jsonl",
        "imageRoot": "/data",
        "output": "/out",
        "params": {
            "epochs": 5,
            "temperature": 2,
            "ceWeight": 0.5,
            "learningRate": 0.01,
            "batchSize": 16,
            "imageSize": None,
        },
        "device": "cpu",
        "seed": 3,
    }
    spec.update(extra)
    return spec


def test_refine_spec_typed_view():
    spec = validate_any_spec(refine())
    assert isinstance(spec, RefineSpec)
    assert (spec.kind, spec.algorithm, spec.student_arch, spec.seed) == ("refine", "distill", "tiny_cnn", 3)
    teacher = spec.teachers[0]
    assert (teacher.format, teacher.task, teacher.classes) == ("onnx", "classification", ["cat", "dog"])
    assert teacher.input is not None
    assert teacher.input.size == (64, 48)
    assert (teacher.input.color_space, teacher.input.value_range, teacher.input.mean) == (
        "BGR",
        (0.0, 1.0),
        (0.5, 0.5, 0.5),
    )
    assert spec.params["temperature"] == 2
    assert spec.params["epochs"] == 5


def test_missing_params_take_the_contract_defaults():
    spec = validate_any_spec(
        refine(algorithm="auto_prune", params={}, student=None, teachers=[{"file": "/m.pt", "format": "aip"}])
    )
    assert isinstance(spec, RefineSpec)
    assert spec.params == {
        "learningRate": 0.003,
        "batchSize": 32,
        "imageSize": None,
        "targetRatio": 0.5,
        "steps": 3,
        "epochsPerStep": 3,
    }


def test_every_problem_is_reported_at_once():
    bad = refine(
        algorithm="auto_prune",
        teachers=[TEACHER, TEACHER],
        params={"targetRatio": 0.99, "steps": 0, "temperature": 4},
    )
    with pytest.raises(UserError) as raised:
        validate_any_spec(bad)
    message = str(raised.value)
    assert "job.params.targetRatio" in message
    assert "job.params.steps" in message
    assert "'temperature' was unexpected" in message  # not a pruning parameter
    assert "job.teachers" in message  # pruning takes one model


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.pop("teachers"), "'teachers' is a required property"),
        (lambda s: s.update(algorithm="amalgamate", params={"featureWeight": 11}), "job.params.featureWeight"),
        (lambda s: s.update(algorithm="amalgamate", params={}), "job.teachers"),  # needs 2..8
        (lambda s: s.update(algorithm="common_feature", params={"commonDim": 8}, teachers=[TEACHER] * 2), "commonDim"),
        (
            lambda s: s.update(algorithm="task_branch", params={"searchEpochs": 11}, teachers=[TEACHER] * 2),
            "searchEpochs",
        ),
        (lambda s: s["teachers"][0].update(format="pickle"), "job.teachers[0].format"),
        (lambda s: s["teachers"][0].pop("input"), "'input' is a required property"),
        (lambda s: s["teachers"][0]["input"].update(range=[0, 2]), "must be [0, 1] or [0, 255]"),
        (lambda s: s["teachers"][0]["input"].update(std=None), "give both mean and std"),
        (lambda s: s.update(kind="refine_evaluate"), "'model' is a required property"),
    ],
)
def test_invalid_refine_specs(change, expected):
    spec = copy.deepcopy(refine())
    change(spec)
    with pytest.raises(UserError, match="the job spec is invalid") as raised:
        validate_any_spec(spec)
    assert expected in str(raised.value)


def test_weights_teacher_needs_its_arch():
    teacher = {**TEACHER, "format": "weights", "file": "/w.pth"}
    with pytest.raises(UserError, match=r"'arch' is a required property|job\.teachers\[0\]\.arch"):
        validate_any_spec(refine(teachers=[teacher]))
    spec = validate_any_spec(refine(teachers=[{**teacher, "arch": "tiny_cnn"}]))
    assert isinstance(spec, RefineSpec)
    assert spec.teachers[0].arch == "tiny_cnn"


def test_validate_model_and_refine_evaluate_specs():
    spec = validate_any_spec({"kind": "validate_model", "model": TEACHER, "output": "/out"})
    assert isinstance(spec, ValidateModelSpec)
    assert spec.model.format == "onnx"
    with pytest.raises(UserError, match=r"job\.model"):
        validate_any_spec({"kind": "validate_model", "model": "/a/model.pt", "output": "/out"})
    evaluated = validate_any_spec(refine(kind="refine_evaluate", model="/out/model.pt"))
    assert isinstance(evaluated, RefineSpec)
    assert evaluated.model is not None
    assert evaluated.model.name == "model.pt"


def test_flowchart_jobs_are_unchanged(tmp_path):
    spec = validate_spec(cls_spec(tmp_path, tmp_path / "out"))
    assert isinstance(spec, JobSpec)
    with pytest.raises(UserError, match="expected train or evaluate"):
        validate_spec(refine())
    # A train job cannot carry refinery fields' values of the wrong kind.
    bad = cls_spec(tmp_path, tmp_path / "out", model={"file": "x"})
    with pytest.raises(UserError, match=r"job\.model"):
        validate_any_spec(bad)
