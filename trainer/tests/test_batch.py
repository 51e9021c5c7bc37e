"""``python -m aip_trainer batch s3://…/job.json`` (aip_trainer/batch.py) against a real S3-compatible
store: the SeaweedFS that ``npm test`` (infra/scripts/test.sh) starts, at AIP_TEST_S3_ENDPOINT.

Every job runs as AWS Batch runs it: a subprocess given the job URI and configured by environment
variables only (endpoint, dummy keys, region).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from aip_trainer.batch import S3Location, parse_location
from aip_trainer.errors import UserError

from conftest import SHAPES, TRAINER_ROOT
from synthetic import make_classification

OUTPUT_FILES = {"model.onnx", "model.pt", "model.json", "metrics.json"}


# --- S3 -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint() -> str:
    url = os.environ.get("AIP_TEST_S3_ENDPOINT")
    if not url:
        pytest.fail(
            "AIP_TEST_S3_ENDPOINT is not set: these tests need the S3-compatible store that the test "
            "script starts; run them through `npm test` (or AIP_TEST_SUITES=pytest npm test)"
        )
    return url


def _aws_env(endpoint: str, home: Path) -> dict[str, str]:
    """What a Batch container would have: an endpoint (for the S3-compatible store), keys, a region.
    The config files point nowhere, so that nothing of this machine's ~/.aws leaks in."""
    return {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "aip-test",
        "AWS_SECRET_ACCESS_KEY": "aip-test-secret",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture(scope="module")
def aws_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("aws-home")


@pytest.fixture(scope="module")
def s3(endpoint: str, aws_home: Path) -> Any:
    env = _aws_env(endpoint, aws_home)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    return session.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


@pytest.fixture(scope="module")
def bucket(s3: Any) -> Any:
    """A bucket of this module's own (other test runs may share the store)."""
    name = f"aip-batch-test-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def _get(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _get_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(_get(s3, bucket, key))


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def _keys(s3: Any, bucket: str, prefix: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"][len(prefix) :] for page in pages for item in page.get("Contents", [])}


# --- data and jobs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 images of 32 px: an epoch of tiny_cnn takes a fraction of a second on one core."""
    root = tmp_path_factory.mktemp("batch-data")
    make_classification(root, 60, seed=4, size=32)
    return root


@pytest.fixture(scope="module")
def dataset(s3: Any, bucket: str, local_data: Path) -> str:
    """The dataset in S3 as the platform stores it: manifest.jsonl and images/ under one prefix."""
    for path in local_data.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"datasets/shapes/{path.relative_to(local_data).as_posix()}")
    return f"s3://{bucket}/datasets/shapes"


def train_job(data: str, output: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "train",
        "task": "classification",
        "arch": "tiny_cnn",
        "classes": SHAPES,
        "manifest": f"{data}/manifest.jsonl",
        "imageRoot": data,
        "output": output,
        "device": "cpu",
        "seed": 0,
        "hyper": {"epochs": 2, "imageSize": 32, "patience": 0},
        **extra,
    }


def put_job(s3: Any, bucket: str, folder: str, job: dict[str, Any] | str) -> str:
    """Writes ``folder/batch/job.json`` (the layout the executor uses); returns its URI."""
    body = job if isinstance(job, str) else json.dumps(job)
    s3.put_object(Bucket=bucket, Key=f"{folder}/batch/job.json", Body=body.encode("utf-8"))
    return f"s3://{bucket}/{folder}/batch/job.json"


@dataclass
class Run:
    code: int
    stdout: str
    seconds: float

    @property
    def events(self) -> list[dict[str, Any]]:
        """The trainer's JSON events among the relayed lines."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith('{"event"')]


def batch_env(endpoint: str, aws_home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "AIP_BATCH_"))}
    env.update(_aws_env(endpoint, aws_home))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TRAINER_ROOT), os.environ.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def batch_command(job_uri: str) -> list[str]:
    return [sys.executable, "-m", "aip_trainer", "batch", job_uri]


def run_batch(endpoint: str, aws_home: Path, job_uri: str, timeout: float = 600, **env: str) -> Run:
    """Runs the command to its end. The timeout only stops a hung job (cores are shared)."""
    started = time.monotonic()
    done = subprocess.run(
        batch_command(job_uri),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=batch_env(endpoint, aws_home, **env),
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, time.monotonic() - started)


# --- success --------------------------------------------------------------------------------------


@dataclass
class Trained:
    run: Run
    folder: str  # key prefix of the job's folder ("<folder>/batch/…") and outputs ("<folder>/model/…")
    tmp: Path


@pytest.fixture(scope="module")
def trained(endpoint, aws_home, s3, bucket, dataset, tmp_path_factory) -> Trained:
    """One successful 2-epoch train job, all in S3 (TMPDIR of its own: the scratch folder must go)."""
    tmp = tmp_path_factory.mktemp("batch-tmp")
    folder = "jobs/success"
    job_uri = put_job(s3, bucket, folder, train_job(dataset, f"s3://{bucket}/{folder}/model"))
    return Trained(run_batch(endpoint, aws_home, job_uri, TMPDIR=str(tmp)), folder, tmp)


def test_success_uploads_outputs_then_result(trained, s3, bucket):
    run = trained.run
    assert run.code == 0, run.stdout[-4000:]
    batch = f"{trained.folder}/batch/"
    assert _keys(s3, bucket, f"{trained.folder}/model/") == OUTPUT_FILES  # no checkpoint.pt among them
    assert _keys(s3, bucket, batch) == {
        "job.json",
        "progress.json",
        "log.txt",
        "result.json",
        "checkpoint/checkpoint.pt",
    }

    result = _get_json(s3, bucket, batch + "result.json")
    metrics = _get_json(s3, bucket, f"{trained.folder}/model/metrics.json")
    done = [e for e in run.events if e["event"] == "done"]
    assert result == {"status": "succeeded", "metrics": metrics}
    assert done == [{"event": "done", "metrics": metrics}]
    assert _get_json(s3, bucket, f"{trained.folder}/model/model.json")["classes"] == SHAPES

    progress = _get_json(s3, bucket, batch + "progress.json")
    assert [e["epoch"] for e in progress["epochs"]] == [1, 2]
    assert all(e["event"] == "epoch" and e["metricName"] == "accuracy" for e in progress["epochs"])
    assert progress["last"] == done[0]
    assert progress["updatedAt"].endswith("Z")
    assert time.time() - _iso_seconds(progress["updatedAt"]) < 600

    # log.txt is every relayed line: the trainer's events (stdout) and its logs (stderr).
    log = _get(s3, bucket, batch + "log.txt").decode("utf-8")
    for event in run.events:
        assert json.dumps(event) in log
    assert "INFO aip_trainer" in log
    assert "INFO aip_trainer" in run.stdout  # CloudWatch shows the trainer's logs too
    assert log.rstrip().endswith("[batch] succeeded")

    assert not list(trained.tmp.glob("aip-batch-*"))  # the scratch folder it made in TMPDIR is gone

    # What it writes into the job folder is tagged as scratch (an S3 lifecycle rule expires it);
    # the model files are kept.
    def tags(key: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}

    for name in ("progress.json", "log.txt", "result.json", "checkpoint/checkpoint.pt"):
        assert tags(batch + name) == {"aip-scratch": "true"}, name
    assert tags(f"{trained.folder}/model/model.onnx") == {}


def _iso_seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_evaluate_job_with_local_paths(trained, endpoint, aws_home, s3, bucket, local_data, tmp_path):
    """Local paths work in every path field (manifest, imageRoot, output); the model comes from S3."""
    assert trained.run.code == 0
    job = {
        "kind": "evaluate",
        "task": "classification",
        "arch": "tiny_cnn",
        "classes": SHAPES,
        "manifest": str(local_data / "manifest.jsonl"),
        "imageRoot": str(local_data),
        "model": f"s3://{bucket}/{trained.folder}/model/model.pt",
        "output": str(tmp_path / "evaluation"),
        "device": "cpu",
    }
    run = run_batch(endpoint, aws_home, put_job(s3, bucket, "jobs/evaluate", job))
    assert run.code == 0, run.stdout[-4000:]
    metrics = json.loads((tmp_path / "evaluation" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["evaluatedOn"] == "test"
    assert _get_json(s3, bucket, "jobs/evaluate/batch/result.json") == {"status": "succeeded", "metrics": metrics}
    # An evaluation trains nothing, so it leaves no checkpoint.
    assert "checkpoint/checkpoint.pt" not in _keys(s3, bucket, "jobs/evaluate/batch/")


def test_local_job_file(trained, endpoint, aws_home, local_data, tmp_path):
    """The job file itself may be local too: its folder then receives result.json & co."""
    assert trained.run.code == 0
    job = tmp_path / "batch" / "job.json"
    job.parent.mkdir()
    spec = train_job(str(local_data), str(tmp_path / "model"), hyper={"epochs": 1, "imageSize": 32})
    job.write_text(json.dumps(spec), encoding="utf-8")
    run = run_batch(endpoint, aws_home, str(job))
    assert run.code == 0, run.stdout[-4000:]
    assert {p.name for p in (tmp_path / "model").iterdir()} == OUTPUT_FILES
    assert json.loads((job.parent / "result.json").read_text(encoding="utf-8"))["status"] == "succeeded"
    assert (job.parent / "checkpoint" / "checkpoint.pt").is_file()


# --- SIGTERM and resume ---------------------------------------------------------------------------


def _trainer_processes(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (the scratch folder: the trainer's job)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        if marker in command:
            found.append(int(entry.name))
    return found


def test_sigterm_then_a_retry_resumes_from_the_s3_checkpoint(endpoint, aws_home, s3, bucket, dataset, tmp_path):
    folder = "jobs/terminated"
    # Short epochs (a tenth of a second on an idle core): seconds in all, and far more than run
    # between the first checkpoint's upload and the SIGTERM, so that the first attempt is always
    # stopped in the middle.
    epochs = 20
    job_uri = put_job(
        s3,
        bucket,
        folder,
        train_job(dataset, f"s3://{bucket}/{folder}/model", hyper={"epochs": epochs, "imageSize": 32, "patience": 0}),
    )
    scratch = tmp_path / "scratch"
    process = subprocess.Popen(
        batch_command(job_uri),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=batch_env(endpoint, aws_home, AIP_BATCH_SCRATCH=str(scratch)),
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while not _exists(s3, bucket, f"{folder}/batch/checkpoint/checkpoint.pt"):
            assert process.poll() is None, "".join(lines)[-4000:]
            assert time.monotonic() < deadline, "no checkpoint in S3 within 300 s"
            time.sleep(0.1)
        assert _trainer_processes(str(scratch)), "the trainer is not running"
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    stdout = "".join(lines)
    assert code == 143, stdout[-4000:]
    assert _get_json(s3, bucket, f"{folder}/batch/result.json") == {
        "status": "failed",
        "message": "terminated",
        "userError": False,
    }
    assert _trainer_processes(str(scratch)) == []  # the trainer (and its workers) went with it
    assert not _keys(s3, bucket, f"{folder}/model/")  # no outputs of a job that did not finish
    first = _get_json(s3, bucket, f"{folder}/batch/progress.json")
    assert 1 <= len(first["epochs"]) < epochs
    assert "[batch] terminated" in _get(s3, bucket, f"{folder}/batch/log.txt").decode("utf-8")

    # Batch's retry: the same command again. It resumes from the checkpoint in S3.
    run = run_batch(endpoint, aws_home, job_uri)
    assert run.code == 0, run.stdout[-4000:]
    resume = [e for e in run.events if e["event"] == "resume"]
    assert len(resume) == 1
    assert 1 <= resume[0]["epoch"] < epochs
    assert [e["epoch"] for e in run.events if e["event"] == "epoch"] == list(range(resume[0]["epoch"] + 1, epochs + 1))
    # progress.json and log.txt tell the whole job: the first attempt's epochs up to the checkpoint,
    # then the retry's.
    progress = _get_json(s3, bucket, f"{folder}/batch/progress.json")
    assert [e["epoch"] for e in progress["epochs"]] == list(range(1, epochs + 1))
    log = _get(s3, bucket, f"{folder}/batch/log.txt").decode("utf-8")
    assert log.index("[batch] terminated") < log.index("a new attempt, resuming") < log.index('"event": "resume"')
    assert _get_json(s3, bucket, f"{folder}/batch/result.json")["status"] == "succeeded"
    assert _keys(s3, bucket, f"{folder}/model/") == OUTPUT_FILES


# --- user errors ----------------------------------------------------------------------------------


def _failed(s3, bucket, folder) -> dict[str, Any]:
    result = _get_json(s3, bucket, f"{folder}/batch/result.json")
    assert result["status"] == "failed"
    return result


@pytest.mark.parametrize(
    ("field", "missing"),
    [
        ("manifest", "datasets/nowhere/manifest.jsonl"),
        ("imageRoot", "datasets/nowhere"),
        ("initWeights", "models/nowhere/model.pt"),
    ],
)
def test_missing_input_is_a_user_error_naming_it(endpoint, aws_home, s3, bucket, dataset, field, missing):
    folder = f"jobs/missing-{field}"
    uri = f"s3://{bucket}/{missing}"
    job_uri = put_job(s3, bucket, folder, train_job(dataset, f"s3://{bucket}/{folder}/model", **{field: uri}))
    run = run_batch(endpoint, aws_home, job_uri)
    assert run.code == 2, run.stdout[-4000:]
    result = _failed(s3, bucket, folder)
    assert result["userError"] is True
    assert uri in result["message"]
    assert "does not exist" in result["message"]
    assert not run.events  # found before the trainer started


def test_missing_job_file(endpoint, aws_home, s3, bucket):
    job_uri = f"s3://{bucket}/jobs/no-job/batch/job.json"
    run = run_batch(endpoint, aws_home, job_uri)
    assert run.code == 2, run.stdout[-4000:]
    result = _failed(s3, bucket, "jobs/no-job")
    assert result["userError"] is True
    assert job_uri in result["message"]


BAD_JOBS = {
    "not JSON": (lambda data: "{not json", "is not valid JSON"),
    "not an object": (lambda data: "[1, 2]", "must hold a JSON object"),
    "schema: required": (lambda data: '{"kind": "train"}', "job: 'arch' is a required property"),
    "schema: range": (
        lambda data: json.dumps(train_job(data, "s3://b/out", hyper={"epochs": 0})),
        "job.hyper.epochs: 0 is less than the minimum of 1",
    ),
    "other scheme": (lambda data: json.dumps(train_job(data, "gs://b/out")), "only s3:// URIs and local paths"),
}


@pytest.mark.parametrize("case", BAD_JOBS)
def test_bad_job_file_is_a_user_error(endpoint, aws_home, s3, bucket, dataset, case):
    body, expected = BAD_JOBS[case]
    folder = f"jobs/bad-{uuid.uuid4().hex[:8]}"
    run = run_batch(endpoint, aws_home, put_job(s3, bucket, folder, body(dataset)))
    assert run.code == 2, run.stdout[-4000:]
    result = _failed(s3, bucket, folder)
    assert result["userError"] is True
    assert expected in result["message"]
    assert not run.events  # found before the trainer started


def test_trainer_user_error_is_reported_with_s3_names(endpoint, aws_home, s3, bucket, dataset):
    """The trainer's own user errors (exit 2): result.json has its message, naming URIs, not the
    scratch folder's paths."""
    folder = "jobs/trainer-user-error"
    job = train_job(dataset, f"s3://{bucket}/{folder}/model", classes=["cat", "dog"])  # not in the data
    run = run_batch(endpoint, aws_home, put_job(s3, bucket, folder, job))
    assert run.code == 2, run.stdout[-4000:]
    result = _failed(s3, bucket, folder)
    assert result["userError"] is True
    assert "no training images" in result["message"]
    assert f"{dataset}/manifest.jsonl" in result["message"]
    assert [e["event"] for e in run.events][-1] == "error"


# --- locations (no store needed) -------------------------------------------------------------------


def test_parse_location():
    assert parse_location("s3://b/a/job.json", "job") == S3Location("b", "a/job.json")
    assert S3Location("b", "a/batch/job.json").folder() == S3Location("b", "a/batch")
    assert S3Location("b", "job.json").folder().child("result.json") == S3Location("b", "result.json")
    assert str(S3Location("b", "a/folder/").child("x.png")) == "s3://b/a/folder/x.png"
    assert parse_location("relative/model.pt", "model") == Path("relative/model.pt").absolute()
    for bad in ("s3://", "s3://bucket", "s3://bucket/", "https://example.com/x", "gs://b/k"):
        with pytest.raises(UserError):
            parse_location(bad, "manifest")
