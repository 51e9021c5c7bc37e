"""``python -m aip_trainer run JOB.json``: runs one job, JSON events on stdout, logs on stderr.

Exit codes: 0 success (every output file written), 2 user error (bad spec or data), 1 any other
failure, 3 stdin reached end-of-file (the parent died).

``python -m aip_trainer batch s3://BUCKET/PREFIX/job.json``: the same job with its inputs and
outputs in S3, as AWS Batch runs it (batch.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

from aip_trainer.errors import UserError
from aip_trainer.events import EventWriter
from aip_trainer.stdin_watch import start_stdin_watch

log = logging.getLogger("aip_trainer")

EXIT_FAILURE = 1
EXIT_USER_ERROR = 2


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m aip_trainer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the job described by a job spec file")
    run.add_argument("job", type=Path, help="job spec (JSON, see trainer/job-spec.schema.json)")
    batch = commands.add_parser(
        "batch", help="run a job whose job spec, inputs and outputs are in S3 (AWS Batch; docs/contracts.md)"
    )
    batch.add_argument("job", help="s3://bucket/prefix/job.json (or a local path)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.command == "batch":
        # Not the trainer itself: it runs `run` as a subprocess and relays its stdout and stderr,
        # so it keeps its own stdout and watches no stdin (SIGTERM is how Batch stops a job).
        from aip_trainer.batch import run_batch

        return run_batch(args.job)
    events = EventWriter.take_stdout()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if start_stdin_watch():
        log.info("watching stdin: the job ends when the parent process goes away")
    try:
        # Imported here so that spec errors are reported before torch's slow import.
        from aip_trainer.spec import AtlasSpec, RefineSpec, ValidateModelSpec, load_spec

        spec = load_spec(args.job)
        from aip_trainer.device import configure_threads

        threads = configure_threads()
        if isinstance(spec, RefineSpec):
            teachers = len(spec.teachers)
            log.info("job %s: %s %s, %d teachers, %d threads", args.job, spec.kind, spec.algorithm, teachers, threads)
            if spec.kind == "refine":
                from aip_trainer.refinery.job import run_refine

                run_refine(spec, events)
            else:
                from aip_trainer.refinery.evaluate import run_refine_evaluate

                run_refine_evaluate(spec, events)
        elif isinstance(spec, AtlasSpec):
            models, pairs = len(spec.models), len(spec.pairs)
            log.info("job %s: atlas, %d models to sign, %d pairs, %d threads", args.job, models, pairs, threads)
            from aip_trainer.atlas.job import run_atlas

            run_atlas(spec, events)
        elif isinstance(spec, ValidateModelSpec):
            log.info("job %s: %s of a %s model, %d threads", args.job, spec.kind, spec.model.format, threads)
            from aip_trainer.refinery.validate_model import run_validate_model

            run_validate_model(spec, events)
        else:
            log.info("job %s: %s %s %s, %d threads", args.job, spec.kind, spec.task, spec.arch, threads)
            if spec.kind == "train":
                from aip_trainer.train import run_train

                run_train(spec, events)
            else:
                from aip_trainer.evaluate import run_evaluate

                run_evaluate(spec, events)
    except UserError as error:
        log.error("%s", error)
        events.emit("error", message=str(error), userError=True)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        events.emit("error", message="interrupted", userError=False)
        return 130
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        events.emit("error", message=f"{type(error).__name__}: {error}", userError=False)
        return EXIT_FAILURE
    return 0
