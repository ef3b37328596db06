"""Overlapping and duplicate schedules are flagged (engine, CLI, publish check); unnamed
schedules are named after what they do; unknown names and zones get a "did you mean"."""

from __future__ import annotations

from datetime import date

import pytest

from tests.curation.test_playlists_cli import make_playlist
from urbanart.curation import zones
from urbanart.curation.overlaps import library_overlaps, overlaps_if_saved, overlaps_of
from urbanart.curation.schedules import add_schedule, get_schedule, list_schedules
from urbanart.errors import InvalidValue, NotFound

TODAY = date(2026, 6, 1)  # a Monday


@pytest.fixture
def setup(run_cli, tmp_path) -> None:
    make_playlist(run_cli, tmp_path, "Night Shift")
    make_playlist(run_cli, tmp_path, "Morning Light")
    run_cli("screens", "add", "Tokyo", "--tz", "Asia/Tokyo", "--size", "1080x1920")
    run_cli("screens", "add", "Lisbon", "--tz", "Europe/Lisbon", "--size", "1920x1080")
    run_cli("groups", "create", "World", "--screen", "Tokyo", "--screen", "Lisbon")


def pairs(library) -> set[tuple[str, str, str, bool]]:
    return {
        (o.screen, o.first, o.second, o.duplicate) for o in library_overlaps(library, today=TODAY)
    }


def test_same_priority_windows_that_meet_on_one_screen_are_a_pair(setup, library) -> None:
    add_schedule(library, "Night Shift", screens=["Tokyo"], window="20:00-23:00", name="evening")
    add_schedule(library, "Morning Light", screens=["Tokyo"], window="22:00-02:00", name="late")
    found = library_overlaps(library, today=TODAY)
    assert [(o.screen, o.first, o.second, o.duplicate) for o in found] == [
        ("Tokyo", "evening", "late", False)
    ]
    assert found[0].meets_at.strftime("%H:%M") == "22:00"  # on Tokyo's own clock
    assert str(found[0].meets_at.tzinfo) == "Asia/Tokyo"
    assert "'evening'" in found[0].message and "'late'" in found[0].message
    assert "'Tokyo'" in found[0].message


def test_identical_schedules_are_flagged_as_duplicates(setup, library) -> None:
    for name in ("first", "second"):
        add_schedule(library, "Night Shift", groups=["World"], days="fri", name=name)
    assert pairs(library) == {
        ("Tokyo", "first", "second", True),
        ("Lisbon", "first", "second", True),
    }
    assert "identical" in library_overlaps(library, today=TODAY)[0].message


def test_different_priorities_disjoint_windows_days_or_dates_are_not_pairs(setup, library) -> None:
    add_schedule(library, "Night Shift", screens=["Tokyo"], window="20:00-23:00", name="a")
    add_schedule(
        library, "Morning Light", screens=["Tokyo"], window="20:00-23:00", priority=1, name="b"
    )
    add_schedule(library, "Morning Light", screens=["Tokyo"], window="23:00-24:00", name="c")
    add_schedule(library, "Night Shift", screens=["Lisbon"], days="sat", name="e")
    add_schedule(
        library, "Morning Light", screens=["Lisbon"], days="sun", window="06:00-08:00", name="f"
    )
    add_schedule(
        library, "Morning Light", screens=["Lisbon"], days="mon", start_date="2026-01-01",
        end_date="2026-01-31", name="g",
    )  # fmt: skip
    add_schedule(
        library, "Night Shift", screens=["Lisbon"], days="mon", start_date="2026-02-01", name="h",
    )  # fmt: skip
    assert pairs(library) == set()
    # The same windows at one priority on one screen do meet.
    add_schedule(library, "Night Shift", screens=["Tokyo"], window="22:30-23:30", name="x")
    assert pairs(library) == {("Tokyo", "a", "x", False), ("Tokyo", "c", "x", False)}


def test_an_overnight_window_meets_the_next_mornings_schedule(setup, library) -> None:
    add_schedule(library, "Night Shift", screens=["Lisbon"], days="sun", window="23:00-02:00",
                 name="sunday night")  # fmt: skip
    add_schedule(library, "Morning Light", screens=["Lisbon"], days="mon", window="01:00-03:00",
                 name="monday early")  # fmt: skip
    found = library_overlaps(library, today=TODAY)
    assert [(o.first, o.second) for o in found] == [("sunday night", "monday early")]
    assert found[0].meets_at.strftime("%a %H:%M") == "Mon 01:00"


def test_a_shared_instant_schedule_is_compared_in_the_screens_zone(setup, library) -> None:
    # 09:00-10:00 UTC is 18:00-19:00 in Tokyo: it meets Tokyo's local 18:30 window, not Lisbon's.
    add_schedule(library, "Night Shift", groups=["World"], window="09:00-10:00",
                 shared_instant=True, reference_tz="UTC", name="launch")  # fmt: skip
    add_schedule(library, "Morning Light", groups=["World"], window="18:30-20:00", name="local")
    assert pairs(library) == {("Tokyo", "launch", "local", False)}


def test_disabled_schedules_never_overlap(setup, library) -> None:
    add_schedule(library, "Night Shift", screens=["Tokyo"], name="on")
    add_schedule(library, "Night Shift", screens=["Tokyo"], name="off", enabled=False)
    assert pairs(library) == set()


def test_overlaps_of_one_schedule_and_before_saving(setup, library) -> None:
    a = add_schedule(library, "Night Shift", screens=["Tokyo"], window="20:00-23:00", name="a")
    add_schedule(library, "Morning Light", screens=["Lisbon"], window="20:00-23:00", name="b")
    c = add_schedule(library, "Morning Light", screens=["Lisbon"], name="c")
    assert [(o.first, o.second) for o in overlaps_of(library, a.id, today=TODAY)] == []
    assert [(o.first, o.second) for o in overlaps_of(library, c.id, today=TODAY)] == [("b", "c")]
    before = len(list_schedules(library))
    draft = {"playlist": "Night Shift", "screens": ["Tokyo"], "window": "22:00-23:30",
             "name": "draft"}  # fmt: skip
    found = overlaps_if_saved(library, None, draft, today=TODAY)
    assert [(o.first, o.second, o.screen) for o in found] == [("a", "draft", "Tokyo")]
    assert len(list_schedules(library)) == before  # nothing was stored
    moved = overlaps_if_saved(library, a.id, {"window": "06:00-07:00"}, today=TODAY)
    assert moved == []
    assert get_schedule(library, a.id).window == "20:00-23:00"  # the edit was rolled back
    with pytest.raises(InvalidValue) as caught:
        overlaps_if_saved(library, None, {**draft, "window": "25:00-26:00"}, today=TODAY)
    assert caught.value.key == "window"


def test_cli_add_and_edit_warn_about_overlaps(run_cli, setup) -> None:
    run_cli("schedules", "add", "Night Shift", "--screen", "Tokyo", "--name", "one")
    added = run_cli("schedules", "add", "Morning Light", "--screen", "Tokyo", "--name", "two")
    assert added.exit_code == 0, added.stderr
    assert "warning" in added.stderr
    assert "'one'" in added.stderr and "'two'" in added.stderr and "'Tokyo'" in added.stderr
    edited = run_cli("schedules", "edit", "two", "--priority", "3")
    assert edited.exit_code == 0, edited.stderr
    assert "warning" not in edited.stderr


def test_publish_dry_run_lists_each_overlapping_pair(run_cli, setup) -> None:
    run_cli("schedules", "add", "Night Shift", "--group", "World", "--name", "one")
    run_cli("schedules", "add", "Morning Light", "--screen", "Lisbon", "--name", "two")
    result = run_cli("publish", "--dry-run")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "overlap" in line]
    assert len(lines) == 1, result.stderr
    assert "Lisbon" in lines[0] and "'one'" in lines[0] and "'two'" in lines[0]


def test_unnamed_schedules_are_named_after_what_they_do(setup, library) -> None:
    record = add_schedule(
        library, "Night Shift", screens=["Tokyo"], groups=["World"], days="mon-fri",
        window="22:00-02:00",
    )  # fmt: skip
    assert record.name == "Night Shift · weekdays 22:00-02:00 · Tokyo, group World"
    plain = add_schedule(library, "Morning Light", screens=["Lisbon"])
    assert plain.name == "Morning Light · all all day · Lisbon"


def test_a_misspelled_name_suggests_the_close_ones(setup, library) -> None:
    with pytest.raises(NotFound) as screen:
        add_schedule(library, "Night Shift", screens=["Tokio"])
    assert screen.value.suggestions == ("Tokyo",)
    assert "Did you mean 'Tokyo'?" in str(screen.value)
    with pytest.raises(NotFound) as playlist:
        add_schedule(library, "night shfit", screens=["Tokyo"])
    assert playlist.value.suggestions == ("Night Shift",)
    with pytest.raises(NotFound) as nothing:
        add_schedule(library, "Completely different", screens=["Tokyo"])
    assert nothing.value.suggestions == ()
    assert "Did you mean" not in str(nothing.value)


def test_a_misspelled_zone_suggests_the_close_one(run_cli, setup) -> None:
    result = run_cli("screens", "add", "Porto", "--tz", "Europe/Lisbo", "--size", "1920x1080")
    assert result.exit_code != 0
    assert "did you mean Europe/Lisbon" in result.stderr
    with pytest.raises(InvalidValue) as caught:
        zones.zone("Europe/Lisbo")
    assert "did you mean Europe/Lisbon" in caught.value.reason


@pytest.mark.parametrize(
    ("city", "zone"),
    [
        ("Lisbon", "Europe/Lisbon"),
        ("new york", "America/New_York"),
        (" Tokyo ", "Asia/Tokyo"),
        ("Porto", None),
        ("", None),
    ],
)
def test_zone_for_city_matches_the_zones_last_part(city, zone) -> None:
    assert zones.zone_for_city(city) == zone
