"""What a publish made before, by a digest of what it was made from: pages, QR codes, manifests.

Why: a publish of a thousand screens where nothing changed used to make every QR code, page and
signed manifest again (the QR codes alone were 85 % of its time). Every output here is a pure
function of its inputs, so the digest of those inputs (and of the code and templates that turn
them into bytes) names the output exactly: a hit gives the same bytes the work would have given,
a changed input gives a new digest and so a miss. Nothing is ever "invalidated" by hand.

One SQLite file in the library's home (not in the published tree: the cache names poll tokens
inside manifests, and is private). It is bounded: past MAX_BYTES the entries least recently used
by a publish go. The cache is an optimisation only: a missing, locked or damaged file makes a
publish slower, never wrong and never failed (its errors are logged and the work is done anew).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

#: Where in the library's home the cache lives.
CACHE_FILE = Path("cache") / "publish-outputs.sqlite"
#: Bytes of outputs kept; the least recently used go first beyond it.
MAX_BYTES = 512 << 20
#: Seconds within which a use need not be recorded again (eviction needs no finer clock, and a
#: publish that changed nothing then writes nothing to the cache).
USE_RESOLUTION = 3600.0
#: Keys per query of prefetch() (SQLite allows 999 parameters in old builds).
PREFETCH_CHUNK = 500
#: Raise when an output's shape changes in a way the code digests below would not see.
SCHEMA = "1"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS outputs (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    size INTEGER NOT NULL,
    used REAL NOT NULL
)
"""
#: Trimming sums sizes and walks outputs oldest use first: from this index alone, not from the
#: table, whose rows hold the outputs' bytes (a sum over a 500 MB table read it all, ~1.4 s).
_INDEX_SQL = "CREATE INDEX IF NOT EXISTS outputs_by_use ON outputs (used, key, size)"


def digest(*parts: object) -> str:
    """sha256 of the parts' reprs (str, int, tuples and frozen dataclasses of them: reprs that
    are stable across runs; never pass a set or an object with an address in its repr)."""
    h = hashlib.sha256(SCHEMA.encode())
    for part in parts:
        h.update(b"\x1f")
        h.update(part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@cache
def code_digest(package: str, *names: str) -> str:
    """sha256 of the named files (or every file of the named folders) of a package: an upgrade
    that changes how an output is made must not be answered from the cache."""
    h = hashlib.sha256()
    root = resources.files(package)
    stack = [root.joinpath(name) for name in names]
    while stack:
        entry = stack.pop()
        if entry.is_dir():
            stack.extend(sorted(entry.iterdir(), key=lambda e: e.name, reverse=True))
        elif entry.is_file():
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()


class OutputCache:
    """input digest -> output bytes, read on demand and written once at flush()."""

    def __init__(
        self,
        path: Path | None,
        *,
        max_bytes: int = MAX_BYTES,
        use_resolution: float = USE_RESOLUTION,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.use_resolution = use_resolution
        self._db: sqlite3.Connection | None = None
        self._new: dict[str, bytes] = {}
        self._fetched: dict[str, tuple[bytes, float] | None] = {}  # prefetch(): key -> row
        self._hits: set[str] = set()
        self.hits = 0
        self.misses = 0
        if path is not None:
            self._db = self._open(path)

    @classmethod
    def in_home(cls, home: Path, *, max_bytes: int = MAX_BYTES) -> OutputCache:
        return cls(home / CACHE_FILE, max_bytes=max_bytes)

    @staticmethod
    def memory() -> OutputCache:
        """A cache that keeps nothing beyond this object (dry runs, tests of the cold path)."""
        return OutputCache(None)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=10, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                # A commit need not wait for the disk: in WAL mode a power cut loses at most the
                # last commits, never the file's consistency (so never wrong bytes under a key),
                # and a lost output is made again by the next publish. FULL cost a change's
                # publish one WAL fsync per flush.
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(_SCHEMA_SQL)
                db.execute(_INDEX_SQL)
                return db
            except sqlite3.DatabaseError as exc:
                log.warning("publish cache %s is unusable (%s); starting it anew", path, exc)
                if attempt == 0:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
            except OSError as exc:
                log.warning("publish cache %s cannot be opened (%s); publishing without", path, exc)
                return None
        return None

    def get(self, key: str, *, count: bool = True) -> bytes | None:
        """The bytes stored under key, or None; counted as a hit or a miss unless count is false
        (a part of an output already counted). What this publish made is not counted again."""
        data = self._new.get(key)
        if data is not None:
            return data
        if key in self._fetched:
            row = self._fetched.pop(key)
        elif self._db is not None:
            try:
                row = self._db.execute(
                    "SELECT data, used FROM outputs WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error as exc:
                log.warning("publish cache read failed (%s)", exc)
                row = None
        else:
            row = None
        if row is not None:
            data = bytes(row[0])
            if row[1] <= time.time() - self.use_resolution:  # else its use is recent enough
                self._hits.add(key)
        if count and data is None:
            self.misses += 1
        elif count:
            self.hits += 1
        return data

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read many keys in a few queries, for get() to answer from: a thousand screens' single
        reads cost a publish more than the queries that fetch them together."""
        if self._db is None:
            return
        wanted = [k for k in dict.fromkeys(keys) if k not in self._new and k not in self._fetched]
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            part = wanted[start : start + PREFETCH_CHUNK]
            marks = ",".join("?" * len(part))
            try:
                rows = self._db.execute(
                    f"SELECT key, data, used FROM outputs WHERE key IN ({marks})",  # noqa: S608
                    part,
                ).fetchall()
            except sqlite3.Error as exc:
                log.warning("publish cache read failed (%s)", exc)
                return
            self._fetched.update(dict.fromkeys(part))
            self._fetched.update((key, (data, used)) for key, data, used in rows)

    def put(self, key: str, data: bytes) -> None:
        self._new[key] = data

    def made(self, key: str, data: bytes) -> None:
        """put() for an output made ahead of its use (in worker processes), counted as made."""
        self.misses += 1
        self._new[key] = data

    def keys(self) -> set[str]:
        """Every key stored (tests and diagnostics)."""
        found = set(self._new)
        if self._db is not None:
            found.update(k for (k,) in self._db.execute("SELECT key FROM outputs"))
        return found

    def flush(self) -> None:
        """Store what was made, mark what was used, and trim to max_bytes (oldest use first)."""
        if self._db is None or not (self._new or self._hits):
            self._new.clear()
            self._hits.clear()
            return
        now = time.time()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs (key, data, size, used) VALUES (?, ?, ?, ?)",
                ((k, v, len(v), now) for k, v in self._new.items()),
            )
            self._db.executemany(
                "UPDATE outputs SET used = ? WHERE key = ?", ((now, k) for k in self._hits)
            )
            self._trim()
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            log.warning("publish cache write failed (%s); the next publish redoes that work", exc)
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        self._new.clear()
        self._hits.clear()

    def _trim(self) -> None:
        assert self._db is not None
        (total,) = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM outputs").fetchone()
        if total <= self.max_bytes:
            return
        excess = total - self.max_bytes
        doomed: list[tuple[str]] = []
        for key, size in self._db.execute("SELECT key, size FROM outputs ORDER BY used, key"):
            if excess <= 0:
                break
            doomed.append((key,))
            excess -= size
        self._db.executemany("DELETE FROM outputs WHERE key = ?", doomed)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> OutputCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cached(
    cache: OutputCache | None, key_parts: Iterable[object], make: Callable[[], bytes]
) -> bytes:
    """The bytes for key_parts from the cache, else make() (stored for the next publish)."""
    if cache is None:
        return make()
    key = digest(*key_parts)
    data = cache.get(key)
    if data is None:
        data = make()
        cache.put(key, data)
    return data
