"""Typed answers of the agenda: what plays, which schedule won, which lost and why.

The studio reads these fields as they are (aware datetimes in the target's zone, the resolver's
Source, records for winner and losers) instead of re-parsing ISO strings; `to_json()` gives the
CLI's JSON (`urbanart whatson --json`) in the exact shape it has always printed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from urbanart.curation.resolver import Source


def _json_value(value: Any) -> Any:
    """One field as the CLI's JSON prints it: dates as ISO text, records by their to_json."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Enum):
        return str(value)
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def _fields_json(record: Any, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A record's fields (all, or those named) in declaration order, as ``_json_value`` gives.

    Why one helper: every record here prints its fields under their own names in the order
    they are declared; the keys and order of the CLI's JSON are those of the dataclasses.
    """
    keys = names or tuple(f.name for f in fields(record))
    return {key: _json_value(getattr(record, key)) for key in keys}


#: What an agenda segment and a "what's on" answer both say about what plays.
_PLAYING = ("playlist", "playlist_id", "source", "schedule", "overridden")


class _FieldsJson:
    """Records whose JSON is their fields, in order (``_fields_json``)."""

    def to_json(self) -> dict[str, Any]:
        return _fields_json(self)


class _Schedule(_FieldsJson):
    """A schedule as a record names it: by its name and id."""

    id: int
    name: str

    @property
    def label(self) -> str:
        """ "name (#id)", or "schedule #id" for an unnamed one."""
        return f"{self.name} (#{self.id})" if self.name else f"schedule #{self.id}"


@dataclass(frozen=True)
class ScheduleSummary(_Schedule):
    """The schedule that wins a segment or an instant, as a curator recognises it."""

    id: int
    name: str
    playlist: str
    playlist_id: int
    priority: int
    created_at: datetime  # aware UTC
    start_date: date | None
    end_date: date | None
    days: str  # "mon-fri", "every day"…
    window: str | None  # "22:00-02:00"; None plays all day
    shared_instant: bool
    reference_tz: str | None  # only for shared-instant schedules


@dataclass(frozen=True)
class Overridden(_Schedule):
    """A schedule that applies but does not play, and why (see agenda.why_lost)."""

    id: int
    name: str
    playlist: str
    priority: int
    created_at: datetime  # aware UTC
    why: str


@dataclass(frozen=True)
class AgendaSegment:
    """A stretch [start, end) in which one thing plays; times are aware, in the target's zone."""

    start: datetime
    end: datetime
    timezone: str
    playlist: str | None
    playlist_id: int | None
    source: Source
    schedule: ScheduleSummary | None
    overridden: tuple[Overridden, ...]

    @property
    def default(self) -> bool:
        """The screen's default playlist plays here because no schedule applies."""
        return self.source is Source.DEFAULT

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.astimezone(UTC).isoformat(),
            "end": self.end.astimezone(UTC).isoformat(),
            "local_start": self.start.isoformat(),
            "local_end": self.end.isoformat(),
            "timezone": self.timezone,
            **_fields_json(self, _PLAYING),
        }


@dataclass(frozen=True)
class GroupInfo(_FieldsJson):
    """A group seen through its first member's clock (an empty group reads in UTC)."""

    group: str
    group_id: int
    member: str | None
    member_id: int | None
    members: tuple[str, ...]
    timezone: str


@dataclass(frozen=True)
class WhatsOn:
    """What plays at one instant, the winner and what it beat.

    `at` is aware, in the screen's zone; segment_start/segment_end bound the stretch playing it.
    For a group, `group` says which group and whose clock (screen is then that member).
    """

    screen: str
    screen_id: int
    at: datetime
    timezone: str
    playlist: str | None
    playlist_id: int | None
    source: Source
    schedule: ScheduleSummary | None
    overridden: tuple[Overridden, ...]
    segment_start: datetime
    segment_end: datetime
    group: GroupInfo | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "screen": self.screen,
            "screen_id": self.screen_id,
            "at": self.at.astimezone(UTC).isoformat(),
            "local_time": self.at.isoformat(),
            "timezone": self.timezone,
            **_fields_json(self, _PLAYING),
            "segment": {
                "start": self.segment_start.astimezone(UTC).isoformat(),
                "end": self.segment_end.astimezone(UTC).isoformat(),
            },
        }
        return {**out, **self.group.to_json()} if self.group else out


@dataclass(frozen=True)
class Agenda:
    """Segments over whole days from a start, on a screen's (or a group's member's) clock."""

    screen: str
    timezone: str
    days: int
    segments: tuple[AgendaSegment, ...]
    group: GroupInfo | None = None

    def to_json(self) -> dict[str, Any]:
        segments = [s.to_json() for s in self.segments]
        if self.group is not None:
            return {**self.group.to_json(), "segments": segments}
        return {"screen": self.screen, "timezone": self.timezone, "days": self.days,
                "segments": segments}  # fmt: skip


__all__ = ["Agenda", "AgendaSegment", "GroupInfo", "Overridden", "ScheduleSummary", "WhatsOn"]
