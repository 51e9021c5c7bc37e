"""The stdout protocol: one JSON event per line (docs/contracts.md, "Job spec").

Only this module writes to the real stdout. ``EventWriter.take_stdout()`` moves file
descriptor 1 onto stderr, so stray prints from libraries (pycocotools, the ONNX exporter, C code)
land in the log instead of corrupting the event stream.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from typing import IO, Any


def _clean(value: Any) -> Any:
    """JSON has no NaN/Infinity: report them as null instead of emitting invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class EventWriter:
    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    @classmethod
    def take_stdout(cls) -> EventWriter:
        """Keeps the process's stdout for events and points fd 1 (and ``sys.stdout``) at stderr."""
        sys.stdout.flush()
        events_fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        return cls(os.fdopen(events_fd, "w", buffering=1, encoding="utf-8"))

    def emit(self, event: str, **fields: Any) -> None:
        line = json.dumps(_clean({"event": event, **fields}), ensure_ascii=False, allow_nan=False)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()
