"""A target's week as day columns: agenda segments merged per schedule and split at midnight.

The Schedules view draws seven local days side by side; this is the data it draws, computed in
the engine so the view neither assembles agendas nor re-reads their times. `agenda.week` builds a
`Week`; `blocks_for_week` is the pure cutting step (tested on its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from urbanart.curation.agenda_records import AgendaSegment, Overridden, ScheduleSummary
from urbanart.curation.records import ScheduleRecord, TargetKind
from urbanart.curation.resolver import Source

MINUTES_PER_DAY = 1440
_MINUTE = timedelta(minutes=1)

Target = tuple[TargetKind, int]


@dataclass(frozen=True)
class WeekBlock:
    """One day's piece of a stretch played by one schedule (or the default playlist)."""

    day: int  # 0 = Monday of the week
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight, exclusive, at most 1440
    playlist: str
    playlist_id: int | None
    default: bool  # the screen's default playlist: no schedule applies
    schedule: ScheduleSummary | None  # the winner; None for the default playlist
    #: The whole stretch, aware in the target's zone (a block is one day's piece of it).
    segment_start: datetime
    segment_end: datetime
    overridden: tuple[Overridden, ...]  # schedules it beats somewhere in the stretch

    @property
    def schedule_id(self) -> int | None:
        return self.schedule.id if self.schedule else None

    @property
    def priority(self) -> int | None:
        return self.schedule.priority if self.schedule else None


@dataclass(frozen=True)
class Week:
    """What a screen or group plays Monday to Sunday on its own wall clock, and why."""

    target: Target
    monday: date
    name: str  # the screen's or the group's name
    timezone: str
    member: str | None  # groups: the member whose clock is used (None: empty group, UTC)
    blocks: tuple[WeekBlock, ...]
    schedules: tuple[
        ScheduleRecord, ...
    ]  # reaching the screen, or the group's own; strongest first
    now: datetime  # aware, in the target's zone, to the minute


def _merged(segments: Iterable[AgendaSegment]) -> list[AgendaSegment]:
    """Neighbouring segments with the same winner as one: the resolver also cuts where the set of
    losers changes, but a curator looking at a week wants one block per stretch of one schedule."""
    out: list[AgendaSegment] = []
    for segment in segments:
        key = (segment.source, segment.playlist_id, segment.schedule and segment.schedule.id)
        last = out[-1] if out else None
        if (
            last is not None
            and (last.source, last.playlist_id, last.schedule and last.schedule.id) == key
            and last.end == segment.start
        ):
            losers = tuple(dict.fromkeys((*last.overridden, *segment.overridden)))
            out[-1] = replace(last, end=segment.end, overridden=losers)
            continue
        out.append(segment)
    return out


def blocks_for_week(segments: Iterable[AgendaSegment], monday: date) -> list[WeekBlock]:
    """Cut agenda segments into per-day blocks of the week starting `monday`.

    Each segment is placed by its local wall-clock times, clipped to Monday 00:00 – next Monday
    00:00 and split at every midnight, so an overnight 22:00–02:00 shows as 22:00–24:00 on one
    day and 00:00–02:00 on the next. Nothing playing leaves no block. On DST nights the columns
    still have 24 wall-clock rows: when clocks spring forward the skipped hour stays empty; when
    they fall back the repeated hour is drawn once, so a segment inside it may overlap its
    neighbour (its wall-clock end is not after its start; it is then placed for its real length).
    """
    week_start = datetime.combine(monday, time())
    week_end = week_start + timedelta(days=7)
    out: list[WeekBlock] = []
    for segment in _merged(segments):
        if segment.source is Source.NOTHING or not segment.playlist:
            continue
        start, end = segment.start.replace(tzinfo=None), segment.end.replace(tzinfo=None)
        if end <= start:  # inside a repeated hour: see the docstring
            end = start + (segment.end - segment.start)
        cursor, stop = max(start, week_start), min(end, week_end)
        while cursor < stop:
            midnight = datetime.combine(cursor.date(), time())
            piece_end = min(stop, midnight + timedelta(days=1))
            out.append(
                WeekBlock(
                    day=(cursor.date() - monday).days,
                    start=(cursor - midnight) // _MINUTE,
                    end=(piece_end - midnight) // _MINUTE,
                    playlist=segment.playlist,
                    playlist_id=segment.playlist_id,
                    default=segment.default,
                    schedule=segment.schedule,
                    segment_start=segment.start,
                    segment_end=segment.end,
                    overridden=segment.overridden,
                )
            )
            cursor = piece_end
    return out


__all__ = ["MINUTES_PER_DAY", "Target", "Week", "WeekBlock", "blocks_for_week"]
