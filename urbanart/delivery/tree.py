"""The published tree on disk: atomic writes, release folders, the `current` swap and media GC.

Layout and guarantees are the contract in docs/published-tree.md. Beyond it, each complete
release has an index file next to its folder, ``releases/<id>.json`` (outside the served root,
because it lists every screen's poll token): it marks the release complete (it is written,
fsynced, before the swap) and lists each file's sha256 and the media its manifests use, so the
next publish can compare and hard-link without reading every file again.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256 as sha256_of
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine

from urbanart import durable
from urbanart.delivery import tree_check
from urbanart.delivery.index_text import index_text
from urbanart.errors import UrbanArtError
from urbanart.library.database import exclusive
from urbanart.memo import Recent

log = logging.getLogger(__name__)

RELEASES = "releases"
MEDIA = "media"
#: Content-addressed, write-once folders that releases link to (see Tree.build_release).
TREES = "trees"
#: Hex characters of a tree's sha256 that name it (160 bits, as a git object id). Short enough
#: that every link to a tree, `../<name>` inside trees/ and `../../trees/<name>` at a release's
#: top, is under 60 bytes: ext4 (and others) keep such a link's target in its inode, where a
#: longer one takes a disk block of its own to write and, on removal, to free (and discard). A
#: fleet's changed s/ and screens/ folders are a thousand links each: removing a stale one cost
#: ~0.2-2 s with blocks, ~0.02 s without. A tree recorded under a longer name (before this) is
#: not linked again: the next release that changes anything makes it anew, once, as a short one.
TREE_NAME_CHARS = 40
#: Where clean() moves stale releases and trees (one folder per clean, outside the served root
#: and trees/), to be removed after the publish returns: a name moved there is never looked up
#: or linked again, so its removal needs no lock and cannot race a later publish.
TRASH = "trash"
CURRENT = "current"
CURRENT_TMP = "current.tmp"
GC_STATE = "media-gc.json"
LOCK_FILE = ".publish.lock"
#: The database-wide lock publishing holds (a PostgreSQL advisory lock; see database.exclusive).
PUBLISH_LOCK = "urbanart.publish"
INDEX_SUFFIX = ".json"
#: Release indexes kept parsed between publishes of one process (a studio, the job runner):
#: a fleet's index is megabytes of JSON, and a publish reads the served one and the one before.
#: Keyed by the index file and its (inode, mtime, size): an index is replaced whole
#: (atomic_write, a new inode), so a changed file is never answered from here.
_PARSED_INDEXES: Recent[str, tuple[tuple[int, int, int], ReleaseIndex]] = Recent(8)
#: The folder layout of the releases this process built, by release folder: the next release
#: of the same paths (a change edits files, it rarely adds or removes one) derives its layout
#: from the previous one's by the files that changed, instead of splitting a fleet's 10,000
#: paths into folders again and counting each folder's files anew. Used only while the
#: previous release's index lists exactly the files the layout was made from.
_LAYOUTS: Recent[str, _Layout] = Recent(2)
#: Trash folders this process is removing in the background (clean(later=True)), each with its
#: thread: a later clean leaves them to it; settle() waits for them.
_REMOVING: dict[str, threading.Thread] = {}
_REMOVING_LOCK = threading.Lock()
#: A big folder's spare: trees/.spare-<digest>/, the entries of trees/<digest>/ linked again
#: under a second folder, made in the background after the publish that built it
#: (Tree.make_spares_later). A fleet's change makes its s/ and screens/ folders anew, a thousand
#: links each of which all but a few are the previous tree's: the next build that changes such
#: a folder renames its spare into place and mends the entries that changed (_Build._from_spare),
#: instead of linking a thousand entries while the publish waits (~18 ms of a change's ~0.27 s).
SPARE = ".spare-"
#: A spare being made, renamed to its SPARE name once whole (a clean removes one a crash left).
SPARE_TEMP = ".tmp-spare-"
#: The spares this process's threads are making (their temporary folders, each with its
#: thread): a clean leaves them alone; settle() waits for them.
_SPARING: dict[str, threading.Thread] = {}


class PublishBusy(UrbanArtError):
    """Another publish holds the published tree."""


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in a folder durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: Published files are public: a web server running as another user must be able to read them.
PUBLIC_MODE = 0o644


def atomic_write(path: Path, data: bytes, mode: int = PUBLIC_MODE) -> None:
    """Readers see the old file or the new one, never half; public by default."""
    durable.atomic_write(path, data, mode=mode)


def check_relpath(relpath: str) -> None:
    """Refuse any tree path that is absolute, has an empty part, or climbs (..) or hides (a
    leading dot); plain string work, as a release names tens of thousands of paths."""
    if (
        not relpath
        or relpath.startswith("/")
        or "\\" in relpath
        or not all(part and not part.startswith(".") for part in relpath.split("/"))
    ):
        raise ValueError(f"unsafe path in the published tree: {relpath!r}")


def safe_relpath(relpath: str) -> PurePosixPath:
    """check_relpath, then the path."""
    check_relpath(relpath)
    return PurePosixPath(relpath)


#: The index keys the ReleaseIndex holds apart from `extra`.
_INDEX_KEYS = ("release", "files", "media", "trees")


@dataclass(frozen=True)
class ReleaseIndex:
    """What a complete release holds: file path -> sha256, the media its manifests use, and
    the shared tree each of its folders is (folder path -> digest; empty for a release made
    before trees, whose folders are its own)."""

    release: str
    files: dict[str, str]
    media: frozenset[str]
    extra: dict[str, object] = field(default_factory=dict)
    trees: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        doc = {
            "release": self.release,
            "files": self.files,
            "media": sorted(self.media),
            **self.extra,
        }
        if self.trees:
            doc["trees"] = self.trees
        # Compact (an indent makes json use its pure-Python encoder, ten times slower on a
        # fleet's index), and made from the last index's text where its parts are unchanged.
        return index_text(doc)


@dataclass(frozen=True)
class BuiltRelease:
    """What building a release did: files linked (unchanged) and written, and its trees."""

    linked: int
    written: int
    trees: dict[str, str]


class Tree:
    """One library's published/ folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / RELEASES
        self.media = root / MEDIA
        self.trees = root / TREES
        self._trash_pending = False  # see clean(start=False)
        #: The trees the last missing() found on disk, a file of each in its place: the next
        #: build_release (only it, and not after a clean) links them without looking each up
        #: again (a changed screens/ or s/ has a thousand sub-folders, whose trees missing()
        #: checked just before).
        self.verified_trees: frozenset[str] = frozenset()
        #: The trees of many sub-folders whose links the last missing()'s worker read and
        #: found as the index says (tree_check.Answer.linked), with that index's release: the
        #: next build_release from that release links them again without reading each.
        self.verified_links: tuple[str, frozenset[str]] = ("", frozenset())
        self._looking: tree_check.Pending | None = None  # see look_up_soon
        #: The big folders' trees the last build_release made, with all its trees: the spares
        #: make_spares_later() makes.
        self._spares_wanted: tuple[list[str], Mapping[str, str]] = ([], {})

    # Reading ---------------------------------------------------------------------------------

    def current_release(self) -> str | None:
        """The release `current` points at, or None before the first publish."""
        link = self.root / CURRENT
        try:
            target = os.readlink(link)
        except OSError:
            return None
        name = PurePosixPath(target.replace("\\", "/")).name
        return name if (self.releases / name).is_dir() else None

    def index(self, release: str | None) -> ReleaseIndex | None:
        if release is None:
            return None
        path = self.releases / f"{release}{INDEX_SUFFIX}"
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            known = _PARSED_INDEXES.get(str(path))
            if known is not None and known[0] == stamp:
                return known[1]
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        extra = {k: v for k, v in doc.items() if k not in _INDEX_KEYS}
        index = ReleaseIndex(
            doc["release"],
            dict(doc["files"]),
            frozenset(doc["media"]),
            extra,
            dict(doc.get("trees") or {}),
        )
        _PARSED_INDEXES.put(str(path), (stamp, index))
        return index

    def release_file(self, release: str, relpath: str) -> Path:
        return self.releases / release / Path(*safe_relpath(relpath).parts)

    def complete_releases(self) -> list[str]:
        """Releases whose index exists, oldest first."""
        if not self.releases.is_dir():
            return []
        names = [
            p.name
            for p in self.releases.iterdir()
            if p.is_dir() and (self.releases / f"{p.name}{INDEX_SUFFIX}").is_file()
        ]
        return sorted(names, key=release_order)

    # Writing ---------------------------------------------------------------------------------

    def ensure(self) -> None:
        self.releases.mkdir(parents=True, exist_ok=True)
        self.media.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def lock(self, engine: Engine | None = None) -> Iterator[None]:
        """One publish at a time per tree (the CLI and a scheduled job may race), and with the
        catalogue's engine, one per catalogue too: on PostgreSQL, hosts with their own library
        folders share one catalogue, and its publications' rows (database.exclusive)."""
        busy = "Another publish is running on this library; try again when it has finished."
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / LOCK_FILE, "a+b")  # noqa: SIM115 - held for the whole block
        try:
            try:
                _lock(handle)
            except OSError:
                raise PublishBusy(busy) from None
            if engine is None:
                yield
                return
            with exclusive(engine, PUBLISH_LOCK) as got:
                if not got:
                    raise PublishBusy(busy)
                yield
        finally:
            handle.close()

    def put_media(self, relpath: str, data: bytes) -> bool:
        """Store a content-addressed file once; False when it was there (it is never rewritten)."""
        path = self.root / Path(*safe_relpath(relpath).parts)
        if path.is_file():
            return False
        atomic_write(path, data)
        return True

    def new_release_name(self, base: str) -> str:
        name, n = base, 1
        while (self.releases / name).exists() or (self.releases / f"{name}{INDEX_SUFFIX}").exists():
            n += 1
            name = f"{base}-{n}"
        return name

    def build_release(
        self,
        name: str,
        files: Mapping[str, bytes],
        previous: ReleaseIndex | None,
        *,
        on_file: Callable[[int, int], None] | None = None,
        carried: Mapping[str, str] | None = None,
        anew: bool = False,
        known: Mapping[str, str] | None = None,
        index: Callable[[dict[str, str]], ReleaseIndex] | None = None,
    ) -> BuiltRelease:
        """Write releases/<name>/: its own files, and its folders as links to shared trees.

        Every folder below the release's root is a content-addressed, write-once folder
        trees/<digest>/ (docs/published-tree.md): a folder whose files and sub-folders did not
        change has the digest the previous release recorded and is linked, not built, so a
        release costs the folders that changed (and their parents), not all 7,000 of a fleet.
        A new folder's unchanged files are hard links to the previous release's (same inode);
        `carried` names files by the sha256 the previous index gives them, without their bytes.
        `anew`: the served trees are damaged (a file gone), so share none of them: every folder
        becomes a new tree, under a name salted with the release's.
        `known`: the sha256 of files already worked out (the index's), not hashed again.
        `index`: the release's index, given its folders' trees; with it, the release is also
        marked complete (see mark_complete): the index is written while the new files and
        trees are made durable, made durable with them, and put under its name once they,
        their names and the release folder are (one wait on the disk fewer).
        """
        entries: dict[str, bytes | str] = {**(carried or {}), **files}
        known = known or {}
        digests: Mapping[str, str]
        if known.keys() == entries.keys():
            digests = known  # a publish knows every file's sha256 (and gives carried ones)
        else:
            digests = {
                rel: entry
                if isinstance(entry, str)
                else known.get(rel) or sha256_of(entry).hexdigest()
                for rel, entry in entries.items()
            }
        base = _LAYOUTS.get(os.path.join(self.releases, previous.release)) if previous else None
        layout = _Layout(digests, previous, salt=name if anew else "", base=base)
        verified, self.verified_trees = self.verified_trees, frozenset()  # used once
        (of, links), self.verified_links = self.verified_links, ("", frozenset())
        if previous is None or of != previous.release or anew:
            links = frozenset()
        build = _Build(self, entries, previous, layout, on_file, verified, links)
        self.trees.mkdir(parents=True, exist_ok=True)
        folder = self.releases / name
        folder.mkdir(parents=True)
        os.symlink(f"../../{MEDIA}", folder / MEDIA)
        build.fill(str(folder), "", top=True)
        build.done_linking()
        trees = layout.trees()
        written: list[tuple[str, ReleaseIndex]] = []

        def write_index() -> str:
            assert index is not None
            made = index(trees)
            if made.release != name:
                raise ValueError(f"the index of {made.release} given for release {name}")
            written.append((_index_temp(self.releases, made.to_bytes()), made))
            return written[0][0]

        try:
            build.finish(os.fspath(folder), write_index if index is not None else None)
            if written:
                temp, made = written[0]
                path = self.releases / f"{name}{INDEX_SUFFIX}"
                os.replace(temp, path)
                self._remember(path, made)
        except BaseException:
            for temp, _ in written:
                Path(temp).unlink(missing_ok=True)
            raise
        _LAYOUTS.put(os.fspath(folder), layout)
        self._spares_wanted = (build.spares, trees)
        return BuiltRelease(build.linked, build.written, trees)

    def _carried(self, previous: ReleaseIndex | None, relpath: str, digest: str) -> bytes:
        """The bytes of a carried file that could not be linked, read from the previous release
        and checked against the sha256 it was carried by (a damaged file is never published)."""
        if previous is None or previous.files.get(relpath) != digest:
            raise UrbanArtError(f"{relpath} cannot be carried over: no served release holds it.")
        data = self.release_file(previous.release, relpath).read_bytes()
        if sha256_of(data).hexdigest() != digest:
            raise UrbanArtError(
                f"{relpath} in the served release does not match its recorded checksum; "
                "publish again to make it anew."
            )
        return data

    def mark_complete(self, index: ReleaseIndex) -> None:
        """Write the release's index (atomically, made durable): the release is complete."""
        path = self.releases / f"{index.release}{INDEX_SUFFIX}"
        atomic_write(path, index.to_bytes())
        self._remember(path, index)

    @staticmethod
    def _remember(path: Path, index: ReleaseIndex) -> None:
        """Keep an index just written parsed, under its file's stamp (see index())."""
        st = path.stat()
        _PARSED_INDEXES.put(str(path), ((st.st_ino, st.st_mtime_ns, st.st_size), index))

    def look_up_soon(self, index: ReleaseIndex | None) -> None:
        """Have the release's files looked up by a worker process while this publish plans
        (tree_check): the next missing() for it reads the answer, and looks them up itself
        only when there is none (the worker not ready, failed or asked by another since)."""
        self._looking = (
            tree_check.ask(os.fspath(self.root), index.release, index.trees) if index else None
        )

    def missing(self, index: ReleaseIndex, relpaths: Iterable[str]) -> bool:
        """True when a file the release's index lists is gone from its folder (a damaged
        tree: files are then made from bytes, not linked). Looked up in the shared trees
        directly, without the release's links: a fleet's release lists 30,000 files."""
        self.verified_trees = frozenset()
        self.verified_links = ("", frozenset())
        looking, self._looking = self._looking, None
        if looking is not None and looking.release != index.release:
            looking = None  # asked about another release: its answer is not this one's
        trees = os.fspath(self.trees)
        root = os.path.join(self.releases, index.release)
        gone, answer, seen = tree_check.look_up(looking, root, trees, relpaths, index.trees)
        if gone:
            return True
        if answer is not None:
            self.verified_trees = answer.whole
            self.verified_links = (index.release, answer.linked)
        else:
            self.verified_trees = frozenset(seen)
        return False

    def swap(self, name: str) -> None:
        """Point `current` at the release: a new symlink renamed over the old one (atomic)."""
        tmp = self.root / CURRENT_TMP
        tmp.unlink(missing_ok=True)
        os.symlink(f"{RELEASES}/{name}", tmp)
        os.replace(tmp, self.root / CURRENT)
        fsync_dir(self.root)

    def remove_release(self, name: str) -> None:
        """Remove a release's own folder and index (its trees go with collect_trees)."""
        shutil.rmtree(self.releases / name, ignore_errors=True)  # its links, not their trees
        (self.releases / f"{name}{INDEX_SUFFIX}").unlink(missing_ok=True)
        _PARSED_INDEXES.pop(str(self.releases / f"{name}{INDEX_SUFFIX}"))
        _LAYOUTS.pop(os.path.join(self.releases, name))

    def collect_trees(self, kept: Iterable[str], *, into: _Trash | None = None) -> int:
        """Remove the shared trees no kept release uses (and half-built ones); the count.
        `into`: a trash folder to move them into instead (to be removed later, see clean).

        Nothing is removed when a kept release's index cannot be read: its trees are unknown,
        and a tree removed from under the served release would be a hole in what screens see.
        """
        if not self.trees.is_dir():
            return 0
        live: set[str] = set()
        for name in kept:
            index = self.index(name)
            if index is None:
                return 0
            live.update(index.trees.values())
        with _REMOVING_LOCK, os.scandir(self.trees) as found:
            stale = [
                entry.path
                for entry in found
                if entry.name not in live
                and entry.name.removeprefix(SPARE) not in live  # a kept tree's spare stays
                and entry.path not in _SPARING
            ]
        if into is not None:
            stale = [path for path in stale if not into.take(path)]
        _remove_folders(stale)
        return len(stale)

    def clean(self, keep: int = 2, *, later: bool = False, start: bool = True) -> list[str]:
        """Remove half-built releases, leftovers of a crash and all but the newest `keep` served
        ones (current and the one before it). Returns the names removed.

        `later`: only move them, and the trees no kept release uses, into a trash folder (a
        rename each, under the publish's lock), and remove that in a background thread. A
        changed fleet's stale trees are a hundred folders and two thousand links, whose
        removal mostly waits on the disk (~0.15 s): a publish need not wait for it, as nothing
        ever links a name in the trash. Moved first, a stale tree is never left half emptied
        under its name in trees/ either. Trash a killed process left is removed by the next
        clean. `start`: False leaves the removal to remove_trash_later() (a publish calls it
        once it has done its own work, which the removal's threads would otherwise slow).
        """
        (self.root / CURRENT_TMP).unlink(missing_ok=True)
        self.verified_trees = frozenset()  # a tree found before may go now
        self.verified_links = ("", frozenset())
        self._looking = None
        if not self.releases.is_dir():
            return []
        into = _Trash(self.root / TRASH) if later else None
        current = self.current_release()
        complete = self.complete_releases()
        kept: list[str] = []
        if current is not None:
            kept.append(current)
            older = [r for r in complete if release_order(r) < release_order(current)]
            kept.extend(list(reversed(older))[: max(0, keep - 1)])
        removed = []
        for entry in list(self.releases.iterdir()):
            name = entry.name[: -len(INDEX_SUFFIX)] if entry.suffix == INDEX_SUFFIX else entry.name
            if entry.is_file() and entry.suffix != INDEX_SUFFIX:
                entry.unlink(missing_ok=True)  # a temp file of an interrupted index write
                continue
            if name not in kept:
                if into is None or not into.take(str(self.releases / name), "release-"):
                    self.remove_release(name)
                else:
                    (self.releases / f"{name}{INDEX_SUFFIX}").unlink(missing_ok=True)
                    _PARSED_INDEXES.pop(str(self.releases / f"{name}{INDEX_SUFFIX}"))
                if name not in removed:
                    removed.append(name)
        self.collect_trees(kept, into=into)
        if start or not later:
            self._empty_trash(later=later)
        else:
            self._trash_pending = True
        return sorted(removed, key=release_order)

    def remove_trash_later(self) -> None:
        """Remove what clean(later=True, start=False) on this object moved into the trash, in
        a background thread (settle() waits for it); nothing when it moved nothing."""
        if self._trash_pending:
            self._trash_pending = False
            self._empty_trash(later=True)

    def _empty_trash(self, *, later: bool) -> None:
        """Remove the trash folders no thread of this process is removing already: in one
        background thread when `later`, else now."""
        trash = os.fspath(self.root / TRASH)
        try:
            with os.scandir(trash) as found:
                folders = sorted(entry.path for entry in found)
        except OSError:
            return
        with _REMOVING_LOCK:
            folders = [path for path in folders if path not in _REMOVING]
            if folders and later:
                thread = threading.Thread(
                    target=_empty_in_background, args=(folders,), name="urbanart-trash"
                )
                _REMOVING.update(dict.fromkeys(folders, thread))
                thread.start()
                return
        for path in folders:
            _empty(path)

    def settle(self) -> None:
        """Wait for the removals and spares this process runs in the background for this tree
        (tests, a studio closing a library; the interpreter waits for them at exit too)."""
        root = os.fspath(self.root) + os.sep
        with _REMOVING_LOCK:
            found = [*_REMOVING.items(), *_SPARING.items()]
        for thread in {t for path, t in found if path.startswith(root)}:
            thread.join()

    def make_spares_later(self) -> None:
        """Make the spares of the big folders the last build_release made anew (see SPARE), in
        a background thread (settle() waits for it), once the publish is done: nothing when it
        made none, or no release."""
        folders, trees = self._spares_wanted
        self._spares_wanted = ([], {})
        trees_dir = os.fspath(self.trees)
        jobs = [(f"{trees_dir}{SEP}{SPARE_TEMP}{secrets.token_hex(8)}", f) for f in folders]
        if not jobs:
            return
        thread = threading.Thread(
            target=_make_spares, args=(trees_dir, jobs, trees), name="urbanart-spares"
        )
        with _REMOVING_LOCK:
            _SPARING.update(dict.fromkeys((temp for temp, _ in jobs), thread))
        thread.start()

    def kept_media(self, known: ReleaseIndex | None = None) -> set[str]:
        """Media used by the manifests of every complete release still on disk (`known`: an
        index already read, not parsed again)."""
        used: set[str] = set()
        for name in self.complete_releases():
            index = known if known is not None and known.release == name else self.index(name)
            if index is not None:
                used |= index.media
        return used

    def collect_media(
        self, referenced: set[str], now: datetime, grace: timedelta, *, dry_run: bool = False
    ) -> tuple[list[str], int]:
        """Delete media unreferenced for longer than `grace`; the first time a file is seen
        unreferenced is kept in media-gc.json, so the clock survives restarts.

        Returns (removed paths, count still waiting out the grace period).
        """
        state_path = self.root / GC_STATE
        try:
            state: dict[str, str] = json.loads(state_path.read_bytes())["unreferenced_since"]
        except (OSError, ValueError, KeyError, TypeError):
            state = {}
        updated: dict[str, str] = {}
        removed: list[str] = []
        root = os.fspath(self.root)
        found: list[tuple[str, str]] = []  # (tree path, file path): strings, a fleet has many
        for dirpath, _dirs, names in os.walk(self.media):
            folder = os.path.relpath(dirpath, root).replace(os.sep, "/")
            found.extend((f"{folder}/{name}", os.path.join(dirpath, name)) for name in names)
        for rel, path in sorted(found):
            if not os.path.isfile(path):
                continue
            if rel.rpartition("/")[2].startswith(".tmp-"):
                if not dry_run:
                    _unlink(path)  # a copy a crash interrupted
                continue
            if rel in referenced:
                continue
            since_text = state.get(rel)
            since = _parse_time(since_text) if since_text else None
            if since is None:
                since = now
            if now - since >= grace:
                if not dry_run:
                    _unlink(path)
                removed.append(rel)
            else:
                updated[rel] = since.astimezone(UTC).isoformat()
        if updated != state and not dry_run:
            doc = {"grace_seconds": int(grace.total_seconds()), "unreferenced_since": updated}
            atomic_write(state_path, json.dumps(doc, sort_keys=True, indent=1).encode("utf-8"))
        return removed, len(updated)


class _Layout:
    """A release's folders: the files and sub-folders of each, and each folder's digest.

    A folder's digest is a sha256 of its listing (each file's name and sha256, each
    sub-folder's name and digest), so equal folders share one tree. A folder none of whose
    files was added, changed or removed since the previous release has the digest that
    release recorded: only the changed folders and their parents are hashed.
    """

    def __init__(
        self,
        digests: Mapping[str, str],
        previous: ReleaseIndex | None,
        *,
        salt: str = "",
        base: _Layout | None = None,
    ) -> None:
        """`base`: the previous release's layout, if this process made it (see _LAYOUTS)."""
        self.head = f"tree 1 {salt}\n".encode()
        #: The paths and sha256 this layout is made from (a copy: the caller's may change).
        self.source = dict(digests)
        old_files = previous.files if previous is not None else {}
        self.old_trees = previous.trees if previous is not None and not salt else {}
        self.dirty: set[str] = set()
        self._digests: dict[str, str] = {}
        if base is not None and base.source == old_files and digests.keys() == old_files.keys():
            self._follow(base, [rel for rel, sha in digests.items() if old_files[rel] != sha])
            return
        self.files: dict[str, dict[str, str]] = {}
        self.folders: dict[str, list[str]] = {}
        known = {""}
        for rel, sha in digests.items():
            head, _, leaf = rel.rpartition("/")
            self.files.setdefault(head, {})[leaf] = sha
            child = head
            while child not in known:
                known.add(child)
                parent, _, name = child.rpartition("/")
                self.folders.setdefault(parent, []).append(name)
                child = parent
        self.known = known
        for rel, sha in digests.items():
            if old_files.get(rel) != sha:
                self._mark(rel)
        for rel in old_files.keys() - digests.keys():
            self._mark(rel)
        self._counts: dict[str, int] = {}

    def _follow(self, base: _Layout, changed: list[str]) -> None:
        """The layout of the same paths as `base`'s, `changed` files with new sha256: the
        folders, and so each folder's file count, are base's; only the listings of the
        folders holding a changed file are copied and changed."""
        self.folders, self.known, self._counts = base.folders, base.known, base._counts
        self.files = dict(base.files)
        for rel in changed:
            head, _, leaf = rel.rpartition("/")
            listing = self.files[head]
            if listing is base.files[head]:
                listing = self.files[head] = dict(listing)
            listing[leaf] = self.source[rel]
            self._mark(rel)

    def _mark(self, relpath: str) -> None:
        head = relpath.rpartition("/")[0]
        while head not in self.dirty:
            self.dirty.add(head)
            if not head:
                break
            head = head.rpartition("/")[0]

    def digest(self, folder: str) -> str:
        found = self._digests.get(folder)
        if found is not None:
            return found
        found = self.old_trees.get(folder) if folder not in self.dirty else None
        if found is None or len(found) != TREE_NAME_CHARS:  # a long name: made once anew
            listing = sha256_of(self.head)
            for name, sha in sorted(self.files.get(folder, {}).items()):
                listing.update(f"f {name} {sha}\n".encode())
            for name in sorted(self.folders.get(folder, ())):
                listing.update(f"d {name} {self.digest(_join(folder, name))}\n".encode())
            found = listing.hexdigest()[:TREE_NAME_CHARS]
        self._digests[folder] = found
        return found

    def count(self, folder: str) -> int:
        """Files in the folder and below."""
        found = self._counts.get(folder)
        if found is None:
            found = len(self.files.get(folder, ())) + sum(
                self.count(_join(folder, name)) for name in self.folders.get(folder, ())
            )
            self._counts[folder] = found
        return found

    def trees(self) -> dict[str, str]:
        """Each folder's digest. Those of the folders a build did not look at (unchanged,
        under an unchanged parent) are the previous release's: taken as they are, not
        visited one by one, unless one is missing or a long name (made anew, see digest)."""
        found = {**self.old_trees, **self._digests}
        found.pop("", None)
        if (
            len(found) == len(self.known) - 1
            and found.keys() <= self.known
            and self.dirty <= self._digests.keys() | {""}
            and {*map(len, found.values())} <= {TREE_NAME_CHARS}  # (in C: a fleet has 7,000)
        ):
            return found
        return {folder: self.digest(folder) for folder in sorted(self.known) if folder}


#: Paths below a known folder are joined by hand where a fleet's change joins thousands
#: (os.path.join checks each part's type and ends): the names are checked path parts.
SEP = os.sep


class _Build:
    """Fills a new release: links to trees that exist, new trees for the folders that changed.

    New files and folders are written without waiting for the disk, then made durable
    together (fsyncs from a pool of threads, which the file system's journal commits
    together), then each new tree is renamed into place, children before their parents: a
    tree under its final name is always whole.
    """

    def __init__(
        self,
        tree: Tree,
        entries: Mapping[str, bytes | str],
        previous: ReleaseIndex | None,
        layout: _Layout,
        on_file: Callable[[int, int], None] | None,
        verified: frozenset[str] = frozenset(),
        verified_links: frozenset[str] = frozenset(),
    ) -> None:
        self.tree = tree
        self.trees_dir = os.fspath(tree.trees)
        self.entries = entries
        self.previous = previous
        self.previous_root = (
            os.path.join(tree.releases, previous.release) if previous is not None else None
        )
        self.layout = layout
        self.on_file = on_file
        self.total = len(entries)
        self.done = self.linked = self.written = 0
        self.new_files: list[str] = []
        self.new_trees: list[tuple[str, str]] = []
        self.placed: set[str] = set()
        self.verified = verified  # trees found whole just before (Tree.verified_trees)
        self.verified_links = verified_links  # and trees whose links were read (the same)
        self.linking: list[_Links] = []  # big folders' batches of links, made by done_linking
        self.spares: list[str] = []  # the big folders made anew (Tree.make_spares_later)

    def _progress(self, files: int) -> None:
        self.done += files
        if self.on_file is not None and files:
            self.on_file(self.done, self.total)

    def fill(self, path: str, folder: str, *, top: bool = False) -> None:
        """Put a folder's files and links to its sub-folders' trees into `path` (new, empty)."""
        for name, sha in self.layout.files.get(folder, {}).items():
            self._place(os.path.join(path, name), _join(folder, name), sha)
        # The same folder in the previous release: its links to the sub-folders that did not
        # change are the links wanted here (a tree's links are relative, and every tree sits
        # at the same depth, as does every release's top).
        old_trees = self.layout.old_trees
        old = old_trees.get(folder) if not top else None
        before = self.previous_root if top else old and f"{self.trees_dir}{SEP}{old}"
        names = self.layout.folders.get(folder, ())
        if old is not None and before:
            read = old in self.verified_links
            if read or len(names) >= LINKS_APART:
                names = self._link_unchanged(path, folder, before, names, read=read)
        for name in names:
            self._link_sub(path, folder, name, before, top=top)

    def _link_sub(
        self, path: str, folder: str, name: str, before: str | None, *, top: bool = False
    ) -> None:
        """Link `path`/name to its sub-folder's tree (made if new), as the previous tree's
        link (in `before`) where that is the same (_link)."""
        digest = self._ensure(_join(folder, name))
        target = f"../../{TREES}/{digest}" if top else f"../{digest}"
        _link(target, f"{path}{SEP}{name}", before and f"{before}{SEP}{name}")

    def _link_unchanged(
        self, path: str, folder: str, before: str, names: Iterable[str], *, read: bool
    ) -> list[str]:
        """Link into `path` the previous tree's (`before`) links to the sub-folders that did not
        change, whose trees were found whole; the names of the others (to be linked one by
        one). For a previous tree whose links were `read` just before (a fleet's s/ or
        screens/, by the worker: Tree.verified_links) each is linked again as it is, not read
        here again; otherwise each is read first, as _link does. A change links a thousand, in
        one loop, beside the other big folders' (done_linking) when there are LINKS_APART or
        more."""
        old_trees, dirty, whole = self.layout.old_trees, self.layout.dirty, self.verified
        rest: list[str] = []
        same: list[str] = []
        targets: list[str] | None = None if read else []
        for name in names:
            child = f"{folder}/{name}" if folder else name
            digest = old_trees.get(child)
            if child in dirty or digest not in whole or len(digest) != TREE_NAME_CHARS:
                rest.append(name)  # changed, not found whole, or a long name (made anew)
            else:
                same.append(name)
                if targets is not None:
                    targets.append(f"../{digest}")
        links = _Links(path, folder, before, same, targets)
        if len(same) >= LINKS_APART:
            self.linking.append(links)  # made by done_linking, beside the other big folders'
            return rest
        links.run()
        return rest + self._linked(links)

    def _linked(self, links: _Links) -> list[str]:
        """Count a batch of links made (_link_unchanged); the names it could not link."""
        count, folder = self.layout.count, links.folder
        linked = sum(count(_join(folder, name)) for name in links.names)
        linked -= sum(count(_join(folder, name)) for name in links.failed)
        self.linked += linked
        self._progress(linked)
        return links.failed

    def done_linking(self) -> None:
        """Make the big folders' batches of links (_link_unchanged), each but the first in
        one of the build's threads (_build_threads), then link the names they could not one
        by one, as fill does (their trees exist: found whole). Apart from the rest of the
        build, whose Python would hold the GIL the link threads need back after each link()."""
        batches, self.linking = self.linking, []
        if not batches:
            return
        waits = [_build_threads().submit(links.run) for links in batches[1:]]  # (no start)
        with _all_done(waits):
            batches[0].run()
        for links in batches:
            for name in self._linked(links):
                self._link_sub(links.path, links.folder, name, links.before)

    def _ensure(self, folder: str) -> str:
        digest = self.layout.digest(folder)
        final = f"{self.trees_dir}{SEP}{digest}"
        if digest in self.placed or digest in self.verified or os.path.isdir(final):
            count = self.layout.count(folder)
            self.linked += count
            self._progress(count)
            return digest
        self.placed.add(digest)
        building = os.path.join(self.trees_dir, f".tmp-{digest}")
        if os.path.lexists(building):
            shutil.rmtree(building)
        if len(self.layout.folders.get(folder, ())) >= LINKS_APART:
            self.spares.append(folder)
            if self._from_spare(building, folder):
                self.new_trees.append((building, final))
                return digest
        os.mkdir(building)
        self.fill(building, folder)
        self.new_trees.append((building, final))
        return digest

    def _from_spare(self, building: str, folder: str) -> bool:
        """Make a big folder's new tree from the spare of its previous one (SPARE), renamed to
        `building`: its entries are the previous tree's, so only those that changed are made
        (as fill would make them), those gone removed, and the rest kept as they are. A
        spare's links were read as they were linked into it (_make_spares), so a damaged link
        of the served tree found later is not in it. False when there is no spare."""
        layout = self.layout
        old = layout.old_trees.get(folder)
        if old is None or len(old) != TREE_NAME_CHARS or not self.verified:
            return False  # (with no trees found whole, every entry would be made again)
        try:
            os.rename(f"{self.trees_dir}{SEP}{SPARE}{old}", building)
            present = set(os.listdir(building))
        except OSError:  # none (not made yet, taken by another build), or not a folder
            if os.path.lexists(building):
                shutil.rmtree(building)
            return False
        gone = present.difference(layout.files.get(folder, ()), layout.folders.get(folder, ()))
        for name in gone:  # entries the folder no longer has
            _remove_entry(f"{building}{SEP}{name}")
        old_files = self.previous.files if self.previous is not None else {}
        for name, sha in layout.files.get(folder, {}).items():
            rel = _join(folder, name)
            if name in present:
                if old_files.get(rel) == sha:  # the previous file (the same inode)
                    self.linked += 1
                    self._progress(1)
                    continue
                os.unlink(f"{building}{SEP}{name}")
            self._place(f"{building}{SEP}{name}", rel, sha)
        old_trees, dirty, whole, count = layout.old_trees, layout.dirty, self.verified, layout.count
        before = f"{self.trees_dir}{SEP}{old}"
        kept = count(folder) - len(layout.files.get(folder, ()))  # less those made below
        for name in layout.folders.get(folder, ()):
            child = f"{folder}/{name}" if folder else name
            if name in present:
                digest = old_trees.get(child)
                if child not in dirty and digest in whole and len(digest) == TREE_NAME_CHARS:
                    continue  # the same sub-folder, found whole: its link stays
                os.unlink(f"{building}{SEP}{name}")
            kept -= count(child)
            self._link_sub(building, folder, name, before)
        self.linked += kept
        self._progress(kept)
        return True

    def _place(self, path: str, relpath: str, sha: str) -> None:
        entry = self.entries[relpath]
        if isinstance(entry, bytes):  # carried paths come from an index written here
            check_relpath(relpath)
        previous = self.previous
        if previous is not None and self.previous_root and previous.files.get(relpath) == sha:
            try:
                os.link(os.path.join(self.previous_root, relpath), path)
                self.linked += 1
                self._progress(1)
                return
            except OSError:
                pass  # the old file went missing or links are not allowed: write it
        data = entry if isinstance(entry, bytes) else self.tree._carried(previous, relpath, sha)
        with open(path, "wb") as handle:
            handle.write(data)
        self.new_files.append(path)
        self.written += 1
        self._progress(1)

    def finish(self, folder: str, write_index: Callable[[], str] | None = None) -> None:
        """Make the new files and trees durable, rename each tree into place, then make those
        names and the release folder's entries durable. `write_index`: writes the release's
        index to a temporary file (its path returned) while the others are made durable, and
        it is made durable with them."""
        paths = self.new_files + [building for building, _ in self.new_trees]
        # Each thread is given its share of the paths at once, one task, not one task a path:
        # a change makes ~130 durable, and each task's submit cost the publish's thread ~60 us.
        # One thread more for the index's, which is written while the others are made durable.
        # The pool's threads are kept across builds (_build_threads).
        threads = max(1, min(FSYNC_THREADS, len(paths)))
        pool = _build_threads()
        waits = [pool.submit(_fsync_paths, paths[n::threads]) for n in range(threads)]
        with _all_done(waits):
            if write_index is not None:
                waits.append(pool.submit(_fsync_path, write_index()))
        for building, final in self.new_trees:
            os.rename(building, final)
        folders = [folder, self.trees_dir] if self.new_trees else [folder]
        with _all_done([pool.submit(fsync_dir, Path(path)) for path in folders]):
            pass


#: Links of one folder made beside the other big folders' from this many (_Build.done_linking):
#: a fleet's change links ~1,000 into each of s/ and screens/, and ext4 takes a folder's lock
#: for each, so two folders' links in two threads overlap (2,000 links ~22 ms, ~32 ms in one).
LINKS_APART = 256


class _Links:
    """Hard links from a previous tree's folder (`before`) into a new one (`path`), by name:
    each an existing symlink given another name, so no syscall but link() per entry (and a
    readlink() first when `targets` says what each must point to: a link not read before,
    never passed on damaged). The names it could not link are in `failed` once it has run
    (the build then links them one by one, as _link does). Run in a thread beside another
    folder's (the syscalls release the GIL)."""

    def __init__(
        self, path: str, folder: str, before: str, names: list[str], targets: list[str] | None
    ) -> None:
        self.path, self.folder, self.before, self.names = path, folder, before, names
        self.targets = targets
        self.failed: list[str] = []

    def run(self) -> None:
        link, read, before, path, failed = os.link, os.readlink, self.before, self.path, []
        targets = self.targets
        for at, name in enumerate(self.names):
            source = f"{before}{SEP}{name}"
            try:
                if targets is None or read(source) == targets[at]:
                    link(source, f"{path}{SEP}{name}", follow_symlinks=False)
                    continue
            except (OSError, ValueError, NotImplementedError):
                pass
            failed.append(name)
        self.failed = failed


def _index_temp(releases: Path, data: bytes) -> str:
    """A release index's bytes in a temporary file beside it (not made durable here; a crash
    leaves it to the next clean, as it does an interrupted atomic_write's)."""
    fd, temp = tempfile.mkstemp(dir=releases, prefix=".tmp-", suffix=".part")
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PUBLIC_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        if exc.filename is None:  # write() names no file: say which one filled up
            raise OSError(exc.errno, exc.strerror, temp) from exc
        raise
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp


def _make_spares(trees_dir: str, jobs: list[tuple[str, str]], trees: Mapping[str, str]) -> None:
    """Make each (temporary folder, folder) job's spare (Tree.make_spares_later): the entries
    of the folder's tree linked into the temporary folder, which is then renamed to the
    tree's SPARE name. Each link to a sub-folder is read first and left out unless it points
    at the sub-folder's tree, so a damaged one is never passed on; the build that uses the
    spare makes what is not in it. Best effort: a spare not made only leaves the next build
    to link every entry, as it did before spares."""
    try:
        for temp, folder in jobs:
            digest = trees.get(folder)
            final = f"{trees_dir}{SEP}{SPARE}{digest}"
            if digest is None or os.path.lexists(final):
                continue
            try:
                _spare(f"{trees_dir}{SEP}{digest}", temp, folder, trees)
                os.rename(temp, final)
            except OSError:
                shutil.rmtree(temp, ignore_errors=True)
    except Exception:
        log.exception("making the spares of the changed big folders failed")
    finally:
        with _REMOVING_LOCK:
            for temp, _ in jobs:
                _SPARING.pop(temp, None)


def _spare(source: str, temp: str, folder: str, trees: Mapping[str, str]) -> None:
    link, read = os.link, os.readlink
    os.mkdir(temp)
    with os.scandir(source) as found:
        for entry in found:
            name = entry.name
            if entry.is_symlink() and read(entry.path) != f"../{trees.get(_join(folder, name))}":
                continue  # damaged: the build makes it anew
            link(entry.path, f"{temp}{SEP}{name}", follow_symlinks=False)


def _remove_entry(path: str) -> None:
    """Remove a file or link, or a folder where one was put instead."""
    try:
        os.unlink(path)
    except OSError:
        shutil.rmtree(path)


def _unlink(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


#: Threads removing stale trees' entries (see _remove_folders).
REMOVERS = 8


def _remove_folders(paths: list[str]) -> None:
    """Remove folders (stale trees), their entries unlinked by a few threads at once.

    A changed big folder (a fleet's screens/, s/) leaves a stale tree of a thousand links per
    publish. Unlinking them one by one cost a change's publish ~1 s of wall time for ~0.1 s of
    CPU: each unlink mostly waits on the file system's journal, and those waits overlap when
    several threads unlink. Best effort, as rmtree(ignore_errors=True) was: whatever is left
    is stale still, and the next publish's clean removes it.
    """
    files: list[str] = []
    nested: list[str] = []
    for path in paths:
        with suppress(OSError), os.scandir(path) as found:
            for entry in found:
                (nested if entry.is_dir(follow_symlinks=False) else files).append(entry.path)
    threads = min(REMOVERS, len(files) // 64 + 1)  # a few links: one thread, no pool
    if threads > 1:
        # Plain threads, not an executor: this runs in clean's background thread too, which
        # the interpreter may be waiting for at exit, when executors refuse new work.
        workers = [
            threading.Thread(target=_unlink_all, args=(files[n::threads],)) for n in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    else:
        _unlink_all(files)
    for path in [*nested, *paths]:
        shutil.rmtree(path, ignore_errors=True)  # what is left: empty folders, one rmdir each


class _Trash:
    """One clean's trash folder, trash/clean-<random>/, made when the first folder goes in."""

    def __init__(self, trash: Path) -> None:
        self.trash = trash
        self.path: str | None = None

    def take(self, path: str, prefix: str = "") -> bool:
        """Rename a folder into the trash; False when it could not be (remove it in place)."""
        try:
            if self.path is None:
                self.trash.mkdir(exist_ok=True)
                self.path = tempfile.mkdtemp(prefix="clean-", dir=self.trash)
            os.rename(path, os.path.join(self.path, prefix + os.path.basename(path)))
        except OSError:
            return not os.path.lexists(path)  # gone already: nothing to remove
        return True


def _empty(path: str) -> None:
    """Remove a trash folder: the folders in it (stale trees, releases), then itself."""
    with suppress(OSError), os.scandir(path) as found:
        inside = [entry.path for entry in found]
    _remove_folders(inside)
    shutil.rmtree(path, ignore_errors=True)


def _empty_in_background(paths: list[str]) -> None:
    try:
        for path in paths:
            _empty(path)
    except Exception:  # best effort: the next clean removes whatever is left
        log.exception("removing stale releases in the background failed")
    finally:
        with _REMOVING_LOCK:
            for path in paths:
                _REMOVING.pop(path, None)


def _unlink_all(paths: list[str]) -> None:
    for path in paths:
        with suppress(OSError):
            os.unlink(path)


def _link(target: str, path: str, same: str | None) -> None:
    """Make `path` a symlink to `target`: a hard link to `same` where that is a symlink to
    the same target (the previous release's link to an unchanged sub-folder), else a new one.

    A changed big folder (a fleet's s/ and screens/) is a new tree of a thousand links at
    every change, most of them the previous tree's. A new symlink is a new inode: allocating
    one cost 20 us to over 0.5 ms of CPU on a busy ext4 where stale trees' inodes were just
    freed (a fleet's change built with new links: 1.3-1.6 s of CPU; with these: 0.22-0.24 s);
    another name for an existing one ~20 us, and removing it frees no inode.
    The link is read first, so a damaged one is never passed on.
    """
    if same is not None:
        try:
            if os.readlink(same) == target:
                os.link(same, path, follow_symlinks=False)
                return
        except (OSError, NotImplementedError):  # not there, not a link, no hard links here
            pass
    os.symlink(target, path)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


#: Threads making a build's files and trees durable at once (their fsyncs overlap: ext4
#: commits its journal for several waiting at once).
FSYNC_THREADS = 15
#: The threads a build's syscalls are made in beside its own (fsyncs: FSYNC_THREADS and one
#: for the index; a big folder's links), started once in a process (by its id: a forked
#: child starts its own), not at every build: a change's sixteen thread starts cost its
#: publish ~6-9 ms under load, each start waiting for the new thread to run (they exit with
#: the process).
_BUILD_THREADS: tuple[int, ThreadPoolExecutor] | None = None
_BUILD_THREADS_LOCK = threading.Lock()


def _build_threads() -> ThreadPoolExecutor:
    global _BUILD_THREADS
    with _BUILD_THREADS_LOCK:
        if _BUILD_THREADS is None or _BUILD_THREADS[0] != os.getpid():
            pool = ThreadPoolExecutor(FSYNC_THREADS + 1, thread_name_prefix="release-build")
            _BUILD_THREADS = (os.getpid(), pool)
        return _BUILD_THREADS[1]


@contextmanager
def _all_done(waits: list[futures.Future[Any]]) -> Iterator[None]:
    """After the block, each task's result (the first error raised); whatever happened, none
    left running (writing into a build). Tasks appended to `waits` in the block count too."""
    try:
        yield
        for wait in waits:
            wait.result()
    finally:
        futures.wait(waits)


def _fsync_paths(paths: list[str]) -> None:
    for path in paths:
        _fsync_path(path)


def _fsync_path(path: str) -> None:
    """Flush a file's data or a folder's entries written earlier (a new fd sees them)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def release_order(name: str) -> tuple[int, ...]:
    """Releases are named by publication id (with -2, -3… after a clash): numeric order."""
    parts = []
    for part in name.split("-"):
        parts.append(int(part) if part.isdigit() else -1)
    return tuple(parts)


def _parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _lock(handle: object) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)  # type: ignore[attr-defined]
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[attr-defined]
