"""Process lifecycle: resume after a killed run, exit when stdin (the parent) goes away."""

from __future__ import annotations

import json
import subprocess
import time

from conftest import cls_spec, run_job, trainer_command, trainer_env, write_job


def _start(tmp_path, spec, stdin):
    return subprocess.Popen(
        trainer_command(write_job(tmp_path, spec)),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=trainer_env(),
    )


def _wait_for(process, event_name, timeout=180):
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == event_name:
            return event
        assert time.monotonic() < deadline, f"no {event_name} event within {timeout}s"
    raise AssertionError(f"the trainer ended before a {event_name} event")


def test_resumes_after_kill(cls_data, tmp_path):
    spec = cls_spec(cls_data, tmp_path / "out", hyper={"epochs": 4, "patience": 0})
    process = _start(tmp_path, spec, subprocess.DEVNULL)
    try:
        assert _wait_for(process, "epoch")["epoch"] == 1
    finally:
        process.kill()
        process.wait()
    assert (tmp_path / "out" / "checkpoint.pt").is_file()
    assert not (tmp_path / "out" / "metrics.json").exists()

    result = run_job(tmp_path, spec)
    assert result.code == 0, result.stderr[-3000:]
    resume = result.of("resume")
    assert len(resume) == 1
    assert resume[0]["epoch"] >= 1
    epochs = [e["epoch"] for e in result.of("epoch")]
    assert epochs == list(range(resume[0]["epoch"] + 1, 5))
    assert result.events[-1]["event"] == "done"
    assert (tmp_path / "out" / "metrics.json").is_file()


def test_exits_when_stdin_closes(cls_data, tmp_path):
    spec = cls_spec(cls_data, tmp_path / "out", hyper={"epochs": 500})
    process = _start(tmp_path, spec, subprocess.PIPE)
    try:
        _wait_for(process, "start")
        process.stdin.close()
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 3
    assert not (tmp_path / "out" / "model.onnx").exists()
