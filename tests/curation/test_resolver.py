"""What plays when, in a curator's terms: priorities, ties, defaults, windows, dates and zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from urbanart.curation.resolver import Source, Timeline, explain, rank_key, resolve
from urbanart.curation.rules import (
    DailyWindow,
    ScheduleRule,
    ScreenContext,
    format_weekdays,
    parse_weekdays,
)
from urbanart.errors import InvalidValue

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def rule(rule_id: int, **fields: object) -> ScheduleRule:
    fields.setdefault("playlist_id", 100 + rule_id)
    fields.setdefault("playlist_name", f"playlist {rule_id}")
    if isinstance(fields.get("window"), str):
        fields["window"] = DailyWindow.parse(fields["window"])  # type: ignore[arg-type]
    if isinstance(fields.get("weekdays"), str):
        fields["weekdays"] = parse_weekdays(fields["weekdays"])  # type: ignore[arg-type]
    return ScheduleRule(id=rule_id, **fields)  # type: ignore[arg-type]


def screen(tz: str = "UTC", default: int | None = 9) -> ScreenContext:
    return ScreenContext(
        id=1,
        name="Lobby",
        tz=tz,
        default_playlist_id=default,
        default_playlist_name=None if default is None else "house loop",
    )


def scheduled(timeline: Timeline) -> list[tuple[datetime, datetime, int | None]]:
    """The schedule segments of a timeline as (start, end, schedule id)."""
    return [
        (segment.start, segment.end, segment.schedule_id)
        for segment in timeline.segments
        if segment.source is Source.SCHEDULE
    ]


def playing(rules: list[ScheduleRule], where: ScreenContext, at: datetime) -> int | None:
    """The schedule id playing at one instant (None for default or nothing)."""
    hour = timedelta(hours=1)
    return resolve(rules, where, at - hour, at + hour).at(at).schedule_id


# --- who wins ---------------------------------------------------------------------------------


def test_higher_priority_wins() -> None:
    rules = [rule(1, priority=1), rule(2, priority=5), rule(3, priority=3)]
    timeline = resolve(rules, screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert [(s.schedule_id, s.overridden) for s in timeline.segments] == [(2, (3, 1))]


def test_most_recent_schedule_wins_a_tie() -> None:
    older = rule(7, created_at=utc(2026, 1, 1))
    newer = rule(3, created_at=utc(2026, 2, 1))
    timeline = resolve([older, newer], screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert timeline.segments[0].schedule_id == 3
    assert timeline.segments[0].overridden == (7,)


def test_higher_id_breaks_a_full_tie() -> None:
    same = utc(2026, 1, 1)
    timeline = resolve(
        [rule(4, created_at=same), rule(5, created_at=same)],
        screen(),
        utc(2026, 6, 1),
        utc(2026, 6, 2),
    )
    assert timeline.segments[0].schedule_id == 5


def test_priority_beats_recency() -> None:
    old_but_important = rule(1, priority=2, created_at=utc(2020, 1, 1))
    new_but_routine = rule(2, priority=1, created_at=utc(2026, 1, 1))
    assert playing([old_but_important, new_but_routine], screen(), utc(2026, 6, 1, 12)) == 1


def test_rank_key_orders_priority_then_recency_then_id() -> None:
    rules = [
        rule(1, priority=0, created_at=utc(2026, 3, 1)),
        rule(2, priority=1, created_at=utc(2020, 1, 1)),
        rule(3, priority=0, created_at=utc(2026, 3, 1)),
        rule(4, priority=0, created_at=utc(2026, 1, 1)),
    ]
    assert [r.id for r in sorted(rules, key=rank_key, reverse=True)] == [2, 3, 1, 4]


def test_the_order_rules_arrive_in_does_not_matter() -> None:
    rules = [rule(1, window="09:00-17:00"), rule(2, priority=1, window="12:00-13:00"), rule(3)]
    start, end = utc(2026, 6, 1), utc(2026, 6, 3)
    assert resolve(rules, screen(), start, end) == resolve(rules[::-1], screen(), start, end)


def test_default_playlist_fills_gaps() -> None:
    timeline = resolve([rule(1, window="09:00-17:00")], screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert [(s.start, s.end, s.source, s.playlist_id) for s in timeline.segments] == [
        (utc(2026, 6, 1), utc(2026, 6, 1, 9), Source.DEFAULT, 9),
        (utc(2026, 6, 1, 9), utc(2026, 6, 1, 17), Source.SCHEDULE, 101),
        (utc(2026, 6, 1, 17), utc(2026, 6, 2), Source.DEFAULT, 9),
    ]
    assert timeline.segments[0].playlist_name == "house loop"


def test_nothing_when_no_default() -> None:
    timeline = resolve(
        [rule(1, window="09:00-17:00")], screen(default=None), utc(2026, 6, 1), utc(2026, 6, 2)
    )
    first = timeline.segments[0]
    assert (first.source, first.playlist_id, first.playlist_name) == (Source.NOTHING, None, None)
    assert timeline.at(utc(2026, 6, 1, 20)).source is Source.NOTHING


def test_no_rules_at_all_plays_the_default_throughout() -> None:
    timeline = resolve([], screen(), utc(2026, 6, 1), utc(2026, 6, 8))
    assert len(timeline.segments) == 1
    assert timeline.segments[0].source is Source.DEFAULT


def test_disabled_rule_never_plays() -> None:
    rules = [rule(1, priority=9, enabled=False), rule(2, window="10:00-11:00")]
    timeline = resolve(rules, screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert scheduled(timeline) == [(utc(2026, 6, 1, 10), utc(2026, 6, 1, 11), 2)]
    assert all(1 not in s.overridden for s in timeline.segments)


def test_overridden_lists_the_losers_best_first_and_splits_segments() -> None:
    rules = [
        rule(1, priority=1, window="08:00-20:00"),
        rule(2, priority=5, window="12:00-13:00"),
        rule(3, priority=3, window="12:30-14:00"),
    ]
    timeline = resolve(rules, screen(), utc(2026, 6, 1, 8), utc(2026, 6, 1, 20))
    assert [
        (s.start.hour, s.start.minute, s.schedule_id, s.overridden) for s in timeline.segments
    ] == [
        (8, 0, 1, ()),
        (12, 0, 2, (1,)),
        (12, 30, 2, (3, 1)),
        (13, 0, 3, (1,)),
        (14, 0, 1, ()),
    ]


def test_the_same_rule_reached_through_two_groups_counts_once() -> None:
    one = rule(1, window="09:00-10:00")
    timeline = resolve([one, one], screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert scheduled(timeline) == [(utc(2026, 6, 1, 9), utc(2026, 6, 1, 10), 1)]


def test_two_different_rules_with_one_id_are_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        resolve([rule(1), rule(1, priority=3)], screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert caught.value.field == "schedule"
    assert caught.value.value == 1


# --- windows, days and dates --------------------------------------------------------------------


def test_overnight_window_belongs_to_the_start_day() -> None:
    friday_night = rule(1, weekdays="fri", window="22:00-02:00")
    assert date(2026, 1, 9).weekday() == 4  # a Friday
    assert playing([friday_night], screen(), utc(2026, 1, 10, 1)) == 1  # Saturday 01:00
    assert playing([friday_night], screen(), utc(2026, 1, 9, 1)) is None  # Friday 01:00
    assert playing([friday_night], screen(), utc(2026, 1, 9, 23)) == 1
    assert playing([friday_night], screen(), utc(2026, 1, 10, 23)) is None
    timeline = resolve([friday_night], screen(), utc(2026, 1, 5), utc(2026, 1, 12))
    assert scheduled(timeline) == [(utc(2026, 1, 9, 22), utc(2026, 1, 10, 2), 1)]


def test_overnight_window_runs_on_after_the_end_date() -> None:
    last_night = rule(1, end_date=date(2026, 1, 9), window="22:00-02:00")
    timeline = resolve([last_night], screen(), utc(2026, 1, 9), utc(2026, 1, 11))
    assert scheduled(timeline) == [
        (utc(2026, 1, 9), utc(2026, 1, 9, 2), 1),  # the tail of Thursday's night
        (utc(2026, 1, 9, 22), utc(2026, 1, 10, 2), 1),
    ]


def test_window_ending_at_24_00_runs_to_midnight() -> None:
    evening = rule(1, window="18:00-24:00")
    assert not evening.window.overnight  # type: ignore[union-attr]
    timeline = resolve([evening], screen(), utc(2026, 6, 1), utc(2026, 6, 3))
    assert scheduled(timeline) == [
        (utc(2026, 6, 1, 18), utc(2026, 6, 2), 1),
        (utc(2026, 6, 2, 18), utc(2026, 6, 3), 1),
    ]


def test_window_from_midnight_and_all_day_rules_merge_across_days() -> None:
    timeline = resolve([rule(1)], screen(), utc(2026, 6, 1), utc(2026, 6, 8))
    assert scheduled(timeline) == [(utc(2026, 6, 1), utc(2026, 6, 8), 1)]


def test_date_range_is_inclusive_in_local_time() -> None:
    may_day = rule(1, start_date=date(2026, 5, 1), end_date=date(2026, 5, 1))
    tokyo = screen("Asia/Tokyo")
    timeline = resolve([may_day], tokyo, utc(2026, 4, 29), utc(2026, 5, 3))
    # The whole of 1 May on a Tokyo wall clock, that is 30 April 15:00 UTC to 1 May 15:00 UTC.
    assert scheduled(timeline) == [(utc(2026, 4, 30, 15), utc(2026, 5, 1, 15), 1)]


def test_weekdays_are_the_screens_weekdays() -> None:
    mondays = rule(1, weekdays="mon")
    sydney = screen("Australia/Sydney")  # UTC+10 in June
    timeline = resolve([mondays], sydney, utc(2026, 6, 2), utc(2026, 6, 10))
    # Monday 8 June in Sydney runs from Sunday 7 June 14:00 UTC; Tuesday 2 June is not Monday.
    assert scheduled(timeline) == [(utc(2026, 6, 7, 14), utc(2026, 6, 8, 14), 1)]


def test_local_rule_switches_at_each_screens_midnight() -> None:
    launch = rule(1, start_date=date(2026, 6, 1))
    tokyo = resolve([launch], screen("Asia/Tokyo"), utc(2026, 5, 31), utc(2026, 6, 2))
    new_york = resolve([launch], screen("America/New_York"), utc(2026, 5, 31), utc(2026, 6, 2))
    assert scheduled(tokyo)[0][0] == utc(2026, 5, 31, 15)
    assert scheduled(new_york)[0][0] == utc(2026, 6, 1, 4)


def test_shared_instant_switches_every_zone_at_once() -> None:
    launch = rule(1, start_date=date(2026, 6, 1), shared_instant=True, reference_tz="UTC")
    starts = {
        tz: scheduled(resolve([launch], screen(tz), utc(2026, 5, 31), utc(2026, 6, 2)))[0][0]
        for tz in ("Asia/Tokyo", "America/New_York", "Asia/Kolkata", "Pacific/Chatham")
    }
    assert set(starts.values()) == {utc(2026, 6, 1)}


def test_shared_instant_reads_dates_and_window_in_the_reference_zone() -> None:
    paris_noon = rule(
        1,
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 1),
        window="12:00-13:00",
        shared_instant=True,
        reference_tz="Europe/Paris",
    )
    for tz in ("America/New_York", "Asia/Tokyo"):
        timeline = resolve([paris_noon], screen(tz), utc(2026, 5, 30), utc(2026, 6, 3))
        assert scheduled(timeline) == [(utc(2026, 6, 1, 10), utc(2026, 6, 1, 11), 1)]


def test_reference_zone_is_ignored_unless_shared_instant() -> None:
    local_noon = rule(1, window="12:00-13:00", reference_tz="Europe/Paris")
    timeline = resolve([local_noon], screen("Asia/Tokyo"), utc(2026, 6, 1), utc(2026, 6, 2))
    assert scheduled(timeline) == [(utc(2026, 6, 1, 3), utc(2026, 6, 1, 4), 1)]


# --- the timeline itself ------------------------------------------------------------------------


def test_segments_are_contiguous_and_cover_the_range_exactly() -> None:
    start, end = utc(2026, 6, 1, 3, 17, 5, 250), utc(2026, 6, 4, 8, 9)
    rules = [rule(1, window="22:00-06:00"), rule(2, priority=2, window="05:00-07:30")]
    timeline = resolve(rules, screen("Europe/Berlin"), start, end)
    assert timeline.segments[0].start == start
    assert timeline.segments[-1].end == end
    for before, after in zip(timeline.segments, timeline.segments[1:], strict=False):
        assert before.end == after.start
        assert before.start < before.end


def test_range_in_another_zone_is_reported_in_utc() -> None:
    berlin = datetime(2026, 6, 1, 2, tzinfo=ZoneInfo("Europe/Berlin"))
    timeline = resolve([], screen(), berlin, berlin + timedelta(hours=1))
    assert timeline.start == utc(2026, 6, 1, 0)
    assert timeline.start.tzinfo is UTC


def test_timeline_at_finds_the_segment_and_refuses_outside_instants() -> None:
    timeline = resolve([rule(1, window="09:00-17:00")], screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    assert timeline.at(utc(2026, 6, 1, 9)).schedule_id == 1
    assert timeline.at(utc(2026, 6, 1, 8, 59, 59)).source is Source.DEFAULT
    assert timeline.at(utc(2026, 6, 1, 17)).source is Source.DEFAULT
    with pytest.raises(InvalidValue) as caught:
        timeline.at(utc(2026, 6, 2))
    assert caught.value.field == "instant"


def test_version_is_stable_and_follows_what_plays() -> None:
    rules = [rule(1, window="09:00-17:00")]
    start, end = utc(2026, 6, 1), utc(2026, 6, 2)
    first = resolve(rules, screen(), start, end)
    assert first.version == resolve(list(rules), screen(), start, end).version
    assert len(first.version) == 64
    assert first.version != resolve([rule(1, window="09:00-17:30")], screen(), start, end).version
    assert first.version != resolve(rules, screen(), start, end + timedelta(hours=1)).version
    other_screen = ScreenContext(2, "Hall", "UTC", 9, "house loop")
    assert first.version != resolve(rules, other_screen, start, end).version


def test_timeline_as_dict_is_json_ready() -> None:
    import json

    timeline = resolve([rule(1, window="09:00-17:00")], screen(), utc(2026, 6, 1), utc(2026, 6, 2))
    data = json.loads(json.dumps(timeline.as_dict()))
    assert data["version"] == timeline.version
    assert [s["source"] for s in data["segments"]] == ["default", "schedule", "default"]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        resolve([], screen(), datetime(2026, 6, 1), utc(2026, 6, 2))
    assert caught.value.field == "start"
    assert "time zone" in str(caught.value)
    with pytest.raises(InvalidValue):
        resolve([], screen(), utc(2026, 6, 1), datetime(2026, 6, 2))
    with pytest.raises(InvalidValue):
        explain([], screen(), datetime(2026, 6, 1))


def test_an_empty_or_backwards_range_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        resolve([], screen(), utc(2026, 6, 2), utc(2026, 6, 1))
    assert caught.value.field == "end"
    with pytest.raises(InvalidValue):
        resolve([], screen(), utc(2026, 6, 2), utc(2026, 6, 2))


# --- explain ------------------------------------------------------------------------------------


def test_explain_names_the_winner_and_the_losers_in_rank_order() -> None:
    rules = [
        rule(1, priority=1),
        rule(2, priority=5, window="12:00-13:00"),
        rule(3, priority=3, window="11:00-14:00"),
        rule(4, priority=9, window="18:00-19:00"),  # not active at noon
        rule(5, priority=7, enabled=False),
    ]
    why = explain(rules, screen("Europe/Berlin"), utc(2026, 6, 1, 10, 30))
    assert why.winner is not None
    assert why.winner.id == 2
    assert [loser.id for loser in why.losers] == [3, 1]
    assert why.segment.schedule_id == 2
    assert why.segment.start == utc(2026, 6, 1, 10)  # 12:00 in Berlin (CEST)
    assert why.segment.end == utc(2026, 6, 1, 11)
    assert why.local_time.replace(tzinfo=None) == datetime(2026, 6, 1, 12, 30)
    assert why.local_time.utcoffset() == timedelta(hours=2)


def test_explain_when_the_default_plays() -> None:
    why = explain([rule(1, window="09:00-10:00")], screen(), utc(2026, 6, 1, 12))
    assert why.winner is None
    assert why.losers == ()
    assert why.segment.source is Source.DEFAULT
    assert why.segment.start == utc(2026, 6, 1, 10)
    assert why.segment.end == utc(2026, 6, 2, 9)


# --- validation: every message names the field and the value -----------------------------------


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        ScreenContext(1, "Lobby", "Mars/Olympus")
    assert (caught.value.field, caught.value.value) == ("time zone", "Mars/Olympus")
    assert "is not an IANA time zone such as Europe/Berlin" in str(caught.value)
    for junk in ("", "localtime", "../etc/passwd", "europe/berlin"):
        with pytest.raises(InvalidValue):
            ScreenContext(1, "Lobby", junk)
    with pytest.raises(InvalidValue) as caught:
        rule(1, shared_instant=True, reference_tz="Middle/Earth")
    assert caught.value.value == "Middle/Earth"


def test_end_date_before_start_date_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        rule(1, start_date=date(2026, 6, 5), end_date=date(2026, 6, 1))
    assert (caught.value.field, caught.value.value) == ("end date", "2026-06-01")
    assert "is before the start date 2026-06-05" in str(caught.value)
    assert rule(2, start_date=date(2026, 6, 1), end_date=date(2026, 6, 1)).end_date


def test_empty_weekdays_are_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        rule(1, weekdays=frozenset())
    assert (caught.value.field, caught.value.value) == ("days", "")
    assert "no weekday chosen" in str(caught.value)
    with pytest.raises(InvalidValue) as caught:
        parse_weekdays(" , ")
    assert "no weekday chosen" in str(caught.value)
    with pytest.raises(InvalidValue) as caught:
        rule(1, weekdays=frozenset({7}))
    assert caught.value.field == "days"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,tue,fri", {0, 1, 4}),
        ("Mon, Tue , FRI", {0, 1, 4}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekend", {5, 6}),
        ("all", set(range(7))),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("monday,wednesday", {0, 2}),
        ("mon-wed,sat", {0, 1, 2, 5}),
    ],
)
def test_parse_weekdays_reads_what_curators_write(text: str, expected: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(expected)
    assert ScheduleRule.parse_weekdays(text) == frozenset(expected)
    assert parse_weekdays(format_weekdays(expected)) == frozenset(expected)


@pytest.mark.parametrize("text", ["funday", "mo", "mon-", "mon-tue-wed", "1,2", "mon/tue"])
def test_parse_weekdays_refuses_junk_naming_it(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_weekdays(text)
    assert (caught.value.field, caught.value.value) == ("days", text)
    assert "weekday" in caught.value.reason


def test_window_parse_reads_times_and_overnight() -> None:
    assert DailyWindow.parse("09:00-17:30") == DailyWindow(time(9), time(17, 30))
    assert DailyWindow.parse(" 9:05 - 17:30 ") == DailyWindow(time(9, 5), time(17, 30))
    night = DailyWindow.parse("22:00-02:00")
    assert night.overnight
    assert str(night) == "22:00-02:00"
    to_midnight = DailyWindow.parse("18:00-24:00")
    assert to_midnight.end == time(0)
    assert not to_midnight.overnight
    assert str(to_midnight) == "18:00-24:00"
    assert DailyWindow.parse(str(to_midnight)) == to_midnight


def test_window_with_equal_start_and_end_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        DailyWindow.parse("22:00-22:00")
    assert (caught.value.field, caught.value.value) == ("window", "22:00-22:00")
    assert "leave the window out to play all day" in str(caught.value)
    with pytest.raises(InvalidValue) as caught:
        DailyWindow(time(22), time(22))
    assert (caught.value.field, caught.value.value) == ("window", "22:00-22:00")
    with pytest.raises(InvalidValue):
        DailyWindow.parse("00:00-24:00")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("9-17", "HH:MM-HH:MM"),
        ("09:00", "HH:MM-HH:MM"),
        ("09:00-", "HH:MM-HH:MM"),
        ("25:00-26:00", "not a time of day"),
        ("09:60-10:00", "not a time of day"),
        ("24:00-02:00", "24:00 can only end a window"),
        ("09:00-24:30", "not a time of day"),
        ("nine-five", "HH:MM-HH:MM"),
    ],
)
def test_bad_window_text_is_refused_naming_it(text: str, hint: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        DailyWindow.parse(text)
    assert (caught.value.field, caught.value.value) == ("window", text)
    assert hint in str(caught.value)


def test_window_times_must_be_whole_minutes() -> None:
    with pytest.raises(InvalidValue):
        DailyWindow(time(9, 0, 30), time(10))


def test_created_at_must_be_aware_and_is_kept_in_utc() -> None:
    with pytest.raises(InvalidValue) as caught:
        rule(1, created_at=datetime(2026, 1, 1))
    assert caught.value.field == "created at"
    tokyo_noon = datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert rule(1, created_at=tokyo_noon).created_at == utc(2026, 1, 1, 3)
