"""One frame's way in: the import guard, a rendition per screen profile, the store, the signed
feed document, then retention.

Why this order: nothing is written before the guard accepted the bytes (a refused frame leaves
no file), the files are in the store before the feed names them (a screen never fetches a frame
that is not there yet), and retention runs last (the frame on screen is never the one removed).
The sequence is taken with an UPDATE inside the transaction that records the frame, so two
frames arriving at once get two numbers and the feed document written last is the newest.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select, update

from urbanart.errors import ImportRefused, NotFound
from urbanart.imaging.limits import ImportLimits
from urbanart.imaging.probe import inspect_and_render
from urbanart.imaging.renditions import Rendition, RenditionProfile
from urbanart.library.library import Library
from urbanart.library.models import LiveFrame, LiveWork
from urbanart.library.settings import load_settings
from urbanart.live.layout import FrameRefused, feed_key, frame_key, original_key
from urbanart.live.retention import Retention, RetentionKind
from urbanart.protocol.live_feed import feed_payload, frame_url, sign_feed, work_frame

#: The entry of live_frames.renditions holding the studio's thumbnail (not in the feed).
THUMBNAIL_ENTRY = "thumbnail"
#: Rows of frames whose files retention removed stay this long (frames per minute counts them).
ROW_GRACE = timedelta(minutes=5)
_PROFILE_KEY = re.compile(
    r"(\d{1,5})x(\d{1,5})-(contain|cover)-([0-9a-f]{6})-(jpeg|webp|png)-q(\d{1,3})-b(\d{1,12})"
)
_LOCKS: dict[tuple[str, int], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@dataclass(frozen=True)
class LiveTarget:
    """What the pipeline needs to know about one live work."""

    id: int
    feed_id: str
    interval_s: float
    silence_s: float
    retention: Retention
    allow_keep: bool
    profiles: tuple[str, ...]


@dataclass(frozen=True)
class AcceptedFrame:
    """The hub's answer to an accepted frame."""

    sequence: int
    sha256: str
    frames: dict[str, str]  # profile key → URL path

    def to_json(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "sha256": self.sha256, "frames": dict(self.frames)}


def profile_from_key(key: str) -> RenditionProfile | None:
    """The rendition profile a key (RenditionProfile.key()) names, or None for a foreign key."""
    found = _PROFILE_KEY.fullmatch(key)
    if found is None:
        return None
    width, height, fit, background, fmt, quality, max_bytes = found.groups()
    try:
        return RenditionProfile(
            int(width),
            int(height),
            fit,  # type: ignore[arg-type]
            background=f"#{background}",
            format=fmt.upper(),  # type: ignore[arg-type]
            quality=int(quality),
            max_bytes=int(max_bytes) or None,
        )
    except ValueError:
        return None


def load_target(library: Library, live_work_id: int) -> LiveTarget:
    with library.session() as session:
        row = session.get(LiveWork, live_work_id)
        if row is None:
            raise NotFound("live work", live_work_id)
        return LiveTarget(
            id=row.id,
            feed_id=row.feed_id,
            interval_s=row.interval_s,
            silence_s=row.silence_s,
            retention=Retention(RetentionKind(row.retention_kind), row.retention_value),
            allow_keep=row.allow_keep,
            profiles=tuple(json.loads(row.profiles or "[]")),
        )


def _lock(library: Library, live_work_id: int) -> threading.Lock:
    key = (str(library.home), live_work_id)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _status_of(reason: str) -> int:
    """The HTTP status for the guard's reason: 413 too large, 415 not an image, 422 the rest
    (a pixel bomb, a truncated or damaged image)."""
    if reason.startswith("too large"):
        return 413
    if reason.startswith(("not an image", "unsupported format", "empty file")):
        return 415
    return 422


def guard_and_render(
    data: bytes, profiles: Sequence[RenditionProfile], limits: ImportLimits
) -> tuple[str, int, int, Rendition | None, list[Rendition]]:
    """(sha256, width, height, thumbnail, renditions) of an accepted frame; FrameRefused with the
    guard's reason otherwise. One decode, at the smallest JPEG scale the outputs need."""
    try:
        info, thumb, renditions = inspect_and_render(data, "frame", limits, profiles)
    except ImportRefused as exc:
        raise FrameRefused(_status_of(exc.reason), exc.reason) from None
    except MemoryError:
        raise FrameRefused(422, "too large to decode within the memory limit") from None
    if info.animated:
        raise FrameRefused(422, "an animation: a live frame is a single still image")
    return info.sha256, info.width, info.height, thumb, renditions


def _entry(target: LiveTarget, image: Rendition, store: dict[str, bytes]) -> dict[str, Any]:
    digest = hashlib.sha256(image.data).hexdigest()
    key = frame_key(target.id, digest, image.extension)
    store[key] = image.data
    return {
        "url": frame_url(target.feed_id, digest, image.extension),
        "sha256": digest,
        "size": len(image.data),
        "width": image.width,
        "height": image.height,
        "store": key,
    }


def feed_frames(renditions: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The feed document's frames: every profile's entry without the store key or thumbnail."""
    return {
        profile: {k: v for k, v in entry.items() if k != "store"}
        for profile, entry in renditions.items()
        if profile != THUMBNAIL_ENTRY
    }


def keep_url(
    target: LiveTarget,
    renditions: Mapping[str, Mapping[str, Any]],
    source_size: tuple[int, int] | None = None,
) -> str | None:
    """What a phone may download ("keep this image"), when allowed: the rendition that shows
    the work itself best (not a portrait screen's view of a landscape frame, bars and all)."""
    if not target.allow_keep:
        return None
    best = work_frame(feed_frames(renditions), source_size)
    return str(best["url"]) if best is not None else None


def write_feed(
    library: Library,
    target: LiveTarget,
    key: Ed25519PrivateKey,
    sequence: int,
    when: datetime,
    renditions: Mapping[str, Mapping[str, Any]],
    source_size: tuple[int, int] | None = None,
) -> bytes:
    """Sign and store the feed document for one frame (or, with sequence 0, for none yet)."""
    payload = feed_payload(
        target.feed_id,
        sequence,
        when,
        interval_s=target.interval_s,
        silence_s=target.silence_s,
        frames=feed_frames(renditions),
        keep_url=keep_url(target, renditions, source_size),
        source_size=source_size,
    )
    document = sign_feed(key, payload)
    library.store.put(feed_key(target.id), document)
    return document


def accept_frame(
    library: Library,
    live_work_id: int,
    data: bytes,
    *,
    key: Ed25519PrivateKey,
    limits: ImportLimits | None = None,
    now: datetime | None = None,
) -> AcceptedFrame:
    """Guard, render, store and publish one frame of a live work; FrameRefused (counted, with
    its reason, on the work) when the guard refuses it. `key` signs the feed document: the
    library's manifest key, so screens verify it with the key they pinned."""
    target = load_target(library, live_work_id)
    if limits is None:
        limits = load_settings(library).import_limits()
    profiles = [p for p in map(profile_from_key, target.profiles) if p is not None]
    try:
        sha, width, height, thumb, images = guard_and_render(data, profiles, limits)
    except FrameRefused as exc:
        record_refusal(library, live_work_id, exc.reason)
        raise
    files: dict[str, bytes] = {original_key(target.id, sha): data}
    renditions = {
        profile.key(): _entry(target, image, files)
        for profile, image in zip(profiles, images, strict=True)
    }
    if thumb is not None:
        renditions[THUMBNAIL_ENTRY] = _entry(target, thumb, files)
    with _lock(library, live_work_id):
        try:
            sequence = _record_frame(
                library, target, key, files, renditions, sha, (width, height), now
            )
        except BaseException:
            _discard(library, target.id, sha, files)
            raise
        prune(library, target, now or datetime.now(UTC))
    return AcceptedFrame(sequence, sha, {k: v["url"] for k, v in feed_frames(renditions).items()})


def _discard(library: Library, live_work_id: int, sha: str, files: Mapping[str, bytes]) -> None:
    """Remove what a frame that did not make it wrote (unless a kept frame has the same bytes,
    whose files these are too): a failed frame leaves nothing behind."""
    with library.session() as session:
        shared = session.scalar(
            select(func.count()).where(
                LiveFrame.live_work_id == live_work_id,
                LiveFrame.sha256 == sha,
                LiveFrame.renditions != "{}",
            )
        )
    if not shared:
        for file_key in files:
            library.store.delete(file_key)


def _record_frame(
    library: Library,
    target: LiveTarget,
    key: Ed25519PrivateKey,
    files: Mapping[str, bytes],
    renditions: Mapping[str, Any],
    sha: str,
    size: tuple[int, int],
    now: datetime | None,
) -> int:
    """Store the files, take the next sequence, record the frame and sign the feed; the
    sequence."""
    live_work_id = target.id
    width, height = size
    for file_key, body in files.items():
        library.store.put(file_key, body)
    when = now or datetime.now(UTC)
    with library.session() as session:
        session.execute(
            update(LiveWork)
            .where(LiveWork.id == live_work_id)
            .values(
                sequence=LiveWork.sequence + 1,
                frames_received=LiveWork.frames_received + 1,
                last_frame_at=when,
            )
        )
        sequence = session.scalar(select(LiveWork.sequence).where(LiveWork.id == live_work_id))
        if sequence is None:
            raise NotFound("live work", live_work_id)
        session.add(
            LiveFrame(
                live_work_id=live_work_id,
                sequence=sequence,
                sha256=sha,
                received_at=when,
                width=width,
                height=height,
                renditions=json.dumps(renditions, sort_keys=True),
            )
        )
        session.flush()
        write_feed(library, target, key, sequence, when, renditions, size)
    return sequence


def render_newest(library: Library, live_work_id: int, *, key: Ed25519PrivateKey) -> bool:
    """Render the newest frame for profiles it lacks (a publish just put the work on a screen
    of a new size) and sign its feed again, same sequence: screens need not wait for the next
    frame, which may be an hour away. False when there is no frame (or nothing was missing)."""
    target = load_target(library, live_work_id)
    with _lock(library, live_work_id):
        with library.session() as session:
            frame = session.scalars(
                select(LiveFrame)
                .where(LiveFrame.live_work_id == live_work_id, LiveFrame.renditions != "{}")
                .order_by(LiveFrame.sequence.desc())
                .limit(1)
            ).first()
            if frame is None:
                return False
            sequence, sha, when = frame.sequence, frame.sha256, frame.received_at
            size = (frame.width, frame.height)
            renditions: dict[str, Any] = json.loads(frame.renditions)
        missing = [k for k in target.profiles if k not in renditions]
        profiles = [p for p in map(profile_from_key, missing) if p is not None]
        if not profiles:
            return False
        try:
            data = library.store.get(original_key(live_work_id, sha))
        except FileNotFoundError:
            return False
        _sha, _w, _h, _thumb, images = guard_and_render(data, profiles, ImportLimits())
        files: dict[str, bytes] = {}
        for profile, image in zip(profiles, images, strict=True):
            renditions[profile.key()] = _entry(target, image, files)
        for file_key, body in files.items():
            library.store.put(file_key, body)
        with library.session() as session:
            # Takes the work's row lock, as accept_frame does, and checks no newer frame came
            # meanwhile (another hub process): the feed must never go back.
            still_newest = session.execute(
                update(LiveWork)
                .where(LiveWork.id == live_work_id, LiveWork.sequence == sequence)
                .values(sequence=LiveWork.sequence)
            )
            session.execute(
                update(LiveFrame)
                .where(LiveFrame.live_work_id == live_work_id, LiveFrame.sequence == sequence)
                .values(renditions=json.dumps(renditions, sort_keys=True))
            )
            if still_newest.rowcount == 1:  # type: ignore[attr-defined]
                write_feed(library, target, key, sequence, when, renditions, size)
    return True


def _keys(renditions: str, live_work_id: int, sha: str) -> set[str]:
    entries = json.loads(renditions or "{}")
    if not entries:
        return set()
    return {str(e["store"]) for e in entries.values()} | {original_key(live_work_id, sha)}


def _over_retention(target: LiveTarget, now: datetime) -> Any:
    """The query for frames (with files) the retention no longer keeps: never the newest. In
    SQL, so a work keeping 100,000 frames does not read them all for every new one."""
    frames = select(LiveFrame.sequence, LiveFrame.renditions, LiveFrame.sha256).where(
        LiveFrame.live_work_id == target.id, LiveFrame.renditions != "{}"
    )
    newest = (
        select(func.max(LiveFrame.sequence))
        .where(LiveFrame.live_work_id == target.id)
        .scalar_subquery()
    )
    retention = target.retention
    if retention.kind is RetentionKind.COUNT:
        return frames.order_by(LiveFrame.sequence.desc()).offset(int(retention.value or 1))
    older = frames.where(LiveFrame.sequence < newest)
    if retention.kind is RetentionKind.NONE:
        return older
    return older.where(LiveFrame.received_at < now - timedelta(seconds=int(retention.value or 0)))


def prune(library: Library, target: LiveTarget, now: datetime) -> int:
    """Remove the files of frames the retention no longer keeps (never the newest, never the
    files of a kept frame with the same bytes); rows stay ROW_GRACE for the frame rate. Returns
    how many frames were pruned."""
    with library.session() as session:
        doomed_rows = list(session.execute(_over_retention(target, now)))
        drop = {seq for seq, _renditions, _sha in doomed_rows}
        doomed: set[str] = set()
        for _seq, renditions, sha in doomed_rows:
            doomed.update(_keys(renditions, target.id, sha))
        if drop:
            shas = {sha for _seq, _renditions, sha in doomed_rows}
            for renditions, sha in session.execute(  # identical frames share their files
                select(LiveFrame.renditions, LiveFrame.sha256).where(
                    LiveFrame.live_work_id == target.id,
                    LiveFrame.renditions != "{}",
                    LiveFrame.sha256.in_(shas),
                    LiveFrame.sequence.not_in(drop),
                )
            ):
                doomed.difference_update(_keys(renditions, target.id, sha))
            session.execute(
                update(LiveFrame)
                .where(LiveFrame.live_work_id == target.id, LiveFrame.sequence.in_(drop))
                .values(renditions="{}")
            )
        session.execute(
            delete(LiveFrame).where(
                LiveFrame.live_work_id == target.id,
                LiveFrame.renditions == "{}",
                LiveFrame.received_at < now - ROW_GRACE,
                LiveFrame.kept_artwork_id.is_(None),
            )
        )
    for file_key in doomed:
        library.store.delete(file_key)
    return len(drop)


def record_refusal(library: Library, live_work_id: int, reason: str) -> None:
    """Count a refused frame and keep its reason for the studio and `live list`."""
    with library.session() as session:
        session.execute(
            update(LiveWork)
            .where(LiveWork.id == live_work_id)
            .values(frames_refused=LiveWork.frames_refused + 1, last_refusal=reason[:1000])
        )


def feed_document(library: Library, live_work_id: int) -> bytes | None:
    """The stored feed document, or None before the first frame."""
    try:
        return library.store.get(feed_key(live_work_id))
    except FileNotFoundError:
        return None


def empty_feed(library: Library, live_work_id: int, key: Ed25519PrivateKey) -> bytes:
    """A signed feed document with no frame yet (sequence 0), stored so every hub worker serves
    the same bytes."""
    target = load_target(library, live_work_id)
    with _lock(library, live_work_id):
        stored = feed_document(library, live_work_id)
        if stored is not None:  # a frame came first
            return stored
        return write_feed(library, target, key, 0, datetime.now(UTC), {})
