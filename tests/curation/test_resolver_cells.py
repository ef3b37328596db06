"""The publishing path's painter on the quarter-hour cell grid (resolver._paint_cells) against
three references: the interval painter it replaces (still the fallback), the minute-by-minute
oracle, and the segments of the losers=True path (a separate sweep over every rule's intervals)
with the losers dropped and equal winners merged."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urbanart.curation import resolver
from urbanart.curation.resolver import Timeline, resolve, resolve_all
from urbanart.curation.rules import DailyWindow, ScheduleRule, ScreenContext

from .oracle import verdict_at

pytestmark = pytest.mark.no_database

# Quarter-hour offsets (Kathmandu +5:45, Chatham +12:45/+13:45), half-hour ones, clock changes.
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
)
# Days on which one of the zones above changes its clocks in 2026, and two quiet ones.
DAYS = (
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 11, 1),
    date(2026, 6, 15),
    date(2026, 11, 23),
)
quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from((0, 15, 30, 45)))


@st.composite
def quarter_windows(draw: st.DrawFn) -> DailyWindow | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    start = draw(quarter_hours)
    return DailyWindow(start, draw(quarter_hours.filter(lambda t: t != start)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[ScheduleRule], ScreenContext, datetime, datetime]:
    day = draw(st.sampled_from(DAYS))
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(-36 * 60, 12 * 60)),
        microseconds=draw(st.sampled_from((0, 0, 1, 7_654_321))),
    )
    end = start + timedelta(minutes=draw(st.integers(60, 4 * 24 * 60)))
    rules = []
    ids = draw(st.lists(st.integers(1, 60), min_size=1, max_size=8, unique=True))
    for rule_id in ids:
        dates = sorted(day + timedelta(days=draw(st.integers(-3, 4))) for _ in range(2))
        shared = draw(st.integers(0, 3)) == 0
        rules.append(
            ScheduleRule(
                id=rule_id,
                playlist_id=draw(st.integers(100, 103)),
                playlist_name="p",
                priority=draw(st.integers(0, 3)),
                created_at=datetime(2026, 1, draw(st.integers(1, 3)), tzinfo=UTC),
                start_date=draw(st.sampled_from([None, dates[0]])),
                end_date=draw(st.sampled_from([None, dates[1]])),
                weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
                window=draw(quarter_windows()),
                shared_instant=shared,
                reference_tz=draw(st.sampled_from(ZONES)) if shared else "UTC",
            )
        )
    default = draw(st.sampled_from([None, 9]))
    screen = ScreenContext(
        id=1,
        name="s",
        tz=draw(st.sampled_from(ZONES)),
        default_playlist_id=default,
        default_playlist_name=None if default is None else "house",
    )
    return rules, screen, start, end


def winners_of(timeline: Timeline) -> list[tuple[datetime, datetime, str, int | None]]:
    """(start, end, source, schedule id) runs, equal winners merged: a losers=True timeline's
    segments read the way a losers=False one is cut."""
    runs: list[tuple[datetime, datetime, str, int | None]] = []
    for segment in timeline.segments:
        if runs and runs[-1][2:] == (str(segment.source), segment.schedule_id):
            runs[-1] = (runs[-1][0], segment.end, *runs[-1][2:])
        else:
            runs.append((segment.start, segment.end, str(segment.source), segment.schedule_id))
    return runs


def cell_painter_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each screen painted on the cells (True) or fell back to the interval painter."""
    calls: list[bool] = []
    paint = resolver._paint_cells

    def recording(*args: object) -> object:
        result = paint(*args)  # type: ignore[arg-type]
        calls.append(result is not None)
        return result

    monkeypatch.setattr(resolver, "_paint_cells", recording)
    return calls


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_cell_painter_gives_the_sweeps_runs_and_the_oracles_winners(case) -> None:
    rules, screen, start, end = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        painted_on_cells = cell_painter_calls(monkeypatch)
        timeline = resolve(rules, screen, start, end, losers=False)
    assert painted_on_cells == [True], "quarter-hour rules must take the cell painter"
    reference = resolve(rules, screen, start, end, losers=True)
    assert winners_of(timeline) == winners_of(reference)
    with pytest.MonkeyPatch.context() as monkeypatch:  # the interval painter, as before cells
        monkeypatch.setattr(resolver, "_paint_cells", lambda *args: None)
        by_intervals = resolve(rules, screen, start, end, losers=False)
    assert timeline.runs == by_intervals.runs
    assert timeline.version == by_intervals.version
    for segment in timeline.segments:  # the oracle, at each segment's first and last minute
        for instant in (segment.start, segment.end - timedelta(microseconds=1)):
            assert verdict_at(rules, screen, instant) == (
                str(segment.source),
                segment.playlist_id,
                segment.schedule_id,
            ), instant


def test_a_rule_off_the_grid_sends_its_screens_to_the_interval_painter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 09:05 window has a boundary inside a quarter hour: that screen paints the old way (and
    gets the same runs as the sweep), the screen without it stays on the cells."""
    start = datetime(2026, 11, 23, tzinfo=UTC)
    end = start + timedelta(days=7)
    on_grid = ScheduleRule(id=1, playlist_id=5, playlist_name="a", priority=1)
    off_grid = ScheduleRule(
        id=2,
        playlist_id=6,
        playlist_name="b",
        priority=2,
        window=DailyWindow(time(9, 5), time(17, 0)),
    )
    plain = ScreenContext(id=1, name="plain", tz="Asia/Kathmandu")
    odd = ScreenContext(id=2, name="odd", tz="Asia/Kathmandu")
    painted_on_cells = cell_painter_calls(monkeypatch)
    timelines = resolve_all(
        {1: (plain, [on_grid]), 2: (odd, [on_grid, off_grid])}, start, end, losers=False
    )
    assert painted_on_cells == [True, False]
    reference = resolve([on_grid, off_grid], odd, start, end, losers=True)
    assert winners_of(timelines[2]) == winners_of(reference)
    assert timelines[2].segments[1].start == datetime(2026, 11, 23, 3, 20, tzinfo=UTC)
