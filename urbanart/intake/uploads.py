"""Files handed in to calls: streamed to disk in a per-upload folder, then guarded.

Why folders on disk and no database rows for uploads in progress: a tus upload's offset is the
size of its data file, so it survives a hub restart and costs the catalogue nothing per chunk.
Why the guard runs in a worker process: a decompression bomb or a hostile file must cost a
capped, separate process (import_workers: memory limit, dies with its parent), never the hub;
it is the importer's own check (imaging.probe.inspect), so an artist reads the same
reasons as a curator running ``urbanart import``.

Layout under the library's ``intake/`` folder::

    uploads/<id>/data        bytes received so far (tus) or the form's file part
    uploads/<id>/info.json   length, file name, call, owner (a hash of the page session)
    works/<key>/<file name>  a guarded file that belongs to a submission
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import unicodedata
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from urbanart.errors import ImportRefused
from urbanart.imaging.limits import MIB, ImportLimits
from urbanart.imaging.probe import inspect
from urbanart.imaging.video.guard import guard_video
from urbanart.imaging.video.sniff import HEAD_BYTES, sniff
from urbanart.library.import_workers import start_worker
from urbanart.library.importer import EXTENSIONS

INTAKE_DIR = "intake"
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def safe_file_name(name: str) -> str:
    """The last path segment of an artist's file name, with nothing that could name a folder,
    a hidden file or a device: ``../../etc/passwd`` becomes ``passwd``."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return base[:200] or "file"


def valid_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None


def owner_of(session_token: str) -> str:
    """What an upload records of the page session that made it (a hash, never the token)."""
    return hashlib.sha256(session_token.encode()).hexdigest()


@dataclass(frozen=True)
class Guarded:
    """A file the import guard let through."""

    sha256: str
    format: str
    extension: str
    width: int
    height: int
    byte_size: int
    #: "still" or "video": which of a call's accepted kinds the file is.
    kind: str = "still"


@dataclass(frozen=True)
class Refused:
    reason: str


def _not_taken(kind: str, kinds: tuple[str, ...]) -> Refused:
    taken = " and ".join(f"{k}s" for k in kinds)
    return Refused(f"a {kind}: this call takes {taken} only")


def guard_file(
    path: str, name: str, limits: ImportLimits, kinds: tuple[str, ...] = ("still",)
) -> Guarded | Refused:
    """The import guard on one file (runs in a worker process): size, type, pixels, frames.

    Videos get the importer's video guard (PyAV, from the file: it seeks, so they are hashed in
    chunks and never read whole); kinds are the call's accepted kinds.
    """
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes:
            mb, limit_mb = size / 1e6, limits.max_bytes / 1e6
            return Refused(f"too large: {mb:.0f} MB, the limit is {limit_mb:.0f} MB")
        with open(path, "rb") as handle:
            container = sniff(handle.read(HEAD_BYTES))
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
    ext = EXTENSIONS.get(info.format, info.format.lower())
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
                initializer=start_worker,
                initargs=(os.getpid(), limits.worker_memory_bytes),
            )
        return self._pool.submit(guard_file, str(path), name, limits, kinds)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@dataclass
class UploadInfo:
    """What info.json holds for one upload in progress."""

    id: str
    call_id: int
    owner: str
    length: int
    file_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "call_id": self.call_id,
            "owner": self.owner,
            "length": self.length,
            "file_name": self.file_name,
        }


class IntakeFolders:
    """The library's intake folder: uploads in progress and the files of submissions."""

    def __init__(self, home: Path) -> None:
        self.root = home / INTAKE_DIR
        self.uploads = self.root / "uploads"
        self.works = self.root / "works"

    def new_upload(self, call_id: int, owner: str, length: int, file_name: str) -> UploadInfo:
        """Make an empty upload folder (data file of size 0) and return its record."""
        info = UploadInfo(
            secrets.token_urlsafe(24), call_id, owner, length, safe_file_name(file_name)
        )
        folder = self.uploads / info.id
        folder.mkdir(parents=True, mode=0o700)
        (folder / "data").touch(mode=0o600)
        (folder / "info.json").write_text(json.dumps(info.to_json()), encoding="utf-8")
        return info

    def upload(self, upload_id: str) -> UploadInfo | None:
        if not valid_id(upload_id):
            return None
        try:
            raw = json.loads((self.uploads / upload_id / "info.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return UploadInfo(**raw)

    def data(self, upload_id: str) -> Path:
        return self.uploads / upload_id / "data"

    def offset(self, upload_id: str) -> int:
        try:
            return self.data(upload_id).stat().st_size
        except OSError:
            return -1

    def discard(self, upload_id: str) -> None:
        """Remove an upload folder and all in it (refused, terminated or moved)."""
        if valid_id(upload_id):
            shutil.rmtree(self.uploads / upload_id, ignore_errors=True)

    def adopt(self, upload_id: str, file_name: str) -> str:
        """Move a guarded upload's data into works/<key>/<file name>; returns the key."""
        key = secrets.token_urlsafe(24)
        folder = self.works / key
        folder.mkdir(parents=True, mode=0o700)
        os.replace(self.data(upload_id), folder / safe_file_name(file_name))
        self.discard(upload_id)
        return key

    def sweep(self, max_age_s: float, now: float | None = None) -> int:
        """Remove uploads untouched for max_age_s (abandoned tus uploads); returns how many."""
        import time

        now = time.time() if now is None else now
        removed = 0
        try:
            folders = list(self.uploads.iterdir())
        except OSError:
            return 0
        for folder in folders:
            try:
                touched = max(p.stat().st_mtime for p in (folder, folder / "data") if p.exists())
            except (OSError, ValueError):
                continue
            if now - touched > max_age_s:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def work_file(self, key: str, file_name: str) -> Path:
        return self.works / key / safe_file_name(file_name)

    def remove_work(self, key: str) -> None:
        if valid_id(key):
            shutil.rmtree(self.works / key, ignore_errors=True)


def append(path: Path, chunks: list[bytes]) -> int:
    """Append chunks to path (a worker thread's job); returns the bytes written."""
    with open(path, "ab") as handle:
        for chunk in chunks:
            handle.write(chunk)
    return sum(len(c) for c in chunks)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
