"""The media store: every read and write of media goes through this one interface.

Today the store is a folder on the curator's disk; later the same interface fronts an
S3-compatible bucket. Keys are content-addressed relative paths such as
``originals/ab/abcdef….jpg``; a key never escapes the store's root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from urbanart.durable import atomic_copy, atomic_write

if TYPE_CHECKING:
    from urbanart.library.s3 import BucketLocation

_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


def check_key(key: str) -> str:
    """Refuse keys that could address anything outside the store (``..``, absolute, odd bytes)."""
    if not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise ValueError(f"invalid media store key {key!r}")
    return key


def original_key(sha256: str, extension: str) -> str:
    return check_key(f"originals/{sha256[:2]}/{sha256}.{extension.lower()}")


def thumbnail_key(sha256: str, extension: str = "webp", variant: str = "") -> str:
    """variant tells apart thumbnails of one file made differently (a video's poster time)."""
    name = f"{sha256}-{variant}" if variant else sha256
    return check_key(f"thumbs/{sha256[:2]}/{name}.{extension}")


def rendition_key(sha256: str, profile_key: str, extension: str, variant: str = "") -> str:
    name = f"{profile_key.lower()}-{variant}" if variant else profile_key.lower()
    return check_key(f"renditions/{sha256[:2]}/{sha256}/{name}.{extension}")


def fallback_key(sha256: str, extension: str) -> str:
    """The still a work that is not an image stands on (a generative package's capture, title
    card or the artist's own): its thumbnail and renditions are made from it."""
    return check_key(f"originals/{sha256[:2]}/{sha256}-still.{extension.lower()}")


def package_file_key(file_sha256: str) -> str:
    """One file of a generative package, by its own content: packages sharing a file share it."""
    return check_key(f"packages/{file_sha256[:2]}/{file_sha256}")


def package_listing_key(sha256: str) -> str:
    """A package's file list ([{path, sha256, size}], JSON): what publishing it needs."""
    return check_key(f"package-lists/{sha256[:2]}/{sha256}.json")


def poster_variant(poster_s: float) -> str:
    """The store-key variant of what is made from a video's poster frame: its time in ms, so a
    new poster time gives new keys and no cache anywhere serves the old picture under them."""
    return f"p{round(poster_s * 1000)}"


class MediaStore(Protocol):
    """What the engine needs from wherever media bytes live."""

    def put(self, key: str, data: bytes) -> None:
        """Store bytes under key, atomically: readers see the old object or the new, never half."""

    def put_file(self, key: str, source: Path) -> None:
        """Store a file's bytes under key, atomically, without holding them all in memory."""

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None:
        """Remove key; a missing key is not an error (deletes are retried after crashes)."""

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def local_path(self, key: str) -> Path | None:
        """A filesystem path for key when the store is local (for zero-copy serving), else None."""


class LocalMediaStore:
    """A MediaStore in a folder; writes go to a temporary file in the same folder, then rename."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._root_text = os.fspath(self.root)

    def __repr__(self) -> str:
        return f"LocalMediaStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes) -> None:
        atomic_write(self._path(key), data)

    def put_file(self, key: str, source: Path) -> None:
        atomic_copy(Path(source), self._path(key))

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        # The same checked path as _path's, joined as text: a publish asks this of every
        # media file its remembered playlists name, and pathlib's joins cost several times
        # the stat itself.
        return os.path.isfile(os.path.join(self._root_text, check_key(key)))

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def open_media_store(folder: Path, location: BucketLocation | None) -> MediaStore:
    """The library's store: the bucket (s3.location_from_env reads URBANART_MEDIA_URL) when
    given, else the library's own folder. Why a function: Library.open stays the one place a
    library is assembled, and boto3 is imported only when a bucket is really used."""
    if location is None:
        return LocalMediaStore(folder)
    from urbanart.library.s3_store import S3MediaStore

    return S3MediaStore(location)
