"""`urbanart schedules`: targets, dates, days, windows and priorities, and the rules they become."""

from __future__ import annotations

from datetime import date

import pytest

from tests.curation.test_playlists_cli import make_playlist
from urbanart.curation.rules import DailyWindow
from urbanart.curation.schedules import load_all, rules_for_screen, without_targets

TOKYO = ("Night Shift", "--screen", "Tokyo")


@pytest.fixture
def setup(run_cli, tmp_path) -> None:
    make_playlist(run_cli, tmp_path, "Night Shift")
    make_playlist(run_cli, tmp_path, "Morning Light")
    run_cli("playlists", "create", "Empty")
    run_cli("screens", "add", "Tokyo", "--tz", "Asia/Tokyo", "--size", "1080x1920")
    run_cli("screens", "add", "New York", "--tz", "America/New_York", "--size", "1920x1080")
    run_cli("screens", "add", "Lisbon", "--tz", "Europe/Lisbon", "--size", "1920x1080")
    run_cli("groups", "create", "World", "--screen", "Tokyo", "--screen", "New York")


def test_add_schedule_with_everything(run_cli, setup) -> None:
    result = run_cli(
        "schedules", "add", "Night Shift", "--screen", "Lisbon", "--group", "World",
        "--from", "2026-06-01", "--to", "2026-08-31", "--days", "fri,sat",
        "--window", "22:00-02:00", "--priority", "5", "--name", "Summer nights", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["playlist_name"] == "Night Shift"
    assert data["screens"] == ["Lisbon"]
    assert data["groups"] == ["World"]
    assert (data["start_date"], data["end_date"]) == ("2026-06-01", "2026-08-31")
    assert data["days"] == "fri,sat"
    assert data["window"] == "22:00-02:00"
    assert data["priority"] == 5
    assert data["enabled"] is True
    assert data["shared_instant"] is False
    shown = run_cli("schedules", "show", "summer nights", "--json").json()
    assert shown["id"] == data["id"]
    assert "Summer" in run_cli("schedules", "list").stdout


def test_defaults_are_all_days_all_day(run_cli, setup) -> None:
    data = run_cli("schedules", "add", "Morning Light", "--screen", "Tokyo", "--json").json()
    assert (data["days"], data["window"], data["priority"]) == ("all", None, 0)
    assert (data["start_date"], data["end_date"]) == (None, None)
    workdays = run_cli(
        "schedules", "add", "Morning Light", "--screen", "Tokyo", "--days", "mon-fri", "--json"
    ).json()
    assert workdays["days"] == "weekdays"


@pytest.mark.parametrize(
    ("args", "field", "value", "reason"),
    [
        (
            ("Night Shift", "--screen", "Tokyo", "--from", "2026-06-10", "--to", "2026-06-01"),
            "end date",
            "2026-06-01",
            "is before the start date 2026-06-10",
        ),
        ((*TOKYO, "--days", ","), "days", ",", "no weekday"),
        ((*TOKYO, "--days", "funday"), "days", "funday", "weekday"),
        ((*TOKYO, "--window", "22:00-22:00"), "window", "22:00-22:00", "same"),
        ((*TOKYO, "--window", "25:00-02:00"), "window", "25:00-02:00", "time"),
        ((*TOKYO, "--from", "June 1"), "start date", "June 1", "ISO date"),
        ((*TOKYO, "--priority", "high"), "'--priority':", "high", "not a valid integer"),
        ((*TOKYO, "--priority", "1001"), "'--priority':", "1001", "-1000<=x<=1000"),
        (("Empty", "--screen", "Tokyo"), "playlist", "Empty", "has no items; add artworks first"),
        (("Night Shift",), "targets", "", "at least one --screen or --group"),
        (
            ("Night Shift", "--group", "World", "--shared-instant", "--reference-tz", "Mars/Base"),
            "reference time zone",
            "Mars/Base",
            "is not an IANA time zone",
        ),
        (
            ("Night Shift", "--group", "World", "--reference-tz", "Europe/Paris"),
            "reference time zone",
            "Europe/Paris",
            "only applies with --shared-instant",
        ),
    ],
)  # fmt: skip
def test_invalid_schedules_are_refused_and_nothing_is_left(
    run_cli, setup, args, field, value, reason
) -> None:
    result = run_cli("schedules", "add", *args)
    assert result.exit_code == 2, result.stderr
    # a typed option (--priority) is refused by click, naming it; other fields by the engine
    shown = f"{field} {value}" if field.startswith("'--") else f"{field} '{value}'"
    assert shown in result.stderr or f"{field} '{value}'" in result.stderr, result.stderr
    assert reason in result.stderr
    assert run_cli("schedules", "list", "--json").json() == []


def test_unknown_targets_are_not_found(run_cli, setup) -> None:
    result = run_cli("schedules", "add", "Night Shift", "--screen", "Paris")
    assert result.exit_code == 1
    assert "No screen called or numbered 'Paris'" in result.stderr
    assert run_cli("schedules", "list", "--json").json() == []


def test_edit_schedule(run_cli, setup) -> None:
    sid = str(
        run_cli(
            "schedules", "add", "Night Shift", "--screen", "Tokyo", "--window", "22:00-02:00",
            "--from", "2026-06-01", "--json",
        ).json()["id"]
    )  # fmt: skip
    data = run_cli(
        "schedules", "edit", sid, "--priority", "7", "--window", "", "--from", "",
        "--group", "World", "--clear-screens", "--disable", "--playlist", "Morning Light",
        "--name", "calm", "--json",
    ).json()  # fmt: skip
    assert data["priority"] == 7
    assert data["window"] is None
    assert data["start_date"] is None
    assert (data["screens"], data["groups"]) == ([], ["World"])
    assert data["enabled"] is False
    assert data["playlist_name"] == "Morning Light"
    assert data["name"] == "calm"
    shared = run_cli(
        "schedules", "edit", "calm", "--shared-instant", "--reference-tz", "Europe/London",
        "--enable", "--json",
    ).json()  # fmt: skip
    assert (shared["shared_instant"], shared["reference_tz"], shared["enabled"]) == (
        True,
        "Europe/London",
        True,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--to", "2026-01-01"), "end date '2026-01-01': is before the start date 2026-06-01"),
        (("--days", ""), "days '': no weekday chosen"),
        (("--playlist", "Empty"), "playlist 'Empty': has no items"),
        (("--clear-screens",), "at least one --screen or --group"),
    ],
)
def test_invalid_edits_change_nothing(run_cli, setup, args, message) -> None:
    before = run_cli(
        "schedules", "add", "Night Shift", "--screen", "Tokyo", "--from", "2026-06-01", "--json"
    ).json()
    result = run_cli("schedules", "edit", str(before["id"]), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    after = run_cli("schedules", "show", str(before["id"]), "--json").json()
    assert after == before


def test_list_by_screen_includes_schedules_reaching_it_through_groups(run_cli, setup) -> None:
    run_cli("schedules", "add", "Night Shift", "--group", "World", "--name", "global")
    run_cli("schedules", "add", "Morning Light", "--screen", "Lisbon", "--name", "lisbon")
    run_cli("schedules", "add", "Morning Light", "--screen", "Tokyo", "--name", "tokyo")

    def names(*args: str) -> list[str]:
        return sorted(s["name"] for s in run_cli("schedules", "list", *args, "--json").json())

    assert names("--screen", "Tokyo") == ["global", "tokyo"]
    assert names("--screen", "New York") == ["global"]
    assert names("--screen", "Lisbon") == ["lisbon"]
    assert names("--group", "World") == ["global"]
    assert names("--playlist", "Morning Light") == ["lisbon", "tokyo"]


def test_remove_schedule(run_cli, setup) -> None:
    run_cli("schedules", "add", "Night Shift", "--screen", "Tokyo", "--name", "gone")
    assert run_cli("schedules", "remove", "gone").exit_code == 0
    assert run_cli("schedules", "list", "--json").json() == []
    assert run_cli("schedules", "remove", "gone").exit_code == 1


def test_removing_the_last_target_names_the_schedule_left_idle(run_cli, setup, library) -> None:
    run_cli("schedules", "add", "Night Shift", "--group", "World", "--name", "world nights")
    run_cli("schedules", "add", "Morning Light", "--screen", "Lisbon", "--group", "World",
            "--name", "mornings")  # fmt: skip
    deleted = run_cli("groups", "delete", "World", "--yes")
    assert deleted.exit_code == 0
    assert "world nights" in deleted.stderr and "reaches no screen" in deleted.stderr
    assert "mornings" not in deleted.stderr  # Lisbon still gets it
    assert [s.name for s in without_targets(library)] == ["world nights"]  # kept, not deleted

    removed = run_cli("screens", "remove", "Lisbon", "--yes")
    assert "mornings" in removed.stderr and "world nights" not in removed.stderr  # only new ones
    assert [s.name for s in without_targets(library)] == ["world nights", "mornings"]


def test_rules_reach_screens_directly_and_through_groups(run_cli, setup, library) -> None:
    group_rule = run_cli(
        "schedules", "add", "Night Shift", "--group", "World", "--screen", "Tokyo",
        "--days", "fri", "--window", "22:00-02:00", "--from", "2026-06-01", "--priority", "3",
        "--json",
    ).json()  # fmt: skip
    direct = run_cli("schedules", "add", "Morning Light", "--screen", "Lisbon", "--json").json()
    screens = {s["name"]: s["id"] for s in run_cli("screens", "list", "--json").json()}

    context, rules = rules_for_screen(library, screens["Tokyo"])
    assert (context.name, context.tz) == ("Tokyo", "Asia/Tokyo")
    assert [r.id for r in rules] == [group_rule["id"]]  # bound twice, listed once
    rule = rules[0]
    assert rule.playlist_name == "Night Shift"
    assert rule.weekdays == frozenset({4})
    assert rule.window == DailyWindow.parse("22:00-02:00")
    assert rule.start_date == date(2026, 6, 1)
    assert rule.priority == 3

    everything = load_all(library)
    assert set(everything) == set(screens.values())
    assert [r.id for r in everything[screens["New York"]][1]] == [group_rule["id"]]
    assert [r.id for r in everything[screens["Lisbon"]][1]] == [direct["id"]]
    assert everything[screens["Tokyo"]][1] == rules
