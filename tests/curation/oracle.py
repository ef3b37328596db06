"""A deliberately slow, obviously correct oracle: what plays, minute by real minute.

It applies the wall-clock membership rule literally to every UTC minute and shares nothing with
the resolver except the value types and rank_key, so agreement between the two means something.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from urbanart.curation.resolver import rank_key
from urbanart.curation.rules import ScheduleRule, ScreenContext

Verdict = tuple[str, int | None, int | None]  # (source, playlist_id, schedule_id)


def rule_is_active(rule: ScheduleRule, screen_tz: str, instant: datetime) -> bool:
    """The membership rule, word for word: read the wall clock, find the rule's day, check it."""
    if not rule.enabled:
        return False
    zone_name = rule.reference_tz if rule.shared_instant else screen_tz
    wall = instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
    clock, today = wall.time(), wall.date()
    window = rule.window
    day: date | None
    if window is None:
        day = today
    elif window.start < window.end:
        day = today if window.start <= clock < window.end else None
    else:  # overnight (an end of 00:00 means midnight, so its morning part is empty)
        if clock >= window.start:
            day = today
        elif clock < window.end:
            day = today - timedelta(days=1)
        else:
            day = None
    if day is None:
        return False
    if rule.start_date is not None and day < rule.start_date:
        return False
    if rule.end_date is not None and day > rule.end_date:
        return False
    return day.weekday() in rule.weekdays


def verdict_at(rules: Iterable[ScheduleRule], screen: ScreenContext, instant: datetime) -> Verdict:
    """What plays at one instant: the best active rule, else the default, else nothing."""
    active = [rule for rule in rules if rule_is_active(rule, screen.tz, instant)]
    if active:
        best = max(active, key=rank_key)
        return ("schedule", best.playlist_id, best.id)
    if screen.default_playlist_id is not None:
        return ("default", screen.default_playlist_id, None)
    return ("nothing", None, None)


def minutes(start: datetime, end: datetime) -> list[datetime]:
    """Every whole UTC minute in [start, end)."""
    first = start.astimezone(UTC)
    if first.second or first.microsecond:
        first = first.replace(second=0, microsecond=0) + timedelta(minutes=1)
    out = []
    instant = first
    while instant < end:
        out.append(instant)
        instant += timedelta(minutes=1)
    return out


def oracle(
    rules: Iterable[ScheduleRule], screen: ScreenContext, start: datetime, end: datetime
) -> list[tuple[datetime, Verdict]]:
    """(minute, verdict) for every whole UTC minute in [start, end)."""
    given = list(rules)
    return [(instant, verdict_at(given, screen, instant)) for instant in minutes(start, end)]


def active_ids(
    rules: Iterable[ScheduleRule], screen: ScreenContext, instant: datetime
) -> list[int]:
    """Ids of every rule active at an instant, best first by rank_key."""
    active = [rule for rule in rules if rule_is_active(rule, screen.tz, instant)]
    return [rule.id for rule in sorted(active, key=rank_key, reverse=True)]
