"""The Schedules view's wording, as plain functions: no QApplication, no library."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ui.views.schedules.formatting import (
    date_span,
    empty_week_message,
    escape,
    monday_of,
    schedule_cells,
    week_label,
    whatson_html,
    zone_text,
)
from urbanart.curation.agenda_records import Overridden, ScheduleSummary, WhatsOn
from urbanart.curation.records import ScheduleRecord, TargetKind
from urbanart.curation.resolver import Source
from urbanart.curation.week import Week

CREATED = datetime(2024, 4, 2, 9, 30, tzinfo=UTC)
LISBON = ZoneInfo("Europe/Lisbon")


def record(**changes: object) -> ScheduleRecord:
    base = ScheduleRecord(
        id=5,
        name="Late show",
        playlist_id=2,
        playlist_name="Night",
        priority=10,
        start_date=None,
        end_date=None,
        days="weekdays",
        weekdays=("mon", "tue", "wed", "thu", "fri"),
        window="22:00-02:00",
        enabled=True,
        shared_instant=False,
        reference_tz="UTC",
        screens=("Hall",),
        groups=("Lobby",),
        created_at=CREATED,
        updated_at=CREATED,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def week(kind: TargetKind, member: str | None = "Hall", blocks: tuple = ()) -> Week:
    now = datetime(2024, 6, 5, 12, tzinfo=LISBON)
    return Week((kind, 1), date(2024, 6, 3), "Lobby", "Europe/Lisbon", member, blocks, (), now)


def test_an_overnight_window_is_shown_as_typed_and_a_shared_instant_names_its_zone() -> None:
    cells = schedule_cells(record())
    assert cells == [
        "Late show",
        "Night",
        "always",
        "weekdays",
        "22:00-02:00",
        "10",
        "yes",
        "Hall, group Lobby",
    ]
    shared = schedule_cells(record(shared_instant=True, reference_tz="America/New_York"))
    assert shared[4] == "22:00-02:00 (America/New_York)"


def test_many_targets_are_led_by_their_count() -> None:
    few = record(screens=("Hall", "Foyer"), groups=("Lobby",))
    assert schedule_cells(few)[7] == "Hall, Foyer, group Lobby"
    many = record(screens=("Hall", "Foyer", "Quay", "Arcade"), groups=("Lobby",))
    assert schedule_cells(many)[7] == "4 screens, 1 group: Hall, Foyer, Quay, Arcade, group Lobby"
    screens_only = record(screens=tuple(f"Wall {n}" for n in range(12)), groups=())
    assert schedule_cells(screens_only)[7].startswith("12 screens: Wall 0, Wall 1, ")


def test_an_unnamed_all_day_schedule_with_one_open_end_date() -> None:
    cells = schedule_cells(record(name="", window=None, end_date=date(2024, 7, 1), enabled=False))
    assert cells[0] == "#5" and cells[4] == "all day" and cells[6] == "no"
    assert cells[2] == "until 1 Jul 2024"


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (None, None, "always"),
        (date(2026, 12, 3), date(2026, 12, 3), "3 Dec 2026 only"),
        (date(2026, 11, 26), date(2026, 12, 26), "26 Nov – 26 Dec 2026"),
        (date(2026, 12, 26), date(2027, 1, 2), "26 Dec 2026 – 2 Jan 2027"),
        (date(2026, 12, 3), None, "from 3 Dec 2026"),
    ],
)
def test_dates_read_as_a_curator_says_them(start, end, text) -> None:
    assert date_span(start, end) == text


def test_a_week_label_names_both_months_when_the_week_spans_two() -> None:
    assert monday_of(date(2024, 6, 9)) == date(2024, 6, 3)  # a Sunday belongs to its Monday
    assert week_label(date(2024, 6, 3)) == "3 – 9 June 2024"
    assert week_label(date(2024, 5, 27)) == "27 May – 02 Jun 2024"


def test_a_group_is_seen_on_its_members_clock_or_utc_when_empty() -> None:
    assert zone_text(week(TargetKind.GROUP), None) == "as seen on Hall (Europe/Lisbon)"
    assert zone_text(week(TargetKind.GROUP, member=None), None) == "as seen on UTC (no members yet)"
    assert zone_text(week(TargetKind.SCREEN), None) == "times in Europe/Lisbon"


def test_an_empty_week_says_why_nothing_plays_for_a_screen_and_for_a_group() -> None:
    assert "no default playlist" in empty_week_message(week(TargetKind.SCREEN))
    assert empty_week_message(week(TargetKind.GROUP)) == (
        "None of this group's schedules play this week."
    )


def answer(**changes: object) -> WhatsOn:
    at = datetime(2024, 6, 5, 23, 15, tzinfo=LISBON)
    winner = ScheduleSummary(
        5, "Late <show>", "Night", 2, 10, CREATED, None, None, "mon-fri", "22:00-02:00", False, None
    )
    base = WhatsOn(
        "Hall", 1, at, "Europe/Lisbon", "Night", 2, Source.SCHEDULE, winner,
        (Overridden(6, "", "Day", 3, CREATED, "lower priority (3 < 10)"),), at, at,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_explanation_names_the_winner_escaped_and_every_schedule_it_beat() -> None:
    html = whatson_html(answer(), TargetKind.SCREEN, "#777777", ("#112233", "#ffffff"))
    assert html.startswith("<p>Wed 05 Jun 2024, 23:15 <span style='color:#777777'>")
    assert "background:#112233;color:#ffffff'>&nbsp;Night&nbsp;" in html
    assert "<b>Wins:</b> Late &lt;show&gt; (#5)" in html and "mon-fri · 22:00-02:00" in html
    assert (
        "<b>unnamed</b> (#6, priority 3)<br>plays Day<br><i>lower priority (3 &lt; 10)</i>" in html
    )


def test_a_group_with_no_winner_says_each_member_plays_its_own() -> None:
    quiet = answer(
        playlist=None, playlist_id=None, source=Source.NOTHING, schedule=None, overridden=()
    )
    html = whatson_html(quiet, TargetKind.GROUP, "#777777", None)
    assert "<b>Nothing</b>" in html and "each member plays its own" in html
    assert "Overridden" not in html and "No other schedule" not in html
    assert escape("a & b") == "a &amp; b"
