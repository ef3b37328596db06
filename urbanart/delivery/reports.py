"""Proof-of-play reports: what played where and when, in UTC and in each screen's local time.

Why both times: artists and venues are paid or credited per play, and they ask "was my work on
the Shibuya screen at 9 pm?" in that city's wall-clock time, while audits across cities need one
clock (UTC). Local times carry their offset, so a row is unambiguous even across a DST change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbanart.csv_safe import SafeWriter
from urbanart.errors import InvalidValue
from urbanart.library.library import Library
from urbanart.library.lookup import find
from urbanart.library.models import Artist, Artwork, Play, Playlist, PlaylistItem, Screen

CSV_COLUMNS = (
    "started_at_utc",
    "started_at_local",
    "timezone",
    "screen",
    "artwork",
    "artist",
    "artwork_sha256",
    "playlist",
    "duration_s",
    "frames_shown",
)

#: A play this much shorter than its item's duration was cut short (a player started mid-item,
#: restarted, or switched playlist); less is the players' timer jitter.
PARTIAL_TOLERANCE_S = 0.5


@dataclass(frozen=True)
class PlayRow:
    started_at_utc: datetime
    started_at_local: datetime
    timezone: str
    screen: str
    artwork: str | None
    artist: str | None
    artwork_sha256: str
    playlist: str | None
    duration_s: float
    #: How long the item is meant to stay on screen, from the library's playlist of that name
    #: (None when the playlist or the work is no longer there to say).
    planned_s: float | None = None
    #: A live work's play: how many distinct frames of its feed were shown (None otherwise).
    frames_shown: int | None = None

    @property
    def partial(self) -> bool:
        """Shown for less than its planned time: artists paid per play count these apart."""
        return self.planned_s is not None and self.duration_s < self.planned_s - PARTIAL_TOLERANCE_S

    def values(self) -> tuple[Any, ...]:
        return (
            self.started_at_utc.isoformat().replace("+00:00", "Z"),
            self.started_at_local.isoformat(),
            self.timezone,
            self.screen,
            self.artwork or "",
            self.artist or "",
            self.artwork_sha256,
            self.playlist or "",
            f"{self.duration_s:g}",  # never negative, so never taken for a formula
            "" if self.frames_shown is None else str(self.frames_shown),
        )

    def to_json(self) -> dict[str, Any]:
        return dict(zip(CSV_COLUMNS, self.values(), strict=True)) | {
            "duration_s": self.duration_s,
            "frames_shown": self.frames_shown,
            "planned_s": self.planned_s,
            "partial": self.partial,
        }


@dataclass(frozen=True)
class ArtworkTotal:
    artwork: str | None
    artist: str | None
    artwork_sha256: str
    plays: int  # every play, partial ones included
    seconds: float
    partial: int = 0  # of which cut short

    def to_json(self) -> dict[str, Any]:
        return {
            "artwork": self.artwork,
            "artist": self.artist,
            "artwork_sha256": self.artwork_sha256,
            "plays": self.plays,
            "partial": self.partial,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class ScreenTotal:
    screen: str
    timezone: str
    plays: int  # every play, partial ones included
    partial: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "screen": self.screen,
            "timezone": self.timezone,
            "plays": self.plays,
            "partial": self.partial,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class PlaysReport:
    start: datetime
    end: datetime  # exclusive
    screen: str | None
    rows: tuple[PlayRow, ...]
    totals: tuple[ArtworkTotal, ...]
    screen_totals: tuple[ScreenTotal, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "screen": self.screen,
            "plays": [r.to_json() for r in self.rows],
            "totals": [t.to_json() for t in self.totals],
            "screen_totals": [t.to_json() for t in self.screen_totals],
        }

    def csv(self) -> str:
        out = io.StringIO()
        writer = SafeWriter(out, lineterminator="\n")  # titles are curator text: no formulas
        writer.writerow(CSV_COLUMNS)
        writer.writerows(r.values() for r in self.rows)
        return out.getvalue()


def parse_bound(value: str, *, end: bool) -> datetime:
    """A report bound: a date (a whole UTC day; --to includes that day) or an ISO time.

    An ISO time without an offset is taken as UTC, so a report never depends on the machine it
    runs on.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(0), UTC)
            return moment + timedelta(days=1) if end else moment
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(
            "--to" if end else "--from",
            value,
            "must be a date (2025-03-31) or an ISO time",
            key="to" if end else "from",
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def plays_report(
    library: Library, start: datetime, end: datetime, screen: str | None = None
) -> PlaysReport:
    """Plays with start ≤ started_at < end, oldest first, plus totals per artwork and screen.

    A play shorter than its item's duration in the library's playlist of that name is marked
    partial (the player reports what it showed, not what was planned)."""
    if end <= start:
        raise InvalidValue("--to", end.isoformat(), "must be after --from", key="to")
    with library.session() as session:
        query = (
            select(Play, Screen.name, Screen.timezone, Artwork.title, Artist.name)
            .join(Screen, Screen.id == Play.screen_id)
            .outerjoin(Artwork, Artwork.id == Play.artwork_id)
            .outerjoin(Artist, Artist.id == Artwork.artist_id)
            .where(Play.started_at >= start, Play.started_at < end)
            .order_by(Play.started_at, Screen.name, Play.id)
        )
        screen_name = None
        if screen is not None:
            row = find(session, Screen, screen, kind="screen")
            screen_name = row.name
            query = query.where(Play.screen_id == row.id)
        planned = _planned_seconds(session)
        rows: list[PlayRow] = []
        totals: dict[str, list[Any]] = {}
        screens: dict[str, list[Any]] = {}
        for play, name, tz, title, artist in session.execute(query):
            utc = play.started_at.astimezone(UTC)
            play_row = PlayRow(
                started_at_utc=utc,
                started_at_local=utc.astimezone(ZoneInfo(tz)),
                timezone=tz,
                screen=name,
                artwork=title,
                artist=artist,
                artwork_sha256=play.artwork_sha256,
                playlist=play.playlist_name,
                duration_s=play.duration_s,
                planned_s=planned.get((play.playlist_name, play.artwork_id)),
                frames_shown=play.frames_shown,
            )
            rows.append(play_row)
            key = f"id:{play.artwork_id}" if play.artwork_id is not None else play.artwork_sha256
            total = totals.setdefault(key, [title, artist, play.artwork_sha256, 0, 0.0, 0])
            by_screen = screens.setdefault(name, [name, tz, 0, 0, 0.0])
            total[3] += 1
            total[4] += play.duration_s
            total[5] += play_row.partial
            by_screen[2] += 1
            by_screen[3] += play_row.partial
            by_screen[4] += play.duration_s
    ordered = sorted(totals.values(), key=lambda t: (-t[3], t[0] or "", t[2]))
    return PlaysReport(
        start,
        end,
        screen_name,
        tuple(rows),
        tuple(ArtworkTotal(*t) for t in ordered),
        tuple(ScreenTotal(*t) for t in sorted(screens.values(), key=lambda t: t[0].lower())),
    )


def _planned_seconds(session: Session) -> dict[tuple[str | None, int | None], float]:
    """(playlist name, artwork id) → the shortest duration that work has in that playlist: a
    play shorter than every item of it there was surely cut short."""
    query = (
        select(Playlist.name, PlaylistItem.artwork_id, func.min(PlaylistItem.duration_s))
        .join(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
        .group_by(Playlist.name, PlaylistItem.artwork_id)
    )
    return {(name, work): seconds for name, work, seconds in session.execute(query)}
