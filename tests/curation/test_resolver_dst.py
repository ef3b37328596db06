"""The nights clocks change: skipped hours, repeated hours, odd offsets, and the zone helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from urbanart.curation import zones
from urbanart.curation.resolver import Source, Timeline, resolve
from urbanart.curation.rules import DailyWindow, ScheduleRule, ScreenContext
from urbanart.errors import InvalidValue

from .oracle import oracle

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def rule(window: str | None = None, on: date | None = None, **fields: object) -> ScheduleRule:
    """Rule 1, optionally limited to a single day `on`."""
    return ScheduleRule(
        id=1,
        playlist_id=101,
        playlist_name="night",
        window=None if window is None else DailyWindow.parse(window),
        start_date=on,
        end_date=on,
        **fields,  # type: ignore[arg-type]
    )


def screen(tz: str) -> ScreenContext:
    return ScreenContext(id=1, name="Corner", tz=tz, default_playlist_id=9)


def plays(timeline: Timeline) -> list[tuple[datetime, datetime]]:
    return [(s.start, s.end) for s in timeline.segments if s.source is Source.SCHEDULE]


def agrees_with_oracle(rules: list[ScheduleRule], where: ScreenContext, start, end) -> None:
    timeline = resolve(rules, where, start, end)
    for instant, (source, playlist_id, schedule_id) in oracle(rules, where, start, end):
        segment = timeline.at(instant)
        assert (segment.source, segment.playlist_id, segment.schedule_id) == (
            source,
            playlist_id,
            schedule_id,
        ), instant


NEW_YORK = screen("America/New_York")
SPRING = date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT at 07:00 UTC
FALL = date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST at 06:00 UTC


# --- spring forward -----------------------------------------------------------------------------


def test_window_starting_in_the_skipped_hour_starts_at_the_jump() -> None:
    timeline = resolve([rule("02:30-04:00")], NEW_YORK, utc(2026, 3, 8), utc(2026, 3, 10))
    assert plays(timeline) == [
        (utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)),  # 03:00-04:00 EDT: the clock never read 02:30
        (utc(2026, 3, 9, 6, 30), utc(2026, 3, 9, 8)),  # an ordinary night, 90 minutes
    ]


def test_window_entirely_inside_the_skipped_hour_does_not_play_that_night() -> None:
    timeline = resolve([rule("02:10-02:50")], NEW_YORK, utc(2026, 3, 7), utc(2026, 3, 10))
    assert plays(timeline) == [
        (utc(2026, 3, 7, 7, 10), utc(2026, 3, 7, 7, 50)),
        (utc(2026, 3, 9, 6, 10), utc(2026, 3, 9, 6, 50)),
    ]


def test_window_ending_in_the_skipped_hour_ends_at_the_jump() -> None:
    timeline = resolve([rule("01:00-02:30", on=SPRING)], NEW_YORK, utc(2026, 3, 8), utc(2026, 3, 9))
    assert plays(timeline) == [(utc(2026, 3, 8, 6), utc(2026, 3, 8, 7))]


def test_overnight_window_across_spring_forward_is_an_hour_shorter() -> None:
    saturday_night = rule("22:00-06:00", on=date(2026, 3, 7))
    timeline = resolve([saturday_night], NEW_YORK, utc(2026, 3, 7), utc(2026, 3, 9))
    ((start, end),) = plays(timeline)
    assert (start, end) == (utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))
    assert end - start == timedelta(hours=7)


def test_an_all_day_rule_lasts_23_hours_on_the_spring_day() -> None:
    timeline = resolve([rule(on=SPRING)], NEW_YORK, utc(2026, 3, 7), utc(2026, 3, 10))
    assert plays(timeline) == [(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))]


# --- fall back ----------------------------------------------------------------------------------


def test_fall_back_repeated_hour_plays_twice() -> None:
    timeline = resolve([rule("01:15-01:45", on=FALL)], NEW_YORK, utc(2026, 11, 1), utc(2026, 11, 2))
    assert plays(timeline) == [
        (utc(2026, 11, 1, 5, 15), utc(2026, 11, 1, 5, 45)),  # first pass, EDT
        (utc(2026, 11, 1, 6, 15), utc(2026, 11, 1, 6, 45)),  # the clock reads 01:15 again, EST
    ]


def test_window_starting_in_the_repeated_hour_plays_its_part_of_both_passes() -> None:
    timeline = resolve([rule("01:30-03:00", on=FALL)], NEW_YORK, utc(2026, 11, 1), utc(2026, 11, 2))
    # 01:30-02:00 EDT, then the clock falls back to 01:00 and reaches 01:30 again half an hour on.
    assert plays(timeline) == [
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6)),
        (utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 8)),
    ]


def test_overnight_window_across_fall_back_lasts_nine_hours() -> None:
    saturday_night = rule("22:00-06:00", on=date(2026, 10, 31))
    timeline = resolve([saturday_night], NEW_YORK, utc(2026, 10, 31), utc(2026, 11, 2))
    ((start, end),) = plays(timeline)
    assert (start, end) == (utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))
    assert end - start == timedelta(hours=9)


def test_an_all_day_rule_lasts_25_hours_on_the_fall_day() -> None:
    timeline = resolve([rule(on=FALL)], NEW_YORK, utc(2026, 10, 31), utc(2026, 11, 3))
    assert plays(timeline) == [(utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))]


# --- other zones --------------------------------------------------------------------------------


def test_europe_berlin_spring_and_fall() -> None:
    berlin = screen("Europe/Berlin")
    spring = resolve(
        [rule("02:30-03:30", on=date(2026, 3, 29))], berlin, utc(2026, 3, 28), utc(2026, 3, 30)
    )
    assert plays(spring) == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30))]  # 03:00-03:30 CEST
    fall = resolve(
        [rule("02:15-02:45", on=date(2026, 10, 25))], berlin, utc(2026, 10, 24), utc(2026, 10, 26)
    )
    assert plays(fall) == [
        (utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 45)),  # CEST
        (utc(2026, 10, 25, 1, 15), utc(2026, 10, 25, 1, 45)),  # CET
    ]


def test_lord_howe_half_hour_fall_back_repeats_half_an_hour() -> None:
    # 5 April 2026, 02:00 LHDT (+11:00) -> 01:30 LHST (+10:30): 01:30-02:00 happens twice.
    lord_howe = screen("Australia/Lord_Howe")
    timeline = resolve(
        [rule("01:40-01:50", on=date(2026, 4, 5))], lord_howe, utc(2026, 4, 4), utc(2026, 4, 6)
    )
    assert plays(timeline) == [
        (utc(2026, 4, 4, 14, 40), utc(2026, 4, 4, 14, 50)),
        (utc(2026, 4, 4, 15, 10), utc(2026, 4, 4, 15, 20)),
    ]


def test_lord_howe_half_hour_spring_forward_skips_half_an_hour() -> None:
    # 4 October 2026, 02:00 LHST (+10:30) -> 02:30 LHDT (+11:00) at 15:30 UTC on the 3rd.
    lord_howe = screen("Australia/Lord_Howe")
    day = date(2026, 10, 4)
    inside = resolve([rule("02:05-02:25", on=day)], lord_howe, utc(2026, 10, 3), utc(2026, 10, 5))
    assert plays(inside) == []
    across = resolve([rule("02:15-03:00", on=day)], lord_howe, utc(2026, 10, 3), utc(2026, 10, 5))
    assert plays(across) == [(utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16))]


def test_shared_instant_rule_follows_the_reference_zones_dst() -> None:
    nyc_night = rule("02:30-04:00", on=SPRING, shared_instant=True, reference_tz="America/New_York")
    for tz in ("Asia/Tokyo", "Europe/Berlin", "America/New_York"):
        timeline = resolve([nyc_night], screen(tz), utc(2026, 3, 7), utc(2026, 3, 9))
        assert plays(timeline) == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8))]


@pytest.mark.parametrize(
    ("tz", "day"),
    [
        ("America/New_York", SPRING),
        ("America/New_York", FALL),
        ("Europe/Berlin", date(2026, 3, 29)),
        ("Europe/Berlin", date(2026, 10, 25)),
        ("Australia/Lord_Howe", date(2026, 4, 5)),
        ("Australia/Lord_Howe", date(2026, 10, 4)),
        ("Pacific/Chatham", date(2026, 9, 27)),
        ("America/St_Johns", date(2026, 3, 8)),
    ],
)
def test_transition_days_agree_with_the_oracle(tz: str, day: date) -> None:
    rules = [
        ScheduleRule(1, 101, "late", window=DailyWindow.parse("22:00-06:00")),
        ScheduleRule(2, 102, "early", priority=1, window=DailyWindow.parse("01:15-03:45")),
        ScheduleRule(3, 103, "gap", priority=2, window=DailyWindow.parse("02:05-02:25")),
        ScheduleRule(4, 104, "day", start_date=day, end_date=day),
    ]
    start = datetime.combine(day, datetime.min.time(), UTC) - timedelta(days=1)
    agrees_with_oracle(rules, screen(tz), start, start + timedelta(days=2))


# --- zone helpers -------------------------------------------------------------------------------


def test_transitions_are_found_to_the_second() -> None:
    year = (utc(2026, 1, 1), utc(2027, 1, 1))
    assert zones.transitions("America/New_York", *year) == (utc(2026, 3, 8, 7), utc(2026, 11, 1, 6))
    assert zones.transitions("Australia/Lord_Howe", *year) == (
        utc(2026, 4, 4, 15),
        utc(2026, 10, 3, 15, 30),
    )
    assert zones.transitions("Asia/Kolkata", *year) == ()


def test_offset_pieces_are_contiguous_and_cached() -> None:
    start, end = utc(2026, 4, 1, 0, 0, 0, 500), utc(2026, 4, 10)
    pieces = zones.offset_pieces("Pacific/Chatham", start, end)
    assert pieces[0].start == start
    assert pieces[-1].end == end
    assert [p.offset for p in pieces] == [
        timedelta(hours=13, minutes=45),
        timedelta(hours=12, minutes=45),
    ]
    assert pieces[0].end == pieces[1].start == utc(2026, 4, 4, 14)
    assert zones.offset_pieces("Pacific/Chatham", start, end) is pieces


def test_offset_at_and_validate_zone() -> None:
    assert zones.offset_at("America/St_Johns", utc(2026, 1, 1)) == -timedelta(hours=3, minutes=30)
    assert zones.validate_zone("Europe/Berlin") == "Europe/Berlin"
    with pytest.raises(InvalidValue) as caught:
        zones.validate_zone("Europe/Atlantis")
    assert caught.value.field == "time zone"
    with pytest.raises(InvalidValue):
        zones.offset_at("UTC", datetime(2026, 1, 1))  # naive
