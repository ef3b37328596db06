"""Typed answers of the agenda: what plays, which schedule won, which lost and why.

The studio reads these fields as they are (aware datetimes in the target's zone, the resolver's
Source, records for winner and losers) instead of re-parsing ISO strings; `to_json()` gives the
CLI's JSON (`urbanart whatson --json`) in the exact shape it has always printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from urbanart.curation.resolver import Source


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class ScheduleSummary:
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

    @property
    def label(self) -> str:
        """ "name (#id)", or "schedule #id" for an unnamed one."""
        return f"{self.name} (#{self.id})" if self.name else f"schedule #{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "playlist": self.playlist,
            "playlist_id": self.playlist_id,
            "priority": self.priority,
            "created_at": self.created_at.isoformat(),
            "start_date": _iso(self.start_date),
            "end_date": _iso(self.end_date),
            "days": self.days,
            "window": self.window,
            "shared_instant": self.shared_instant,
            "reference_tz": self.reference_tz,
        }


@dataclass(frozen=True)
class Overridden:
    """A schedule that applies but does not play, and why (see agenda.why_lost)."""

    id: int
    name: str
    playlist: str
    priority: int
    created_at: datetime  # aware UTC
    why: str

    @property
    def label(self) -> str:
        return f"{self.name} (#{self.id})" if self.name else f"schedule #{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "playlist": self.playlist,
            "priority": self.priority,
            "created_at": self.created_at.isoformat(),
            "why": self.why,
        }


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
            "playlist": self.playlist,
            "playlist_id": self.playlist_id,
            "source": str(self.source),
            "schedule": self.schedule.to_json() if self.schedule else None,
            "overridden": [o.to_json() for o in self.overridden],
        }


@dataclass(frozen=True)
class GroupInfo:
    """A group seen through its first member's clock (an empty group reads in UTC)."""

    group: str
    group_id: int
    member: str | None
    member_id: int | None
    members: tuple[str, ...]
    timezone: str

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "group_id": self.group_id,
            "member": self.member,
            "member_id": self.member_id,
            "members": list(self.members),
            "timezone": self.timezone,
        }


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
            "playlist": self.playlist,
            "playlist_id": self.playlist_id,
            "source": str(self.source),
            "schedule": self.schedule.to_json() if self.schedule else None,
            "overridden": [o.to_json() for o in self.overridden],
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
