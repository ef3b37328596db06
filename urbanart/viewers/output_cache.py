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

A page or manifest a release publishes (put(..., released_as=its tree path)) is kept by
reference: its key names the file's tree path and sha256, not its bytes, which the release holds
(releases are write-once). A page of a one-playlist edit on a fleet is ~300 KB and such a
publish made ~13 MB of them, all written to this file and most never read again (an unchanged
page is carried over from the served release, page_units.py); read back, one is taken from a
kept release that holds that path with that sha256, checked against it, and is a miss once no
kept release does.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from hashlib import sha256
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
#: References to released pages kept (a 1,000-screen fleet's first publish makes ~7,000); the least
#: recently used go first beyond it. A row is ~200 bytes.
MAX_RELEASED = 200_000

#: Finds a released file's bytes by its tree path and sha256 (None when no kept release holds
#: it); what it gives is checked against the sha256 here.
Released = Callable[[str, str], bytes | None]
#: A row read: (bytes, used, None) for an output kept whole, (sha256, used, tree path) for one
#: kept by reference.
_Row = tuple[bytes | str, float, str | None]

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
#: Outputs kept by reference (a release holds their bytes). A table apart, not a column of
#: `outputs`: a version of this code from before never reads a reference as an output's bytes.
_RELEASED_SQL = """
CREATE TABLE IF NOT EXISTS released (
    key TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    used REAL NOT NULL
)
"""
_RELEASED_INDEX_SQL = "CREATE INDEX IF NOT EXISTS released_by_use ON released (used)"
#: The bytes `outputs` holds, kept by the database itself as rows come and go, so a flush
#: knows whether to trim without summing the index (20,000 outputs, ~10 ms each flush: a
#: cost of the cache's size paid by every publish that made anything). Triggers, not the
#: code, keep it: every writer of the file keeps it right, this code's older versions too
#: (without recursive_triggers a REPLACE counts the row it replaced twice: too high, never
#: too low, and a total over the bound is summed again before anything is trimmed).
_TOTAL_SQL = (
    "CREATE TABLE IF NOT EXISTS outputs_total"
    " (one INTEGER PRIMARY KEY CHECK (one = 1), bytes INTEGER NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS outputs_added AFTER INSERT ON outputs"
    " BEGIN UPDATE outputs_total SET bytes = bytes + NEW.size; END",
    "CREATE TRIGGER IF NOT EXISTS outputs_removed AFTER DELETE ON outputs"
    " BEGIN UPDATE outputs_total SET bytes = bytes - OLD.size; END",
    "CREATE TRIGGER IF NOT EXISTS outputs_resized AFTER UPDATE OF size ON outputs"
    " BEGIN UPDATE outputs_total SET bytes = bytes - OLD.size + NEW.size; END",
    # Counted from the rows already there, in the transaction that adds the triggers.
    "INSERT OR IGNORE INTO outputs_total (one, bytes)"
    " SELECT 1, COALESCE(SUM(size), 0) FROM outputs",
)


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
    """input digest -> output bytes (or a reference to a released page), read on demand and
    written once at flush()."""

    def __init__(
        self,
        path: Path | None,
        *,
        max_bytes: int = MAX_BYTES,
        use_resolution: float = USE_RESOLUTION,
        released: Released | None = None,
        max_released: int = MAX_RELEASED,
        kept_open: bool = False,
    ) -> None:
        """kept_open: take the connection a cache of this file left open in this process,
        and leave this one's open when closed (_Idle)."""
        self.path = path
        self.kept_open = kept_open
        self._failed = False  # a statement failed: the connection is closed, not left open
        self.max_bytes = max_bytes
        self.use_resolution = use_resolution
        self.released = released
        self.max_released = max_released
        self._db: sqlite3.Connection | None = None
        self._new: dict[str, bytes] = {}
        self._paths: dict[str, str] = {}  # key -> the tree path a release publishes it at
        self._addressed: set[str] = set()  # keys put as naming their very bytes (put)
        self._fetched: dict[str, _Row | None] = {}  # prefetch(): key -> row
        self._hits: set[str] = set()
        self._released_hits: set[str] = set()
        self.hits = 0
        self.misses = 0
        if path is not None:
            self._db = (_IDLE.take(path) if kept_open else None) or self._open(path)

    @classmethod
    def in_home(
        cls,
        home: Path,
        *,
        max_bytes: int = MAX_BYTES,
        released: Released | None = None,
        kept_open: bool = False,
    ) -> OutputCache:
        return cls(home / CACHE_FILE, max_bytes=max_bytes, released=released, kept_open=kept_open)

    @staticmethod
    def memory() -> OutputCache:
        """A cache that keeps nothing beyond this object (dry runs, tests of the cold path)."""
        return OutputCache(None)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Any thread: a connection left open (kept_open) serves the process's next
                # publish, whichever thread runs it; one cache uses it at a time (_Idle).
                db = sqlite3.connect(
                    path, timeout=10, isolation_level=None, check_same_thread=False
                )
                db.execute("PRAGMA journal_mode=WAL")
                # A commit need not wait for the disk: in WAL mode a power cut loses at most the
                # last commits, never the file's consistency (so never wrong bytes under a key),
                # and a lost output is made again by the next publish. FULL cost a change's
                # publish one WAL fsync per flush.
                db.execute("PRAGMA synchronous=NORMAL")
                # A row a REPLACE deletes fires the delete trigger only so (_TOTAL_SQL).
                db.execute("PRAGMA recursive_triggers=ON")
                for sql in (_SCHEMA_SQL, _INDEX_SQL, _RELEASED_SQL, _RELEASED_INDEX_SQL):
                    db.execute(sql)
                _keep_total(db)
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
                row = self._rows([key]).get(key)
            except sqlite3.Error as exc:
                log.warning("publish cache read failed (%s)", exc)
                self._failed = True
                row = None
        else:
            row = None
        if row is not None:
            data = self._bytes(row)
            if data is not None and row[1] <= time.time() - self.use_resolution:
                (self._hits if row[2] is None else self._released_hits).add(key)
        if count and data is None:
            self.misses += 1
        elif count:
            self.hits += 1
        return data

    def _bytes(self, row: _Row) -> bytes | None:
        """A row's output: its bytes, or a referenced page's from the release that holds it."""
        kept, _used, path = row[:3]
        if path is None:
            return bytes(kept) if isinstance(kept, bytes | memoryview) else None
        if self.released is None:
            return None
        data = self.released(path, str(kept))
        if data is None or sha256(data).hexdigest() != kept:
            return None  # no kept release holds it (any more), or not those bytes
        return data

    def prefetch(self, keys: Iterable[str], *, whole: bool = False) -> None:
        """Read many keys in a few queries, for get() to answer from: a thousand screens' single
        reads cost a publish more than the queries that fetch them together. whole: the keys'
        outputs are only ever put whole (no released_as), so their references are not looked
        for (a query less: after an edit every key of an edited screen is a miss)."""
        if self._db is None:
            return
        wanted = [k for k in dict.fromkeys(keys) if k not in self._new and k not in self._fetched]
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            part = wanted[start : start + PREFETCH_CHUNK]
            try:
                rows = self._rows(part, whole=whole)
            except sqlite3.Error as exc:
                log.warning("publish cache read failed (%s)", exc)
                self._failed = True
                return
            self._fetched.update(dict.fromkeys(part))
            self._fetched.update(rows)

    def _rows(self, keys: list[str], *, whole: bool = False) -> dict[str, _Row]:
        """The rows of keys (at most PREFETCH_CHUNK): of outputs kept whole, then references for
        the keys not found (most keys read are of whole outputs, fragments of pages: a query of
        both tables at once cost every read ~20 % more), unless whole (prefetch). A key kept
        both ways (a dry run kept a page whole that a publish keeps by reference) is answered
        with its bytes."""
        assert self._db is not None
        marks = ",".join("?" * len(keys))
        found: dict[str, _Row] = {
            key: (data, used, None)
            for key, data, used in self._db.execute(
                f"SELECT key, data, used FROM outputs WHERE key IN ({marks})",  # noqa: S608
                keys,
            )
        }
        rest = [] if whole else [key for key in keys if key not in found]
        if rest:
            marks = ",".join("?" * len(rest))
            found.update(
                (key, (sha, used, path))
                for key, sha, used, path in self._db.execute(
                    f"SELECT key, sha256, used, path FROM released WHERE key IN ({marks})",  # noqa: S608
                    rest,
                )
            )
        return found

    def put(
        self, key: str, data: bytes, *, released_as: str | None = None, addressed: bool = False
    ) -> None:
        """Keep data under key for the next publish; released_as: the tree path at which the
        release being built publishes these very bytes (kept by reference, see flush).

        addressed: the key is the digest of these bytes, so a row already kept under it holds
        them and is only marked used, not written again (a publish stores again many such
        parts it made anew, and each write costs the cache's log and its checkpoint)."""
        self._new[key] = data
        if released_as is not None:
            self._paths[key] = released_as
        if addressed:
            self._addressed.add(key)
        else:
            self._addressed.discard(key)

    def made(self, key: str, data: bytes) -> None:
        """put() for an output made ahead of its use (in worker processes), counted as made."""
        self.misses += 1
        self._new[key] = data

    def keys(self) -> set[str]:
        """Every key stored (tests and diagnostics)."""
        found = set(self._new)
        if self._db is not None:
            found.update(k for (k,) in self._db.execute("SELECT key FROM outputs"))
            found.update(k for (k,) in self._db.execute("SELECT key FROM released"))
        return found

    def flush(self, *, by_reference: bool = True, known: Mapping[str, str] | None = None) -> None:
        """Store what was made, mark what was used, and trim to max_bytes (oldest use first).

        Outputs put with released_as are stored as references (their path and sha256), unless
        by_reference is false: a dry run publishes nothing, so it keeps their bytes for the
        publish that follows it. known: the sha256 the release being built lists by tree path
        (the publisher hashed its files already); a path it does not name is hashed here."""
        if self._db is None or not (self._new or self._hits or self._released_hits):
            self._forget()
            return
        now = time.time()
        paths = self._paths if by_reference else {}
        shas = known or {}
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs (key, data, size, used) VALUES (?, ?, ?, ?)",
                (
                    (k, v, len(v), now)
                    for k, v in self._new.items()
                    if k not in paths and k not in self._addressed
                ),
            )
            self._db.executemany(
                "INSERT INTO outputs (key, data, size, used) VALUES (?, ?, ?, ?) ON CONFLICT (key)"
                " DO UPDATE SET used = excluded.used WHERE outputs.used <= ?",
                (
                    (k, v, len(v), now, now - self.use_resolution)
                    for k, v in self._new.items()
                    if k in self._addressed and k not in paths
                ),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO released (key, path, sha256, used) VALUES (?, ?, ?, ?)",
                (
                    (k, path, shas.get(path) or sha256(self._new[k]).hexdigest(), now)
                    for k, path in paths.items()
                ),
            )
            self._db.executemany(
                "UPDATE outputs SET used = ? WHERE key = ?", ((now, k) for k in self._hits)
            )
            self._db.executemany(
                "UPDATE released SET used = ? WHERE key = ?",
                ((now, k) for k in self._released_hits),
            )
            self._trim()
            if paths:
                self._trim_released()
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            log.warning("publish cache write failed (%s); the next publish redoes that work", exc)
            self._failed = True
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        self._forget()

    def _forget(self) -> None:
        self._new.clear()
        self._paths.clear()
        self._addressed.clear()
        self._hits.clear()
        self._released_hits.clear()

    def _trim(self) -> None:
        assert self._db is not None
        kept = self._db.execute("SELECT bytes FROM outputs_total").fetchone()
        if kept is not None and kept[0] <= self.max_bytes:
            return
        # Over the bound by the kept total: summed exactly before anything goes (_TOTAL_SQL).
        (total,) = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM outputs").fetchone()
        self._db.execute(
            "INSERT OR REPLACE INTO outputs_total (one, bytes) VALUES (1, ?)", (total,)
        )
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

    def _trim_released(self) -> None:
        assert self._db is not None
        (rows,) = self._db.execute("SELECT COUNT(*) FROM released").fetchone()
        if rows > self.max_released:
            self._db.execute(
                "DELETE FROM released WHERE key IN "
                "(SELECT key FROM released ORDER BY used, key LIMIT ?)",
                (rows - self.max_released,),
            )

    def close(self) -> None:
        """Close the connection, or leave it open for the next cache of this file (kept_open,
        when nothing failed and no transaction is open)."""
        if self._db is not None:
            db, self._db = self._db, None
            if self.kept_open and self.path is not None and not self._failed:
                _IDLE.leave(self.path, db)
            else:
                db.close()

    def __enter__(self) -> OutputCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: A connection's files (the database, its write-ahead log and its shared index), each as
#: (device, inode), None when missing: which files it has open, as far as a stat can tell.
_Files = tuple[tuple[int, int] | None, ...]


def _files(path: Path) -> _Files:
    found: list[tuple[int, int] | None] = []
    for suffix in ("", "-wal", "-shm"):
        try:
            stat = os.stat(f"{path}{suffix}")
        except OSError:
            found.append(None)
        else:
            found.append((stat.st_dev, stat.st_ino))
    return found[0], found[1], found[2]


class _Idle:
    """The connection the last closed cache of one file left open, for the next of this
    process (one file at a time: a studio publishes one library; a test suite many, one after
    the other). Why: see the module docstring; SQLite keeps the file consistent across
    connections and processes, so a connection left open sees what others wrote since.

    Taken only as it was left: by the process that opened it (never across a fork), with the
    very files it has open still in place. A file deleted or replaced since (a damaged cache
    started anew, a test that removes it) gets a new connection; the old one is closed when
    only its database file changed (its checkpoint then writes to the file it has open, no
    longer the cache's), and otherwise kept unclosed: its log or index was removed under it,
    and closing it would checkpoint its log into the cache's file. The library closing
    (publisher) and the interpreter exiting close the connection left open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left: tuple[str, sqlite3.Connection, _Files, int] | None = None
        self._stranded: list[sqlite3.Connection] = []

    def take(self, path: Path) -> sqlite3.Connection | None:
        with self._lock:
            left = self._left
            if left is None or left[0] != os.fspath(path):
                return None
            self._left = None
        _where, db, files, pid = left
        if pid != os.getpid():
            return None  # the parent's: never used, nor closed, in a forked child
        now = _files(path)
        if now == files:
            return db
        if now[1:] == files[1:]:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        else:
            with self._lock:
                self._stranded.append(db)
        return None

    def leave(self, path: Path, db: sqlite3.Connection) -> None:
        if db.in_transaction:
            db.close()
            return
        files = _files(path)
        with self._lock:
            before, self._left = self._left, (os.fspath(path), db, files, os.getpid())
        if before is not None and before[3] == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                before[1].close()

    def close(self, path: Path | None = None) -> None:
        """Close the connection left open (for that file only, when given)."""
        with self._lock:
            left = self._left
            if left is None or (path is not None and left[0] != os.fspath(path)):
                return
            self._left = None
        if left[3] == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                left[1].close()


_IDLE = _Idle()
atexit.register(_IDLE.close)


def close_idle(path: Path | None = None) -> None:
    """Close the connection a cache left open (of that file only, when given): its library is
    being closed, or its folder is about to go."""
    _IDLE.close(path)


def _keep_total(db: sqlite3.Connection) -> None:
    """Have the database keep the outputs' total bytes (_TOTAL_SQL), once per file: the
    triggers and the first count in one write transaction, so no row goes uncounted."""
    found = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'outputs_resized'"
    if db.execute(found).fetchone() is not None:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for sql in _TOTAL_SQL:
            db.execute(sql)
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


def cached(
    cache: OutputCache | None,
    key_parts: Iterable[object],
    make: Callable[[], bytes],
    *,
    released_as: str | None = None,
) -> bytes:
    """The bytes for key_parts from the cache, else make() (stored for the next publish);
    released_as: the tree path the release publishes them at (OutputCache.put)."""
    if cache is None:
        return make()
    key = digest(*key_parts)
    data = cache.get(key)
    if data is None:
        data = make()
        cache.put(key, data, released_as=released_as)
    return data
