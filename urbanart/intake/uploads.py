"""Files handed in to calls: streamed to disk in a per-upload folder, then guarded.

Why folders on disk and no database rows for uploads in progress: a tus upload's offset is the
size of its data file, so it survives a hub restart and costs the catalogue nothing per chunk.
A PATCH opens the data file once (O_APPEND, its size is the offset) and writes what arrives
through that one descriptor: no reopening per write, no copies joining the pieces.
The guard itself (a worker process per file check) is in guard.py.

Layout under the library's ``intake/`` folder::

    uploads/<id>/data        bytes received so far (tus) or the form's file part
    uploads/<id>/info.json   length, file name, call, owner (a hash of the page session)
    uploads/<id>/guarded.json  the guard's facts once the complete upload passed its check
    works/<key>/<file name>  a guarded file that belongs to a submission
    works/<key>/.still/<name>  a generative work's optional still (a dot name: safe_file_name
                             never makes one, so it cannot clash with the work's own file)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from urbanart.intake.guard import Guard as Guard
from urbanart.intake.guard import Guarded as Guarded
from urbanart.intake.guard import Refused as Refused
from urbanart.intake.guard import guard_file as guard_file

INTAKE_DIR = "intake"
STILL_DIR = ".still"
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: Upload records kept in memory (info.json never changes once written); a PATCH or HEAD then
#: reads no file on the event loop. Whether the upload still exists is its data file's business.
KEPT_INFOS = 10_000
#: At most this many pieces per writev (the kernel's IOV_MAX is 1024).
IOV_PIECES = 512


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
        self._infos: dict[str, UploadInfo] = {}
        #: Passed checks (also in guarded.json, for a restarted hub): the page asks for each
        #: file's verdict and the form names the files again, so a hub answers both from memory
        #: instead of two trips each to an I/O thread for files it wrote itself.
        self._guarded: dict[str, Guarded] = {}

    def _keep(self, info: UploadInfo) -> UploadInfo:
        if len(self._infos) >= KEPT_INFOS:
            self._infos.clear()
        self._infos[info.id] = info
        return info

    def new_upload(self, call_id: int, owner: str, length: int, file_name: str) -> UploadInfo:
        """Make an empty upload folder (data file of size 0) and return its record."""
        info, fd = self.start_upload(call_id, owner, length, file_name)
        os.close(fd)
        return info

    def start_upload(
        self, call_id: int, owner: str, length: int, file_name: str
    ) -> tuple[UploadInfo, int]:
        """new_upload, also returning its data file's descriptor (opened O_APPEND; the caller
        closes it). Why: a creation that carries the first chunk writes it through this one,
        instead of a second trip to an I/O thread to open the file it has just made."""
        info = UploadInfo(
            secrets.token_urlsafe(24), call_id, owner, length, safe_file_name(file_name)
        )
        folder = self.uploads / info.id
        folder.mkdir(parents=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(folder / "data", flags, 0o600)
        try:
            (folder / "info.json").write_text(json.dumps(info.to_json()), encoding="utf-8")
        except BaseException:
            os.close(fd)
            raise
        return self._keep(info), fd

    def upload(self, upload_id: str) -> UploadInfo | None:
        """An upload's record (from memory once read), or None when there is none."""
        if not valid_id(upload_id):
            return None
        kept = self._infos.get(upload_id)
        if kept is not None:
            return kept
        try:
            raw = json.loads((self.uploads / upload_id / "info.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return self._keep(UploadInfo(**raw))

    def known(self, upload_id: str) -> UploadInfo | None:
        """The record of an upload this process has seen, without touching the disk."""
        return self._infos.get(upload_id)

    def keep_guarded(self, upload_id: str, verdict: Guarded) -> None:
        """Record that a complete upload passed the guard (an I/O thread's job); OSError when
        the upload is gone (terminated while it was checked)."""
        path = self.uploads / upload_id / "guarded.json"
        path.write_text(json.dumps(verdict.__dict__), encoding="utf-8")
        if len(self._guarded) >= KEPT_INFOS:
            self._guarded.clear()
        self._guarded[upload_id] = verdict

    def guarded(self, upload_id: str) -> Guarded | None:
        """The guard's facts on an upload that passed (from memory once known), or None."""
        kept = self._guarded.get(upload_id)
        if kept is not None or not valid_id(upload_id):
            return kept
        try:
            raw = (self.uploads / upload_id / "guarded.json").read_text(encoding="utf-8")
            return Guarded(**json.loads(raw))
        except (OSError, ValueError, TypeError):
            return None

    def known_guarded(self, upload_id: str) -> Guarded | None:
        """The passed check of an upload this process has seen pass, without touching the disk."""
        return self._guarded.get(upload_id)

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
            self._infos.pop(upload_id, None)
            self._guarded.pop(upload_id, None)
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
                self._infos.pop(folder.name, None)
                self._guarded.pop(folder.name, None)
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def work_file(self, key: str, file_name: str) -> Path:
        return self.works / key / safe_file_name(file_name)

    def adopt_still(self, upload_id: str, key: str, file_name: str) -> None:
        """Move a guarded still into its work's folder (works/<key>/.still/<file name>)."""
        folder = self.works / key / STILL_DIR
        folder.mkdir(mode=0o700)
        os.replace(self.data(upload_id), folder / safe_file_name(file_name))
        self.discard(upload_id)

    def still_file(self, key: str) -> Path | None:
        """The artist's still beside a generative work's package, or None when none was given."""
        if not valid_id(key):
            return None
        try:
            return next((self.works / key / STILL_DIR).iterdir(), None)
        except OSError:
            return None

    def remove_work(self, key: str) -> None:
        if valid_id(key):
            shutil.rmtree(self.works / key, ignore_errors=True)


def open_append(path: Path) -> tuple[int, int]:
    """Open an upload's data file for one PATCH (an I/O thread's job): its descriptor, opened
    O_APPEND, and its size, which is the tus offset (also after a hub restart)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    try:
        return fd, os.fstat(fd).st_size
    except BaseException:
        os.close(fd)
        raise


def write_all(fd: int, chunks: list[bytes], close: bool = False) -> int:
    """Write chunks to fd with writev (no joined copy), closing it after when asked (an I/O
    thread's job); returns the bytes written."""
    try:
        written = 0
        pieces = [memoryview(c) for c in chunks if c]
        while pieces:
            done = os.writev(fd, pieces[:IOV_PIECES])
            written += done
            while pieces and done >= len(pieces[0]):
                done -= len(pieces.pop(0))
            if done:
                pieces[0] = pieces[0][done:]
        return written
    finally:
        if close:
            os.close(fd)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
