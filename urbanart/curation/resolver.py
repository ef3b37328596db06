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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from itertools import chain, repeat
from operator import attrgetter
from typing import NamedTuple

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


@dataclass(frozen=True)
class Timeline:
    """What a screen plays over [start, end): contiguous, merged segments and a content version.

    The resolver's result is kept compact (run boundaries as integer µs, an index per run into a
    table of what plays), and the Segment tuples and the version are made from it when first
    read: a thousand screens' timelines then cost neither a hundred thousand small objects nor
    the garbage collections they set off, and a caller that needs only some of them pays for
    those. The version is a sha256 of the canonical JSON of screen id, range and runs, so a
    player can tell whether its copy is current by comparing one string.
    """

    screen_id: int
    start: datetime
    end: datetime
    #: (start µs, run starts µs, table index per run, table of (source, playlist id, playlist
    #: name, schedule id, overridden ids)); two timelines are equal when these are.
    runs: Runs = field(repr=False)

    @cached_property
    def segments(self) -> tuple[Segment, ...]:
        """Contiguous segments from start to end, in time order."""
        _low, starts, keys, table = self.runs
        bounds = [self.start, *map(_instant, starts[1:]), self.end]
        # Row columns side by side with the bounds, each run's 7 fields zipped and made a
        # Segment in C: no Python frame per segment.
        columns = zip(*map(table.__getitem__, keys), strict=True)
        fields = zip(bounds[:-1], bounds[1:], *columns, strict=True)
        return tuple(map(_new_segment, repeat(Segment), fields))

    @property
    def playlist_ids(self) -> frozenset[int]:
        """The playlists some segment plays (schedules' and the default), read from the table of
        what plays without making the segments: publishing needs only these and the runs."""
        table = self.runs[3]
        return frozenset(row[1] for row in table if row[1] is not None)

    @cached_property
    def version(self) -> str:
        low, starts, keys, table = self.runs
        high = _micros(self.end)
        return _canonical_version(self.screen_id, low, high, starts, keys, table)

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


class _Compiled:
    """A rule reduced to integers: window offsets in µs from local midnight, days since 1970."""

    __slots__ = ("first_day", "last_day", "weekdays", "window_end", "window_start")

    def __init__(self, rule: ScheduleRule) -> None:
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
        self.weekdays = _by_day_mod_7(rule.weekdays)


@lru_cache(maxsize=128)
def _by_day_mod_7(weekdays: frozenset[int]) -> tuple[bool, ...]:
    """Whether day n since 1970 is one of the weekdays, indexed by n % 7 (one lookup per day)."""
    return tuple((n + _EPOCH_WEEKDAY) % 7 in weekdays for n in range(7))


_MEMO_LIMIT = 16  # ranges remembered per rule; resolving the same week again is the common case


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


def _real_intervals(rule: ScheduleRule, screen_tz: str, low: int, high: int) -> list[int]:
    """The rule's active real-time intervals in [low, high), flat: [start0, end0, start1, …].

    µs since 1970, sorted and disjoint. Flat lists of ints rather than lists of pairs: ints are
    not tracked by the garbage collector, so a thousand screens' worth of intervals does not set
    off collections of a large heap. Memoised on the rule per (zone, range): a rule reaching many
    screens through a group is computed once per zone they hang in. This is the resolver's hot
    loop, hence plain integers and no generators.
    """
    zone_name = rule.reference_tz if rule.shared_instant else screen_tz  # rule.zone_for, inlined
    memo = rule.resolver_memo
    key = (zone_name, low, high)
    found = memo.get(key)
    if found is not None:
        return found  # type: ignore[return-value]
    compiled = memo.get("compiled")
    if compiled is None:
        compiled = memo["compiled"] = _Compiled(rule)
    assert isinstance(compiled, _Compiled)
    window_start, window_end = compiled.window_start, compiled.window_end
    weekdays, first_day, last_day = compiled.weekdays, compiled.first_day, compiled.last_day
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
    if len(memo) > _MEMO_LIMIT:
        for stale in [k for k in memo if isinstance(k, tuple)]:
            del memo[stale]
    memo[key] = out
    return out


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
    ranked: list[ScheduleRule], screen_tz: str, low: int, high: int
) -> tuple[list[int], list[int]]:
    """Runs of constant winner (the winner's rank + 1, 0 for none), for publishing.

    Painter's order: rules best first, each claiming only the time no better rule holds, until
    nothing is left. A busy screen is usually covered after its first few rules, so the
    intervals of the rest are never even computed. Claimed pieces and the gaps left tile
    [low, high) exactly, so a piece is known by its start alone: {start: winner bit}.
    """
    gaps = [low, high]  # flat [start, end, …] like the intervals
    owner: dict[int, int] = {}
    first = True
    for rank, rule in enumerate(ranked, start=1):
        spans = _real_intervals(rule, screen_tz, low, high)
        if not spans:
            continue
        if first:  # everything is open: the best rule takes all its spans, the rest stays open
            first = False
            owner.update(dict.fromkeys(spans[::2], rank))
            bounds = [low, *spans, high]
            gaps = [
                point
                for g in range(0, len(bounds), 2)
                if bounds[g] < bounds[g + 1]
                for point in (bounds[g], bounds[g + 1])
            ]
            if not gaps:
                break
            continue
        still_open: list[int] = []
        index, count = 0, len(spans)
        for g in range(0, len(gaps), 2):
            gap_start, gap_end = gaps[g], gaps[g + 1]
            cursor = gap_start
            while index < count and spans[index + 1] <= gap_start:
                index += 2
            probe = index
            while probe < count and spans[probe] < gap_end:
                span_start, span_end = spans[probe], spans[probe + 1]
                take_start = span_start if span_start > cursor else cursor
                take_end = span_end if span_end < gap_end else gap_end
                if take_start < take_end:
                    if cursor < take_start:
                        still_open.append(cursor)
                        still_open.append(take_start)
                    owner[take_start] = rank
                    cursor = take_end
                if span_end > gap_end:
                    break
                probe += 2
            index = probe
            if cursor < gap_end:
                still_open.append(cursor)
                still_open.append(gap_end)
        gaps = still_open
        if not gaps:
            break
    for g in range(0, len(gaps), 2):
        owner[gaps[g]] = 0
    run_starts, run_ranks = [low], [owner[low]]
    last = run_ranks[0]
    for point in sorted(owner):
        rank = owner[point]
        if rank != last:
            run_starts.append(point)
            run_ranks.append(rank)
            last = rank
    return run_starts, run_ranks


def _ranked(
    rules: Iterable[ScheduleRule], first_day: date | None = None, last_day: date | None = None
) -> list[ScheduleRule]:
    """Enabled rules, best first, with duplicates (a rule bound through two groups) dropped.

    Rules whose date range ends before first_day or starts after last_day cannot play and are
    dropped before sorting: on a long-running project most schedules are past or future.
    """
    by_id: dict[int, ScheduleRule] = {}
    for rule in rules:
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
    enabled.sort(key=rank_key, reverse=True)
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
    rows = _ROW_TEXT
    described = []
    for row in table:
        # Looked up by identity: hashing a row would call Enum.__hash__ in Python for its
        # source, and rows are shared objects (one per winning rule, one per fallback). The
        # entry holds the row itself, so its id cannot be reused while the entry lives.
        known = rows.get(id(row))
        if known is None or known[0] is not row:
            if len(rows) >= _ROW_TEXT_LIMIT:
                rows.clear()
            src, pid, name, sid, over = row
            text = json.dumps(
                [str(src), pid, name, sid, list(over)], separators=(",", ":"), ensure_ascii=False
            )
            known = rows[id(row)] = (row, text)
        described.append(known[1])
    # The same text json.dumps gives for [screen_id, low, high, starts, keys, described]: ints
    # print alike both ways, and each row's JSON is made once per distinct row (rows recur:
    # a schedule wins on every screen it reaches).
    text = (
        f"[{screen_id},{low},{high},[{','.join(map(str, starts))}],"
        f"[{','.join(map(str, keys))}],[{','.join(described)}]]"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ROW_TEXT: dict[int, tuple[RunRow, str]] = {}
_ROW_TEXT_LIMIT = 65_536


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
    return _timeline(ranked, screen, start_utc, end_utc, losers)


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
    low, high = _micros(start_utc), _micros(end_utc)
    alike: dict[tuple[str, Fallback, tuple[int, ...]], Runs] = {}
    out: dict[int, Timeline] = {}
    for key, (context, rules) in inputs.items():
        # None: disabled, or out of the range's reach
        places = {p for p in map(find, map(rule_id, rules)) if p is not None}
        ordered = tuple(sorted(places))
        fallback = _fallback(context)
        same = (context.tz, fallback, ordered)
        runs = alike.get(same)
        if runs is None:
            ranked = [ranked_all[p] for p in ordered]
            runs = alike[same] = _runs(ranked, context.tz, fallback, low, high, losers)
        out[key] = Timeline(context.id, start_utc, end_utc, runs)
    return out


def _fallback(screen: ScreenContext) -> Fallback:
    """What plays where no rule does: (source, playlist id, playlist name, schedule id)."""
    if screen.default_playlist_id is not None:
        return (Source.DEFAULT, screen.default_playlist_id, screen.default_playlist_name, None)
    return (Source.NOTHING, None, None, None)


def _timeline(
    ranked: list[ScheduleRule],
    screen: ScreenContext,
    start_utc: datetime,
    end_utc: datetime,
    losers: bool,
) -> Timeline:
    """The timeline of `screen` from its enabled rules, best first (see _ranked)."""
    low, high = _micros(start_utc), _micros(end_utc)
    runs = _runs(ranked, screen.tz, _fallback(screen), low, high, losers)
    return Timeline(screen.id, start_utc, end_utc, runs)


def _runs(
    ranked: list[ScheduleRule], tz: str, fallback: Fallback, low: int, high: int, losers: bool
) -> Runs:
    """Timeline.runs for rules best first in zone tz: each distinct active set (or winner) is
    described once in a table, and runs refer to it by index."""
    index_of: dict[int, int] = {}
    table: list[RunRow] = []
    keys: list[int] = []
    if losers:
        intervals = [_real_intervals(rule, tz, low, high) for rule in ranked]
        run_starts, run_masks = _runs_with_losers(intervals, low, high)
        for mask in run_masks:
            key = index_of.get(mask)
            if key is None:
                key = index_of[mask] = len(table)
                table.append(_describe(mask, ranked, fallback))
            keys.append(key)
    else:
        run_starts, run_ranks = _runs_of_winners(ranked, tz, low, high)
        for rank in run_ranks:
            key = index_of.get(rank)
            if key is None:
                key = index_of[rank] = len(table)
                table.append(_winner_row(ranked[rank - 1]) if rank else _fallback_row(fallback))
            keys.append(key)
    return (low, tuple(run_starts), tuple(keys), tuple(table))


def _winner_row(rule: ScheduleRule) -> RunRow:
    """_describe's row for a rule that wins alone (no losers listed); one per rule, shared by
    every screen it wins on."""
    memo = rule.resolver_memo
    row = memo.get("row")
    if row is None:
        row = memo["row"] = (Source.SCHEDULE, rule.playlist_id, rule.playlist_name, rule.id, ())
    return row  # type: ignore[return-value]


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
