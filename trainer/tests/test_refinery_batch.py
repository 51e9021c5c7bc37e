"""Refinery jobs on AWS Batch (``python -m aip_trainer batch``): the teachers' files and a
validate_model job's upload come from S3 like the other inputs. Needs the S3-compatible store of the
test script (AIP_TEST_S3_ENDPOINT), as tests/test_batch.py."""

from __future__ import annotations

import torch
from refinery_p1_support import DIGITS, build, save_aip
from synthetic_digits import make_digits
from test_batch import OUTPUT_FILES, _get_json, _keys, aws_home, bucket, endpoint, put_job, run_batch, s3

__all__ = ["aws_home", "bucket", "endpoint", "s3"]  # fixtures used by name

SIZE = (32, 32)
PLATFORM_INPUT = {"size": [32, 32], "colorSpace": "RGB", "range": [0, 255], "mean": None, "std": None}


def test_refine_and_validate_model_jobs_read_their_models_from_s3(endpoint, aws_home, s3, bucket, tmp_path):
    data = tmp_path / "data"
    make_digits(data, 60, seed=9, labeled=False)
    for path in data.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"datasets/digits/{path.relative_to(data).as_posix()}")
    # Two teachers' files may share a name: each is fetched into a folder of its own.
    save_aip(tmp_path / "model.pt", build("tiny_cnn", 10, SIZE), "tiny_cnn", "classification", DIGITS, SIZE)
    s3.upload_file(str(tmp_path / "model.pt"), bucket, "models/teacher/model.pt")
    dataset = f"s3://{bucket}/datasets/digits"
    folder = "jobs/refine"
    job = {
        "kind": "refine",
        "algorithm": "distill",
        "teachers": [{"file": f"s3://{bucket}/models/teacher/model.pt", "format": "aip"}],
        "student": {"arch": "tiny_cnn"},
        "manifest": f"{dataset}/manifest.jsonl",
        "imageRoot": dataset,
        "output": f"s3://{bucket}/{folder}/model",
        "params": {"epochs": 1, "batchSize": 16},
        "device": "cpu",
    }
    run = run_batch(endpoint, aws_home, put_job(s3, bucket, folder, job))
    assert run.code == 0, run.stdout[-4000:]
    assert _keys(s3, bucket, f"{folder}/model/") == OUTPUT_FILES
    assert "checkpoint/checkpoint.pt" in _keys(s3, bucket, f"{folder}/batch/")
    assert _get_json(s3, bucket, f"{folder}/batch/result.json")["status"] == "succeeded"

    torch.save(build("tiny_cnn", 10, SIZE).state_dict(), tmp_path / "upload.pth")
    s3.upload_file(str(tmp_path / "upload.pth"), bucket, "uploads/upload.pth")
    folder = "jobs/validate"
    model = {
        "file": f"s3://{bucket}/uploads/upload.pth",
        "format": "weights",
        "task": "classification",
        "arch": "tiny_cnn",
        "classes": DIGITS,
        "input": PLATFORM_INPUT,
    }
    job = {"kind": "validate_model", "model": model, "output": f"s3://{bucket}/{folder}/model", "device": "cpu"}
    run = run_batch(endpoint, aws_home, put_job(s3, bucket, folder, job))
    assert run.code == 0, run.stdout[-4000:]
    assert _keys(s3, bucket, f"{folder}/model/") == {"model.pt", "model.onnx", "model.json"}
    assert _get_json(s3, bucket, f"{folder}/model/model.json")["arch"] == "tiny_cnn"

    # A missing teacher file is a user error that names the field.
    folder = "jobs/missing"
    missing = {**job, "model": {**model, "file": f"s3://{bucket}/uploads/nothing.pth"}}
    run = run_batch(endpoint, aws_home, put_job(s3, bucket, folder, missing))
    assert run.code == 2
    assert "model.file" in _get_json(s3, bucket, f"{folder}/batch/result.json")["message"]
