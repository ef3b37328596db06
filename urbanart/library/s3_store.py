"""The media store in an S3-compatible bucket, with a bounded local cache in front.

Why: curators in different cities share one library; the originals, thumbnails and renditions
one of them imports must be there for the others. Keys are content-addressed (store.py), so an
object never changes once written: the local cache never goes stale, and an import writes each
object once (a HEAD first; an existing key is never uploaded again).

The cache keeps recently read objects on the curator's disk (under the user cache folder, one
folder per bucket and prefix), least recently used evicted first once it holds more than its
byte bound, so scrolling thumbnails costs a file read, as with a local library. Cache files are
written to a temporary name and renamed, so a crash leaves no half object behind.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs

from urbanart.durable import atomic_write
from urbanart.errors import InvalidValue
from urbanart.library.s3 import BucketLocation, failure, is_missing, make_client
from urbanart.library.store import check_key

ENV_CACHE_DIR = "URBANART_MEDIA_CACHE_DIR"
ENV_CACHE_MB = "URBANART_MEDIA_CACHE_MB"
DEFAULT_CACHE_MB = 2048
TMP_PREFIX = ".tmp-"


def default_cache_dir(location: BucketLocation) -> Path:
    """URBANART_MEDIA_CACHE_DIR when set, else <user cache>/urbanart/media/<digest of endpoint,
    bucket and prefix>: two libraries on two buckets never share cached files."""
    chosen = os.environ.get(ENV_CACHE_DIR, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    name = f"{location.endpoint_url or ''}|{location.bucket}|{location.prefix}"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    root = Path(platformdirs.user_cache_dir("urbanart", "UrbanArtStudio"))
    return root / "media" / digest


def cache_bytes_from_env() -> int:
    """URBANART_MEDIA_CACHE_MB (MiB, at least 1), else the default."""
    text = os.environ.get(ENV_CACHE_MB, "").strip()
    if not text:
        return DEFAULT_CACHE_MB << 20
    try:
        megabytes = int(text)
    except ValueError:
        megabytes = 0
    if megabytes < 1:
        raise InvalidValue(
            ENV_CACHE_MB, text, "must be a whole number of MiB, 1 or more", key="cache_mb"
        )
    return megabytes << 20


class ByteBoundedCache:
    """Files under a folder, keyed by store key, least recently used evicted beyond max_bytes.

    Thread-safe (thumbnails are read by a worker pool). Recency survives restarts through the
    files' modification times, which a hit refreshes.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, int] = OrderedDict()  # key -> size, oldest first
        self._total = 0
        self.root.mkdir(parents=True, exist_ok=True)
        found: list[tuple[float, str, int]] = []
        for path in self.root.rglob("*"):
            if not path.is_file():
                continue
            if path.name.startswith(TMP_PREFIX):
                path.unlink(missing_ok=True)  # a write a crash interrupted
                continue
            stat = path.stat()
            found.append((stat.st_mtime, path.relative_to(self.root).as_posix(), stat.st_size))
        for _mtime, key, size in sorted(found):
            self._entries[key] = size
            self._total += size
        with self._lock:
            self._evict(keep=None)

    @property
    def total_bytes(self) -> int:
        return self._total

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def has(self, key: str) -> bool:
        with self._lock:
            if key in self._entries:
                return True
        return self._adopt(key)

    def _adopt(self, key: str) -> bool:
        """Take in a file another process (an import worker) cached since we looked."""
        try:
            size = self.path(key).stat().st_size
        except OSError:
            return False
        with self._lock:
            if key not in self._entries:
                self._entries[key] = size
                self._total += size
                self._evict(keep=key)
        return True

    def read(self, key: str) -> bytes | None:
        """The cached bytes, or None (a miss, or the file was removed by another process)."""
        with self._lock:
            known = key in self._entries
            if known:
                self._entries.move_to_end(key)
        if not known and not self._adopt(key):
            return None
        path = self.path(key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except FileNotFoundError:
            self.discard(key)
            return None
        return data

    def store(self, key: str, data: bytes, *, always: bool = False) -> bool:
        """Keep data under key (write then rename). An object bigger than the whole bound is not
        kept unless `always` (a caller needs a file), then it alone stays. True when kept."""
        if len(data) > self.max_bytes and not always:
            return False
        atomic_write(self.path(key), data)
        with self._lock:
            self._total -= self._entries.pop(key, 0)
            self._entries[key] = len(data)
            self._total += len(data)
            self._evict(keep=key)
        return True

    def discard(self, key: str) -> None:
        with self._lock:
            self._total -= self._entries.pop(key, 0)
        self.path(key).unlink(missing_ok=True)

    def _evict(self, keep: str | None) -> None:
        while self._total > self.max_bytes and self._entries:
            oldest = next(iter(self._entries))
            if oldest == keep:
                if len(self._entries) == 1:
                    return
                self._entries.move_to_end(oldest)
                continue
            self._total -= self._entries.pop(oldest)
            self.path(oldest).unlink(missing_ok=True)


class S3MediaStore:
    """A MediaStore in a bucket (see the module docstring); `local_path` answers from the cache."""

    def __init__(
        self,
        location: BucketLocation,
        *,
        cache_dir: Path | None = None,
        cache_bytes: int | None = None,
        client: Any = None,
    ) -> None:
        self.location = location
        self.client = client if client is not None else make_client(location)
        self.cache = ByteBoundedCache(
            cache_dir or default_cache_dir(location),
            cache_bytes if cache_bytes is not None else cache_bytes_from_env(),
        )

    def __repr__(self) -> str:
        return f"S3MediaStore({self.location.describe()!r})"

    def __reduce__(self) -> tuple[Any, tuple[BucketLocation, Path, int]]:
        """Import workers are processes: they get the address and the cache folder, and make
        their own client (a boto3 client cannot be pickled)."""
        return (_revive, (self.location, self.cache.root, self.cache.max_bytes))

    def _key(self, key: str) -> str:
        return self.location.key(check_key(key))

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(
                Bucket=self.location.bucket, Key=self._key(key)
            )
        except Exception as exc:
            if is_missing(exc):
                return None
            raise failure(self.location, f"look up {key}", exc) from exc
        return head

    def put(self, key: str, data: bytes) -> None:
        """Upload once: keys name their content, so an existing object already holds it."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"media bytes expected, not {type(data).__name__}")
        if self._head(key) is None:
            try:
                self.client.put_object(
                    Bucket=self.location.bucket, Key=self._key(key), Body=bytes(data)
                )
            except Exception as exc:
                raise failure(self.location, f"upload {key}", exc) from exc
        self.cache.store(key, bytes(data))

    def put_file(self, key: str, source: Path) -> None:
        """Upload a large file (a video original) once, streamed in parts by boto3's transfer.

        Not copied into the read cache: a video is read back rarely and would evict hundreds of
        thumbnails; ``local_path`` fetches it on demand.
        """
        if self._head(check_key(key)) is not None:
            return
        try:
            self.client.upload_file(str(source), self.location.bucket, self._key(key))
        except Exception as exc:
            raise failure(self.location, f"upload {key}", exc) from exc

    def get(self, key: str) -> bytes:
        cached = self.cache.read(check_key(key))
        if cached is not None:
            return cached
        try:
            response = self.client.get_object(Bucket=self.location.bucket, Key=self._key(key))
            data: bytes = response["Body"].read()
        except Exception as exc:
            if is_missing(exc):
                raise FileNotFoundError(2, "No such object in the media bucket", key) from None
            raise failure(self.location, f"read {key}", exc) from exc
        self.cache.store(key, data)
        return data

    def exists(self, key: str) -> bool:
        return self.cache.has(check_key(key)) or self._head(key) is not None

    def size(self, key: str) -> int:
        if self.cache.has(check_key(key)):
            try:
                return self.cache.path(key).stat().st_size
            except FileNotFoundError:
                self.cache.discard(key)
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(2, "No such object in the media bucket", key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.cache.discard(check_key(key))
        try:
            self.client.delete_object(Bucket=self.location.bucket, Key=self._key(key))
        except Exception as exc:
            if not is_missing(exc):
                raise failure(self.location, f"delete {key}", exc) from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        listed: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=self.location.key(prefix)
            )
            for page in pages:
                contents = page.get("Contents", [])
                listed.extend(self.location.relpath(item["Key"]) for item in contents)
        except Exception as exc:
            raise failure(self.location, "list the media", exc) from exc
        yield from sorted(listed)

    def local_path(self, key: str) -> Path | None:
        """The cached file for key, fetched first if needed; None when the bucket lacks it."""
        path = self.cache.path(key)
        if self.cache.read(key) is not None:
            return path
        try:
            data = self.get(key)
        except FileNotFoundError:
            return None
        if not self.cache.has(key):
            self.cache.store(key, data, always=True)
        return path


_REVIVED: dict[tuple[BucketLocation, Path, int], S3MediaStore] = {}
_REVIVED_LOCK = threading.Lock()


def _revive(location: BucketLocation, cache_dir: Path, cache_bytes: int) -> S3MediaStore:
    """One store per worker process (each task unpickles the store; a client costs ~50 ms)."""
    with _REVIVED_LOCK:
        store = _REVIVED.get((location, cache_dir, cache_bytes))
        if store is None:
            store = S3MediaStore(location, cache_dir=cache_dir, cache_bytes=cache_bytes)
            _REVIVED[(location, cache_dir, cache_bytes)] = store
        return store
