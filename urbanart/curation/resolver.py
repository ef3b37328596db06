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

Publishing (losers=False) needs only the winners: there each rule's week is one int, a bit per
quarter hour of real time (_Spans.made_mask), and the painter claims, best rule first, the bits
no better rule holds (_paint_cells); a screen with a boundary off the quarter-hour grid (a
09:05 window, a zone whose offset or clock change is not whole quarter hours) is painted from
the intervals as before (_runs_of_winners). Both give the same runs.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import chain, compress, cycle, repeat
from json.encoder import encode_basestring as _json_string
from operator import add, attrgetter, ne
from typing import NamedTuple, cast

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
    "resolve_all",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH_WEEKDAY = date(1970, 1, 1).weekday()  # Thursday: day n since the epoch is (n + 3) % 7
_MICRO = timedelta(microseconds=1)
_MINUTE = 60_000_000
_DAY = 1440 * _MINUTE
_OPEN = 10**9  # days; an open date range is any day
#: The winners' painter's grid: a quarter hour, which every zone's offset today and the windows
#: curators give are whole multiples of; a screen with a rule off it paints the old way.
_CELL = 15 * _MINUTE
_PER_DAY = _DAY // _CELL
_OFF_GRID = -1  # a rule's "mask" when it has a boundary off the grid (masks are never < 0)

# explain() resolves this far either side of the instant, so its segment shows real edges
# unless the same thing plays for longer than that.
EXPLAIN_REACH = timedelta(days=7)


class Source(StrEnum):
    """Why a segment plays what it plays."""

    SCHEDULE = "schedule"
    DEFAULT = "default"
    NOTHING = "nothing"


#: What plays where no rule does: (source, playlist id, playlist name, schedule id).
Fallback = tuple[Source, int | None, str | None, int | None]
#: One distinct run: Fallback plus the ids of the schedules the winner overrode.
RunRow = tuple[Source, int | None, str | None, int | None, tuple[int, ...]]
#: Timeline.runs: (start µs, run starts µs, table index per run, table of RunRow).
Runs = tuple[int, tuple[int, ...], tuple[int, ...], tuple[RunRow, ...]]


class Segment(NamedTuple):
    """A stretch of real time [start, end) during which one thing plays, and why.

    A NamedTuple rather than a dataclass: a week of 1,000 screens makes tens of thousands of
    these, and a tuple is built four times faster.
    """

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


@dataclass(frozen=True, slots=True)
class Timeline:
    """What a screen plays over [start, end): contiguous, merged segments and a content version.

    The resolver's result is kept compact (run boundaries as integer µs, an index per run into a
    table of what plays), and the Segment tuples and the version are made from it when first
    read: a thousand screens' timelines then cost neither a hundred thousand small objects nor
    the garbage collections they set off, and a caller that needs only some of them pays for
    those. The version is a sha256 of the canonical JSON of screen id, range and runs, so a
    player can tell whether its copy is current by comparing one string.

    Slotted, with the two lazy results kept in slots: an instance then is one object the
    collector tracks, not an object and its __dict__ (publishing makes a thousand at once).
    """

    screen_id: int
    start: datetime
    end: datetime
    #: (start µs, run starts µs, table index per run, table of (source, playlist id, playlist
    #: name, schedule id, overridden ids)); two timelines are equal when these are.
    runs: Runs = field(repr=False)
    _segments: tuple[Segment, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _version: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def segments(self) -> tuple[Segment, ...]:
        """Contiguous segments from start to end, in time order (made on first read, kept)."""
        known = self._segments
        if known is None:
            _low, starts, keys, table = self.runs
            bounds = [self.start, *map(_instant, starts[1:]), self.end]
            # Row columns side by side with the bounds, each run's 7 fields zipped and made a
            # Segment in C: no Python frame per segment.
            columns = zip(*map(table.__getitem__, keys), strict=True)
            fields = zip(bounds[:-1], bounds[1:], *columns, strict=True)
            known = tuple(map(_new_segment, repeat(Segment), fields))
            object.__setattr__(self, "_segments", known)
        return known

    @property
    def playlist_ids(self) -> frozenset[int]:
        """The playlists some segment plays (schedules' and the default), read from the table of
        what plays without making the segments: publishing needs only these and the runs."""
        table = self.runs[3]
        return frozenset(row[1] for row in table if row[1] is not None)

    @property
    def version(self) -> str:
        """sha256 of the canonical JSON of screen id, range and runs (see _canonical_version),
        made on first read and kept."""
        known = self._version
        if known is None:
            low, starts, keys, table = self.runs
            high = _micros(self.end)
            known = _canonical_version(self.screen_id, low, high, starts, keys, table)
            object.__setattr__(self, "_version", known)
        return known

    def at(self, instant: datetime) -> Segment:
        """The segment playing at an instant inside [start, end)."""
        when = _aware_utc(instant, "instant")
        if not self.start <= when < self.end:
            raise InvalidValue(
                "instant",
                when.isoformat(),
                f"is outside this timeline ({self.start.isoformat()} to {self.end.isoformat()})",
                key="instant",
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


_new_segment = tuple.__new__  # Segment(...) without NamedTuple's Python-level __new__


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


#: rank_key made in C: the same (priority, created_at, id) tuple without a Python call per rule.
_RANK_KEY = attrgetter("priority", "created_at", "id")
_RULE_ID = attrgetter("id")


def _aware_utc(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValue(what, value, "must be a date and time", key=what)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(
            what,
            value.isoformat(),
            "has no time zone; pass an aware datetime (UTC is safest)",
            key=what,
        )
    return value.astimezone(UTC)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICRO


@lru_cache(maxsize=65536)
def _instant(micros: int) -> datetime:
    # Cached: across many screens resolved over one week the same boundaries recur.
    return _EPOCH + timedelta(microseconds=micros)


@lru_cache(maxsize=4096)
def _window_offsets(start: time | None, end: time | None) -> tuple[int, int]:
    """A daily window as µs from local midnight (start, end); an end at or past midnight is
    counted into the next day, as the window still belongs to its start day. No window: the
    whole day. Cached on the two times (hashed in C), so a rule costs a lookup."""
    if start is None or end is None:
        return 0, _DAY
    begin = (start.hour * 60 + start.minute) * _MINUTE
    finish = (end.hour * 60 + end.minute) * _MINUTE
    if end == MIDNIGHT or start > end:
        finish += _DAY  # runs to or past midnight, still belonging to the start day
    return begin, finish


@lru_cache(maxsize=128)
def _by_day_mod_7(weekdays: frozenset[int]) -> tuple[bool, ...]:
    """Whether day n since 1970 is one of the weekdays, indexed by n % 7 (one lookup per day)."""
    return tuple((n + _EPOCH_WEEKDAY) % 7 in weekdays for n in range(7))


@lru_cache(maxsize=4096)
def _pieces(zone_name: str, low: int, high: int) -> tuple[tuple[int, int, int], ...]:
    """Constant-offset pieces of [low, high) as (start µs, end µs, offset µs) integers."""
    start, end = _instant(low), _instant(high)
    return tuple(
        (_micros(p.start), _micros(p.end), p.offset // _MICRO)
        for p in zones.offset_pieces(zone_name, start, end)
    )


@lru_cache(maxsize=4096)
def _day_plan(zone_name: str, low: int, high: int) -> tuple[tuple[int, int, int, int, int], ...]:
    """_pieces with the wall-clock days each piece can reach: (start, end, offset, first day,
    last day). A window may run into the next day, so the day before a piece can still reach
    it. Once per zone and range, not once per rule."""
    return tuple(
        (piece_low, piece_high, offset, (piece_low + offset) // _DAY - 1,
         (piece_high + offset - 1) // _DAY)
        for piece_low, piece_high, offset in _pieces(zone_name, low, high)
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _midnights(
    zone_name: str, low: int, high: int, weekdays: tuple[bool, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """For a zone whose offset holds over all of [low, high) (most zones, most weeks): the days
    (since 1970) a window can reach from there that fall on `weekdays`, and each one's local
    midnight in real µs, written twice ([m0, m0, m1, m1, …]) so a rule's flat intervals are one
    C-level map(add, …, cycle((window start, window end))). None when the offset changes inside
    the range: _real_intervals then walks the day plan piece by piece. Once per zone, range and
    weekday pattern, shared by every rule with that pattern."""
    plan = _day_plan(zone_name, low, high)
    if len(plan) != 1:
        return None
    _piece_low, _piece_high, offset, first, last = plan[0]
    days = tuple(day for day in range(first, last + 1) if weekdays[day % 7])
    twice = tuple(day * _DAY - offset for day in days for _ in (0, 1))
    return days, twice


def _real_intervals(rule: ScheduleRule, zone_name: str, low: int, high: int) -> list[int]:
    """The rule's active real-time intervals in [low, high), flat: [start0, end0, start1, …],
    read on zone_name's wall clock (see _Spans.of for which zone).

    µs since 1970, sorted and disjoint. Flat lists of ints rather than lists of pairs: ints are
    not tracked by the garbage collector, so a thousand screens' worth of intervals does not set
    off collections of a large heap. This is the resolver's hot loop, hence plain integers.
    """
    window = rule.window
    if window is None:
        window_start, window_end = 0, _DAY
    else:
        window_start, window_end = _window_offsets(window.start, window.end)
    first_day = rule.start_date.toordinal() - _EPOCH_ORDINAL if rule.start_date else -_OPEN
    last_day = rule.end_date.toordinal() - _EPOCH_ORDINAL if rule.end_date else _OPEN
    weekdays = _by_day_mod_7(rule.weekdays)
    one_offset = _midnights(zone_name, low, high, weekdays)
    if one_offset is not None:
        days, twice = one_offset
        return _one_offset_intervals(
            days, twice, window_start, window_end, first_day, last_day, low, high
        )
    return _piecewise_intervals(
        zone_name, window_start, window_end, weekdays, first_day, last_day, low, high
    )


def _one_offset_intervals(
    days: tuple[int, ...],
    twice: tuple[int, ...],
    window_start: int,
    window_end: int,
    first_day: int,
    last_day: int,
    low: int,
    high: int,
) -> list[int]:
    """_real_intervals where the zone keeps one offset over [low, high): each chosen day's window
    is its local midnight plus the window's offsets, made in C; only the ends are clipped to the
    range. Windows shorter than a day never touch the next day's, so nothing merges; a whole-day
    window joins consecutive days, as the piecewise walk does."""
    first = bisect_left(days, first_day)
    last = bisect_right(days, last_day, first)
    out = list(map(add, twice[2 * first : 2 * last], cycle((window_start, window_end))))
    while out and out[1] <= low:
        del out[:2]
    while out and out[-2] >= high:
        del out[-2:]
    if not out:
        return out
    if out[0] < low:
        out[0] = low
    if out[-1] > high:
        out[-1] = high
    if window_end - window_start == _DAY and len(out) > 2:
        joined = [out[0]]
        for k in range(1, len(out) - 1, 2):
            if out[k] != out[k + 1]:
                joined.append(out[k])
                joined.append(out[k + 1])
        joined.append(out[-1])
        return joined
    return out


def _piecewise_intervals(
    zone_name: str,
    window_start: int,
    window_end: int,
    weekdays: tuple[bool, ...],
    first_day: int,
    last_day: int,
    low: int,
    high: int,
) -> list[int]:
    """_real_intervals piece by piece of constant offset, day by day: for ranges in which the
    zone's offset changes (a clock change inside the week)."""
    out: list[int] = []
    append = out.append
    for piece_low, piece_high, offset, first, last in _day_plan(zone_name, low, high):
        if first < first_day:
            first = first_day
        if last > last_day:
            last = last_day
        begin, finish = window_start - offset, window_end - offset
        for day in range(first, last + 1):
            if not weekdays[day % 7]:
                continue
            base = day * _DAY
            real_start, real_end = base + begin, base + finish
            if real_start < piece_low:
                real_start = piece_low
            if real_end > piece_high:
                real_end = piece_high
            if real_start < real_end:
                if out and out[-1] == real_start:  # continuing across midnight or an offset
                    out[-1] = real_end
                else:
                    append(real_start)
                    append(real_end)
    return out


class _Spans:
    """One resolution's rules, best first, and their intervals over [low, high) per zone, made
    when a screen first needs them and shared by every screen of the call: a rule reaching many
    screens through a group is computed once per zone they hang in. Rules are known by their
    position in `ranked`, so a screen's rules are a sorted tuple of small ints."""

    __slots__ = (
        "by_zone",
        "cells",
        "combs",
        "grid_high",
        "grid_low",
        "high",
        "low",
        "masks",
        "origin",
        "ranked",
        "rows",
    )

    def __init__(self, ranked: Sequence[ScheduleRule], low: int, high: int) -> None:
        self.ranked, self.low, self.high = ranked, low, high
        self.by_zone: dict[str, dict[int, list[int]]] = {}
        self.rows: dict[int, RunRow] = {}
        # The cell grid of the winners' painter (see _paint_cells): bit i of a mask is the
        # quarter hour starting at origin + i * _CELL. The origin is a UTC midnight three days
        # before the range, so every wall-clock day that reaches the range has a bit >= 0.
        self.origin = (low // _DAY - 3) * _DAY
        self.grid_low = low - (low - self.origin) % _CELL  # the cell holding low
        self.grid_high = high + (self.origin - high) % _CELL  # the cell boundary at or after high
        first = (self.grid_low - self.origin) // _CELL
        after = (self.grid_high - self.origin) // _CELL
        self.cells = ((1 << (after - first)) - 1) << first  # the cells that meet [low, high)
        self.masks: dict[str, dict[int, int]] = {}
        self.combs: dict[tuple[str, frozenset[int]], tuple[int, int, int, int] | None] = {}

    def of(self, position: int, screen_tz: str) -> list[int]:
        """The intervals of the rule at `position` for a screen in screen_tz (a shared_instant
        rule reads its reference zone's clock instead). Callers must not change the list."""
        known = self.zone(screen_tz)
        spans = known.get(position)
        if spans is None:
            spans = self.made(position, screen_tz, known)
        return spans

    def zone(self, screen_tz: str) -> dict[int, list[int]]:
        """The intervals made so far for screens in screen_tz, by position (a shared_instant
        rule's under its reference zone's list, the same object): the painter looks a rule up
        here in C and calls made() only for one no screen of the zone needed before."""
        known = self.by_zone.get(screen_tz)
        if known is None:
            known = self.by_zone[screen_tz] = {}
        return known

    def made(self, position: int, screen_tz: str, known: dict[int, list[int]]) -> list[int]:
        """Make and keep the intervals of one rule for screens in screen_tz. A shared_instant
        rule's are those it has for screens in its reference zone: made there once, and the
        same list kept under every zone that asks."""
        rule = self.ranked[position]
        zone_name = rule.reference_tz if rule.shared_instant else screen_tz  # rule.zone_for
        if zone_name == screen_tz:
            spans = _real_intervals(rule, zone_name, self.low, self.high)
        else:
            spans = self.of(position, zone_name)
        known[position] = spans
        return spans

    def zone_masks(self, screen_tz: str) -> dict[int, int]:
        """The cell masks made so far for screens in screen_tz, by position (_OFF_GRID: the
        rule has a boundary off the cell grid, so screens with it paint the old way)."""
        known = self.masks.get(screen_tz)
        if known is None:
            known = self.masks[screen_tz] = {}
        return known

    def made_mask(self, position: int, screen_tz: str, known: dict[int, int]) -> int:
        """Make and keep the cell mask of one rule for screens in screen_tz: bit i set when the
        rule is active over cell i. A shared_instant rule's mask is its reference zone's (the
        grid is in real time, so the same int serves every zone)."""
        rule = self.ranked[position]
        zone_name = rule.reference_tz if rule.shared_instant else screen_tz  # rule.zone_for
        if zone_name != screen_tz:
            other = self.zone_masks(zone_name)
            mask = other.get(position)
            if mask is None:
                mask = self.made_mask(position, zone_name, other)
            known[position] = mask
            return mask
        window = rule.window
        if window is None:
            window_start, window_end = 0, _DAY
        else:
            window_start, window_end = _window_offsets(window.start, window.end)
        if window_start % _CELL or window_end % _CELL:
            known[position] = _OFF_GRID
            return _OFF_GRID
        first_day = rule.start_date.toordinal() - _EPOCH_ORDINAL if rule.start_date else -_OPEN
        last_day = rule.end_date.toordinal() - _EPOCH_ORDINAL if rule.end_date else _OPEN
        key = (zone_name, rule.weekdays)  # a frozenset caches its hash
        if key in self.combs:
            comb = self.combs[key]
        else:
            comb = self.combs[key] = self._comb(zone_name, _by_day_mod_7(rule.weekdays))
        if comb is None:  # the offset changes inside the range, or is off the grid
            mask = self._mask_piecewise(
                zone_name,
                window_start,
                window_end,
                _by_day_mod_7(rule.weekdays),
                first_day,
                last_day,
            )
        else:
            # Local midnights of the days the rule covers, as bits (day d's is d * _PER_DAY +
            # first_bit), then each one widened into its window: c * (2**length - 1) =
            # (c << length) - c, the windows never overlapping one another.
            days, first, last, first_bit = comb
            if first_day > first or last_day < last:  # dates end inside the range
                if first_day < first:
                    first_day = first
                if last_day > last:
                    last_day = last
                if first_day > last_day:
                    known[position] = 0
                    return 0
                lowest = first_day * _PER_DAY + first_bit
                days &= ((1 << ((last_day - first_day) * _PER_DAY + 1)) - 1) << lowest
            mask = ((days << ((window_end - window_start) // _CELL)) - days) << (
                window_start // _CELL
            )
        known[position] = mask
        return mask

    def _comb(self, zone_name: str, weekdays: tuple[bool, ...]) -> tuple[int, int, int, int] | None:
        """(bits of the local midnights of the days on `weekdays`, first day, last day, the
        bit day 0's midnight would have) for a zone of one offset over the grid's range, that
        offset whole cells; None when the zone needs _mask_piecewise."""
        plan = _day_plan(zone_name, self.grid_low, self.grid_high)
        if len(plan) != 1 or plan[0][2] % _CELL:
            return None
        _piece_low, _piece_high, offset, first, last = plan[0]
        first_bit = -(self.origin + offset) // _CELL  # day 0's midnight (negative: long ago)
        midnights = 0
        for day in range(first, last + 1):
            if weekdays[day % 7]:
                midnights |= 1 << (day * _PER_DAY + first_bit)
        return midnights, first, last, first_bit

    def _mask_piecewise(
        self,
        zone_name: str,
        window_start: int,
        window_end: int,
        weekdays: tuple[bool, ...],
        first_day: int,
        last_day: int,
    ) -> int:
        """A rule's mask in a zone whose offset changes inside the range: its intervals the
        piecewise way, as cells; _OFF_GRID when some boundary (a clock change) is off it."""
        mask = 0
        spans = _piecewise_intervals(
            zone_name,
            window_start,
            window_end,
            weekdays,
            first_day,
            last_day,
            self.grid_low,
            self.grid_high,
        )
        origin = self.origin
        for k in range(0, len(spans), 2):
            begin, finish = spans[k] - origin, spans[k + 1] - origin
            if begin % _CELL or finish % _CELL:
                return _OFF_GRID
            mask |= ((1 << ((finish - begin) // _CELL)) - 1) << (begin // _CELL)
        return mask

    def winner_row(self, position: int) -> RunRow:
        """_describe's row for a rule that wins alone (no losers listed): one object per rule,
        shared by every screen it wins on, so the version hash describes it once."""
        row = self.rows.get(position)
        if row is None:
            rule = self.ranked[position]
            row = (Source.SCHEDULE, rule.playlist_id, rule.playlist_name, rule.id, ())
            self.rows[position] = row
        return row


def _runs_with_losers(
    intervals: list[list[int]], low: int, high: int
) -> tuple[list[int], list[int]]:
    """Runs of constant active set (bit r = rule of rank r active), for explanations.

    A rule's intervals never overlap one another, so flipping its bit at both ends of each
    leaves, between boundaries, exactly the set of active rules.
    """
    toggles: dict[int, int] = {}
    for rank, spans in enumerate(intervals):
        bit = 1 << rank
        for point in spans:
            toggles[point] = toggles.get(point, 0) ^ bit
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
    return run_starts, run_masks


def _runs_of_winners(
    places: Sequence[int], spans_of: _Spans, screen_tz: str
) -> tuple[list[int], list[int]]:
    """Runs of constant winner (the winner's position in spans_of.ranked + 1, 0 for none), for
    publishing; `places` are the positions of the screen's rules, best first.

    Painter's order: rules best first, each claiming only the time no better rule holds, until
    nothing is left. A busy screen is usually covered after its first few rules, so the
    intervals of the rest are never even computed. Claimed pieces and the gaps left tile
    [low, high) exactly, so a piece is known by its start alone: {start: winner bit}.
    """
    low, high = spans_of.low, spans_of.high
    gaps = [low, high]  # flat [start, end, …] like the intervals
    owner: dict[int, int] = {}
    known = spans_of.zone(screen_tz)
    find = known.get
    for position in places:
        spans = find(position)
        if spans is None:
            spans = spans_of.made(position, screen_tz, known)
        if not spans:
            continue
        rank = position + 1
        still_open: list[int] = []
        for g in range(0, len(gaps), 2):
            gap_start, gap_end = gaps[g], gaps[g + 1]
            # In a flat sorted list of span bounds, an odd insertion point is inside a span.
            # spans[inside:outside] are the bounds strictly inside the gap; they cut it into
            # pieces that alternate claimed and open, starting claimed when `inside` is odd.
            inside = bisect_right(spans, gap_start)
            outside = bisect_left(spans, gap_end, inside)
            if inside == outside:  # no bound inside: the gap is wholly claimed or wholly open
                if inside & 1:
                    owner[gap_start] = rank
                else:
                    still_open.append(gap_start)
                    still_open.append(gap_end)
                continue
            bounds = [gap_start, *spans[inside:outside], gap_end]
            pieces = len(bounds) - 1
            if inside & 1:
                owner.update(dict.fromkeys(bounds[0:pieces:2], rank))
                still_open += bounds[1 : 1 + 2 * (pieces // 2)]
            else:
                owner.update(dict.fromkeys(bounds[1:pieces:2], rank))
                still_open += bounds[0 : 2 * ((pieces + 1) // 2)]
        gaps = still_open
        if not gaps:
            break
    if gaps:
        owner.update(dict.fromkeys(gaps[0::2], 0))
    # Pieces in time order, then only those whose winner differs from the piece before (the
    # first always does): equal neighbours merged by compress, in C.
    points = sorted(owner)
    ranks = list(map(owner.__getitem__, points))
    changed = list(map(ne, ranks, chain((None,), ranks)))
    return list(compress(points, changed)), list(compress(ranks, changed))


def _paint_cells(
    places: Sequence[int], spans_of: _Spans, screen_tz: str
) -> tuple[list[int], list[int]] | None:
    """_runs_of_winners on the cell grid: the same runs, or None when a rule of the screen has
    a boundary off the grid (then _runs_of_winners paints it).

    A rule's activity over the range is one int, bit i for cell i (see _Spans.made_mask), so
    the painter's "claim what no better rule holds" is two integer operations per rule, done
    in C over the whole week at once; only the run starts are then read out bit by bit.
    """
    known = spans_of.zone_masks(screen_tz)
    find = known.get
    free = spans_of.cells
    won: list[tuple[int, int]] = []
    for position in places:
        mask = find(position)
        if mask is None:
            mask = spans_of.made_mask(position, screen_tz, known)
        if mask < 0:  # _OFF_GRID
            return None
        mine = mask & free
        if mine:
            free ^= mine
            won.append((position + 1, mine))
            if not free:
                break
    if free:
        won.append((0, free))
    owner: dict[int, int] = {}
    at, bit = _cell_tables(spans_of.origin, spans_of.cells.bit_length())
    for rank, mine in won:
        starts = mine & ~(mine << 1)  # the first cell of each of the rule's runs
        while starts:  # highest first: a run start is one bit_length and two lookups
            n = starts.bit_length()
            owner[at[n]] = rank
            starts ^= bit[n]
    # Runs of different masks never touch with one rank, so no neighbours merge; the first run
    # starts in the cell holding low, and is cut there.
    points = sorted(owner)
    ranks = list(map(owner.__getitem__, points))
    points[0] = spans_of.low
    return points, ranks


@lru_cache(maxsize=64)
def _cell_tables(origin: int, count: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """For a mask whose bit_length is n (1 <= n <= count): the instant its highest set cell
    starts (µs) and that cell's bit, as at[n] and bit[n]; once per grid, not per run."""
    at = (0, *range(origin, origin + count * _CELL, _CELL))
    bit = (0, *(1 << n for n in range(count)))
    return at, bit


def _ranked(
    rules: Iterable[ScheduleRule], first_day: date | None = None, last_day: date | None = None
) -> list[ScheduleRule]:
    """Enabled rules, best first, with duplicates (a rule bound through two groups) dropped.

    Rules whose date range ends before first_day or starts after last_day cannot play and are
    dropped before sorting: on a long-running project most schedules are past or future.
    """
    given = rules if isinstance(rules, list) else list(rules)
    # A rule shared by many screens is one object: drop repeats by identity in C first, so the
    # Python loop below sees each distinct rule once rather than every binding.
    distinct = list(dict(zip(map(id, given), given, strict=True)).values())
    by_id = dict(zip(map(_RULE_ID, distinct), distinct, strict=True))
    if len(by_id) != len(distinct):  # one schedule as two objects: they must be equal
        by_id = {}
        for rule in distinct:
            seen = by_id.setdefault(rule.id, rule)
            if seen is not rule and seen != rule:
                raise InvalidValue(
                    "schedule", rule.id, "was given twice with different settings", key="schedule"
                )
    enabled = [
        rule
        for rule in by_id.values()
        if rule.enabled
        and (first_day is None or rule.end_date is None or rule.end_date >= first_day)
        and (last_day is None or rule.start_date is None or rule.start_date <= last_day)
    ]
    enabled.sort(key=_RANK_KEY, reverse=True)
    return enabled


def _canonical_version(
    screen_id: int,
    low: int,
    high: int,
    starts: Sequence[int],
    keys: Sequence[int],
    table: Sequence[RunRow],
) -> str:
    """sha256 of canonical JSON: screen id, range, run starts and what each run plays.

    Instants are integer µs since 1970 UTC, so the same instants written in different zones
    hash alike, and lists of integers keep the encoding in json's C fast path.
    """
    # Rows looked up by identity: hashing a row would call Enum.__hash__ in Python for its
    # source, and rows are shared objects (one per winning rule, one per fallback).
    described = list(map(_ROW_TEXT.get, map(id, table)))
    if None in described:
        for n, row in enumerate(table):
            if described[n] is None:
                described[n] = _remember_row_text(row)
    # The same text json.dumps gives for [screen_id, low, high, starts, keys, described]: ints
    # print alike both ways, and each row's JSON is made once per distinct row (rows recur:
    # a schedule wins on every screen it reaches). Run starts recur too (a week's boundaries
    # are the same few hundred instants on every screen of a zone): their decimal text is
    # looked up, not made again.
    number = _NUMBER_TEXT.__getitem__
    text = (
        f"[{screen_id},{low},{high},[{','.join(map(number, starts))}],"
        f"[{','.join(map(number, keys))}],[{','.join(cast('list[str]', described))}]]"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row_text(row: RunRow) -> str:
    """json.dumps([source, playlist id, name, schedule id, overridden], separators=(",", ":"),
    ensure_ascii=False), spelled out: the same text (the name through json's own string
    encoder), without the encoder's setup per row."""
    source, pid, name, sid, over = row
    return (
        f'["{source}",{"null" if pid is None else pid},'
        f"{'null' if name is None else _json_string(name)},{'null' if sid is None else sid},"
        f"[{','.join(map(str, over))}]]"
    )


def _remember_row_text(row: RunRow) -> str:
    """A row's JSON, kept by the row's id; the row itself is kept alive beside it (in a list,
    which costs the collector no new object per row), so its id cannot be reused while the
    text is known."""
    if len(_ROW_TEXT) >= _ROW_TEXT_LIMIT:
        _ROW_TEXT.clear()
        _ROW_KEPT.clear()
    text = _ROW_TEXT[id(row)] = _row_text(row)
    _ROW_KEPT.append(row)
    return text


_ROW_TEXT: dict[int, str] = {}
_ROW_KEPT: list[RunRow] = []
_ROW_TEXT_LIMIT = 65_536


class _DecimalText(dict[int, str]):
    """int → its decimal text, made on first lookup (a dict subclass's hits stay in C)."""

    def __missing__(self, number: int) -> str:
        if len(self) >= _ROW_TEXT_LIMIT:
            self.clear()
        text = self[number] = str(number)
        return text


_NUMBER_TEXT = _DecimalText()


def _checked_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start_utc = _aware_utc(start, "start")
    end_utc = _aware_utc(end, "end")
    if end_utc <= start_utc:
        raise InvalidValue(
            "end", end_utc.isoformat(), f"is not after the start {start_utc.isoformat()}", key="end"
        )
    return start_utc, end_utc


def _reach(start_utc: datetime, end_utc: datetime) -> tuple[date, date]:
    """The first and last wall-clock days a rule must cover to touch [start, end) anywhere.

    Any zone's wall-clock date is within a day of UTC's, and an overnight window reaches one
    more day back: two days of margin keep every rule that could touch the range.
    """
    margin = timedelta(days=2)
    return (start_utc - margin).date(), (end_utc + margin).date()


def resolve(
    rules: Iterable[ScheduleRule],
    screen: ScreenContext,
    start: datetime,
    end: datetime,
    *,
    losers: bool = True,
) -> Timeline:
    """What `screen` plays over [start, end): a Timeline of contiguous, merged UTC segments.

    `rules` are the schedules bound to the screen, directly or through its groups; disabled ones
    never play. start and end must be aware datetimes; the timeline is in UTC.

    With losers=True (for explanations: whatson, the studio's week view) a segment also ends
    where the set of losing schedules changes, and `overridden` lists them. Publishing only needs
    who wins, so it passes losers=False: segments then end only where the winner changes, about
    a fifth as many on a busy screen, and `overridden` is always empty.
    """
    start_utc, end_utc = _checked_range(start, end)
    ranked = _ranked(rules, *_reach(start_utc, end_utc))
    spans = _Spans(ranked, _micros(start_utc), _micros(end_utc))
    runs = _runs(range(len(ranked)), spans, screen.tz, _fallback(screen), losers)
    return Timeline(screen.id, start_utc, end_utc, runs)


def resolve_all(
    inputs: Mapping[int, tuple[ScreenContext, Sequence[ScheduleRule]]],
    start: datetime,
    end: datetime,
    *,
    losers: bool = True,
) -> dict[int, Timeline]:
    """Every screen's timeline over [start, end), keyed like `inputs` (as schedules.load_all).

    The same timelines as calling resolve per screen, cheaper: the distinct rules are checked,
    filtered and ranked once, and each screen only sorts the integer positions of its own rules,
    where resolve would rank a popular group schedule again for every screen it reaches.
    Resolution is a pure function of the ranked rules, the screen's zone and its default
    playlist, so screens alike in those (a group's screens in one zone, with no schedules of
    their own) share one resolved result; only the screen id (and so the version) differs.
    """
    start_utc, end_utc = _checked_range(start, end)
    every_binding = chain.from_iterable(rules for _context, rules in inputs.values())
    ranked_all = _ranked(every_binding, *_reach(start_utc, end_utc))
    position = {rule.id: n for n, rule in enumerate(ranked_all)}
    find = position.get
    rule_id = attrgetter("id")
    spans = _Spans(ranked_all, _micros(start_utc), _micros(end_utc))
    # Keyed by (zone, default playlist id and name, *rule places): one flat tuple per screen,
    # whose hash stays in C (a Fallback holds a Source, whose Enum.__hash__ is Python code).
    alike: dict[tuple[str | int | None, ...], Runs] = {}
    out: dict[int, Timeline] = {}
    for key, (context, rules) in inputs.items():
        places: set[int | None] = set(map(find, map(rule_id, rules)))
        places.discard(None)  # disabled, or out of the range's reach
        ordered = sorted(cast("set[int]", places))
        same = (context.tz, context.default_playlist_id, context.default_playlist_name, *ordered)
        runs = alike.get(same)
        if runs is None:
            fallback = _fallback(context)
            runs = alike[same] = _runs(ordered, spans, context.tz, fallback, losers)
        out[key] = Timeline(context.id, start_utc, end_utc, runs)
    return out


def _fallback(screen: ScreenContext) -> Fallback:
    """What plays where no rule does: (source, playlist id, playlist name, schedule id)."""
    if screen.default_playlist_id is not None:
        return (Source.DEFAULT, screen.default_playlist_id, screen.default_playlist_name, None)
    return (Source.NOTHING, None, None, None)


def _runs(places: Sequence[int], spans: _Spans, tz: str, fallback: Fallback, losers: bool) -> Runs:
    """Timeline.runs for the rules at `places` (positions in spans.ranked, best first) of a
    screen in zone tz: each distinct active set (or winner) is described once in a table, and
    runs refer to it by index."""
    low, high = spans.low, spans.high
    index_of: dict[int, int] = {}
    table: list[RunRow] = []
    keys: list[int] = []
    if losers:
        ranked = [spans.ranked[p] for p in places]
        intervals = [spans.of(p, tz) for p in places]
        run_starts, run_masks = _runs_with_losers(intervals, low, high)
        for mask in run_masks:
            key = index_of.get(mask)
            if key is None:
                key = index_of[mask] = len(table)
                table.append(_describe(mask, ranked, fallback))
            keys.append(key)
    else:
        painted = _paint_cells(places, spans, tz)
        run_starts, run_ranks = (
            painted if painted is not None else _runs_of_winners(places, spans, tz)
        )
        # Each distinct winner once, in order of first run; runs refer to it by index.
        distinct = list(dict.fromkeys(run_ranks))
        index_of = dict(zip(distinct, range(len(distinct)), strict=True))
        keys = list(map(index_of.__getitem__, run_ranks))
        winner_row = spans.winner_row
        table = [winner_row(rank - 1) if rank else _fallback_row(fallback) for rank in distinct]
    return (low, tuple(run_starts), tuple(keys), tuple(table))


def _fallback_row(fallback: Fallback) -> RunRow:
    """The row of what plays where no rule does, one object per default playlist: shared by
    every screen with that default, its JSON is made once for the version hash."""
    _source, pid, name, _sid = fallback
    key = (pid, name)  # the source follows from the playlist id (see _fallback)
    row = _FALLBACK_ROWS.get(key)
    if row is None:
        if len(_FALLBACK_ROWS) >= _ROW_TEXT_LIMIT:
            _FALLBACK_ROWS.clear()
        row = _FALLBACK_ROWS[key] = (*fallback, ())
    return row


_FALLBACK_ROWS: dict[tuple[int | None, str | None], RunRow] = {}


def _describe(mask: int, ranked: list[ScheduleRule], fallback: Fallback) -> RunRow:
    """(source, playlist id, playlist name, winner id, overridden ids) for an active set."""
    if not mask:
        return _fallback_row(fallback)
    ranks = []
    rest = mask
    while rest:
        lowest = rest & -rest
        ranks.append(lowest.bit_length() - 1)
        rest ^= lowest
    best = ranked[ranks[0]]
    overridden = tuple(ranked[rank].id for rank in ranks[1:])
    return (Source.SCHEDULE, best.playlist_id, best.playlist_name, best.id, overridden)


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
