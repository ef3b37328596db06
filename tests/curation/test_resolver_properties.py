"""Hypothesis: resolve() agrees with the minute-by-minute oracle on random rules, zones, ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urbanart.curation.resolver import Source, Timeline, explain, resolve
from urbanart.curation.rules import DailyWindow, ScheduleRule, ScreenContext

from .oracle import active_ids, minutes, verdict_at

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database

ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "UTC",
)
# Days on which at least one of the zones above changes its clocks in 2026.
DST_DAYS = (
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
)
# Wall-clock times near the usual transition hours, midnight and the day's edges.
INTERESTING_TIMES = tuple(
    time(h, m)
    for h, m in [
        (0, 0),
        (0, 30),
        (1, 0),
        (1, 15),
        (1, 30),
        (1, 45),
        (2, 0),
        (2, 10),
        (2, 30),
        (2, 45),
        (3, 0),
        (3, 30),
        (12, 0),
        (22, 0),
        (23, 59),
    ]
)
CREATED = tuple(datetime(2026, 1, day, tzinfo=UTC) for day in (1, 1, 2, 3))

PROPERTY = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

wall_times = st.one_of(
    st.sampled_from(INTERESTING_TIMES),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)


@st.composite
def windows(draw: st.DrawFn) -> DailyWindow | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    start = draw(wall_times)
    end = draw(wall_times.filter(lambda t: t != start))
    return DailyWindow(start, end)


@st.composite
def ranges(draw: st.DrawFn) -> tuple[datetime, datetime]:
    if draw(st.integers(0, 4)):
        day = draw(st.sampled_from(DST_DAYS))
    else:
        day = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    start = midnight + timedelta(minutes=draw(st.integers(-36 * 60, 12 * 60)))
    if draw(st.booleans()):
        start += timedelta(seconds=draw(st.integers(0, 59)), microseconds=draw(st.integers(0, 9)))
    length = timedelta(minutes=draw(st.integers(24 * 60, 72 * 60)))
    return start, start + length


@st.composite
def rule_sets(draw: st.DrawFn, around: date) -> list[ScheduleRule]:
    count = draw(st.integers(1, 5))
    ids = draw(st.lists(st.integers(1, 50), min_size=count, max_size=count, unique=True))
    rules = []
    for rule_id in ids:
        dates = sorted(around + timedelta(days=draw(st.integers(-2, 4))) for _ in range(2))
        start_date = draw(st.sampled_from([None, dates[0]]))
        end_date = draw(st.sampled_from([None, dates[1]]))
        shared = draw(st.integers(0, 3)) == 0
        rules.append(
            ScheduleRule(
                id=rule_id,
                playlist_id=draw(st.integers(100, 103)),
                playlist_name="p",
                priority=draw(st.integers(0, 3)),
                created_at=draw(st.sampled_from(CREATED)),
                start_date=start_date,
                end_date=end_date,
                weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
                window=draw(windows()),
                enabled=draw(st.integers(0, 5)) > 0,
                shared_instant=shared,
                reference_tz=draw(st.sampled_from(ZONES)) if shared else "UTC",
            )
        )
    return rules


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[ScheduleRule], ScreenContext, datetime, datetime]:
    start, end = draw(ranges())
    rules = draw(rule_sets(start.date()))
    default = draw(st.sampled_from([None, 9]))
    screen = ScreenContext(
        id=draw(st.integers(1, 3)),
        name="s",
        tz=draw(st.sampled_from(ZONES)),
        default_playlist_id=default,
        default_playlist_name=None if default is None else "house",
    )
    return rules, screen, start, end


def assert_well_formed(timeline: Timeline, start: datetime, end: datetime) -> None:
    segments = timeline.segments
    assert segments[0].start == start
    assert segments[-1].end == end
    for segment in segments:
        assert segment.start < segment.end
        assert segment.start.tzinfo is UTC
        assert (segment.schedule_id is None) == (segment.source is not Source.SCHEDULE)
    for before, after in pairwise(segments):
        assert before.end == after.start
        same = (before.source, before.playlist_id, before.schedule_id, before.overridden) == (
            after.source,
            after.playlist_id,
            after.schedule_id,
            after.overridden,
        )
        assert not same, "equal neighbours must be merged"


@PROPERTY
@given(cases())
def test_resolve_agrees_with_the_oracle_minute_by_minute(case) -> None:
    rules, screen, start, end = case
    timeline = resolve(rules, screen, start, end)
    assert_well_formed(timeline, start, end)
    for instant in minutes(start, end):
        segment = timeline.at(instant)
        expected = verdict_at(rules, screen, instant)
        assert (str(segment.source), segment.playlist_id, segment.schedule_id) == expected, (
            instant,
            instant.astimezone(ZoneInfo(screen.tz)),
        )
        ids = active_ids(rules, screen, instant)
        assert list(segment.overridden) == ids[1:], instant


@PROPERTY
@given(cases())
def test_winners_only_timeline_agrees_with_the_oracle(case) -> None:
    """The publishing path (losers=False, painter's order) picks the same winner every minute,
    and ends a segment only where the winner changes."""
    rules, screen, start, end = case
    timeline = resolve(rules, screen, start, end, losers=False)
    assert timeline.segments[0].start == start.astimezone(UTC)
    assert timeline.segments[-1].end == end.astimezone(UTC)
    for before, after in pairwise(timeline.segments):
        assert before.end == after.start
        assert (before.source, before.schedule_id) != (after.source, after.schedule_id)
        assert before.overridden == ()
    for instant in minutes(start, end):
        segment = timeline.at(instant)
        expected = verdict_at(rules, screen, instant)
        assert (str(segment.source), segment.playlist_id, segment.schedule_id) == expected, (
            instant,
            instant.astimezone(ZoneInfo(screen.tz)),
        )


@settings(deadline=None, max_examples=60)
@given(cases(), st.data())
def test_explain_agrees_with_the_oracle(case, data: st.DataObject) -> None:
    rules, screen, start, end = case
    instants = minutes(start, end)
    instant = data.draw(st.sampled_from(instants))
    why = explain(rules, screen, instant)
    ids = active_ids(rules, screen, instant)
    assert (why.winner.id if why.winner else None) == (ids[0] if ids else None)
    assert [loser.id for loser in why.losers] == ids[1:]
    # timestamp(), not ==: PEP 495 makes a time in a repeated hour unequal to every other zone's.
    assert why.local_time.timestamp() == instant.timestamp()
    assert why.local_time.tzinfo is not None
    assert why.segment.start <= instant < why.segment.end


@settings(deadline=None, max_examples=80)
@given(cases(), cases())
def test_version_follows_the_content(first, second) -> None:
    rules, screen, start, end = first
    timeline = resolve(rules, screen, start, end)
    assert resolve(list(reversed(rules)), screen, start, end).version == timeline.version
    other_rules = second[0]
    other = resolve(other_rules, screen, start, end)
    assert (other.version == timeline.version) == (other.segments == timeline.segments)
    moved = resolve(rules, screen, start, end + timedelta(minutes=1))
    assert moved.version != timeline.version
