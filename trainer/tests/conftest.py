"""Shared fixtures: synthetic datasets and a runner for the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from synthetic import make_classification, make_detection, make_segmentation

TRAINER_ROOT = Path(__file__).resolve().parent.parent
SHAPES = ["circle", "square", "triangle"]


def trainer_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TRAINER_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def trainer_command(job: Path) -> list[str]:
    return [sys.executable, "-m", "aip_trainer", "run", str(job)]


def write_job(directory: Path, spec: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    job = directory / f"job-{len(list(directory.glob('job-*.json')))}.json"
    job.write_text(json.dumps(spec), encoding="utf-8")
    return job


@dataclass
class Result:
    code: int
    events: list[dict[str, Any]]
    stderr: str

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]


def run_job(directory: Path, spec: dict[str, Any], timeout: float = 1800) -> Result:
    """Runs the CLI to completion (stdin /dev/null: must not count as a dead parent).

    The timeout only stops a hung job: it is far above what any job takes on idle cores, so that
    cores shared with other work slow a run down without failing it.
    """
    job = write_job(directory, spec)
    done = subprocess.run(
        trainer_command(job),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=trainer_env(),
        timeout=timeout,
        check=False,
    )
    # Every stdout line must be a JSON event.
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return Result(done.returncode, events, done.stderr)


@pytest.fixture(scope="session")
def cls_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cls-data")
    make_classification(root, 240, seed=1)
    return root


@pytest.fixture(scope="session")
def det_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("det-data")
    make_detection(root, 300, seed=2)
    return root


@pytest.fixture(scope="session")
def seg_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seg-data")
    make_segmentation(root, 400, seed=3)
    return root


def job_spec(data: Path, output: Path, job: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A CPU train job on the canonical dataset in ``data``: ``job`` (task, arch, classes …) and then
    ``extra``, which overrides any field."""
    return {
        "kind": "train",
        "manifest": str(data / "manifest.jsonl"),
        "imageRoot": str(data),
        "output": str(output),
        "device": "cpu",
        "seed": 0,
        **job,
        **extra,
    }


COARSE = {"circle": "round", "square": "angular", "triangle": "angular"}


def cls_spec(data: Path, output: Path, **extra: Any) -> dict[str, Any]:
    return job_spec(data, output, {"task": "classification", "arch": "tiny_cnn", "classes": SHAPES}, extra)


def det_spec(data: Path, output: Path, **extra: Any) -> dict[str, Any]:
    job = {"task": "detection", "arch": "tiny_det", "classes": ["round", "angular"], "labelMap": COARSE}
    return job_spec(data, output, job, extra)


def seg_spec(data: Path, output: Path, **extra: Any) -> dict[str, Any]:
    job = {"task": "segmentation", "arch": "tiny_unet", "classes": ["round", "angular"], "labelMap": COARSE}
    return job_spec(data, output, job, extra)


def enh_spec(data: Path, output: Path, **extra: Any) -> dict[str, Any]:
    return job_spec(data, output, {"task": "enhancement", "arch": "unet_enhance_tiny", "classes": []}, extra)


def text_spec(data: Path, output: Path, **extra: Any) -> dict[str, Any]:
    return job_spec(data, output, {"task": "text_recognition", "arch": "crnn_tiny", "classes": []}, extra)


def textdet_spec(data: Path, output: Path, **extra: Any) -> dict[str, Any]:
    return job_spec(data, output, {"task": "text_detection", "arch": "tiny_dbnet", "classes": []}, extra)
