"""``python -m aip_trainer batch s3://BUCKET/PREFIX/job.json``: one job on AWS Batch.

A Batch container gets a command and an IAM role, nothing else: its inputs and outputs live in S3
(docs/contracts.md, "Batch jobs"). This command downloads the job spec and everything it names into
a scratch folder, runs the ordinary trainer (``python -m aip_trainer run``) on local copies as a
subprocess, relays its output to stdout (what CloudWatch shows) and keeps the job's S3 folder (the
job key's dirname) up to date while it runs:

- ``progress.json``: ``{"updatedAt", "last": latest event, "epochs": [every epoch event]}``, at most
  every 5 s and only when it changed, and once more at the end;
- ``log.txt``: every relayed line so far, at most every 10 s and at the end;
- ``checkpoint/checkpoint.pt``: after every ``epoch`` event, and restored into the local output
  folder at the start, so that a Batch retry or a re-submitted job resumes instead of restarting;
- ``result.json``, written last: ``{"status": "succeeded", "metrics"}`` after every output file is
  uploaded under ``output``, or ``{"status": "failed", "message", "userError"}``.

Exit codes: 0 success, 2 user error (bad job file, missing input, the trainer's user errors),
1 any other failure, 143 terminated (SIGTERM, which Batch's TerminateJob sends; SIGINT likewise).

Every path field of the job (``manifest``, ``imageRoot``, ``initWeights``, ``model``, ``output``, the
``file`` of each teacher and of a validate_model job's ``model``) and the job itself may also be a
plain local path (tests, debugging).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from aip_trainer.errors import UserError
from aip_trainer.spec import validate_any_spec

EXIT_SUCCESS = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process that SIGTERM ended

# The files the command keeps in the job's folder, next to job.json.
PROGRESS_JSON = "progress.json"
LOG_TXT = "log.txt"
RESULT_JSON = "result.json"
CHECKPOINT_KEY = "checkpoint/checkpoint.pt"
# Everything written into the job folder is scratch once the stage is done; this object tag lets
# an S3 lifecycle rule expire it (infra/aws/aip-batch.yaml), as a rule cannot match
# runs/*/stages/*/batch/ by key. The model files under `output` are not tagged: they are kept.
SCRATCH_TAGGING = "aip-scratch=true"
# What the trainer writes into its output folder (artifacts.CHECKPOINT; not imported from there,
# because artifacts imports torch and this process never needs it).
CHECKPOINT_FILE = "checkpoint.pt"

PROGRESS_INTERVAL_S = 5.0
LOG_INTERVAL_S = 10.0
# A failed checkpoint upload is tried again after this long (or at the next epoch).
CHECKPOINT_RETRY_S = 10.0
# Parallel transfers: datasets are many small images, where latency, not bandwidth, is the limit.
TRANSFER_THREADS = 16
# How long the trainer gets to exit after SIGTERM before it is killed, and how long its output
# pipes may stay open after it exited (a grandchild holding them must not hang the command).
TRAINER_GRACE_S = 5.0
PIPE_DRAIN_S = 10.0

_TRAINER_ROOT = Path(__file__).resolve().parent.parent
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}


class Terminated(BaseException):
    """SIGTERM/SIGINT arrived: raised in the main thread (a BaseException, so that no ``except
    Exception`` on the way swallows it)."""


# --- locations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def child(self, name: str) -> S3Location:
        """``name`` under this key taken as a folder."""
        prefix = self.key.rstrip("/")
        return S3Location(self.bucket, f"{prefix}/{name}" if prefix else name)

    def folder(self) -> S3Location:
        """The key's "folder": its dirname (S3 has none, only key prefixes)."""
        return S3Location(self.bucket, str(PurePosixPath(self.key).parent).lstrip("."))


Location = S3Location | Path


def parse_location(text: str, field: str) -> Location:
    """An ``s3://bucket/key`` URI or a local path (made absolute); anything else is a user error."""
    if text.startswith("s3://"):
        bucket, _, key = text[len("s3://") :].partition("/")
        if not bucket or not key.strip("/"):
            raise UserError(f"{field} {text!r} is not an s3://bucket/key URI")
        return S3Location(bucket, key)
    if _URI_SCHEME.match(text):
        raise UserError(f"{field} {text!r}: only s3:// URIs and local paths are supported")
    return Path(text).absolute()


def child(location: Location, name: str) -> Location:
    return location.child(name) if isinstance(location, S3Location) else location / name


def folder_of(location: Location) -> Location:
    return location.folder() if isinstance(location, S3Location) else location.parent


# --- storage ------------------------------------------------------------------------------------


def _model_files(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, location) of the model files a refinery job names: its teachers', or the upload a
    validate_model job checks."""
    files = []
    teachers = raw.get("teachers")
    if isinstance(teachers, list):
        files += [
            (f"teachers[{i}].file", t["file"])
            for i, t in enumerate(teachers)
            if isinstance(t, dict) and isinstance(t.get("file"), str)
        ]
    model = raw.get("model")
    if isinstance(model, dict) and isinstance(model.get("file"), str):
        files.append(("model.file", model["file"]))
    return files


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING_CODES


def _replace_file(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Writes through a temporary sibling, so that readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        write(handle)
    os.replace(tmp, path)


class StorageError(Exception):
    """An S3 request failed for another reason than a missing object (access, network, …)."""


@contextmanager
def _naming(action: str, location: Location, what: str = "") -> Iterator[None]:
    """Turns S3 errors into messages that name the object: a missing one is a UserError (the job
    names something that is not there), any other failure a StorageError."""
    name = f"{what} {location}".strip()
    try:
        yield
    except FileNotFoundError as error:
        raise UserError(f"{name} does not exist") from error
    except ClientError as error:
        if _is_missing(error):
            raise UserError(f"{name} does not exist") from error
        raise StorageError(f"{action} {name} failed: {error}") from error
    except BotoCoreError as error:
        raise StorageError(f"{action} {name} failed: {error}") from error


class Storage:
    """S3 through boto3 (default credential chain: the job role on Batch), and local paths."""

    def __init__(self) -> None:
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _make_client()
            return self._client

    def read_bytes(self, location: Location, what: str) -> bytes:
        """The whole object; a UserError naming ``what`` and the location when it does not exist."""
        with _naming("reading", location, what):
            if isinstance(location, Path):
                return location.read_bytes()
            return self.client.get_object(Bucket=location.bucket, Key=location.key)["Body"].read()

    def read_optional(self, location: Location) -> bytes | None:
        try:
            return self.read_bytes(location, "")
        except UserError:
            return None

    def download(self, location: S3Location, dest: Path, what: str) -> None:
        """One object to ``dest`` (multipart and parallel for big ones, through s3transfer)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        with _naming("downloading", location, what):
            self.client.download_file(location.bucket, location.key, str(tmp))
        os.replace(tmp, dest)

    def download_small(self, location: S3Location, dest: Path) -> None:
        """One small object in one request (an image: download_file would add a HEAD request)."""
        with _naming("downloading", location):
            body = self.client.get_object(Bucket=location.bucket, Key=location.key)["Body"]

            def write(handle: IO[bytes]) -> None:
                for chunk in body.iter_chunks(1 << 20):
                    handle.write(chunk)

            _replace_file(dest, write)

    def exists(self, location: Location) -> bool:
        if isinstance(location, Path):
            return location.exists()
        try:
            with _naming("reading", location):
                self.client.head_object(Bucket=location.bucket, Key=location.key)
        except UserError:
            return False
        return True

    def list_folder(self, location: S3Location) -> Iterator[tuple[str, S3Location]]:
        """Every object under ``location`` taken as a folder: (key relative to it, location); none
        when the bucket does not exist."""
        prefix = location.key.rstrip("/") + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            with _naming("listing", location):
                for page in paginator.paginate(Bucket=location.bucket, Prefix=prefix):
                    for item in page.get("Contents", []):
                        key: str = item["Key"]
                        yield key[len(prefix) :], S3Location(location.bucket, key)
        except UserError:
            return

    def delete(self, location: Location) -> None:
        with _naming("deleting", location):
            if isinstance(location, Path):
                location.unlink(missing_ok=True)
            else:
                self.client.delete_object(Bucket=location.bucket, Key=location.key)

    def upload_file(self, src: Path, location: Location) -> None:
        with _naming("uploading", location):
            if isinstance(location, Path):
                _replace_file(location, lambda handle: handle.write(src.read_bytes()))
            else:
                self.client.upload_file(str(src), location.bucket, location.key)

    def upload_snapshot(self, src: Path, location: Location) -> None:
        """Uploads the file as it is when opened: the trainer may replace it (atomically, by rename)
        meanwhile, and the open handle keeps reading the old one, so no upload mixes two files."""
        with src.open("rb") as handle, _naming("uploading", location):
            if isinstance(location, Path):
                _replace_file(location, lambda out: shutil.copyfileobj(handle, out))
            else:
                self.client.upload_fileobj(
                    handle, location.bucket, location.key, ExtraArgs={"Tagging": SCRATCH_TAGGING}
                )

    def write_bytes(self, location: Location, data: bytes, content_type: str) -> None:
        with _naming("writing", location):
            if isinstance(location, Path):
                _replace_file(location, lambda handle: handle.write(data))
            else:
                self.client.put_object(
                    Bucket=location.bucket,
                    Key=location.key,
                    Body=data,
                    ContentType=content_type,
                    Tagging=SCRATCH_TAGGING,
                )


def _make_client() -> Any:
    """An S3 client. boto3 reads the endpoint itself (AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL);
    with one set the store is S3-compatible (SeaweedFS, MinIO, …), which wants path-style
    addressing, and only checksums when an operation requires them (botocore ≥ 1.36 otherwise adds
    CRC32 trailers that several of those stores reject)."""
    options: dict[str, Any] = {
        "region_name": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        "retries": {"mode": "standard", "max_attempts": 8},
        "max_pool_connections": TRANSFER_THREADS + 4,
    }
    if os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"):
        options["s3"] = {"addressing_style": "path"}
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return boto3.session.Session().client("s3", config=Config(**options))


# --- output -------------------------------------------------------------------------------------

_stdout_lock = threading.Lock()


def _say(line: str) -> None:
    """One line on stdout, whole (relay threads write too)."""
    with _stdout_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# --- the job ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    result: dict[str, Any]


class BatchJob:
    def __init__(self, job_uri: str, scratch: Path, keep_scratch: bool) -> None:
        self.job_uri = job_uri
        self.scratch = scratch
        self.keep_scratch = keep_scratch
        self.storage = Storage()
        self.job_folder: Location | None = None
        self.output: Location | None = None
        # Local path → the URI it stands for, to name URIs rather than scratch paths in messages.
        self.local_names: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None
        self.terminated: str | None = None  # the name of the signal (SIGTERM, SIGINT) that stops the job
        self.closing = False  # set once the end is being written: a signal no longer interrupts

        self._lock = threading.Lock()  # guards everything below
        self._log: list[str] = []
        self._log_version = 0
        self._last: dict[str, Any] | None = None
        self._epochs: list[dict[str, Any]] = []
        self._previous_epochs: list[dict[str, Any]] = []
        self._progress_version = 0
        self._done_metrics: dict[str, Any] | None = None
        self._error_event: dict[str, Any] | None = None
        self._checkpoint_pending = False

        self._publish_lock = threading.Lock()  # one writer at a time of progress.json / log.txt
        self._published = {PROGRESS_JSON: 0, LOG_TXT: 0}
        self._published_at = {PROGRESS_JSON: 0.0, LOG_TXT: 0.0}
        self._checkpoint_retry_at = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()

    # --- the log ---

    def say(self, message: str) -> None:
        """A line of this command's own, relayed and logged like the trainer's."""
        self._relay(f"[batch] {message}")

    def _relay(self, line: str) -> None:
        _say(line)
        with self._lock:
            self._log.append(line)
            self._log_version += 1

    # --- run ---

    def run(self) -> int:
        try:
            outcome = self._run()
        except Terminated:
            self.closing = True
            self._stop_trainer()
            self.say(f"terminated by {self.terminated or 'a signal'}; the trainer is stopped")
            outcome = Outcome(EXIT_TERMINATED, {"status": "failed", "message": "terminated", "userError": False})
        except UserError as error:
            self.closing = True
            self._stop_trainer()
            self.say(f"error: {error}")
            outcome = Outcome(EXIT_USER_ERROR, self._failed(str(error), user_error=True))
        except Exception as error:
            self.closing = True
            self._stop_trainer()
            for line in traceback.format_exc().rstrip().splitlines():
                self.say(line)
            outcome = Outcome(EXIT_FAILURE, self._failed(f"{type(error).__name__}: {error}", user_error=False))
        self.closing = True
        self._stop.set()
        self._wake.set()
        return self._finish(outcome)

    def _run(self) -> Outcome:
        job_location = parse_location(self.job_uri, "the job file")
        self.job_folder = folder_of(job_location)
        # A result.json of an earlier submission would say that this one has ended. (A role that
        # may not delete only gets a warning: the new result.json replaces it at the end.)
        try:
            self.storage.delete(child(self.job_folder, RESULT_JSON))
        except (StorageError, OSError) as error:
            self.say(f"warning: {error}")
        raw = self._read_job(job_location)
        spec = validate_any_spec(raw)  # every schema problem at once, before any download
        self.output = parse_location(raw["output"], "output")
        # Training and refining write per-epoch checkpoints to resume from.
        local = self._prepare(raw, spec.kind in ("train", "refine"))
        job_file = self.scratch / "job.json"
        job_file.write_text(json.dumps(local, indent=2), encoding="utf-8")
        syncer = threading.Thread(target=self._sync_loop, name="batch-sync", daemon=True)
        syncer.start()
        code = self._run_trainer(job_file)
        self._stop.set()
        self._wake.set()
        syncer.join()
        self.closing = True
        if code == 0:
            return self._succeeded()
        with self._lock:
            error = self._error_event
        # A negative code is a signal: SIGKILL from outside is, on Batch, most often the kernel's
        # out-of-memory killer.
        ended = (
            f"the trainer was killed by {_signal_name(-code)}" if code < 0 else f"the trainer exited with code {code}"
        )
        if error is not None:
            message = str(error.get("message") or ended)
            user_error = code == EXIT_USER_ERROR or bool(error.get("userError"))
        else:
            message = ended
            user_error = code == EXIT_USER_ERROR
        return Outcome(EXIT_USER_ERROR if user_error else EXIT_FAILURE, self._failed(message, user_error))

    def _read_job(self, location: Location) -> dict[str, Any]:
        self.say(f"job {location}")
        data = self.storage.read_bytes(location, "the job file")
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UserError(f"the job file {location} is not valid JSON: {error}") from error
        if not isinstance(raw, dict):
            raise UserError(f"the job file {location} must hold a JSON object")
        for field in ("manifest", "imageRoot", "initWeights", "model", "output"):
            value = raw.get(field)
            if isinstance(value, str) and value:
                parse_location(value, field)  # a bad URI is named before anything is downloaded
        for field, value in _model_files(raw):
            parse_location(value, field)
        return raw

    def _prepare(self, raw: dict[str, Any], train: bool) -> dict[str, Any]:
        """Fetches what the job names into the scratch folder; returns the job with local paths."""
        inputs, images, output = self.scratch / "inputs", self.scratch / "images", self.scratch / "output"
        for path in (inputs, images, output):
            shutil.rmtree(path, ignore_errors=True)  # a kept scratch folder of an earlier run
        output.mkdir(parents=True)
        local = dict(raw)
        local["output"] = str(output)
        self.local_names[str(output)] = str(self.output)
        if raw.get("manifest"):  # validate_model jobs have no data
            local["manifest"] = str(self._fetch(raw["manifest"], "manifest", inputs / "manifest"))
        for field in ("initWeights", "model"):
            if isinstance(raw.get(field), str) and raw[field]:
                local[field] = str(self._fetch(raw[field], field, inputs / field))
        # Refinery jobs: each teacher's file, and the uploaded model a validate_model job checks, each
        # in its own folder (two teachers may both be called model.pt).
        if isinstance(raw.get("teachers"), list):
            local["teachers"] = [
                {**teacher, "file": str(self._fetch(teacher["file"], f"teachers[{i}].file", inputs / f"teacher-{i}"))}
                for i, teacher in enumerate(raw["teachers"])
            ]
        if isinstance(raw.get("model"), dict):
            model = raw["model"]
            local["model"] = {**model, "file": str(self._fetch(model["file"], "model.file", inputs / "model"))}
        if raw.get("imageRoot"):
            local["imageRoot"] = str(self._fetch_folder(raw["imageRoot"], images))
        if train:
            self._restore_checkpoint(output / CHECKPOINT_FILE)
        return local

    def _fetch(self, text: str, field: str, folder: Path) -> Path:
        location = parse_location(text, field)
        if isinstance(location, Path):
            if not location.is_file():
                raise UserError(f"{field} {location} does not exist")
            return location
        dest = folder / PurePosixPath(location.key).name
        self.say(f"downloading {field} {location}")
        self.storage.download(location, dest, field)
        self.local_names[str(dest)] = str(location)
        return dest

    def _fetch_folder(self, text: str, dest: Path) -> Path:
        location = parse_location(text, "imageRoot")
        if isinstance(location, Path):
            if not location.is_dir():
                raise UserError(f"imageRoot {location} does not exist")
            return location
        started = time.monotonic()
        objects: list[tuple[PurePosixPath, S3Location]] = []
        for relative, source in self.storage.list_folder(location):
            parts = relative.split("/")
            if relative.endswith("/"):
                continue  # a "folder" marker some tools create
            if any(part in {"", ".", ".."} for part in parts):
                # Not a file below the scratch folder, and no manifest path can name it (they are
                # '/'-separated, without '..').
                self.say(f"skipping {source}: not a plain relative path")
                continue
            objects.append((PurePosixPath(*parts), source))
        if not objects:
            raise UserError(f"imageRoot {location} does not exist (no object under it)")
        self.say(f"downloading {len(objects)} objects under imageRoot {location}")
        pool = ThreadPoolExecutor(TRANSFER_THREADS, thread_name_prefix="batch-download")
        try:
            futures: list[Future[None]] = [
                pool.submit(self.storage.download_small, source, dest.joinpath(*relative.parts))
                for relative, source in objects
            ]
            for future in as_completed(futures):
                future.result()
        finally:
            # On an error or SIGTERM: drop what has not started instead of waiting for it.
            pool.shutdown(wait=False, cancel_futures=True)
        self.say(f"downloaded imageRoot in {time.monotonic() - started:.1f}s")
        self.local_names[str(dest)] = str(location)
        return dest

    def _restore_checkpoint(self, dest: Path) -> None:
        assert self.job_folder is not None
        location = child(self.job_folder, CHECKPOINT_KEY)
        if not self.storage.exists(location):
            return
        self.say(f"resuming: downloading {location}")
        if isinstance(location, Path):
            shutil.copyfile(location, dest)
        else:
            self.storage.download(location, dest, "the checkpoint")
        # The earlier attempt's epochs and log, so that progress.json and log.txt tell the whole
        # job; its epochs are kept up to the one the trainer resumes after (the `resume` event).
        previous = self.storage.read_optional(child(self.job_folder, PROGRESS_JSON))
        try:
            epochs = json.loads(previous or b"{}").get("epochs")
        except (ValueError, AttributeError):
            epochs = None
        old_log = self.storage.read_optional(child(self.job_folder, LOG_TXT))
        with self._lock:
            self._previous_epochs = [e for e in epochs or [] if isinstance(e, dict)]
            if old_log:
                lines = old_log.decode("utf-8", errors="replace").splitlines()
                self._log[:0] = [*lines, "[batch] ---- a new attempt, resuming from the checkpoint ----"]
                self._log_version += 1

    # --- the trainer ---

    def _run_trainer(self, job_file: Path) -> int:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_TRAINER_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        command = [sys.executable, "-m", "aip_trainer", "run", str(job_file)]
        self.say("starting the trainer: " + " ".join(command))
        # stdin: a pipe this process keeps open and never writes to. The trainer exits when it
        # reaches end-of-file (stdin_watch.py), so it cannot outlive this process, even when this
        # process is SIGKILLed. Its own session: a signal reaches the trainer and its data-loader
        # workers only through _stop_trainer, which stops them all.
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        pumps = [
            threading.Thread(target=self._pump, args=(self.process.stdout, True), name="batch-events", daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stderr, False), name="batch-logs", daemon=True),
        ]
        for pump in pumps:
            pump.start()
        while True:
            try:
                code = self.process.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if self.terminated:  # the signal handler leaves stopping the trainer to us
                    raise Terminated from None
        for pump in pumps:
            pump.join(PIPE_DRAIN_S)
        self.say(f"the trainer exited with code {code}")
        if self.terminated and code != 0:
            raise Terminated
        return code

    def _pump(self, stream: IO[bytes], events: bool) -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if events:
                self._on_event_line(line)
            self._relay(line)

    def _on_event_line(self, line: str) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        name = event.get("event")
        with self._lock:
            self._last = event
            self._progress_version += 1
            if name == "epoch":
                self._epochs.append(event)
                self._checkpoint_pending = True
            elif name == "resume":
                after = event.get("epoch")
                if isinstance(after, int):
                    kept = [e for e in self._previous_epochs if isinstance(e.get("epoch"), int) and e["epoch"] <= after]
                    self._epochs[:0] = kept
            elif name == "done" and isinstance(event.get("metrics"), dict):
                self._done_metrics = event["metrics"]
            elif name == "error":
                self._error_event = event
        if name == "epoch":
            self._wake.set()

    def _stop_trainer(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, TRAINER_GRACE_S), (signal.SIGKILL, TRAINER_GRACE_S)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    # --- the job folder ---

    def _sync_loop(self) -> None:
        """Uploads the checkpoint after every epoch, progress.json and log.txt at their pace."""
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._upload_checkpoint(retry_delay=True)
                self._publish(PROGRESS_JSON, PROGRESS_INTERVAL_S)
                self._publish(LOG_TXT, LOG_INTERVAL_S)
            except Exception as error:  # a failed upload is tried again later; the job goes on
                self.say(f"warning: updating the job folder failed: {type(error).__name__}: {error}")

    def _upload_checkpoint(self, retry_delay: bool) -> None:
        if self.job_folder is None or (retry_delay and time.monotonic() < self._checkpoint_retry_at):
            return
        with self._lock:  # taken by one uploader only
            if not self._checkpoint_pending:
                return
            self._checkpoint_pending = False
        path = self.scratch / "output" / CHECKPOINT_FILE
        try:
            self.storage.upload_snapshot(path, child(self.job_folder, CHECKPOINT_KEY))
        except FileNotFoundError:
            return
        except Exception:
            with self._lock:
                self._checkpoint_pending = True
            self._checkpoint_retry_at = time.monotonic() + CHECKPOINT_RETRY_S
            raise

    def _publish(self, name: str, interval: float) -> None:
        """Writes progress.json or log.txt when it changed and ``interval`` has passed since."""
        if self.job_folder is None:
            return
        with self._publish_lock:
            if time.monotonic() - self._published_at[name] < interval:
                return
            with self._lock:
                if name == PROGRESS_JSON:
                    version = self._progress_version
                    progress = {"updatedAt": _now_iso(), "last": self._last, "epochs": list(self._epochs)}
                    data, content_type = _json_bytes(progress), "application/json"
                else:
                    version = self._log_version
                    data = "".join(line + "\n" for line in self._log).encode("utf-8")
                    content_type = "text/plain; charset=utf-8"
            if version == self._published[name] and interval > 0:
                return  # unchanged (at the end, written once more all the same)
            self.storage.write_bytes(child(self.job_folder, name), data, content_type)
            self._published[name] = version
            self._published_at[name] = time.monotonic()

    def _succeeded(self) -> Outcome:
        assert self.output is not None
        output = self.scratch / "output"
        with self._lock:
            metrics = self._done_metrics
        if metrics is None:  # the trainer always emits done before exit 0; metrics.json says the same
            metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
        self._upload_checkpoint(retry_delay=False)
        files = sorted(
            path
            for path in output.rglob("*")
            if path.is_file() and path.name != CHECKPOINT_FILE and not path.name.startswith(".")
        )
        self.say(f"uploading {len(files)} files to {self.output}")
        with ThreadPoolExecutor(TRANSFER_THREADS, thread_name_prefix="batch-upload") as pool:
            futures = [
                pool.submit(self.storage.upload_file, path, child(self.output, path.relative_to(output).as_posix()))
                for path in files
            ]
            for future in as_completed(futures):
                future.result()
        return Outcome(EXIT_SUCCESS, {"status": "succeeded", "metrics": metrics})

    def _failed(self, message: str, user_error: bool) -> dict[str, Any]:
        # Longest first: a file inside a downloaded folder is named by its own URI when it has one.
        for local, uri in sorted(self.local_names.items(), key=lambda item: -len(item[0])):
            message = message.replace(local, uri)
        return {"status": "failed", "message": message, "userError": user_error}

    def _finish(self, outcome: Outcome) -> int:
        """The end: the last checkpoint (unless terminated: Batch's grace period is short),
        progress.json, log.txt, then result.json, whose presence says the job ended."""
        code = outcome.code
        if outcome.result["status"] == "failed":
            self.say(f"failed: {outcome.result['message']}")
        else:
            self.say("succeeded")
        if self.job_folder is None:
            return code
        steps: list[tuple[str, Callable[[], None]]] = [
            (PROGRESS_JSON, lambda: self._publish(PROGRESS_JSON, 0)),
            (LOG_TXT, lambda: self._publish(LOG_TXT, 0)),
        ]
        if code != EXIT_TERMINATED:
            steps.insert(0, (CHECKPOINT_KEY, lambda: self._upload_checkpoint(retry_delay=False)))
        for name, step in steps:
            try:
                step()
            except Exception as error:
                _say(f"[batch] warning: writing {name} failed: {type(error).__name__}: {error}")
        result = _json_bytes(outcome.result)
        try:
            self.storage.write_bytes(child(self.job_folder, RESULT_JSON), result, "application/json")
        except Exception as error:
            _say(f"[batch] error: writing {RESULT_JSON} failed: {type(error).__name__}: {error}")
            return code or EXIT_FAILURE
        return code


def run_batch(job_uri: str) -> int:
    """Runs the job at ``job_uri``; installs SIGTERM/SIGINT handlers (call from the main thread)."""
    configured = os.environ.get("AIP_BATCH_SCRATCH")
    if configured:
        scratch = Path(configured).absolute()
        scratch.mkdir(parents=True, exist_ok=True)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="aip-batch-"))
    job = BatchJob(job_uri, scratch, keep_scratch=bool(configured))

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if job.closing or job.terminated:
            return  # the end is being written: let it finish
        job.terminated = signal.Signals(signum).name
        if job.process is None:
            raise Terminated  # still fetching the inputs: stop that at once
        # The trainer runs and the main thread waits for it (_run_trainer): it stops the trainer,
        # which is better done there than at an arbitrary point of the main thread.

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return job.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if not job.keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
