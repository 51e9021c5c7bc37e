"""Device choice, CPU thread count and seeding."""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger(__name__)


def cpu_count() -> int:
    """CPUs this process may use: affinity mask, capped by a cgroup v2 CPU quota (containers)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def configure_threads() -> int:
    """Uses every CPU we may use (or ``AIP_TRAINER_THREADS``), never more: oversubscribing a
    shared CPU worker slows everyone."""
    override = os.environ.get("AIP_TRAINER_THREADS", "")
    threads = int(override) if override.isdigit() and int(override) > 0 else cpu_count()
    torch.set_num_threads(threads)
    return threads


def select_device(requested: str) -> torch.device:
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("the job asks for device cuda, but CUDA is not available on this worker")
    if requested == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
