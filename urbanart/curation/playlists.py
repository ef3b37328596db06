"""Playlists and their items: ordered approved artworks with durations, transitions and overlays."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Sized
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from urbanart.curation.records import ItemRecord, PlaylistRecord
from urbanart.curation.screens import _unique_name, rename_and_describe
from urbanart.errors import InvalidValue
from urbanart.library.catalog import clean_text
from urbanart.library.concurrency import expect_version
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Artwork, MediaAsset, Playlist, PlaylistItem, Schedule
from urbanart.library.undo import DataKind, quoted, undoable
from urbanart.library.vocabulary import ReviewStatus

DEFAULT_DURATION = 10.0
MAX_DURATION = 86_400.0
DEFAULT_CROSSFADE = 1.0
MAX_LOOPS = 1000
MAX_TRANSITION = 30.0
TRANSITIONS = ("cut", "crossfade")


# Validation -------------------------------------------------------------------------------------


def clean_duration(value: Any) -> float:
    """Seconds an item stays on screen: more than 0 and at most a day."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_DURATION:
        raise InvalidValue(
            "duration",
            value,
            "must be a positive number of seconds (at most 86400)",
            key="duration",
        )
    return seconds


def clean_loops(value: Any) -> int:
    """How many times a video item plays: a whole number from 1 to MAX_LOOPS."""
    try:
        loops = int(str(value).strip())
    except (TypeError, ValueError):
        loops = 0
    if not 1 <= loops <= MAX_LOOPS:
        raise InvalidValue(
            "loops", value, f"must be a whole number from 1 to {MAX_LOOPS}", key="loops"
        )
    return loops


def video_length(artwork: Artwork) -> float | None:
    """The video's own length in seconds, or None for a still."""
    asset = artwork.asset
    if asset.kind != "video" or not asset.duration_s:
        return None
    return float(asset.duration_s)


def looped_seconds(loops: int, length: float) -> float:
    """A video's time on screen for `loops` plays: loops × its length, to the millisecond the
    manifest and every player count in (so "which item plays when" stays exact)."""
    return round(loops * length, 3)


def item_timing(
    artwork: Artwork,
    *,
    duration: Any = None,
    loops: Any = None,
    play_once: bool = False,
    current: tuple[float, int | None] | None = None,
) -> tuple[float, int | None]:
    """(seconds on screen, loops) for an item of this work.

    A video plays once by default (its own length), or `loops` times, or for a fixed
    `duration` (its last loop cut); a still shows for `duration` (default 10 s). One of the
    three at most. `current` is the item's timing when editing: kept when nothing is given.
    """
    given = [
        name for name, value in (("duration", duration), ("loops", loops)) if value is not None
    ]
    if play_once:
        given.append("play once")
    if len(given) > 1:
        raise InvalidValue(
            "timing",
            " and ".join(given),
            "give one of a duration, a number of loops or play once",
            key="loops" if "loops" in given else "duration",
        )
    length = video_length(artwork)
    if (loops is not None or play_once) and length is None:
        raise InvalidValue(
            "loops",
            loops if loops is not None else "play once",
            f"only a video plays in loops; {artwork.title!r} is a still, give it a duration",
            key="loops",
        )
    if duration is not None:
        return clean_duration(duration), None
    if loops is not None or play_once or (current is None and length is not None):
        count = 1 if loops is None else clean_loops(loops)
        assert length is not None
        seconds = looped_seconds(count, length)
        if seconds > MAX_DURATION:
            raise InvalidValue(
                "loops",
                count,
                f"{count} × {length:g} s is more than a day ({MAX_DURATION:g} s)",
                key="loops",
            )
        return seconds, count
    if current is not None:
        return current
    return DEFAULT_DURATION, None


def clean_transition(
    transition: str | None,
    seconds: Any,
    duration: float,
    *,
    current: tuple[str, float] | None = None,
) -> tuple[str, float]:
    """Return (kind, seconds). A crossfade needs a length shorter than the item it leads into."""
    kind = (transition or (current[0] if current else None) or "").strip().lower()
    if not kind:
        kind = "crossfade" if seconds is not None and _number(seconds) > 0 else "cut"
    if kind not in TRANSITIONS:
        raise InvalidValue("transition", transition, "must be cut or crossfade", key="transition")
    if kind == "cut":
        if seconds is not None and _number(seconds) != 0:
            raise InvalidValue(
                "transition seconds",
                seconds,
                "a cut has no length; use --transition crossfade",
                key="transition_seconds",
            )
        return "cut", 0.0
    if seconds is None:
        keep = current[1] if current and current[0] == "crossfade" else 0.0
        length = keep or min(DEFAULT_CROSSFADE, duration / 2)
    else:
        length = _number(seconds)
    if not math.isfinite(length) or length <= 0 or length > MAX_TRANSITION or length >= duration:
        raise InvalidValue(
            "transition seconds",
            seconds if seconds is not None else length,
            f"a crossfade must last more than 0 s, at most {MAX_TRANSITION:g} s and less than "
            f"the item's duration ({duration:g} s)",
            key="transition_seconds",
        )
    return "crossfade", length


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidValue(
            "transition seconds", value, "must be a number of seconds", key="transition_seconds"
        ) from None


def not_approved(artwork: Artwork) -> InvalidValue:
    return InvalidValue(
        "artwork",
        artwork.title,
        f"is not approved (status: {artwork.status}); approve it first with "
        f"`urbanart artworks edit {artwork.id} --status approved`",
        key="artwork",
    )


def check_approved(artwork: Artwork) -> Artwork:
    """Only approved works reach public screens; the message says how to approve one."""
    if artwork.status != ReviewStatus.APPROVED:
        raise not_approved(artwork)
    return artwork


# Queries ---------------------------------------------------------------------------------------


def _loaded() -> Any:
    return selectinload(Playlist.items).options(
        selectinload(PlaylistItem.artwork).options(
            selectinload(Artwork.artist), selectinload(Artwork.asset)
        )
    )


def find_playlist(session: Session, ref: str | int) -> Playlist:
    return find(session, Playlist, ref, kind="playlist")


def _record(session: Session, playlist_id: int) -> PlaylistRecord:
    session.flush()
    session.expire_all()
    playlist = session.scalar(select(Playlist).where(Playlist.id == playlist_id).options(_loaded()))
    assert playlist is not None
    return PlaylistRecord.of(playlist)


def _ordered(playlist: Playlist) -> list[PlaylistItem]:
    return sorted(playlist.items, key=lambda i: (i.position, i.id))


def _renumber(items: Sequence[PlaylistItem]) -> None:
    for index, item in enumerate(items, start=1):
        item.position = index


def _item_at(
    playlist: Playlist, position: Any, field: str = "position", key: str = "position"
) -> PlaylistItem:
    items = _ordered(playlist)
    try:
        index = int(str(position).strip())
    except ValueError:
        raise InvalidValue(field, position, "must be a whole number such as 1", key=key) from None
    if not items:
        raise InvalidValue(field, position, f"the playlist {playlist.name!r} has no items", key=key)
    if not 1 <= index <= len(items):
        raise InvalidValue(field, position, f"must be between 1 and {len(items)}", key=key)
    return items[index - 1]


# Playlists -------------------------------------------------------------------------------------


@undoable("Create playlist '{result.name}'", DataKind.PLAYLISTS)
def create_playlist(library: Library, name: str, description: str | None = None) -> PlaylistRecord:
    name = clean_text("name", name, required=True, limit=200)
    with library.session() as session:
        _unique_name(session, Playlist, name, "playlist", None)
        playlist = Playlist(name=name, description=clean_text("description", description))
        session.add(playlist)
        session.flush()
        return _record(session, playlist.id)


def list_playlists(library: Library) -> list[PlaylistRecord]:
    with library.session() as session:
        stmt = select(Playlist).options(_loaded()).order_by(func.lower(Playlist.name))
        return [PlaylistRecord.of(p) for p in session.scalars(stmt)]


def get_playlist(library: Library, ref: str | int) -> PlaylistRecord:
    with library.session() as session:
        return _record(session, find_playlist(session, ref).id)


@undoable("Edit playlist '{result.name}'", DataKind.PLAYLISTS)
def edit_playlist(
    library: Library,
    ref: str | int,
    *,
    name: str | None = None,
    description: str | None = None,
    expected_version: int | None = None,
) -> PlaylistRecord:
    """Rename a playlist or change its description; schedules follow it, they hold its id.

    expected_version, here and in every playlist edit, is the version the editor read: when
    another curator saved the playlist (or its items) since, StaleEdit and nothing changes.
    """
    with library.session() as session:
        playlist = find_playlist(session, ref)
        expect_version(playlist, expected_version)
        rename_and_describe(session, playlist, "playlist", name, description)
        return _record(session, playlist.id)


@undoable("Rename playlist '{result.name}'", DataKind.PLAYLISTS)
def rename_playlist(library: Library, ref: str | int, new_name: str) -> PlaylistRecord:
    return edit_playlist(library, ref, name=new_name)


@undoable(
    "Delete playlist '{result.name}'", DataKind.PLAYLISTS, DataKind.SCHEDULES, DataKind.SCREENS
)
def delete_playlist(library: Library, ref: str | int, *, force: bool = False) -> PlaylistRecord:
    """Delete a playlist. Refused while schedules use it, unless force (they are deleted too)."""
    with library.session() as session:
        playlist = find_playlist(session, ref)
        record = _record(session, playlist.id)
        users = list(session.scalars(select(Schedule).where(Schedule.playlist_id == playlist.id)))
        if users and not force:
            ids = ", ".join(str(s.id) for s in users)
            raise InvalidValue(
                "playlist",
                playlist.name,
                f"is used by schedule(s) {ids}; remove them first, or delete with --force "
                "to remove them too",
                key="playlist",
            )
        for schedule in users:
            session.delete(schedule)
        session.delete(playlist)  # screens using it as their default fall back to nothing
        return record


# Items -----------------------------------------------------------------------------------------


def find_artwork(session: Session, ref: str | int) -> Artwork:
    return find(session, Artwork, ref, kind="artwork", name_attr="title")


def _added_label(result: PlaylistRecord, arguments: Mapping[str, Any]) -> str:
    refs = arguments["artworks"]
    count = len(refs) if isinstance(refs, Sized) else 0
    noun = "a work" if count == 1 else f"{count} works" if count else "works"
    return f"Add {noun} to {quoted(result.name)}"


@undoable(_added_label, DataKind.PLAYLISTS)
def add_items(
    library: Library,
    ref: str | int,
    artworks: Iterable[str | int],
    *,
    duration: Any = None,
    loops: Any = None,
    play_once: bool = False,
    transition: str | None = None,
    transition_seconds: Any = None,
    overlay: bool = True,
    position: int | None = None,
    expected_version: int | None = None,
) -> PlaylistRecord:
    """Append approved artworks (by id or title), all or none: one refused work adds nothing.

    Without a duration a still shows for 10 s and a video plays once (its own length); loops
    and play_once are for videos only (item_timing)."""
    refs = list(artworks)
    if not refs:
        raise InvalidValue(
            "artworks", "", "name at least one artwork (id or title)", key="artworks"
        )
    if duration is not None:
        clean_duration(duration)  # a bad value is named before any lookup
        clean_transition(transition, transition_seconds, clean_duration(duration))
    with library.session() as session:
        playlist = find_playlist(session, ref)
        expect_version(playlist, expected_version)
        works = [check_approved(find_artwork(session, r)) for r in refs]
        items = _ordered(playlist)
        new = []
        for work in works:
            seconds, count = item_timing(work, duration=duration, loops=loops, play_once=play_once)
            kind, length = clean_transition(transition, transition_seconds, seconds)
            new.append(
                PlaylistItem(
                    artwork=work,
                    duration_s=seconds,
                    loops=count,
                    transition=kind,
                    transition_s=length,
                    overlay=overlay,
                    position=0,
                )
            )
        at = len(items) if position is None else _insert_index(position, len(items))
        ordered = [*items[:at], *new, *items[at:]]
        playlist.items.extend(new)
        _renumber(ordered)
        return _record(session, playlist.id)


def _insert_index(position: Any, count: int) -> int:
    try:
        index = int(position)
    except (TypeError, ValueError):
        raise InvalidValue(
            "position", position, "must be a whole number such as 1", key="position"
        ) from None
    if not 1 <= index <= count + 1:
        raise InvalidValue(
            "position", position, f"must be between 1 and {count + 1}", key="position"
        )
    return index - 1


@undoable("Move item {from_pos} to {to_pos} in '{result.name}'", DataKind.PLAYLISTS)
def move_item(
    library: Library,
    ref: str | int,
    from_pos: Any,
    to_pos: Any,
    *,
    expected_version: int | None = None,
) -> PlaylistRecord:
    """Move the item at from_pos (1-based, as shown) so that it ends up at to_pos."""
    with library.session() as session:
        playlist = find_playlist(session, ref)
        expect_version(playlist, expected_version)
        item = _item_at(playlist, from_pos, "from position", "from_position")
        _item_at(playlist, to_pos, "to position", "to_position")
        items = [i for i in _ordered(playlist) if i is not item]
        items.insert(int(str(to_pos).strip()) - 1, item)
        _renumber(items)
        return _record(session, playlist.id)


@undoable("Remove item {position} from '{result.name}'", DataKind.PLAYLISTS)
def remove_item(
    library: Library, ref: str | int, position: Any, *, expected_version: int | None = None
) -> PlaylistRecord:
    """Remove the item at a 1-based position; those after it move up one place."""
    with library.session() as session:
        playlist = find_playlist(session, ref)
        expect_version(playlist, expected_version)
        item = _item_at(playlist, position)
        playlist.items.remove(item)
        _renumber(_ordered(playlist))
        return _record(session, playlist.id)


@undoable("Change item {position} in '{result.name}'", DataKind.PLAYLISTS)
def set_item(
    library: Library,
    ref: str | int,
    position: Any,
    *,
    duration: Any = None,
    loops: Any = None,
    play_once: bool = False,
    transition: str | None = None,
    transition_seconds: Any = None,
    overlay: bool | None = None,
    expected_version: int | None = None,
) -> PlaylistRecord:
    """Change one item's duration (or a video's loops, or play once), transition or overlay;
    fields left as None stay as they are."""
    with library.session() as session:
        playlist = find_playlist(session, ref)
        expect_version(playlist, expected_version)
        item = _item_at(playlist, position)
        timed = duration is not None or loops is not None or play_once
        seconds, count = item_timing(
            item.artwork,
            duration=duration,
            loops=loops,
            play_once=play_once,
            current=(item.duration_s, item.loops),
        )
        if transition is not None or transition_seconds is not None or timed:
            item.transition, item.transition_s = clean_transition(
                transition,
                transition_seconds,
                seconds,
                current=(item.transition, item.transition_s),
            )
        item.duration_s, item.loops = seconds, count
        if overlay is not None:
            item.overlay = overlay
        return _record(session, playlist.id)


def artworks_by_sha256(session: Session, hashes: Iterable[str]) -> dict[str, Artwork]:
    """Artworks keyed by the SHA-256 of their original file: how playlist files name works."""
    wanted = {h.lower() for h in hashes}
    if not wanted:
        return {}
    stmt = (
        select(MediaAsset.sha256, Artwork)
        .join(Artwork, Artwork.asset_id == MediaAsset.id)
        .where(MediaAsset.sha256.in_(wanted))
        .options(selectinload(Artwork.artist), selectinload(Artwork.asset))
    )
    return {sha: artwork for sha, artwork in session.execute(stmt).all()}


def usual_timing(items: Iterable[ItemRecord]) -> tuple[float, str, float] | None:
    """(duration, transition, transition seconds) most of a playlist's items share, or None
    for an empty playlist.

    A work dragged into a playlist of 15-second crossfades should play like its neighbours,
    not at the engine's 10-second cut default; on a tie the earliest such item decides.
    """
    timings = [(i.duration, i.transition, i.transition_s) for i in items]
    if not timings:
        return None
    counts = Counter(timings)
    return max(timings, key=lambda timing: counts[timing])  # max keeps the first of ties
