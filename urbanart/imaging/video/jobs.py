"""Run a transcode in a worker process, with progress and cancel, for the CLI and the studio.

A transcode takes minutes and all the cores FFmpeg can get; in a worker process it never holds
the caller's interpreter (the studio's GUI thread stays free, a hub keeps serving) and a cancel
always lands: the worker polls a shared event every frame, and is killed if it does not stop
within a grace period. The worker dies with its parent (import_workers' start_worker), and the
destination is only ever renamed into place whole, so nothing partial is left behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

from urbanart.imaging.video.profile import VideoProfile
from urbanart.imaging.video.transcode import (
    CancelSignal,
    TranscodeCancelled,
    TranscodeFailed,
    TranscodeResult,
    transcode,
)

#: Seconds a cancelled worker gets to stop by itself before it is killed.
CANCEL_GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.1


def _die_with_parent(parent_pid: int) -> None:
    """What library.import_workers does for import workers (imaging may not import it): on
    Linux the kernel kills this process when its parent dies."""
    import ctypes
    import ctypes.util
    import signal
    import sys

    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker(
    parent_pid: int,
    source: str,
    dest: str,
    profile: VideoProfile,
    threads: int,
    messages: Any,
    cancel: Any,
) -> None:
    _die_with_parent(parent_pid)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches the whole process group
        try:
            result = transcode(
                source,
                dest,
                profile,
                progress=lambda done: messages.put(("progress", done)),
                cancel=cancel,
                threads=threads,
            )
            messages.put(("done", result))
        except TranscodeCancelled:
            messages.put(("cancelled", None))
        except TranscodeFailed as exc:
            messages.put(("failed", str(exc)))
        except Exception as exc:  # FFmpeg's errors on a broken file, reported by message
            messages.put(("failed", f"{type(exc).__name__}: {exc}"))


def run_transcode(
    source: str | Path,
    dest: str | Path,
    profile: VideoProfile,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: CancelSignal | None = None,
    threads: int = 0,
) -> TranscodeResult:
    """transcode() in a spawned worker process. progress runs in the caller's thread; cancel
    (a threading.Event, say) stops the worker. KeyboardInterrupt in the caller cancels too and
    is re-raised once the worker is gone. Raises TranscodeCancelled or TranscodeFailed."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    stop = context.Event()
    worker = context.Process(
        target=_worker,
        args=(os.getpid(), str(source), str(dest), profile, threads, messages, stop),
        name="urbanart-transcode",
        daemon=True,
    )
    worker.start()
    try:
        return _follow(worker, messages, stop, progress, cancel)
    except BaseException:
        stop.set()
        worker.join(CANCEL_GRACE_SECONDS)
        if worker.is_alive():
            worker.kill()
            worker.join()
        raise
    finally:
        worker.join(CANCEL_GRACE_SECONDS)
        messages.close()


def _follow(
    worker: Any,
    messages: Any,
    stop: Any,
    progress: Callable[[float], None] | None,
    cancel: CancelSignal | None,
) -> TranscodeResult:
    while True:
        if cancel is not None and cancel.is_set():
            raise TranscodeCancelled()
        try:
            kind, value = messages.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if not worker.is_alive():
                raise TranscodeFailed(
                    f"the transcode worker ended unexpectedly (exit code {worker.exitcode})"
                ) from None
            continue
        if kind == "progress":
            if progress is not None:
                progress(float(value))
        elif kind == "done":
            result: TranscodeResult = value
            return result
        elif kind == "cancelled":
            raise TranscodeCancelled()
        else:
            raise TranscodeFailed(str(value))
