"""An algorithm's checkpoint (output/checkpoint.pt): saved after every epoch, before the epoch is
reported (the Batch runner uploads it on the epoch event), and read back by a rerun of the same job.

Only plain tensors, numbers, strings, lists and dicts go in, so it loads with ``weights_only=True``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aip_trainer.artifacts import CHECKPOINT, load_checkpoint, save_torch
from aip_trainer.refinery.contract import RefineryContext

log = logging.getLogger(__name__)


def _identity(ctx: RefineryContext, algorithm: str) -> dict[str, Any]:
    """What must match for a checkpoint to belong to this job."""
    return {
        "algorithm": algorithm,
        "params": {k: ctx.params[k] for k in sorted(ctx.params)},
        "classes": list(ctx.classes),
        "inputSize": list(ctx.input_size),
        "studentArch": ctx.student_arch,
        "seed": ctx.seed,
    }


def save_state(ctx: RefineryContext, algorithm: str, state: dict[str, Any]) -> None:
    if ctx.work_dir is None:
        return
    Path(ctx.work_dir).mkdir(parents=True, exist_ok=True)
    save_torch(Path(ctx.work_dir) / CHECKPOINT, {"version": 1, "identity": _identity(ctx, algorithm), "state": state})


def load_state(ctx: RefineryContext, algorithm: str) -> dict[str, Any] | None:
    """The saved state of this job's algorithm, or None (no checkpoint, or one of another job)."""
    if ctx.work_dir is None:
        return None
    path = Path(ctx.work_dir) / CHECKPOINT
    data = load_checkpoint(path)
    if data is None:
        return None
    if data.get("identity") != _identity(ctx, algorithm):
        log.warning("ignoring %s: it belongs to a job with another algorithm, parameters or classes", path)
        return None
    state = data.get("state")
    return state if isinstance(state, dict) else None
