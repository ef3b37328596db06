"""How an import's worker processes start: capped in memory, and ending with their parent.

A hostile file must not take the machine's memory (a worker may only use so much address space;
a MemoryError then refuses that one file), and killing an import (the studio crashing, a SIGKILL
of `urbanart import`) must not leave workers decoding on, orphaned: on Linux the kernel kills
them when the parent dies (PR_SET_PDEATHSIG); elsewhere, and as a fallback, a watchdog thread
in each worker exits once its parent is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
#: How often a worker's watchdog checks that its parent still lives.
PARENT_CHECK_SECONDS = 1.0


def _die_with_parent_linux() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; True when it agreed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        status: int = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        return status == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """Exit at once when the parent is gone (this process is then re-parented elsewhere)."""
    stop = threading.Event()
    while not stop.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent_pid:
            os._exit(1)


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits
        return
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit already stands
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def start_worker(parent_pid: int, memory_limit: int | None) -> None:
    """The pool's initializer: runs first in every worker process."""
    _die_with_parent_linux()
    if os.getppid() != parent_pid:  # the parent died before we asked to die with it
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True
    ).start()
    if memory_limit:
        _limit_memory(memory_limit)
