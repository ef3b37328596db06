"""`urbanart whatson`: the right playlist at the right local time, and why the others lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.curation.test_playlists_cli import make_playlist


@pytest.fixture
def world(run_cli, tmp_path) -> None:
    for name in ("Night Shift", "Morning Light", "House Loop"):
        make_playlist(run_cli, tmp_path, name)
    run_cli("screens", "add", "Tokyo", "--tz", "Asia/Tokyo", "--size", "1080x1920")
    run_cli("screens", "add", "New York", "--tz", "America/New_York", "--size", "1920x1080")
    run_cli(
        "screens", "add", "Lisbon", "--tz", "Europe/Lisbon", "--size", "1920x1080",
        "--default-playlist", "House Loop",
    )  # fmt: skip
    run_cli("groups", "create", "World", "--screen", "Tokyo", "--screen", "New York")


def schedule(run_cli, playlist: str, *args: str) -> dict[str, Any]:
    result = run_cli("schedules", "add", playlist, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def on(run_cli, screen: str, at: str) -> dict[str, Any]:
    result = run_cli("whatson", screen, "--at", at, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_higher_priority_wins_and_the_loser_is_explained(run_cli, world) -> None:
    low = schedule(run_cli, "Morning Light", "--screen", "Lisbon", "--name", "base")
    high = schedule(run_cli, "Night Shift", "--screen", "Lisbon", "--priority", "5")
    low_again = schedule(run_cli, "House Loop", "--screen", "Lisbon", "--priority", "-1")
    answer = on(run_cli, "Lisbon", "2026-06-01T12:00Z")
    assert answer["playlist"] == "Night Shift"
    assert answer["source"] == "schedule"
    assert answer["schedule"]["id"] == high["id"]
    assert answer["schedule"]["priority"] == 5
    assert [(o["id"], o["why"]) for o in answer["overridden"]] == [
        (low["id"], "lower priority (0 < 5)"),
        (low_again["id"], "lower priority (-1 < 5)"),
    ]
    assert answer["overridden"][0]["name"] == "base"
    assert answer["overridden"][0]["playlist"] == "Morning Light"


def test_same_priority_goes_to_the_newest_schedule(run_cli, world) -> None:
    older = schedule(run_cli, "Morning Light", "--screen", "Lisbon", "--priority", "2")
    newer = schedule(run_cli, "Night Shift", "--screen", "Lisbon", "--priority", "2")
    answer = on(run_cli, "Lisbon", "2026-06-01T12:00Z")
    assert answer["playlist"] == "Night Shift"
    assert answer["schedule"]["id"] == newer["id"]
    assert answer["overridden"] == [
        {
            "id": older["id"],
            "name": older["name"],  # described: "Morning Light · all all day · Lisbon"
            "playlist": "Morning Light",
            "priority": 2,
            "created_at": older["created_at"],
            "why": "same priority, created earlier",
        }
    ]


def test_default_playlist_fills_the_gaps_and_nothing_is_null(run_cli, world) -> None:
    schedule(run_cli, "Night Shift", "--screen", "Lisbon", "--window", "20:00-23:00")
    schedule(run_cli, "Night Shift", "--screen", "Tokyo", "--window", "20:00-23:00")
    lisbon = on(run_cli, "Lisbon", "2026-06-01T12:00")
    assert (lisbon["playlist"], lisbon["source"], lisbon["schedule"]) == (
        "House Loop",
        "default",
        None,
    )
    tokyo = on(run_cli, "Tokyo", "2026-06-01T12:00")
    assert (tokyo["playlist"], tokyo["source"], tokyo["schedule"]) == (None, "nothing", None)
    assert on(run_cli, "Tokyo", "2026-06-01T21:00")["playlist"] == "Night Shift"


def test_a_disabled_schedule_does_not_play(run_cli, world) -> None:
    schedule(run_cli, "Night Shift", "--screen", "Lisbon", "--disable")
    assert on(run_cli, "Lisbon", "2026-06-01T12:00")["playlist"] == "House Loop"


@pytest.mark.parametrize(
    ("local", "playlist"),
    [
        ("2026-06-05T21:59", "House Loop"),  # Friday, before the window
        ("2026-06-05T22:00", "Night Shift"),  # Friday night
        ("2026-06-06T01:30", "Night Shift"),  # Saturday small hours: still Friday's window
        ("2026-06-06T02:00", "House Loop"),  # the end is exclusive
        ("2026-06-05T01:30", "House Loop"),  # Friday small hours belong to Thursday: no window
        ("2026-06-06T23:00", "House Loop"),  # Saturday night is not a Friday
    ],
)
def test_an_overnight_window_belongs_to_the_day_it_starts(run_cli, world, local, playlist) -> None:
    fridays = ("--days", "fri", "--window", "22:00-02:00")
    schedule(run_cli, "Night Shift", "--screen", "Lisbon", *fridays)
    assert on(run_cli, "Lisbon", local)["playlist"] == playlist


def test_the_same_instant_is_read_on_each_screens_own_clock(run_cli, world) -> None:
    schedule(run_cli, "Morning Light", "--group", "World", "--window", "09:00-17:00")
    tokyo = on(run_cli, "Tokyo", "2026-06-01T01:00:00Z")
    new_york = on(run_cli, "New York", "2026-06-01T01:00:00Z")
    assert tokyo["local_time"] == "2026-06-01T10:00:00+09:00"
    assert tokyo["playlist"] == "Morning Light"
    assert new_york["local_time"] == "2026-05-31T21:00:00-04:00"
    assert new_york["timezone"] == "America/New_York"
    assert (new_york["playlist"], new_york["source"]) == (None, "nothing")
    later = on(run_cli, "New York", "2026-06-01T14:00:00Z")  # 10:00 in New York
    assert later["playlist"] == "Morning Light"


def test_a_naive_time_is_the_screens_wall_clock_and_offsets_are_honoured(run_cli, world) -> None:
    assert on(run_cli, "Tokyo", "2026-06-01T10:00")["at"] == "2026-06-01T01:00:00+00:00"
    assert on(run_cli, "New York", "2026-01-15T10:00")["at"] == "2026-01-15T15:00:00+00:00"
    offset = on(run_cli, "Tokyo", "2026-06-01T10:00+02:00")
    assert offset["at"] == "2026-06-01T08:00:00+00:00"
    assert offset["local_time"] == "2026-06-01T17:00:00+09:00"


def test_shared_instant_switches_every_screen_at_once(run_cli, world) -> None:
    schedule(
        run_cli, "Night Shift", "--group", "World", "--window", "12:00-13:00",
        "--shared-instant", "--reference-tz", "UTC", "--priority", "9",
    )  # fmt: skip
    for screen in ("Tokyo", "New York"):
        assert on(run_cli, screen, "2026-06-01T12:30Z")["playlist"] == "Night Shift"
        assert on(run_cli, screen, "2026-06-01T13:30Z")["playlist"] is None


def test_schedules_via_groups_apply_to_member_screens_only(run_cli, world) -> None:
    schedule(run_cli, "Night Shift", "--group", "World")
    assert on(run_cli, "Tokyo", "2026-06-01T12:00")["playlist"] == "Night Shift"
    assert on(run_cli, "New York", "2026-06-01T12:00")["playlist"] == "Night Shift"
    assert on(run_cli, "Lisbon", "2026-06-01T12:00")["playlist"] == "House Loop"
    run_cli("groups", "add", "World", "Lisbon")
    assert on(run_cli, "Lisbon", "2026-06-01T12:00")["playlist"] == "Night Shift"
    run_cli("groups", "remove", "World", "Tokyo")
    assert on(run_cli, "Tokyo", "2026-06-01T12:00")["playlist"] is None


def test_agenda_lists_local_segments_with_winners_and_losers(run_cli, world) -> None:
    base = schedule(run_cli, "Morning Light", "--screen", "Lisbon", "--window", "08:00-12:00")
    evening = schedule(
        run_cli, "Night Shift", "--screen", "Lisbon", "--window", "10:00-23:00", "--priority", "1"
    )
    result = run_cli("whatson", "Lisbon", "--at", "2026-06-01T00:00", "--days", "1", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert (data["screen"], data["timezone"], data["days"]) == ("Lisbon", "Europe/Lisbon", 1)
    rows = [
        (s["local_start"][11:16], s["local_end"][11:16], s["playlist"], s["source"])
        for s in data["segments"]
    ]
    assert rows == [
        ("00:00", "08:00", "House Loop", "default"),
        ("08:00", "10:00", "Morning Light", "schedule"),
        ("10:00", "12:00", "Night Shift", "schedule"),  # beating Morning Light
        ("12:00", "23:00", "Night Shift", "schedule"),  # alone
        ("23:00", "00:00", "House Loop", "default"),
    ]
    overlap = data["segments"][2]
    assert overlap["schedule"]["id"] == evening["id"]
    assert [(o["id"], o["why"]) for o in overlap["overridden"]] == [
        (base["id"], "lower priority (0 < 1)")
    ]
    assert data["segments"][3]["overridden"] == []
    assert data["segments"][0]["local_start"] == "2026-06-01T00:00:00+01:00"

    table = run_cli("whatson", "Lisbon", "--at", "2026-06-01T00:00", "--days", "1")
    assert table.exit_code == 0
    assert "Morning" in table.stdout
    assert "lower" in table.stdout


def test_agenda_from_now_and_a_plain_answer(run_cli, world) -> None:
    schedule(run_cli, "Night Shift", "--screen", "Tokyo")
    now = run_cli("whatson", "Tokyo", "--json")
    assert now.exit_code == 0, now.stderr
    assert now.json()["segments"][0]["playlist"] == "Night Shift"
    week = run_cli("whatson", "Tokyo", "--days", "7")
    assert week.exit_code == 0
    assert "Night Shift" in week.stdout
    plain = run_cli("whatson", "Tokyo", "--at", "2026-06-01T10:00")
    assert plain.exit_code == 0
    assert "Night Shift" in plain.stdout
    assert "Asia/Tokyo" in plain.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("Tokyo", "--at", "yesterday"), 2, "time 'yesterday'"),
        (("Atlantis", "--at", "2026-06-01T10:00"), 1, "No screen called or numbered 'Atlantis'"),
    ],
)
def test_bad_whatson_input(run_cli, world, args, code, message) -> None:
    result = run_cli("whatson", *args)
    assert result.exit_code == code
    assert message in result.stderr
