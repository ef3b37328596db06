"""A content-addressed media cache on disk: only complete, verified files are ever visible.

Why: a screen must keep playing offline, so every work is kept locally; and it must never show a
half-downloaded or altered file. A download goes to a temporary file in the cache's own folder,
is checked against the manifest's sha256 and size, fsynced, then renamed into place (rename is
atomic on one filesystem), so a file under its final name is always whole. Files are re-hashed
before they are shown, so bit rot or tampering on disk is caught and the file fetched again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from urbanart.errors import UrbanArtError

log = logging.getLogger("urbanart.player")

CHUNK = 256 * 1024
_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|webp|png|gif|mp4)$")


class MediaInvalid(UrbanArtError):
    """A download did not match the manifest's sha256 or size; it was discarded."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class MediaCache:
    """objects/<sha[:2]>/<sha>.<ext> for complete files, tmp/ for downloads in progress."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        for stale in self.tmp.iterdir():  # downloads a crash or power cut interrupted
            stale.unlink(missing_ok=True)

    def path_for(self, media: Mapping[str, Any]) -> Path:
        sha = str(media["sha256"])
        extension = str(media["url"]).rsplit(".", 1)[-1]
        name = f"{sha}.{extension}"
        if not _NAME.fullmatch(name):
            raise MediaInvalid(f"Refusing a media name that is not content-addressed: {name!r}.")
        return self.objects / sha[:2] / name

    def has(self, media: Mapping[str, Any]) -> bool:
        """Present with the right size (cheap; `verified` does the full check)."""
        try:
            return self.path_for(media).stat().st_size == int(media["size"])
        except OSError:
            return False

    def verified(self, media: Mapping[str, Any]) -> Path | None:
        """The file if its bytes still hash to the manifest's sha256; a bad file is removed so
        the next download replaces it, and None is returned so it is never shown."""
        path = self.path_for(media)
        try:
            if path.stat().st_size == int(media["size"]) and sha256_file(path) == media["sha256"]:
                return path
        except OSError:
            return None
        log.warning("cached media %s is damaged or altered; removed, will download again", path)
        path.unlink(missing_ok=True)
        return None

    def download(
        self,
        media: Mapping[str, Any],
        base_url: str,
        session: requests.Session,
        *,
        timeout: float = 30.0,
    ) -> Path:
        """Fetch one file into the cache (no-op when already there); MediaInvalid on mismatch."""
        target = self.path_for(media)
        if self.has(media):
            return target
        url = urljoin(base_url, str(media["url"]).lstrip("/"))
        fetch_verified(
            session, url, target, str(media["sha256"]), int(media["size"]), self.tmp, timeout
        )
        return target

    def missing(self, media: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [m for m in media if not self.has(m)]

    def evict(self, keep: Iterable[str]) -> list[Path]:
        """Remove every cached file whose sha256 is not in keep (what no kept manifest needs)."""
        wanted = set(keep)
        removed: list[Path] = []
        for path in self.objects.glob("*/*"):
            if path.name.split(".", 1)[0] not in wanted:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def free_bytes(self) -> int | None:
        try:
            stats = os.statvfs(self.root)
        except (OSError, AttributeError):
            return None
        return stats.f_bavail * stats.f_frsize


def fetch_verified(
    session: requests.Session,
    url: str,
    target: Path,
    sha256: str,
    size: int,
    tmp_dir: Path,
    timeout: float,
    *,
    says: str = "the manifest",
    invalid: Callable[[str], Exception] = MediaInvalid,
) -> None:
    """Stream url into target only when its bytes are exactly size long and hash to sha256
    (`invalid`, naming what `says` so, otherwise): written beside, synced, then renamed, so a
    cache never holds a partial or foreign file. Media, generative packages' files and live
    frames all come in this way."""
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="dl-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest, written = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as handle, session.get(url, stream=True, timeout=timeout) as r:
            r.raise_for_status()
            for chunk in r.iter_content(CHUNK):
                written += len(chunk)
                if written > size:
                    raise invalid(f"{url} is larger than {says} says ({size}).")
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if written != size:
            raise invalid(f"{url} has {written} bytes, {says} says {size}.")
        if digest.hexdigest() != sha256:
            raise invalid(f"{url} does not match {says}'s sha256; refused.")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
