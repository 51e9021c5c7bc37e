"""Exits the trainer when its parent dies.

The parent (the activity worker) keeps our stdin open as a pipe and never writes to it; when the
parent dies the pipe reaches end-of-file and we leave at once, so a killed worker never leaves an
orphan training process holding a GPU.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import threading

log = logging.getLogger(__name__)

EXIT_CODE_PARENT_GONE = 3


def _stdin_is_pipe() -> bool:
    # Only a pipe or socket says something about the parent: a terminal, /dev/null or a regular
    # file (someone running the CLI by hand or from a script) must not end the job.
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _watch(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass  # the parent has nothing to say; anything it writes is ignored
    except OSError:
        pass
    log.error("stdin reached end-of-file: the parent process is gone, exiting")
    logging.shutdown()
    os._exit(EXIT_CODE_PARENT_GONE)


def start_stdin_watch() -> bool:
    """Starts the watcher thread when stdin is a pipe; returns whether it is watching."""
    if not _stdin_is_pipe():
        return False
    thread = threading.Thread(target=_watch, args=(sys.stdin.fileno(),), name="stdin-watch", daemon=True)
    thread.start()
    return True
