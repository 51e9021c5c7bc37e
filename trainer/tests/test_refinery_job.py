"""The refine job's wiring of the other algorithms (amalgamation, task branching) through the CLI:
teachers of every format, the union of classes, a multi-task student's ONNX outputs and its
evaluation per head. One epoch each: this checks plumbing, not learning (their own tests do that)."""

from __future__ import annotations

import json

import torch
from refinery_p1_support import DIGITS, build, save_aip
from synthetic_digits import make_digits
from torch import nn

from aip_trainer.artifacts import load_model_pt

from conftest import run_job

SIZE = (32, 32)


class BrightSegmenter(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gray = x.mean(1, keepdim=True)
        return torch.cat([torch.zeros_like(gray), (gray - 0.5) * 20], dim=1)


class BlurDepth(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.avg_pool2d(x[:, :1] * 0.01 + x[:, 2:] * 0.005, 5, 1, 2)


def test_amalgamation_and_task_branching_jobs(tmp_path):
    data = tmp_path / "data"
    make_digits(data, 120, seed=1, labeled=False)
    base = {"manifest": str(data / "manifest.jsonl"), "imageRoot": str(data), "device": "cpu", "kind": "refine"}
    save_aip(tmp_path / "a.pt", build("tiny_cnn", 5, SIZE), "tiny_cnn", "classification", DIGITS[:5], SIZE)
    save_aip(tmp_path / "b.pt", build("tiny_cnn", 5, SIZE, seed=1), "tiny_cnn", "classification", DIGITS[5:], SIZE)
    teachers = [{"file": str(tmp_path / "a.pt"), "format": "aip"}, {"file": str(tmp_path / "b.pt"), "format": "aip"}]
    amalgamated = run_job(
        tmp_path,
        {
            **base,
            "algorithm": "amalgamate",
            "teachers": teachers,
            "output": str(tmp_path / "am"),
            "params": {"epochs": 1},
        },
    )
    assert amalgamated.code == 0, amalgamated.stderr[-3000:]
    model = load_model_pt(tmp_path / "am" / "model.pt")
    assert (model.arch, model.classes) == ("tiny_cnn", DIGITS)  # the union, in the teachers' order
    metrics = json.loads((tmp_path / "am" / "metrics.json").read_text())
    assert [t["name"] for t in metrics["teachers"]] == ["teacher 1 (a.pt)", "teacher 2 (b.pt)"]
    assert all("agreement" in t for t in metrics["teachers"])

    torch.onnx.export(BrightSegmenter(), (torch.zeros(1, 3, 32, 32),), str(tmp_path / "seg.onnx"), dynamo=False)
    torch.jit.script(BlurDepth()).save(str(tmp_path / "depth.ts"))
    seg = {
        "file": str(tmp_path / "seg.onnx"),
        "format": "onnx",
        "task": "segmentation",
        "classes": ["bright"],
        "input": {"size": [32, 32], "range": [0, 1]},
    }
    depth = {
        "file": str(tmp_path / "depth.ts"),
        "format": "torchscript",
        "task": "depth",
        "classes": [],
        "input": {"size": [32, 32], "colorSpace": "BGR", "range": [0, 255]},
    }
    branched = run_job(
        tmp_path,
        {
            **base,
            "algorithm": "task_branch",
            "teachers": [seg, depth],
            "output": str(tmp_path / "tb"),
            "params": {"epochs": 1, "searchEpochs": 1},
        },
    )
    assert branched.code == 0, branched.stderr[-3000:]
    described = json.loads((tmp_path / "tb" / "model.json").read_text())
    assert (described["task"], described["arch"], described["outputs"]) == (
        "multi_task",
        "branch_unet_tiny",
        ["mask", "depth"],
    )
    job_metrics = json.loads((tmp_path / "tb" / "metrics.json").read_text())
    assert [h["task"] for h in job_metrics["heads"]] == ["segmentation", "depth"]
    evaluated = run_job(
        tmp_path,
        {
            **base,
            "kind": "refine_evaluate",
            "algorithm": "task_branch",
            "teachers": [seg, depth],
            "model": str(tmp_path / "tb" / "model.pt"),
            "output": str(tmp_path / "tbe"),
        },
    )
    assert evaluated.code == 0, evaluated.stderr[-3000:]
    figures = json.loads((tmp_path / "tbe" / "metrics.json").read_text())
    assert figures["heads"][0]["miou"] == job_metrics["heads"][0]["miou"]
    assert abs(figures["heads"][1]["mae"] - job_metrics["heads"][1]["mae"]) < 1e-5
