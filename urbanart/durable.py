"""Writing a file so that readers, and a restart after a power cut, see the old one or the new one.

One implementation for the media store, the published tree and the player's state: a temporary
file in the same folder (so the rename never crosses file systems), fsync, then os.replace.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace path with data atomically. The file is created owner-only (0600) unless mode
    says otherwise (published files must be readable by a web server running as another user).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None:  # write() and fsync() name no file: say which one filled up
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_copy(source: Path, path: Path, *, chunk: int = 1 << 20) -> None:
    """Replace path with a copy of source atomically, in chunks (a video need not fit in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle, source.open("rb") as src:
            while block := src.read(chunk):
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _syncfs() -> Callable[[int], int] | None:
    """Linux's syncfs(2) from the C library, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        call: Callable[[int], int] = libc.syncfs
    except (OSError, AttributeError):
        return None
    return call


_SYNCFS = _syncfs()


def sync_new_tree(folder: Path, files: Iterable[Path], directories: Iterable[Path]) -> None:
    """Make a freshly written folder tree durable before anything points at it.

    One syncfs(2) of the folder's file system flushes every file and directory entry written
    in it at once; fsyncing each file and then each directory (the fallback, and what syncfs
    replaces) costs a journal round trip per entry — thousands for a published release, where
    a publish that changed one playlist spent most of its time in them."""
    if _SYNCFS is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if _SYNCFS(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in files:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    for directory in sorted(set(directories), key=lambda p: len(p.parts), reverse=True):
        fsync_dir(directory)
    fsync_dir(folder)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in a folder durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
