"""Live works in the catalogue: register one, list their feeds' state, keep a frame, remove one.

A live work IS an artwork (curators put it in playlists and schedules like any other; its asset
is the still fallback) plus one `live_works` row naming its feed. The generator's HMAC secret
stays out of the catalogue (source_secrets.py).
"""

from __future__ import annotations

import json
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, func, select

from urbanart.errors import InvalidValue, NotFound
from urbanart.library.catalog import clean_text
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import EXTENSIONS, ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, LiveFrame, LiveWork, MediaAsset
from urbanart.library.records import JsonRecord
from urbanart.library.settings import load_settings
from urbanart.live.frames import THUMBNAIL_ENTRY
from urbanart.live.layout import LiveError, folder, original_key
from urbanart.live.retention import (
    Retention,
    RetentionKind,
    format_seconds,
    parse_retention,
)
from urbanart.live.source_secrets import LiveSecretStore
from urbanart.live.title_card import title_card
from urbanart.protocol.live_feed import feed_path

#: Longest interval a generator may be given (a day); shorter than a second is a video.
MAX_INTERVAL_S = 86400.0
MIN_INTERVAL_S = 0.2
#: frames_per_minute counts the frames of this last stretch.
RATE_WINDOW = timedelta(minutes=5)
_PULL_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class NewLiveWork:
    """What registering a live work hands back once: the token and secret are shown only now."""

    artwork_id: int
    live_work_id: int
    feed_id: str
    token: str
    secret: str

    def to_json(self) -> dict[str, Any]:
        return {
            "artwork_id": self.artwork_id,
            "live_work_id": self.live_work_id,
            "feed_id": self.feed_id,
            "feed_url": feed_path(self.feed_id),
            "token": self.token,
            "secret": self.secret,
        }


@dataclass(frozen=True)
class LiveState(JsonRecord):
    """A live work's feed as the studio and `live list` show it (never the token or secret)."""

    live_work_id: int
    artwork_id: int
    title: str
    artist: str
    feed_id: str
    interval_s: float
    silence_s: float
    retention: str
    pull_url: str | None
    allow_keep: bool
    sequence: int
    last_frame_at: datetime | None
    frames_per_minute: float
    frames_received: int
    frames_refused: int
    last_refusal: str
    silent: bool
    profiles: tuple[str, ...]
    #: The newest frame's thumbnail in the media store, and its file when the store is local.
    latest_thumbnail_key: str | None
    latest_thumbnail_path: Path | None
    #: The work's still (what screens show before the first frame and when the feed is silent):
    #: its thumbnail, so the studio never shows an empty picture for a live work.
    still_thumbnail_path: Path | None = None


def retention_of(row: LiveWork) -> Retention:
    return Retention(RetentionKind(row.retention_kind), row.retention_value)


def _check_interval(interval_s: float) -> float:
    if isinstance(interval_s, bool) or not isinstance(interval_s, int | float):
        raise InvalidValue("interval", interval_s, "must be a number of seconds", key="interval_s")
    if not MIN_INTERVAL_S <= float(interval_s) <= MAX_INTERVAL_S:
        raise InvalidValue(
            "interval",
            interval_s,
            f"must be from {MIN_INTERVAL_S:g} seconds to one day",
            key="interval_s",
        )
    return float(interval_s)


def _check_silence(silence_s: float | None, interval_s: float) -> float:
    if silence_s is None:
        return max(30.0, 6 * interval_s)
    if isinstance(silence_s, bool) or not isinstance(silence_s, int | float):
        raise InvalidValue("silence", silence_s, "must be a number of seconds", key="silence_s")
    if not interval_s <= float(silence_s) <= 7 * MAX_INTERVAL_S:
        raise InvalidValue(
            "silence",
            silence_s,
            f"must be at least the interval ({interval_s:g} s) and at most 7 days",
            key="silence_s",
        )
    return float(silence_s)


def check_pull_url(url: str | None) -> str | None:
    """An http(s) URL the hub may fetch frames from, or None (the generator pushes)."""
    if url is None:
        return None
    text = str(url).strip()
    if not text.lower().startswith(_PULL_SCHEMES) or len(text) > 2000 or " " in text:
        raise InvalidValue(
            "pull URL", url, "must be an http:// or https:// address", key="pull_url"
        )
    return text


def add_live_work(
    library: Library,
    title: str,
    artist: str,
    *,
    interval_s: float,
    retention: str = "none",
    fallback: Path | None = None,
    pull_url: str | None = None,
    allow_keep: bool = True,
    silence_s: float | None = None,
) -> NewLiveWork:
    """Register a live work: an artwork whose still is `fallback` (else a title card) and a feed
    with a new source token and secret. Everything is checked before anything is stored, and a
    failure after the artwork was imported removes it again."""
    clean_title = clean_text("title", title, required=True, limit=300)
    clean_artist = clean_text("artist", artist, required=True, limit=200)
    interval = _check_interval(interval_s)
    silence = _check_silence(silence_s, interval)
    kept = parse_retention(retention)
    pull = check_pull_url(pull_url)
    if fallback is not None and not Path(fallback).is_file():
        raise InvalidValue("fallback", str(fallback), "is not a file", key="fallback")
    feed_id = secrets.token_urlsafe(16)
    token = secrets.token_urlsafe(24)
    secret = secrets.token_urlsafe(32)
    artwork_id = _import_still(library, clean_title, clean_artist, feed_id, fallback)
    try:
        with library.session() as session:
            row = LiveWork(
                artwork_id=artwork_id,
                feed_id=feed_id,
                token=token,
                interval_s=interval,
                retention_kind=kept.kind.value,
                retention_value=kept.value,
                silence_s=silence,
                pull_url=pull,
                allow_keep=bool(allow_keep),
                sequence=0,
                frames_received=0,
                frames_refused=0,
                last_refusal="",
                profiles="[]",
            )
            session.add(row)
            session.flush()
            live_id = row.id
        LiveSecretStore(library.home).write({live_id: secret})
    except BaseException:
        _remove_artwork(library, artwork_id)
        raise
    return NewLiveWork(artwork_id, live_id, feed_id, token, secret)


def _import_still(
    library: Library, title: str, artist: str, feed_id: str, fallback: Path | None
) -> int:
    """The live work's artwork, from the artist's still or a title card; LiveError with the
    importer's reason when the still is refused."""
    with tempfile.TemporaryDirectory(prefix="urbanart-live-") as tmp:
        if fallback is None:
            path = Path(tmp) / "title-card.png"
            path.write_bytes(title_card(title, artist, feed_id))
        else:
            path = Path(fallback)
        item = ImportItem(path, artist_hint=artist, metadata={"title": title})
        (result,) = import_items(
            library, [item], ImportRun(load_settings(library).import_limits(), workers=1)
        )
    if result.status is Status.IMPORTED and result.artwork_id is not None:
        return result.artwork_id
    if result.status is Status.DUPLICATE:
        raise LiveError(
            f"The fallback {path.name} is already artwork {result.artwork_id}; a live work needs "
            "its own still (give another file, or none for a title card)."
        )
    raise LiveError(f"The fallback {path.name} was refused: {result.reason}")


def _remove_artwork(library: Library, artwork_id: int) -> None:
    with library.session() as session:
        artwork = session.get(Artwork, artwork_id)
        if artwork is None:
            return
        asset = artwork.asset
        keys = [asset.original_key, asset.thumbnail_key, *(r.store_key for r in asset.renditions)]
        session.execute(delete(LiveWork).where(LiveWork.artwork_id == artwork_id))
        session.delete(artwork)
        session.flush()
        session.delete(asset)
    for key in keys:
        if key:
            library.store.delete(key)


def find_live_work(library: Library, ref: str | int) -> int:
    """A live work's id from what a curator types: its id, or its artwork's title."""
    text = str(ref).strip()
    with library.session() as session:
        if text.isdigit() and session.get(LiveWork, int(text)) is not None:
            return int(text)
        rows = list(
            session.execute(
                select(LiveWork.id, Artwork.title).join(Artwork, Artwork.id == LiveWork.artwork_id)
            )
        )
    exact = [i for i, t in rows if t == text] or [i for i, t in rows if t.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise LiveError(f"{text!r} names {len(exact)} live works; use the id ({exact}).")
    raise NotFound("live work", text, tuple(t for _, t in rows if text.lower() in t.lower())[:3])


def _thumbnail_key(renditions: str) -> str | None:
    entry = json.loads(renditions or "{}").get(THUMBNAIL_ENTRY)
    return str(entry["store"]) if entry else None


def live_works(library: Library, *, now: datetime | None = None) -> list[LiveState]:
    """Every live work with its feed's state, by title."""
    now = now or datetime.now(UTC)
    with library.session() as session:
        rows = list(
            session.execute(
                select(LiveWork, Artwork.title, Artist.name, MediaAsset.thumbnail_key)
                .join(Artwork, Artwork.id == LiveWork.artwork_id)
                .join(Artist, Artist.id == Artwork.artist_id)
                .join(MediaAsset, MediaAsset.id == Artwork.asset_id)
                .order_by(Artwork.title, LiveWork.id)
            )
        )
        recent = dict(
            session.execute(
                select(LiveFrame.live_work_id, func.count())
                .where(LiveFrame.received_at >= now - RATE_WINDOW)
                .group_by(LiveFrame.live_work_id)
            ).all()
        )
        latest = {
            work_id: renditions
            for work_id, renditions in session.execute(
                select(LiveFrame.live_work_id, LiveFrame.renditions).where(
                    LiveFrame.id.in_(
                        select(func.max(LiveFrame.id))
                        .where(LiveFrame.renditions != "{}")
                        .group_by(LiveFrame.live_work_id)
                    )
                )
            )
        }
    states = []
    for row, title, artist, still in rows:
        thumb = _thumbnail_key(latest[row.id]) if row.id in latest else None
        silent = row.last_frame_at is None or (
            (now - row.last_frame_at).total_seconds() > row.silence_s
        )
        states.append(
            LiveState(
                live_work_id=row.id,
                artwork_id=row.artwork_id,
                title=title,
                artist=artist,
                feed_id=row.feed_id,
                interval_s=row.interval_s,
                silence_s=row.silence_s,
                retention=str(retention_of(row)),
                pull_url=row.pull_url,
                allow_keep=row.allow_keep,
                sequence=row.sequence,
                last_frame_at=row.last_frame_at,
                frames_per_minute=recent.get(row.id, 0) / (RATE_WINDOW.total_seconds() / 60),
                frames_received=row.frames_received,
                frames_refused=row.frames_refused,
                last_refusal=row.last_refusal,
                silent=silent,
                profiles=tuple(json.loads(row.profiles or "[]")),
                latest_thumbnail_key=thumb,
                latest_thumbnail_path=library.store.local_path(thumb) if thumb else None,
                still_thumbnail_path=library.store.local_path(still) if still else None,
            )
        )
    return states


def live_state(library: Library, live_work_id: int) -> LiveState:
    for state in live_works(library):
        if state.live_work_id == live_work_id:
            return state
    raise NotFound("live work", live_work_id)


def _image_extension(data: bytes) -> str:
    try:
        with Image.open(BytesIO(data)) as img:
            return EXTENSIONS.get(str(img.format), "jpg")
    except (UnidentifiedImageError, OSError):
        return "jpg"


def keep_frame(library: Library, live_work_id: int, sequence: int | None = None) -> int:
    """Turn a frame (the newest when sequence is None) into an ordinary artwork credited to the
    live work's artist and linked to it (live_frames.kept_artwork_id): a gold nugget. Keeping
    the same frame twice gives the same artwork. LiveError when retention removed the frame."""
    with library.session() as session:
        work = session.get(LiveWork, live_work_id)
        if work is None:
            raise NotFound("live work", live_work_id)
        query = select(LiveFrame).where(LiveFrame.live_work_id == live_work_id)
        if sequence is None:
            query = query.where(LiveFrame.renditions != "{}").order_by(LiveFrame.sequence.desc())
        else:
            query = query.where(LiveFrame.sequence == sequence)
        frame = session.scalars(query.limit(1)).first()
        title, artist = work.artwork.title, work.artwork.artist.name
        if frame is None:
            what = "has no frame yet" if sequence is None else f"has no frame {sequence}"
            raise LiveError(f"The live work {title!r} {what}.")
        if frame.kept_artwork_id is not None:
            return frame.kept_artwork_id
        if frame.renditions == "{}":
            raise LiveError(
                f"Frame {frame.sequence} of {title!r} is no longer kept: its retention "
                f"({retention_of(work)}) removed it."
            )
        sha, seq, received = frame.sha256, frame.sequence, frame.received_at
    try:
        data = library.store.get(original_key(live_work_id, sha))
    except FileNotFoundError:
        raise LiveError(f"Frame {seq} of {title!r} is no longer kept: its file is gone.") from None
    when = received.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    with tempfile.TemporaryDirectory(prefix="urbanart-keep-") as tmp:
        path = Path(tmp) / f"frame-{seq}.{_image_extension(data)}"
        path.write_bytes(data)
        meta = {
            "title": f"{title} #{seq}",
            "description": f"A frame of the live work {title!r}, made on {when}.",
        }
        item = ImportItem(path, artist_hint=artist, metadata=meta)
        (result,) = import_items(
            library, [item], ImportRun(load_settings(library).import_limits(), workers=1)
        )
    if result.artwork_id is None:
        raise LiveError(f"Frame {seq} of {title!r} could not be kept: {result.reason}")
    with library.session() as session:
        row = session.scalars(
            select(LiveFrame).where(
                LiveFrame.live_work_id == live_work_id, LiveFrame.sequence == seq
            )
        ).first()
        if row is not None:
            row.kept_artwork_id = result.artwork_id
    return result.artwork_id


def remove_live_work(library: Library, live_work_id: int) -> None:
    """Remove a live work: its artwork and still, its frames' files and its secret. Artworks
    kept from its frames stay (they are ordinary artworks now)."""
    with library.session() as session:
        work = session.get(LiveWork, live_work_id)
        if work is None:
            raise NotFound("live work", live_work_id)
        artwork_id = work.artwork_id
        session.execute(delete(LiveFrame).where(LiveFrame.live_work_id == live_work_id))
    _remove_artwork(library, artwork_id)
    for key in list(library.store.keys(folder(live_work_id))):
        library.store.delete(key)
    LiveSecretStore(library.home).write({live_work_id: None})


def rotate_secret(library: Library, live_work_id: int) -> NewLiveWork:
    """A new source token and secret for a live work (the old ones stop working at once)."""
    token = secrets.token_urlsafe(24)
    secret = secrets.token_urlsafe(32)
    with library.session() as session:
        work = session.get(LiveWork, live_work_id)
        if work is None:
            raise NotFound("live work", live_work_id)
        work.token = token
        artwork_id, feed_id = work.artwork_id, work.feed_id
    LiveSecretStore(library.home).write({live_work_id: secret})
    return NewLiveWork(artwork_id, live_work_id, feed_id, token, secret)


def describe_interval(seconds: float) -> str:
    return format_seconds(seconds)


@dataclass(frozen=True)
class LiveItem:
    """What a manifest says about a live work (the publisher's view of it)."""

    live_work_id: int
    artwork_id: int
    feed_id: str
    interval_s: float
    silence_s: float


def live_items(library: Library) -> dict[int, LiveItem]:
    """Every live work by its artwork id, for the publisher."""
    with library.session() as session:
        rows = session.scalars(select(LiveWork))
        return {
            row.artwork_id: LiveItem(
                row.id, row.artwork_id, row.feed_id, row.interval_s, row.silence_s
            )
            for row in rows
        }


def set_live_profiles(library: Library, profiles: dict[int, set[str]]) -> list[int]:
    """Record, per live work id, the rendition profile keys the published screens need; works
    left out need none (no published manifest shows them: the studio's thumbnail only).
    Returns the works that now need a profile they did not before (their newest frame should
    be rendered for it: frames.render_newest)."""
    grown = []
    with library.session() as session:
        for row in session.scalars(select(LiveWork)):
            wanted = sorted(profiles.get(row.id, set()))
            if set(wanted) - set(json.loads(row.profiles or "[]")):
                grown.append(row.id)
            if row.profiles != json.dumps(wanted):
                row.profiles = json.dumps(wanted)
    return grown
