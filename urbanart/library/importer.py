"""Bulk import: worker processes guard, normalise and derive; one writer records the catalog.

Pillow work runs in worker processes (both cores), each with a memory limit and ending with
this process (import_workers); they write media to the content-addressed store, which is safe
because equal keys mean equal bytes. Only this process writes the
database, one transaction per file, so a refused or failed file leaves no row behind.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from hashlib import sha256 as sha256_of
from pathlib import Path
from typing import Any

from urbanart.errors import ImportRefused, InvalidValue, UrbanArtError
from urbanart.imaging.limits import MIB, ImportLimits
from urbanart.imaging.packages import looks_like_zip
from urbanart.imaging.probe import STILL_EXTENSIONS, MediaInfo, inspect_and_render
from urbanart.imaging.renditions import Rendition as RenditionImage
from urbanart.imaging.renditions import RenditionProfile
from urbanart.imaging.video.sniff import EXTENSIONS as VIDEO_EXTENSIONS
from urbanart.imaging.video.sniff import HEAD_BYTES, VideoContainer, sniff
from urbanart.imaging.video.sniff import SUFFIXES as VIDEO_SUFFIXES
from urbanart.library import store as keys
from urbanart.library.catalog import asset_for, get_or_create_artist, set_tags
from urbanart.library.import_sources import ImportItem, MetadataSheet
from urbanart.library.import_workers import start_worker
from urbanart.library.library import Library
from urbanart.library.models import Artwork, MediaAsset, Rendition
from urbanart.library.package_import import GENERATIVE, prepare_package
from urbanart.library.store import MediaStore
from urbanart.library.texts import BASE_LANGUAGE
from urbanart.library.translations import apply_bio, apply_work_texts
from urbanart.library.video_import import VideoFacts, prepare_video
from urbanart.library.vocabulary import ReviewStatus

EXTENSIONS = STILL_EXTENSIONS
#: Every extension an original may be stored under, stills and videos, for the duplicate check.
STORED_EXTENSIONS = frozenset(EXTENSIONS.values()) | frozenset(VIDEO_EXTENSIONS.values())
STORED_EXTENSIONS |= {"zip"}  # a generative work's HTML5 package


class Status(StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    SKIPPED = "skipped"  # a sidecar (.txt, .pdf) a folder import passed over: not an error


@dataclass(frozen=True)
class ImportResult:
    """The outcome for one file, as the CLI table, --json and the studio's summary show it."""

    file: str
    status: Status
    artwork_id: int | None = None
    title: str | None = None
    artist: str | None = None
    sha256: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status.value,
            "artwork_id": self.artwork_id,
            "title": self.title,
            "artist": self.artist,
            "sha256": self.sha256,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class StoredMedia:
    """What a worker hands back: facts about the file and the store keys it wrote."""

    info: MediaInfo
    original_key: str
    thumbnail_key: str | None
    renditions: tuple[tuple[str, str, RenditionImage], ...] = ()  # (profile key, store key, image)
    video: VideoFacts | None = None  # set for videos: length, frame rate, sound, poster time
    kind: str = "image"  # MediaAsset.kind: "image", "video" or GENERATIVE
    own_keys: tuple[str, ...] = ()  # more keys stored for this file alone (a package's still)


@dataclass(frozen=True)
class AlreadyStored:
    """The store holds these bytes already: most likely a duplicate, decided by the writer."""

    sha256: str


@dataclass(frozen=True)
class Refusal:
    reason: str


def title_from_filename(path: Path) -> str:
    stem = re.sub(r"[_\-.]+", " ", path.stem).strip()
    return (stem[:1].upper() + stem[1:]) if stem else path.name


def store_rendition(store: MediaStore, sha: str, image: RenditionImage) -> str:
    key = keys.rendition_key(sha, image.profile_key, image.extension)
    store.put(key, image.data)
    return key


def prepare_file(
    path: str,
    store: MediaStore,
    limits: ImportLimits,
    profiles: tuple[RenditionProfile, ...],
    force: bool = False,
    fallback: str | None = None,
) -> StoredMedia | AlreadyStored | Refusal:
    """Worker-side: read, guard, derive, store. Runs in a worker process; touches no database.
    `fallback` is the artist's still for a generative work's package (ignored for others)."""
    name = Path(path).name
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes:
            mb, limit_mb = size / 1e6, limits.max_bytes / 1e6
            return Refusal(f"too large: {mb:.0f} MB, the limit is {limit_mb:.0f} MB")
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            container = sniff(head)
            handle.seek(0)
            if looks_like_zip(head) or Path(path).suffix.lower() == ".zip":
                return _prepare_package(
                    path, handle.read(), store, limits, profiles, force, fallback
                )
            if container is not None:  # a video: hashed in chunks, never held in memory
                digest = hashlib.file_digest(handle, "sha256")
            else:
                data = handle.read()
    except OSError as exc:
        return Refusal(f"cannot read the file: {exc.strerror or exc}")
    if container is not None:
        sha = digest.hexdigest()
        if not force and any(store.exists(keys.original_key(sha, e)) for e in STORED_EXTENSIONS):
            return AlreadyStored(sha)
        return _prepare_video(path, size, sha, container, store, limits, profiles)
    if not force and data:
        sha = sha256_of(data).hexdigest()
        if any(store.exists(keys.original_key(sha, ext)) for ext in STORED_EXTENSIONS):
            return AlreadyStored(sha)
    try:
        info, thumb, renditions = inspect_and_render(data, name, limits, profiles)
    except ImportRefused as exc:
        if exc.reason.startswith("not an image") and Path(path).suffix.lower() in VIDEO_SUFFIXES:
            return Refusal("not a video" + exc.reason.removeprefix("not an image"))
        return Refusal(exc.reason)
    except MemoryError:  # the worker's memory limit (or the machine's) stopped the decode
        del data
        limit = f"{limits.worker_memory_bytes / MIB:.0f} MB"
        return Refusal(f"too large to decode within the import memory limit ({limit})")
    original = keys.original_key(info.sha256, EXTENSIONS.get(info.format, info.format.lower()))
    store.put(original, data)
    thumb_key = None
    if thumb is not None:
        thumb_key = keys.thumbnail_key(info.sha256, thumb.extension)
        store.put(thumb_key, thumb.data)
    stored = tuple((r.profile_key, store_rendition(store, info.sha256, r), r) for r in renditions)
    return StoredMedia(info, original, thumb_key, stored)


def _prepare_package(
    path: str,
    data: bytes,
    store: MediaStore,
    limits: ImportLimits,
    profiles: tuple[RenditionProfile, ...],
    force: bool,
    fallback: str | None,
) -> StoredMedia | AlreadyStored | Refusal:
    """A generative work's HTML5 package: guarded entry by entry, its still made or taken."""
    sha = sha256_of(data).hexdigest()
    if not force and any(store.exists(keys.original_key(sha, e)) for e in STORED_EXTENSIONS):
        return AlreadyStored(sha)
    try:
        package = prepare_package(path, data, store, limits, profiles, fallback)
    except ImportRefused as exc:
        return Refusal(exc.reason)
    except MemoryError:
        limit = f"{limits.worker_memory_bytes / MIB:.0f} MB"
        return Refusal(f"too large to unpack within the import memory limit ({limit})")
    return StoredMedia(
        package.info,
        package.original_key,
        package.thumbnail_key,
        package.renditions,
        kind=GENERATIVE,
        own_keys=package.own_keys,
    )


def _prepare_video(
    path: str,
    size: int,
    sha: str,
    container: VideoContainer,
    store: MediaStore,
    limits: ImportLimits,
    profiles: tuple[RenditionProfile, ...],
) -> StoredMedia | Refusal:
    """A video: PyAV guards it from the file itself (it seeks), then it is copied into the store."""
    try:
        video = prepare_video(path, size, sha, container, store, limits, profiles)
    except ImportRefused as exc:
        return Refusal(exc.reason)
    except MemoryError:
        limit = f"{limits.worker_memory_bytes / MIB:.0f} MB"
        return Refusal(f"too large to decode within the import memory limit ({limit})")
    return StoredMedia(
        video.info, video.original_key, video.thumbnail_key, video.renditions, video.facts, "video"
    )


@dataclass
class ImportRun:
    """Settings and hooks for one import; the studio passes its own progress and cancel."""

    limits: ImportLimits = field(default_factory=ImportLimits)
    profiles: tuple[RenditionProfile, ...] = ()
    sheet: MetadataSheet | None = None
    workers: int | None = None
    #: the artist's still for a generative work's package (`import … --fallback FILE`)
    fallback: Path | None = None
    on_result: Callable[[int, int, ImportResult], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


def worker_count(run: ImportRun) -> int:
    """How many worker processes an import uses: the run's choice, else one per core up to four
    (beyond that the single catalog writer, not decoding, limits the pace)."""
    return run.workers or min(os.cpu_count() or 1, 4)


def import_items(
    library: Library, items: Sequence[ImportItem], run: ImportRun | None = None
) -> list[ImportResult]:
    """Import items; returns one result per item in input order (cancelled items are left out)."""
    run = run or ImportRun()
    total = len(items)
    results: dict[int, ImportResult] = {}

    def record(index: int, outcome: StoredMedia | AlreadyStored | Refusal | BaseException) -> None:
        result = _record(library, items[index], outcome, run)
        results[index] = result
        if run.on_result:
            run.on_result(len(results), total, result)

    for index, item in enumerate(items):  # turned down by the scan: listed, never opened
        if item.skipped is not None:
            results[index] = ImportResult(str(item.path), Status.SKIPPED, reason=item.skipped)
            if run.on_result:
                run.on_result(len(results), total, results[index])
        elif item.refused is not None:
            record(index, Refusal(item.refused))
    todo = [i for i, item in enumerate(items) if item.refused is None and item.skipped is None]
    workers = worker_count(run)
    if workers <= 1 or len(todo) <= 2:
        for index in todo:
            if run.cancel.is_set():
                break
            record(index, _prepare_safely(items[index], library, run, force=False))
    else:
        _import_in_pool(library, items, todo, run, workers, record)
    return [results[i] for i in sorted(results)]


def _prepare_safely(
    item: ImportItem, library: Library, run: ImportRun, force: bool
) -> StoredMedia | AlreadyStored | Refusal | BaseException:
    try:
        fallback = str(run.fallback) if run.fallback is not None else None
        return prepare_file(
            str(item.path), library.store, run.limits, run.profiles, force, fallback
        )
    except Exception as exc:  # a bug in one file's processing must not stop the others
        return exc


def _import_in_pool(
    library: Library,
    items: Sequence[ImportItem],
    todo: Sequence[int],
    run: ImportRun,
    workers: int,
    record: Callable[[int, StoredMedia | AlreadyStored | Refusal | BaseException], None],
) -> None:
    context = multiprocessing.get_context("spawn")  # safe beside the studio's threads
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_worker,
        initargs=(os.getpid(), run.limits.worker_memory_bytes),
    ) as pool:
        pending: dict[Future[StoredMedia | AlreadyStored | Refusal], int] = {}
        queue = iter(todo)
        window = workers * 3

        def submit_more() -> None:
            while len(pending) < window and not run.cancel.is_set():
                index = next(queue, None)
                if index is None:
                    return
                item = items[index]
                future = pool.submit(
                    prepare_file,
                    str(item.path),
                    library.store,
                    run.limits,
                    run.profiles,
                    False,
                    str(run.fallback) if run.fallback is not None else None,
                )
                pending[future] = index

        submit_more()
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                exc = future.exception()
                record(index, exc if exc is not None else future.result())
            if run.cancel.is_set():
                for future in pending:
                    future.cancel()
                pending = {f: i for f, i in pending.items() if not f.cancelled()}
                continue
            submit_more()


def _record(
    library: Library,
    item: ImportItem,
    outcome: StoredMedia | AlreadyStored | Refusal | BaseException,
    run: ImportRun,
) -> ImportResult:
    file = str(item.path)
    if isinstance(outcome, BaseException):
        return ImportResult(file, Status.REJECTED, reason=f"could not be processed: {outcome}")
    if isinstance(outcome, Refusal):
        return ImportResult(file, Status.REJECTED, reason=outcome.reason)
    meta = dict(item.metadata)
    if run.sheet is not None:
        meta = {**(run.sheet.lookup(item.path) or {}), **meta}
    sha = outcome.sha256 if isinstance(outcome, AlreadyStored) else outcome.info.sha256
    with library.session() as session:
        existing = asset_for(session, sha)
        if existing is not None:
            artwork = session.query(Artwork).filter_by(asset_id=existing.id).one_or_none()
            return ImportResult(
                file,
                Status.DUPLICATE,
                artwork_id=artwork.id if artwork else None,
                title=artwork.title if artwork else None,
                artist=artwork.artist.name if artwork else None,
                sha256=sha,
                reason=f"same content as artwork {artwork.id if artwork else '?'} "
                f"({artwork.title if artwork else existing.original_name})",
            )
    if isinstance(outcome, AlreadyStored):
        # Bytes in the store but no row: a crash left them. Derive again and record them now.
        retried = _prepare_safely(item, library, run, force=True)
        if not isinstance(retried, StoredMedia):
            return _record(library, item, retried, run)
        outcome = retried
    artist_name = meta.get("artist") or item.artist_hint
    if not artist_name:
        _discard(library, outcome)
        return ImportResult(
            file,
            Status.REJECTED,
            sha256=sha,
            reason="no artist: give --artist, a metadata sheet with an artist column, "
            "or put the file in a folder named after its artist",
        )
    try:
        with library.session() as session:
            artwork = _insert(session, item, outcome, meta, artist_name)
            return ImportResult(
                file, Status.IMPORTED, artwork.id, artwork.title, artwork.artist.name, sha
            )
    except (UrbanArtError, InvalidValue) as exc:
        _discard(library, outcome)
        return ImportResult(file, Status.REJECTED, sha256=sha, reason=str(exc))


def _insert(
    session: Any, item: ImportItem, media: StoredMedia, meta: dict[str, Any], artist_name: str
) -> Artwork:
    info = media.info
    asset = MediaAsset(
        sha256=info.sha256,
        format=info.format,
        mime_type=info.mime_type,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
        byte_size=info.byte_size,
        original_name=item.path.name,
        original_key=media.original_key,
        thumbnail_key=media.thumbnail_key,
    )
    asset.kind = media.kind
    if media.video is not None:
        asset.duration_s = media.video.duration_s
        asset.fps = media.video.fps
        asset.has_audio = media.video.has_audio
        asset.poster_s = media.video.poster_s
    for profile_key, store_key, image in media.renditions:
        asset.renditions.append(
            Rendition(
                profile_key=profile_key,
                store_key=store_key,
                format=image.format,
                width=image.width,
                height=image.height,
                byte_size=len(image.data),
                sha256=sha256_of(image.data).hexdigest(),
            )
        )
    artwork = Artwork(
        title=meta.get("title") or title_from_filename(item.path),
        year=meta.get("year"),
        description=meta.get("description", ""),
        alt_text=meta.get("alt_text", ""),
        license=meta.get("license", "all-rights-reserved"),
        ai_involvement=meta.get("ai_involvement", "undisclosed"),
        status=meta.get("status", ReviewStatus.SUBMITTED),
        asset=asset,
        artist=get_or_create_artist(session, artist_name),
    )
    session.add(artwork)
    set_tags(session, artwork, meta.get("tags", []))
    for language, texts in meta.get("texts", {}).items():
        apply_work_texts(artwork, language, texts)
    for language, bio in meta.get("bios", {}).items():
        if language == BASE_LANGUAGE:
            artwork.artist.bio = bio
        else:
            apply_bio(artwork.artist, language, bio)
    session.flush()
    return artwork


def _discard(library: Library, media: StoredMedia) -> None:
    """Remove what a worker stored for a file that did not make it into the catalog."""
    with library.session() as session:
        if asset_for(session, media.info.sha256) is not None:
            return
    made = (media.original_key, media.thumbnail_key, *(k for _, k, _ in media.renditions))
    for key in (*made, *media.own_keys):
        if key:
            library.store.delete(key)
