"""What plays when: resolve a screen's schedule rules into a timeline of real-time segments.

The screen follows its wall clock. A real instant is inside a rule when the screen's wall clock
(or, for shared_instant rules, the reference zone's) shows a date, weekday and time the rule
covers. Two consequences on the nights clocks change:

* Spring forward: a window starting in the skipped hour starts when the clock jumps (a 02:30
  start on the night 02:00 becomes 03:00 starts at 03:00); a window wholly inside the skipped
  hour does not play that night, because the wall clock never shows those times.
* Fall back: when the clock repeats an hour, a window covering part of it plays in both passes,
  and an overnight 22:00-06:00 window lasts nine real hours that night.

How: real time is cut into pieces of constant UTC offset (zones.offset_pieces); inside a piece
wall time is UTC plus a fixed offset, so each rule's daily wall-clock intervals map to real time
by one subtraction. A sweep over all interval boundaries then picks the winner of each
elementary stretch by rank_key, and equal neighbours are merged. Everything runs on integer
microseconds, so a week of a screen with a few rules costs well under a millisecond.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from urbanart.curation import zones
from urbanart.curation.rules import MIDNIGHT, ScheduleRule, ScreenContext
from urbanart.errors import InvalidValue

__all__ = [
    "EXPLAIN_REACH",
    "Explanation",
    "Segment",
    "Source",
    "Timeline",
    "explain",
    "rank_key",
    "resolve",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH_WEEKDAY = date(1970, 1, 1).weekday()  # Thursday: day n since the epoch is (n + 3) % 7
_MICRO = timedelta(microseconds=1)
_MINUTE = 60_000_000
_DAY = 1440 * _MINUTE
_OPEN = 10**9  # days; an open date range is any day

# explain() resolves this far either side of the instant, so its segment shows real edges
# unless the same thing plays for longer than that.
EXPLAIN_REACH = timedelta(days=7)


class Source(StrEnum):
    """Why a segment plays what it plays."""

    SCHEDULE = "schedule"
    DEFAULT = "default"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Segment:
    """A stretch of real time [start, end) during which one thing plays, and why."""

    start: datetime  # aware UTC
    end: datetime  # aware UTC, exclusive
    source: Source
    playlist_id: int | None
    playlist_name: str | None
    schedule_id: int | None  # the winning schedule; None for default/nothing
    overridden: tuple[int, ...]  # schedules active over the whole segment that lost, best first

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form; also the canonical form the timeline version is hashed from."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source": str(self.source),
            "playlist_id": self.playlist_id,
            "playlist_name": self.playlist_name,
            "schedule_id": self.schedule_id,
            "overridden": list(self.overridden),
        }


@dataclass(frozen=True)
class Timeline:
    """What a screen plays over [start, end): contiguous, merged segments and a content version.

    The version is a sha256 of the canonical JSON of screen id, range and segments, so a player
    can tell whether its copy is current by comparing one string.
    """

    screen_id: int
    start: datetime
    end: datetime
    segments: tuple[Segment, ...]
    version: str

    def at(self, instant: datetime) -> Segment:
        """The segment playing at an instant inside [start, end)."""
        when = _aware_utc(instant, "instant")
        if not self.start <= when < self.end:
            raise InvalidValue(
                "instant",
                when.isoformat(),
                f"is outside this timeline ({self.start.isoformat()} to {self.end.isoformat()})",
            )
        index = bisect_right(self.segments, when, key=lambda segment: segment.start) - 1
        return self.segments[index]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form, for the CLI and for players."""
        return {
            "screen_id": self.screen_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "version": self.version,
            "segments": [segment.as_dict() for segment in self.segments],
        }


@dataclass(frozen=True)
class Explanation:
    """Why a screen plays what it plays at one instant: the winner and who it beat."""

    at: datetime  # aware UTC
    segment: Segment  # clipped to EXPLAIN_REACH either side of `at`
    winner: ScheduleRule | None
    losers: tuple[ScheduleRule, ...]  # active at that instant, lost, in rank order
    local_time: datetime  # the instant on the screen's wall clock (aware, screen zone)


def rank_key(rule: ScheduleRule) -> tuple[int, datetime, int]:
    """Bigger wins: higher priority, then the most recently created, then the higher id.

    Recency breaks ties because a curator who adds a schedule at the same priority as an old one
    expects to see the new one; the id makes the order total so results never depend on the
    order rows come out of the database.
    """
    return (rule.priority, rule.created_at, rule.id)


def _aware_utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValue(what, value, "must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(
            what, value.isoformat(), "has no time zone; pass an aware datetime (UTC is safest)"
        )
    return value.astimezone(UTC)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICRO


@lru_cache(maxsize=65536)
def _instant(micros: int) -> datetime:
    # Cached: across many screens resolved over one week the same boundaries recur.
    return _EPOCH + timedelta(microseconds=micros)


class _Compiled:
    """A rule reduced to integers: window offsets in µs from local midnight, days since 1970."""

    __slots__ = ("first_day", "last_day", "rank", "weekdays", "window_end", "window_start")

    def __init__(self, rule: ScheduleRule, rank: int) -> None:
        self.rank = rank
        window = rule.window
        if window is None:
            self.window_start, self.window_end = 0, _DAY
        else:
            start = (window.start.hour * 60 + window.start.minute) * _MINUTE
            end = (window.end.hour * 60 + window.end.minute) * _MINUTE
            if window.end == MIDNIGHT or window.start > window.end:
                end += _DAY  # runs to or past midnight, still belonging to the start day
            self.window_start, self.window_end = start, end
        self.first_day = rule.start_date.toordinal() - _EPOCH_ORDINAL if rule.start_date else -_OPEN
        self.last_day = rule.end_date.toordinal() - _EPOCH_ORDINAL if rule.end_date else _OPEN
        self.weekdays = tuple(day in rule.weekdays for day in range(7))

    def wall_spans(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        """Wall-clock intervals (µs, naive local) of this rule overlapping [low, high)."""
        # A window may run into the next day, so the day before `low` can still reach it.
        first = max(low // _DAY - 1, self.first_day)
        last = min((high - 1) // _DAY, self.last_day)
        for day in range(first, last + 1):
            if not self.weekdays[(day + _EPOCH_WEEKDAY) % 7]:
                continue
            base = day * _DAY
            span_start, span_end = base + self.window_start, base + self.window_end
            if span_end > low and span_start < high:
                yield span_start, span_end


def _ranked(rules: Iterable[ScheduleRule]) -> list[ScheduleRule]:
    """Enabled rules, best first, with duplicates (a rule bound through two groups) dropped."""
    by_id: dict[int, ScheduleRule] = {}
    for rule in rules:
        if not isinstance(rule, ScheduleRule):
            raise InvalidValue("schedule", rule, "is not a ScheduleRule")
        seen = by_id.get(rule.id)
        if seen is not None and seen != rule:
            raise InvalidValue("schedule", rule.id, "was given twice with different settings")
        by_id[rule.id] = rule
    enabled = [rule for rule in by_id.values() if rule.enabled]
    enabled.sort(key=rank_key, reverse=True)
    return enabled


def _canonical_version(screen_id: int, low: int, high: int, rows: list[list]) -> str:
    """sha256 of canonical JSON: screen id, range and segments, instants as µs since 1970 UTC.

    Integers rather than ISO text keep hashing cheap and make the same instants written in
    different zones hash alike.
    """
    payload = {"screen_id": screen_id, "start_us": low, "end_us": high, "segments": rows}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve(
    rules: Iterable[ScheduleRule], screen: ScreenContext, start: datetime, end: datetime
) -> Timeline:
    """What `screen` plays over [start, end): a Timeline of contiguous, merged UTC segments.

    `rules` are the schedules bound to the screen, directly or through its groups; disabled ones
    never play. start and end must be aware datetimes; the timeline is in UTC.
    """
    start_utc = _aware_utc(start, "start")
    end_utc = _aware_utc(end, "end")
    if end_utc <= start_utc:
        raise InvalidValue(
            "end", end_utc.isoformat(), f"is not after the start {start_utc.isoformat()}"
        )
    ranked = _ranked(rules)
    low, high = _micros(start_utc), _micros(end_utc)

    by_zone: dict[str, list[_Compiled]] = {}
    for rank, rule in enumerate(ranked):
        by_zone.setdefault(rule.zone_for(screen.tz), []).append(_Compiled(rule, rank))

    # A rule's real-time intervals never overlap one another: its daily wall-clock spans are
    # disjoint and each offset piece maps them by a plain translation. So flipping the rule's bit
    # at both ends of every interval leaves, between boundaries, exactly the set of active rules.
    toggles: dict[int, int] = {}  # instant (µs) -> bits of the rules that start or stop there
    for zone_name, compiled in by_zone.items():
        for piece in zones.offset_pieces(zone_name, start_utc, end_utc):
            piece_low, piece_high = _micros(piece.start), _micros(piece.end)
            offset = piece.offset // _MICRO
            wall_low, wall_high = piece_low + offset, piece_high + offset
            for rule in compiled:
                bit = 1 << rule.rank
                for span_start, span_end in rule.wall_spans(wall_low, wall_high):
                    real_start = max(span_start - offset, piece_low)
                    real_end = min(span_end - offset, piece_high)
                    if real_start < real_end:
                        toggles[real_start] = toggles.get(real_start, 0) ^ bit
                        toggles[real_end] = toggles.get(real_end, 0) ^ bit

    # Runs of constant active set; bit 0 is the best rank, so the lowest set bit wins. Equal
    # neighbours are merged for free: the same set means the same winner and the same losers.
    run_starts, run_masks = [low], [0]
    mask = 0
    for point in sorted(toggles):
        if point >= high:
            break
        mask ^= toggles[point]
        if point == low:
            run_masks[0] = mask
        elif mask != run_masks[-1]:
            run_starts.append(point)
            run_masks.append(mask)

    if screen.default_playlist_id is not None:
        fallback = (Source.DEFAULT, screen.default_playlist_id, screen.default_playlist_name, None)
    else:
        fallback = (Source.NOTHING, None, None, None)
    described: dict[int, tuple] = {}
    bounds = [start_utc, *(_instant(point) for point in run_starts[1:]), end_utc]
    segments: list[Segment] = []
    rows: list[list] = []  # the canonical form the version is hashed from
    for index, mask in enumerate(run_masks):
        what = described.get(mask)
        if what is None:
            if mask:
                ranks = [rank for rank in range(mask.bit_length()) if mask >> rank & 1]
                best = ranked[ranks[0]]
                what = (
                    Source.SCHEDULE,
                    best.playlist_id,
                    best.playlist_name,
                    best.id,
                    tuple(ranked[rank].id for rank in ranks[1:]),
                )
            else:
                what = (*fallback, ())
            described[mask] = what
        source, playlist_id, playlist_name, schedule_id, overridden = what
        segments.append(
            Segment(
                bounds[index],
                bounds[index + 1],
                source,
                playlist_id,
                playlist_name,
                schedule_id,
                overridden,
            )
        )
        run_end = run_starts[index + 1] if index + 1 < len(run_starts) else high
        rows.append(
            [
                run_starts[index],
                run_end,
                str(source),
                playlist_id,
                playlist_name,
                schedule_id,
                list(overridden),
            ]
        )
    version = _canonical_version(screen.id, low, high, rows)
    return Timeline(screen.id, start_utc, end_utc, tuple(segments), version)


def explain(rules: Iterable[ScheduleRule], screen: ScreenContext, at: datetime) -> Explanation:
    """Why `screen` plays what it plays at `at`: the winning rule and the active rules it beat."""
    when = _aware_utc(at, "instant")
    given = list(rules)
    timeline = resolve(given, screen, when - EXPLAIN_REACH, when + EXPLAIN_REACH)
    segment = timeline.at(when)
    by_id = {rule.id: rule for rule in given if rule.enabled}
    winner = by_id[segment.schedule_id] if segment.schedule_id is not None else None
    losers = tuple(by_id[rule_id] for rule_id in segment.overridden)
    local_time = when.astimezone(zones.zone(screen.tz))
    return Explanation(when, segment, winner, losers, local_time)
