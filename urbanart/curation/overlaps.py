"""Schedules that fight over a screen: same priority at the same time, or identical duplicates.

Two enabled schedules of equal priority that both apply at some moment on one screen leave the
winner to their creation order (the newer wins), which a curator rarely means; two identical
schedules are a slip (created twice). Both are legal, so they are flagged, never refused: when a
schedule is saved (CLI and studio) and in the Publish check, one line per pair and screen.

Whether two schedules meet is asked of the resolver itself (the function that publishes), on the
screen's own zone, so overnight windows, shared instants and daylight-saving nights count exactly
as they will play. A weekly pattern repeats every seven days, so resolving the first nine days
their date ranges share is enough to find a meeting if there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbanart.curation import zones
from urbanart.curation.resolver import resolve
from urbanart.curation.rules import ScheduleRule, ScreenContext
from urbanart.curation.schedules import rules_for_screens, screens_reached, try_saving
from urbanart.library.library import Library
from urbanart.library.models import Schedule

__all__ = [
    "Overlap",
    "find_overlaps",
    "library_overlaps",
    "overlaps_if_saved",
    "overlaps_of",
]

#: Days resolved from the first day two schedules share: a week, plus a day either side for
#: overnight windows and zones ahead of or behind UTC.
_REACH = timedelta(days=9)


@dataclass(frozen=True)
class Overlap:
    """Two schedules that meet on one screen at the same priority (or are identical)."""

    screen_id: int
    screen: str
    first_id: int  # the older schedule (lower id)
    first: str  # its name, or "schedule N"
    second_id: int
    second: str
    priority: int
    duplicate: bool  # same playlist, dates, days, window and zone rule: a copy
    #: The first moment both apply, on the screen's wall clock (aware, the screen's zone).
    meets_at: datetime

    @property
    def message(self) -> str:
        """One line for a curator naming both schedules and the screen."""
        if self.duplicate:
            return (
                f"Schedules {self.first!r} and {self.second!r} are identical on screen "
                f"{self.screen!r}; one of them is enough."
            )
        return (
            f"Schedules {self.first!r} and {self.second!r} overlap on screen {self.screen!r} "
            f"at the same priority ({self.priority}), first on "
            f"{self.meets_at:%a %d %b %Y %H:%M}; the newer one wins. Give one a higher priority "
            "or move its window."
        )


def _identical(a: ScheduleRule, b: ScheduleRule) -> bool:
    return (
        a.playlist_id == b.playlist_id
        and a.priority == b.priority
        and a.start_date == b.start_date
        and a.end_date == b.end_date
        and a.weekdays == b.weekdays
        and a.window == b.window
        and a.shared_instant == b.shared_instant
        and (not a.shared_instant or a.reference_tz == b.reference_tz)
    )


def _shared_days(a: ScheduleRule, b: ScheduleRule, today: date) -> tuple[date, date] | None:
    """The first and last day worth resolving for two rules' shared dates, None when disjoint."""
    starts = [d for d in (a.start_date, b.start_date) if d is not None]
    ends = [d for d in (a.end_date, b.end_date) if d is not None]
    first = max(starts) if starts else None
    last = min(ends) if ends else None
    if first is not None and last is not None and last < first:
        return None
    if first is None:
        first = last - _REACH if last is not None else today
    reach_end = first + _REACH
    return first, (min(last + timedelta(days=1), reach_end) if last is not None else reach_end)


_WEEK = 7 * 1440


def _weekly(rule: ScheduleRule) -> list[tuple[int, int]]:
    """The rule's wall-clock minutes of the week, [start, end) pairs, Monday 00:00 = 0."""
    spans: list[tuple[int, int]] = []
    for day in rule.weekdays:
        base = day * 1440
        if rule.window is None:
            start, end = base, base + 1440
        else:
            start = base + rule.window.start.hour * 60 + rule.window.start.minute
            end = base + rule.window.end.hour * 60 + rule.window.end.minute
            if end <= start:  # until midnight, or past it into the next day
                end += 1440
        if end > _WEEK:  # Sunday night runs into Monday morning
            spans.append((0, end - _WEEK))
            end = _WEEK
        spans.append((start, end))
    return spans


def _may_meet(a: ScheduleRule, b: ScheduleRule) -> bool:
    """False when two rules on one wall clock never share a minute of the week.

    A cheap necessary condition, so a library of thousands of schedules only resolves the
    pairs that can meet; rules read on another clock (shared instant) are always resolved.
    """
    if a.shared_instant or b.shared_instant:
        return True
    ours = _weekly(a)
    return any(s < e2 and s2 < e for s, e in ours for s2, e2 in _weekly(b))


def _meeting(
    a: ScheduleRule, b: ScheduleRule, context: ScreenContext, today: date
) -> datetime | None:
    """The first instant both rules apply on the screen (resolved, not guessed), or None."""
    if not _may_meet(a, b):
        return None
    days = _shared_days(a, b, today)
    if days is None:
        return None
    start = datetime.combine(days[0] - timedelta(days=1), time(), UTC)
    end = datetime.combine(days[1] + timedelta(days=1), time(), UTC)
    bare = ScreenContext(id=context.id, name=context.name, tz=context.tz)
    pair = {a.id, b.id}
    for segment in resolve([a, b], bare, start, end).segments:
        if segment.schedule_id in pair and pair - {segment.schedule_id} <= set(segment.overridden):
            return segment.start.astimezone(zones.zone(context.tz))
    return None


def find_overlaps(
    context: ScreenContext,
    rules: Iterable[ScheduleRule],
    names: Mapping[int, str],
    *,
    today: date,
    involving: int | None = None,
) -> list[Overlap]:
    """The pairs of a screen's enabled rules that meet at equal priority, or are identical.

    `names` labels schedules (missing or empty: "schedule N"); `today` anchors rules with open
    dates; `involving` keeps only pairs with that schedule. Disabled rules never play, so they
    never overlap. Ordered by the pair's ids.
    """
    playing = sorted((r for r in rules if r.enabled), key=lambda r: r.id)
    found: list[Overlap] = []
    for a, b in combinations(playing, 2):
        if a.priority != b.priority or (involving is not None and involving not in (a.id, b.id)):
            continue
        meets = _meeting(a, b, context, today)
        if meets is None:
            continue
        found.append(
            Overlap(
                screen_id=context.id,
                screen=context.name,
                first_id=a.id,
                first=names.get(a.id) or f"schedule {a.id}",
                second_id=b.id,
                second=names.get(b.id) or f"schedule {b.id}",
                priority=a.priority,
                duplicate=_identical(a, b),
                meets_at=meets,
            )
        )
    return found


def schedule_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The names of these schedules (the labels find_overlaps gives), by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Schedule.id, Schedule.name).where(Schedule.id.in_(wanted)))
    return {schedule_id: name for schedule_id, name in rows}


def _overlaps_in(
    session: Session, screen_ids: list[int] | None, today: date, involving: int | None = None
) -> list[Overlap]:
    loaded = rules_for_screens(session, screen_ids)
    names = schedule_names(session, {r.id for _context, rules in loaded.values() for r in rules})
    found: list[Overlap] = []
    for screen_id in sorted(loaded, key=lambda i: loaded[i][0].name):
        context, rules = loaded[screen_id]
        found.extend(find_overlaps(context, rules, names, today=today, involving=involving))
    return found


def _today() -> date:
    return datetime.now(UTC).date()


def overlaps_of(library: Library, schedule_id: int, *, today: date | None = None) -> list[Overlap]:
    """The pairs a stored schedule forms with others on the screens it reaches, by screen name."""
    with library.session() as session:
        reached = screens_reached(session, schedule_id)
        if not reached:
            return []
        return _overlaps_in(session, reached, today or _today(), schedule_id)


def overlaps_if_saved(
    library: Library,
    schedule_id: int | None,
    fields: Mapping[str, object],
    *,
    today: date | None = None,
) -> list[Overlap]:
    """The pairs a schedule would form if add_schedule (schedule_id None; `fields` then holds
    "playlist") or edit_schedule saved these fields. Nothing is stored; invalid fields raise
    the error the save would raise."""

    def look(session: Session, schedule: Schedule) -> list[Overlap]:
        reached = screens_reached(session, schedule.id)
        if not reached:
            return []
        return _overlaps_in(session, reached, today or _today(), schedule.id)

    found: list[Overlap] = try_saving(library, schedule_id, look, fields)
    return found


def library_overlaps(library: Library, *, today: date | None = None) -> list[Overlap]:
    """Every overlapping or duplicate pair on every screen (the Publish check's list)."""
    with library.session() as session:
        return _overlaps_in(session, None, today or _today())
