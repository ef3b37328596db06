"""The published tree on disk: atomic writes, release folders, the `current` swap and media GC.

Layout and guarantees are the contract in docs/published-tree.md. Beyond it, each complete
release has an index file next to its folder, ``releases/<id>.json`` (outside the served root,
because it lists every screen's poll token): it marks the release complete (it is written,
fsynced, before the swap) and lists each file's sha256 and the media its manifests use, so the
next publish can compare and hard-link without reading every file again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256 as sha256_of
from pathlib import Path, PurePosixPath

from sqlalchemy import Engine

from urbanart import durable
from urbanart.errors import UrbanArtError
from urbanart.library.database import exclusive

RELEASES = "releases"
MEDIA = "media"
CURRENT = "current"
CURRENT_TMP = "current.tmp"
GC_STATE = "media-gc.json"
LOCK_FILE = ".publish.lock"
#: The database-wide lock publishing holds (a PostgreSQL advisory lock; see database.exclusive).
PUBLISH_LOCK = "urbanart.publish"
INDEX_SUFFIX = ".json"


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


def write_new(path: Path, data: bytes) -> None:
    """Write a file in a folder no reader sees yet (a release being built): plain, then fsync."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def safe_relpath(relpath: str) -> PurePosixPath:
    """Refuse any tree path that is absolute, climbs with .., or hides (a leading dot)."""
    path = PurePosixPath(relpath)
    if (
        path.is_absolute()
        or not path.parts
        or any(
            part in ("", ".", "..") or part.startswith(".") or "\\" in part for part in path.parts
        )
    ):
        raise ValueError(f"unsafe path in the published tree: {relpath!r}")
    return path


@dataclass(frozen=True)
class ReleaseIndex:
    """What a complete release holds: file path -> sha256, and the media its manifests use."""

    release: str
    files: dict[str, str]
    media: frozenset[str]
    extra: dict[str, object] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        doc = {
            "release": self.release,
            "files": self.files,
            "media": sorted(self.media),
            **self.extra,
        }
        return json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


class Tree:
    """One library's published/ folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / RELEASES
        self.media = root / MEDIA

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
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        extra = {k: v for k, v in doc.items() if k not in ("release", "files", "media")}
        return ReleaseIndex(doc["release"], dict(doc["files"]), frozenset(doc["media"]), extra)

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
        on_file: object = None,
        carried: Mapping[str, str] | None = None,
    ) -> tuple[int, int]:
        """Write releases/<name>/ with every file; unchanged ones are hard links to the previous
        release (same inode, nothing rewritten). `carried` names files by the sha256 the
        previous release's index gives them, without their bytes: they are linked from it (a
        file that cannot be linked is copied, and must still have that sha256).
        Returns (linked, written)."""
        folder = self.releases / name
        folder.mkdir(parents=True)
        os.symlink(f"../../{MEDIA}", folder / MEDIA)
        linked = written = 0
        entries: dict[str, bytes | str] = {**(carried or {}), **files}
        total = len(entries)
        for number, (relpath, entry) in enumerate(sorted(entries.items()), start=1):
            target = self.release_file(name, relpath)
            digest = entry if isinstance(entry, str) else sha256_of(entry).hexdigest()
            if previous is not None and previous.files.get(relpath) == digest:
                source = self.release_file(previous.release, relpath)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(source, target)
                    linked += 1
                    if callable(on_file):
                        on_file(number, total)
                    continue
                except OSError:
                    pass  # the old file went missing or links are not allowed: write it
            data = entry if isinstance(entry, bytes) else self._carried(previous, relpath, digest)
            write_new(target, data)
            written += 1
            if callable(on_file):
                on_file(number, total)
        for directory in sorted({p for p in folder.rglob("*") if p.is_dir()}, reverse=True):
            fsync_dir(directory)
        fsync_dir(folder)
        return linked, written

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
        atomic_write(self.releases / f"{index.release}{INDEX_SUFFIX}", index.to_bytes())

    def swap(self, name: str) -> None:
        """Point `current` at the release: a new symlink renamed over the old one (atomic)."""
        tmp = self.root / CURRENT_TMP
        tmp.unlink(missing_ok=True)
        os.symlink(f"{RELEASES}/{name}", tmp)
        os.replace(tmp, self.root / CURRENT)
        fsync_dir(self.root)

    def remove_release(self, name: str) -> None:
        shutil.rmtree(self.releases / name, ignore_errors=True)
        (self.releases / f"{name}{INDEX_SUFFIX}").unlink(missing_ok=True)

    def clean(self, keep: int = 2) -> list[str]:
        """Remove half-built releases, leftovers of a crash and all but the newest `keep` served
        ones (current and the one before it). Returns the names removed."""
        (self.root / CURRENT_TMP).unlink(missing_ok=True)
        if not self.releases.is_dir():
            return []
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
                self.remove_release(name)
                if name not in removed:
                    removed.append(name)
        return sorted(removed, key=release_order)

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
        if self.media.is_dir():
            for path in sorted(self.media.rglob("*")):
                if not path.is_file():
                    continue
                rel = path.relative_to(self.root).as_posix()
                if path.name.startswith(".tmp-"):
                    if not dry_run:
                        path.unlink(missing_ok=True)  # a copy a crash interrupted
                    continue
                if rel in referenced:
                    continue
                since_text = state.get(rel)
                since = _parse_time(since_text) if since_text else None
                if since is None:
                    since = now
                if now - since >= grace:
                    if not dry_run:
                        path.unlink(missing_ok=True)
                    removed.append(rel)
                else:
                    updated[rel] = since.astimezone(UTC).isoformat()
        if updated != state and not dry_run:
            doc = {"grace_seconds": int(grace.total_seconds()), "unreferenced_since": updated}
            atomic_write(state_path, json.dumps(doc, sort_keys=True, indent=1).encode("utf-8"))
        return removed, len(updated)


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
