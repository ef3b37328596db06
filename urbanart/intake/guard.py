"""The import guard on a handed-in file, in capped worker processes.

Why a worker process: a decompression bomb or a hostile file must cost a capped, separate
process (import_workers: memory limit, dies with its parent), never the hub; it is the
importer's own check (imaging.probe.inspect, the video guard), so an artist reads the same
reasons as a curator running ``urbanart import``.

Why a module of its own that imports only the imaging side: every guard process imports the
module of the function it runs. Through uploads.py and the library's importer that was the
catalogue, SQLAlchemy and Alembic too: about 2 s of CPU and 40 MB more per process, paid by
each worker of each hub at the start of an open call's rush, for nothing the guard uses. The
video guard (PyAV, about 0.4 s of CPU to import) is imported by the first video, not by every
process: an open call's rush is mostly stills.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from urbanart.errors import ImportRefused
from urbanart.imaging.limits import MIB, ImportLimits, human_size
from urbanart.imaging.packages import looks_like_zip, read_package
from urbanart.imaging.probe import STILL_EXTENSIONS, inspect
from urbanart.imaging.video.sniff import HEAD_BYTES, sniff
from urbanart.library.import_workers import start_worker

#: Image memory blocks (Pillow's block allocator, 16 MB each) a guard process keeps for its next
#: file. Pillow keeps none by default, so every decode maps fresh pages and the kernel zeroes
#: them: a third of the guard's CPU on a 10 MB PNG (74 → 45 ms). Four cover a 50-megapixel
#: still; the process stays far under its import memory limit.
KEPT_IMAGE_BLOCKS = 4

#: glibc's mallopt parameters (malloc.h) and what a guard process sets them to. The file's bytes
#: (read whole for the decoder: 10 MB for a 10 MB PNG) come from the heap below this size, and the
#: heap keeps up to KEPT_HEAP_BYTES free at its top for the next file. glibc's defaults return a
#: freed 10 MB at once (trim), so every file's read faulted in fresh pages the kernel zeroed:
#: about a fifth of the guard's CPU on a 10 MB PNG (64 → 49 ms).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
HEAP_FILE_BYTES = 32 * 1024 * 1024  # glibc's largest mmap threshold
KEPT_HEAP_BYTES = 256 * 1024 * 1024


def keep_heap_memory() -> bool:
    """Set this process's malloc to keep freed file buffers (glibc only); True when it did."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        done = int(libc.mallopt(M_MMAP_THRESHOLD, HEAP_FILE_BYTES)) == 1
        return int(libc.mallopt(M_TRIM_THRESHOLD, KEPT_HEAP_BYTES)) == 1 and done
    return False


def start_guard_worker(parent_pid: int, memory_limit: int | None) -> None:
    """A guard process's initializer: the importer's worker set-up, then Pillow's block cache
    and malloc's kept heap (the process's memory stays capped by the import memory limit)."""
    start_worker(parent_pid, memory_limit)
    # What PIL.Image.core is, and what Pillow's PILLOW_BLOCKS_MAX sets when PIL is imported
    # (too late here: this process may have imported PIL already).
    from PIL import _imaging

    _imaging.set_blocks_max(KEPT_IMAGE_BLOCKS)
    keep_heap_memory()


@dataclass(frozen=True)
class Guarded:
    """A file the import guard let through."""

    sha256: str
    format: str
    extension: str
    width: int
    height: int
    byte_size: int
    #: "still", "video" or "generative": which of a call's accepted kinds the file is.
    kind: str = "still"
    #: How many files a generative work's package holds (0 for stills and videos).
    files: int = 0


@dataclass(frozen=True)
class Refused:
    reason: str


#: How the refusal of a kind a call does not take names each kind (one, many).
_KIND_NAMES = {
    "still": ("a still", "stills"),
    "video": ("a video", "videos"),
    "generative": ("a generative work (an HTML5 package)", "generative works"),
}
#: Room for a zip's own headers beyond its files: a package file larger than its files may be
#: together (packages.py's limit) plus this cannot be within that limit, and is not read whole.
_ZIP_FRAMING = 1 * MIB


def _not_taken(kind: str, kinds: tuple[str, ...]) -> Refused:
    names = [_KIND_NAMES.get(k, (k, k + "s"))[1] for k in kinds]
    taken = " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
    return Refused(f"{_KIND_NAMES.get(kind, (kind,))[0]}: this call takes {taken} only")


def guard_package(data: bytes, name: str, limits: ImportLimits) -> Guarded | Refused:
    """The importer's package guard (packages.py) on a handed-in .zip: escaping entries,
    symlinks, duplicates, bombs, no index.html, the 50 MB / 1,000 files limits. Its reason names
    the entry at fault, as `urbanart import` says it to a curator."""
    try:
        package = read_package(data, name, limits)
    except ImportRefused as exc:
        return Refused(exc.reason)
    except MemoryError:
        limit = f"{limits.worker_memory_bytes / MIB:.0f} MB"
        return Refused(f"too large to unpack within the import memory limit ({limit})")
    return Guarded(package.sha256, "ZIP", "zip", 0, 0, len(data), "generative", len(package.files))


def guard_file(
    path: str, name: str, limits: ImportLimits, kinds: tuple[str, ...] = ("still",)
) -> Guarded | Refused:
    """The import guard on one file (runs in a worker process): size, type, pixels, frames.

    Videos get the importer's video guard (PyAV, from the file: it seeks, so they are hashed in
    chunks and never read whole), zips the package guard; kinds are the call's accepted kinds.
    """
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes:
            mb, limit_mb = size / 1e6, limits.max_bytes / 1e6
            return Refused(f"too large: {mb:.0f} MB, the limit is {limit_mb:.0f} MB")
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            if looks_like_zip(head):
                if "generative" not in kinds:
                    return _not_taken("generative", kinds)
                if size > limits.max_package_bytes + _ZIP_FRAMING:
                    got, limit = human_size(size, limits.max_package_bytes)
                    return Refused(f"too large for a package: {got}, the limit is {limit}")
                handle.seek(0)
                return guard_package(handle.read(), name, limits)
            container = sniff(head)
            handle.seek(0)
            if container is not None:
                sha = hashlib.file_digest(handle, "sha256").hexdigest()
            else:
                data = handle.read()
    except OSError as exc:
        return Refused(f"cannot read the file: {exc.strerror or exc}")
    if container is not None:
        if "video" not in kinds:
            return _not_taken("video", kinds)
        from urbanart.imaging.video.guard import guard_video  # PyAV: imported by the first video

        try:
            video = guard_video(path, name, container, limits)
        except ImportRefused as exc:
            return Refused(exc.reason)
        return Guarded(
            sha, container.format, container.extension, video.width, video.height, size, "video"
        )
    if "still" not in kinds:
        return _not_taken("still", kinds)
    try:
        # The importer's guard proper: every frame decoded (JPEG at 1/8 scale, which still
        # reads all the entropy-coded data, so a truncated or damaged file is refused the
        # same), without the full-size decode and colour conversion renditions need; the
        # library's importer renders them when the work is accepted.
        info = inspect(data, name, limits)
    except ImportRefused as exc:
        return Refused(exc.reason)
    except MemoryError:
        del data
        limit = f"{limits.worker_memory_bytes / MIB:.0f} MB"
        return Refused(f"too large to decode within the import memory limit ({limit})")
    ext = STILL_EXTENSIONS.get(info.format, info.format.lower())
    return Guarded(info.sha256, info.format, ext, info.width, info.height, size)


class Guard:
    """A small pool of capped worker processes running guard_file; one per hub."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(
        self, path: Path, name: str, limits: ImportLimits, kinds: tuple[str, ...] = ("still",)
    ) -> Future[Guarded | Refused]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_guard_worker,
                initargs=(os.getpid(), limits.worker_memory_bytes),
            )
        return self._pool.submit(guard_file, str(path), name, limits, kinds)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
