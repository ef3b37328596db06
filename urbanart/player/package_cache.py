"""Generative packages on the screen's disk: every file of a piece, verified against the manifest.

Why a cache of its own: the Qt player runs a piece from these files (ui/player/web_piece.py serves
them to QtWebEngine through a scheme of its own), so the piece needs no network at all, not even
the hub, and plays offline like any cached work. A package lives in `<root>/<package sha256>/`
under the paths the manifest lists (`generative.files`); each file is downloaded to a temporary
name, checked against its sha256 and size, then renamed into place, as media_cache does. When
the piece is about to play, `verified` reads every file and hashes it again: a file altered on
disk (or never fetched) means the screen shows the work's still instead.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urljoin

import requests

from urbanart.player.media_cache import MediaInvalid, fetch_verified

log = logging.getLogger("urbanart.player")

_SHA = re.compile(r"^[0-9a-f]{64}$")


def package_sha(package: Mapping[str, Any]) -> str:
    """The package's folder name: the sha256 in its base_url (/media/gen/<sha>/)."""
    sha = str(package.get("base_url", "")).rstrip("/").rsplit("/", 1)[-1]
    if not _SHA.fullmatch(sha):
        raise MediaInvalid(f"Refusing a package folder that is not a sha256: {sha!r}.")
    return sha


def safe_path(path: str) -> PurePosixPath:
    """A package file's relative path, refused when it could leave the package's folder."""
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or any(p in ("", ".", "..") for p in relative.parts):
        raise MediaInvalid(f"Refusing a package file path outside its folder: {path!r}.")
    if "\\" in path or "\x00" in path:
        raise MediaInvalid(f"Refusing a package file path outside its folder: {path!r}.")
    return relative


def _files(package: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    files = package.get("files")
    if not isinstance(files, list) or not files:
        raise MediaInvalid("Refusing a package whose manifest lists no files.")
    return [f for f in files if isinstance(f, Mapping)]


class PackageCache:
    """<root>/<package sha>/<path> for complete files, <root>/tmp/ for downloads in progress."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        for stale in self.tmp.iterdir():  # downloads a crash or power cut interrupted
            stale.unlink(missing_ok=True)

    def folder(self, package: Mapping[str, Any]) -> Path:
        return self.root / package_sha(package)

    def missing(self, package: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The package's files not on disk with their size (cheap; `verified` hashes)."""
        folder = self.folder(package)
        absent = []
        for entry in _files(package):
            try:
                present = (folder / safe_path(str(entry["path"]))).stat().st_size
            except OSError:
                present = -1
            if present != int(entry["size"]):
                absent.append(entry)
        return absent

    def download(
        self,
        package: Mapping[str, Any],
        hub_url: str,
        session: requests.Session,
        *,
        timeout: float = 30.0,
    ) -> Path:
        """Fetch the files the cache misses; MediaInvalid when one does not match the manifest
        (it is discarded; the others stay, so the next try fetches only what is left)."""
        folder = self.folder(package)
        base = urljoin(hub_url.rstrip("/") + "/", str(package["base_url"]).lstrip("/"))
        for entry in self.missing(package):
            relative = safe_path(str(entry["path"]))
            url = urljoin(base, quote(relative.as_posix()))
            target = folder / relative
            fetch_verified(
                session, url, target, str(entry["sha256"]), int(entry["size"]), self.tmp, timeout
            )
        return folder

    def verified(self, package: Mapping[str, Any]) -> dict[str, bytes] | None:
        """Every file's bytes by its path, each hashed again now; None when one is missing or
        altered (an altered file is removed, so the next poll fetches it again)."""
        try:
            folder = self.folder(package)
            found: dict[str, bytes] = {}
            for entry in _files(package):
                relative = safe_path(str(entry["path"]))
                path = folder / relative
                try:
                    data = path.read_bytes()
                except OSError:
                    return None
                if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                    log.warning("package file %s is altered; removed, will download again", path)
                    path.unlink(missing_ok=True)
                    return None
                found[relative.as_posix()] = data
        except MediaInvalid as exc:
            log.warning("package refused: %s", exc)
            return None
        return found

    def evict(self, keep: Iterable[Mapping[str, Any]]) -> None:
        """Remove the packages no manifest still needs."""
        wanted = set()
        for package in keep:
            try:
                wanted.add(package_sha(package))
            except MediaInvalid:
                continue
        for folder in self.root.iterdir():
            if folder.name != "tmp" and folder.name not in wanted and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
