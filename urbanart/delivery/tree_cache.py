"""An in-memory, atomically swapped snapshot of published/current, so polls never touch the disk.

Why: a screen polls its manifest every minute or so; a thousand screens make the manifest GET and
its 304 the hub's hot path. Every non-media file of the current release is read once, hashed
(strong ETag = ``etag_for(bytes)``), gzipped once when compressible, and its response headers are
prebuilt. A request is then a dict lookup plus one ``send``. Media under ``/media/`` is resolved
lazily (there may be thousands of files, most of them never requested by this hub) and large
files are streamed from disk, never held in memory.

Publishing swaps the ``current`` symlink with rename(2). ``TreeCache.ensure_fresh`` reads the link
at most every ``check_interval`` seconds (one readlink and one stat: microseconds) and, when the
target changed, builds the new snapshot in a background thread while the old one keeps serving;
the new snapshot replaces the old by a single attribute assignment. Files hard-linked from the
previous release (same inode, size and mtime) reuse the previous entry, so a publish that changed
ten manifests re-reads ten files.

Safety: only regular files whose real path lies inside ``published/`` are ever served; a symlink
resolving elsewhere is treated as missing.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import quote

from urbanart.delivery.manifest import etag_for
from urbanart.protocol.tree_layout import GENERATIVE_CSP, GENERATIVE_PREFIX

log = logging.getLogger("urbanart.hub")

#: Files up to this size are served from memory; larger ones stream from disk in chunks.
SMALL_FILE_LIMIT = 1 << 20
#: Lazily resolved media kept in memory per snapshot, in bytes (beyond it, media streams).
MEDIA_MEMORY_BUDGET = 64 << 20
#: The release's link to the shared media folder (tree.MEDIA), resolved on demand, not walked.
MEDIA_FOLDER = "media"
#: Below this size gzip saves too little to be worth a second variant.
GZIP_MIN_SIZE = 256

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_TYPES = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".pub": "application/x-pem-file",
    ".pem": "application/x-pem-file",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".ico": "image/x-icon",
}
_COMPRESSIBLE = (
    "application/json",
    "application/manifest+json",
    "text/",
    "image/svg+xml",
    "application/x-pem-file",
)


def content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    known = _TYPES.get(ext)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def is_compressible(ctype: str) -> bool:
    return ctype.startswith(_COMPRESSIBLE)


def etag_of_file(path: str) -> str:
    """etag_for() of a file's bytes, hashed in chunks so a large video never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return '"' + digest.hexdigest()[:32] + '"'


Headers = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Variant:
    """One representation (identity or gzip) with its response headers built once."""

    body: bytes | None  # None: stream the file from disk
    etag: str
    etag_b: bytes
    headers_200: Headers
    headers_304: Headers


@dataclass(slots=True)
class Entry:
    """A servable file: where it is, what it is, and its ready-made representations."""

    url: str
    file: str  # the real path (symlinks resolved, inside published/)
    size: int
    key: tuple[int, int, int, int]  # (dev, inode, size, mtime_ns): same key, same bytes
    content_type: str
    cache_control: str
    last_modified: str
    ranges: bool  # byte ranges are offered for media (players seek in videos, resume downloads)
    identity: Variant
    gzip: Variant | None
    etags: frozenset[bytes]  # opaque tags of both variants, for If-None-Match
    poll_token: str | None  # set for screens/<token>/manifest.json


def _variant(
    body: bytes | None,
    etag: str,
    *,
    length: int,
    ctype: str,
    cache_control: str,
    last_modified: str,
    vary: bool,
    ranges: bool,
    encoding: str | None,
    policy: str | None = None,
) -> Variant:
    common: Headers = [
        (b"etag", etag.encode()),
        (b"cache-control", cache_control.encode()),
        (b"last-modified", last_modified.encode()),
    ]
    if policy:  # a generative package's file: no network, whatever the file says
        common.append((b"content-security-policy", policy.encode()))
    if vary:
        common.append((b"vary", b"Accept-Encoding"))
    full: Headers = [
        (b"content-type", ctype.encode()),
        (b"content-length", str(length).encode()),
        *common,
    ]
    if ranges:
        full.append((b"accept-ranges", b"bytes"))
    if encoding:
        full.append((b"content-encoding", encoding.encode()))
    return Variant(body, etag, etag.encode(), full, common)


def make_entry(
    url: str,
    real: str,
    st: os.stat_result,
    *,
    load: bool,
    reuse: dict[tuple[str, tuple[int, int, int, int]], Entry] | None = None,
) -> Entry:
    """Build the entry for one file (reading, hashing and gzipping it when load is true)."""
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if reuse is not None:
        old = reuse.get((url, key))
        if old is not None and old.file == real:
            return old
    ctype = content_type(url)
    is_media = url.startswith("/media/")
    cache_control = IMMUTABLE if is_media else REVALIDATE
    policy = GENERATIVE_CSP if url.startswith(GENERATIVE_PREFIX) else None
    last_modified = formatdate(st.st_mtime, usegmt=True)
    body: bytes | None = None
    if load and st.st_size <= SMALL_FILE_LIMIT:
        with open(real, "rb") as fh:
            body = fh.read()
        etag = etag_for(body)
    else:
        etag = etag_of_file(real)
    size = len(body) if body is not None else st.st_size
    compressible = is_compressible(ctype)
    identity = _variant(
        body,
        etag,
        length=size,
        ctype=ctype,
        cache_control=cache_control,
        last_modified=last_modified,
        vary=compressible,
        ranges=is_media,
        encoding=None,
        policy=policy,
    )
    gz: Variant | None = None
    if compressible and body is not None and size >= GZIP_MIN_SIZE:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        if len(packed) < size:
            gz = _variant(
                packed,
                etag[:-1] + '-gz"',
                length=len(packed),
                ctype=ctype,
                cache_control=cache_control,
                last_modified=last_modified,
                vary=True,
                ranges=False,
                encoding="gzip",
                policy=policy,
            )
    parts = url.split("/")
    token = (
        parts[2]
        if len(parts) == 4 and parts[1] == "screens" and parts[3] == "manifest.json"
        else None
    )
    etags = {identity.etag_b}
    if gz is not None:
        etags.add(gz.etag_b)
    return Entry(
        url=url,
        file=real,
        size=size,
        key=key,
        content_type=ctype,
        cache_control=cache_control,
        last_modified=last_modified,
        ranges=is_media,
        identity=identity,
        gzip=gz,
        etags=frozenset(etags),
        poll_token=token,
    )


def inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root + os.sep)


@dataclass
class Tree:
    """One immutable snapshot of the served tree (plus a cache of media resolved on demand)."""

    published: str  # real path of published/
    root: str | None  # real path of the release current points to; None: nothing published
    signature: tuple[str, int] | None
    entries: dict[str, Entry]  # by decoded URL path
    fast: dict[bytes, Entry]  # by the URL path as clients send it (percent-encoded)
    tokens: frozenset[str]
    lazy: dict[str, Entry] = field(default_factory=dict)
    #: The previous snapshot's media entries, so unchanged media is not hashed again.
    reuse: dict[tuple[str, tuple[int, int, int, int]], Entry] = field(default_factory=dict)
    lazy_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, url: str) -> Entry | None:
        """Find a file not in the snapshot (media, symlinked folders) on disk; blocking I/O.

        ``url`` is already normalised (no empty, ".", ".." or hidden segments). The real path
        must stay inside published/, so a symlink pointing anywhere else is "not found".
        """
        if self.root is None:
            return None
        cached = self.lazy.get(url)
        if cached is not None:
            return cached
        real = os.path.realpath(os.path.join(self.root, url.lstrip("/")))
        if not inside(real, self.published):
            return None
        try:
            st = os.stat(real)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        with self.lock:
            load = self.lazy_bytes + st.st_size <= MEDIA_MEMORY_BUDGET
        try:
            entry = make_entry(url, real, st, load=load, reuse=self.reuse)
        except OSError:
            return None
        with self.lock:
            if entry.identity.body is not None:
                self.lazy_bytes += entry.size
                if entry.gzip is not None and entry.gzip.body is not None:
                    self.lazy_bytes += len(entry.gzip.body)
            self.lazy[url] = entry
        return entry


def empty_tree(published: str) -> Tree:
    return Tree(published, None, None, {}, {}, frozenset())


def read_signature(current: str) -> tuple[str, int] | None:
    """What `current` points to now: its link text and the target folder's inode."""
    try:
        return os.readlink(current), os.stat(current).st_ino
    except OSError:
        return None


def build_tree(published: Path, previous: Tree | None = None) -> Tree:
    """Read the release `current` points to into memory (everything but the media folder)."""
    pub = os.path.realpath(published)
    current = os.path.join(pub, "current")
    signature = read_signature(current)
    if signature is None:
        return empty_tree(pub)
    root = os.path.realpath(current)
    if not inside(root, pub) or not os.path.isdir(root):
        log.warning(
            "published/current does not point to a folder inside published/; serving nothing"
        )
        return empty_tree(pub)
    reuse: dict[tuple[str, tuple[int, int, int, int]], Entry] = {}
    media: dict[tuple[str, tuple[int, int, int, int]], Entry] = {}
    if previous is not None:
        for entry in previous.entries.values():
            reuse[(entry.url, entry.key)] = entry
        for entry in previous.lazy.values():
            media[(entry.url, entry.key)] = entry
    entries: dict[str, Entry] = {}
    # A release's folders are links to shared trees (docs/published-tree.md): followed.
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        rel_dir = os.path.relpath(dirpath, root)
        # Hidden names are never served; the media folder is resolved on demand.
        top = rel_dir == "."
        dirnames[:] = [
            d for d in dirnames if not d.startswith(".") and not (top and d == MEDIA_FOLDER)
        ]
        for name in filenames:
            if name.startswith("."):
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            url = "/" + rel.replace(os.sep, "/")
            real = os.path.realpath(os.path.join(dirpath, name))
            if not inside(real, pub):
                continue
            try:
                st = os.stat(real)
                if not stat.S_ISREG(st.st_mode):
                    continue
                entries[url] = make_entry(url, real, st, load=True, reuse=reuse)
            except OSError:  # removed while we walked: a later check picks up the next tree
                continue
    fast = {quote(url).encode("ascii"): entry for url, entry in entries.items()}
    for url, entry in entries.items():  # folder URLs ("/a/7/") serve their index.html
        if url.endswith("/index.html"):
            fast[quote(url[: -len("index.html")]).encode("ascii")] = entry
    tokens = frozenset(e.poll_token for e in entries.values() if e.poll_token)
    return Tree(pub, root, signature, entries, fast, tokens, reuse=media)


class TreeCache:
    """Holds the current snapshot and replaces it when a publish swaps `current`."""

    def __init__(self, published: Path, *, check_interval: float = 0.5) -> None:
        self.published = Path(published)
        self.check_interval = check_interval
        self._current = os.path.join(os.path.realpath(self.published), "current")
        self.tree: Tree = empty_tree(os.path.realpath(self.published))
        self._next_check = 0.0
        self._building = False
        self._guard = threading.Lock()
        self._listeners: list[Callable[[Tree], object]] = []
        self.loaded = False

    def on_swap(self, listener: Callable[[Tree], object]) -> None:
        """Call listener(tree) (in the builder thread) after each swap, e.g. to refresh tokens."""
        self._listeners.append(listener)

    def load(self) -> Tree:
        """Build and install a snapshot now (blocking): at start-up and in tests."""
        tree = build_tree(self.published, self.tree)
        self._install(tree)
        self.loaded = True
        return tree

    def _install(self, tree: Tree) -> None:
        self.tree = tree  # one assignment: requests see the old snapshot or the new one
        for listener in self._listeners:
            try:
                listener(tree)
            except Exception:  # a listener's failure must not stop serving
                log.exception("tree swap listener failed")

    def current_signature(self) -> tuple[int, int] | None:
        """Which `current` link is there right now, unthrottled: one lstat (its inode and
        change time), read per API request.

        Why not read_signature (a readlink and a stat through the link): this is asked on every
        heartbeat, and a publish or token rotation never edits the link but puts a new one in
        its place (a new inode; a freed one coming back with a new change time), so the link's
        own lstat tells the same in one system call instead of two path walks.
        """
        try:
            found = os.lstat(self._current)
        except OSError:
            return None
        return found.st_ino, found.st_ctime_ns

    def ensure_fresh(self, now: float | None = None) -> None:
        """Cheap per-request check: at most every check_interval, compare the link's target."""
        now = time.monotonic() if now is None else now
        if now < self._next_check:
            return
        self._next_check = now + self.check_interval
        if not self.loaded:
            self.load()
            return
        if read_signature(self._current) == self.tree.signature:
            return
        with self._guard:
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._rebuild, name="hub-tree-build", daemon=True).start()

    def _rebuild(self) -> None:
        try:
            self._install(build_tree(self.published, self.tree))
            log.info("now serving %s", self.tree.root)
        except Exception:
            log.exception("could not load the new published tree; still serving the previous one")
        finally:
            with self._guard:
                self._building = False
