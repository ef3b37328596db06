"""`urbanart screens` and `urbanart groups`: validation curators can act on, tokens kept secret."""

from __future__ import annotations

import pytest

from tests.curation.test_playlists_cli import make_playlist


def add(run_cli, name: str = "Shibuya Crossing", *extra: str):
    return run_cli("screens", "add", name, "--tz", "Asia/Tokyo", "--size", "1080x1920", *extra)


def test_add_screen_shows_everything_but_the_push_secret(run_cli, library) -> None:
    result = add(
        run_cli,
        "Shibuya Crossing",
        "--city", "Tokyo", "--lat", "35.6595", "--lon", "139.7005",
        "--poll-interval", "30", "--push-url", "https://screens.example/shibuya",
        "--notes", "north wall", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["timezone"] == "Asia/Tokyo"
    assert (data["width"], data["height"], data["orientation"]) == (1080, 1920, "portrait")
    assert data["poll_interval"] == 30
    assert data["has_push_secret"] is True
    assert "push_secret" not in data
    assert len(data["poll_token"]) >= 32
    assert data["latitude"] == pytest.approx(35.6595)
    shown = run_cli("screens", "show", "shibuya crossing", "--json").json()
    assert shown["poll_token"] == data["poll_token"]
    secret = library.secrets.get(data["id"])
    assert secret
    assert len(secret) >= 40
    assert secret not in result.stdout
    assert secret not in run_cli("screens", "show", "1").stdout
    assert secret not in run_cli("screens", "list", "--json").stdout


def test_poll_tokens_are_unique_and_zone_names_are_forgiven(run_cli) -> None:
    a = add(run_cli, "A", "--json").json()
    b = run_cli(
        "screens", "add", "B", "--tz", "america/new_york", "--size", "1920x1080", "--json"
    ).json()
    assert a["poll_token"] != b["poll_token"]
    assert b["timezone"] == "America/New_York"
    assert b["orientation"] == "landscape"
    assert b["has_push_secret"] is False


@pytest.mark.parametrize(
    ("args", "field", "value", "reason"),
    [
        (("--tz", "Mars/Olympus", "--size", "1920x1080"), "time zone", "Mars/Olympus", "IANA"),
        (("--tz", "CEST", "--size", "1920x1080"), "time zone", "CEST", "Europe/Berlin"),
        (("--tz", "UTC", "--size", "0x1080"), "size", "0x1080", "between 1 and 16384"),
        (("--tz", "UTC", "--size", "20000x100"), "size", "20000x100", "between 1 and 16384"),
        (("--tz", "UTC", "--size", "big"), "size", "big", "WIDTHxHEIGHT"),
        (
            ("--tz", "UTC", "--size", "10x10", "--push-url", "ftp://x"),
            "push URL",
            "ftp://x",
            "http:// or https://",
        ),
        # numbers are typed options: click names the option, the value and the range
        (("--tz", "UTC", "--size", "1x1", "--poll-interval", "4"), "'--poll-interval'", "4", "5<="),
        (
            ("--tz", "UTC", "--size", "1x1", "--poll-interval", "3601"),
            "'--poll-interval'", "3601", "<=3600",
        ),
        (("--tz", "UTC", "--size", "10x10", "--lat", "91"), "'--lat'", "91", "-90<=x<=90"),
        (("--tz", "UTC", "--size", "10x10", "--lon", "east"), "'--lon'", "'east'", "float"),
    ],
)  # fmt: skip
def test_invalid_screens_are_refused_and_nothing_is_left(run_cli, args, field, value, reason):
    result = run_cli("screens", "add", "Bad", *args)
    assert result.exit_code == 2
    if field.startswith("'--"):
        assert f"Invalid value for {field}: {value}" in result.stderr
    else:
        assert f"{field} '{value}'" in result.stderr
    assert reason in result.stderr
    assert run_cli("screens", "list", "--json").json() == []


def test_names_are_unique(run_cli) -> None:
    add(run_cli, "Lobby")
    clash = add(run_cli, "LOBBY")
    assert clash.exit_code == 2
    assert "a screen with this name exists already (id 1)" in clash.stderr


def test_edit_screen(run_cli) -> None:
    before = add(run_cli, "Lobby", "--push-url", "http://a.example/", "--json").json()
    edited = run_cli(
        "screens", "edit", "Lobby", "--name", "Main Lobby", "--tz", "Europe/Lisbon",
        "--size", "3840x2160", "--push-url", "", "--new-poll-token", "--json",
    ).json()  # fmt: skip
    assert edited["name"] == "Main Lobby"
    assert edited["timezone"] == "Europe/Lisbon"
    assert edited["orientation"] == "landscape"
    assert edited["push_url"] is None
    assert edited["has_push_secret"] is False
    assert edited["poll_token"] != before["poll_token"]
    bad = run_cli("screens", "edit", "Main Lobby", "--tz", "Nowhere/Land")
    assert bad.exit_code == 2
    assert "time zone 'Nowhere/Land'" in bad.stderr
    assert run_cli("screens", "show", "Main Lobby", "--json").json()["timezone"] == "Europe/Lisbon"


def test_default_playlist_by_name_or_id(run_cli, tmp_path) -> None:
    playlist = make_playlist(run_cli, tmp_path, "Morning Light")
    data = add(run_cli, "Lobby", "--default-playlist", "morning light", "--json").json()
    assert data["default_playlist_name"] == "Morning Light"
    data = run_cli("screens", "edit", "Lobby", "--default-playlist", "", "--json").json()
    assert data["default_playlist_name"] is None
    data = run_cli(
        "screens", "edit", "Lobby", "--default-playlist", str(playlist["id"]), "--json"
    ).json()
    assert data["default_playlist_id"] == playlist["id"]
    missing = add(run_cli, "Other", "--default-playlist", "Nope")
    assert missing.exit_code == 1
    assert "No playlist called or numbered 'Nope'" in missing.stderr


def test_list_and_remove(run_cli) -> None:
    add(run_cli, "B screen")
    add(run_cli, "a screen")
    listed = run_cli("screens", "list", "--json").json()
    assert [s["name"] for s in listed] == ["a screen", "B screen"]
    assert "a screen" in run_cli("screens", "list").stdout
    removed = run_cli("screens", "remove", "a screen", "--yes", "--json")
    assert removed.exit_code == 0
    assert [s["name"] for s in run_cli("screens", "list", "--json").json()] == ["B screen"]
    assert run_cli("screens", "show", "a screen").exit_code == 1


def test_groups(run_cli) -> None:
    for name in ("Tokyo", "Osaka", "Lisbon"):
        add(run_cli, name)
    created = run_cli("groups", "create", "Japan", "--screen", "Tokyo", "--screen", "2", "--json")
    assert created.exit_code == 0, created.stderr
    assert created.json()["screens"] == ["Osaka", "Tokyo"]
    grown = run_cli("groups", "add", "japan", "Lisbon", "Tokyo", "--json").json()
    assert grown["screens"] == ["Lisbon", "Osaka", "Tokyo"]
    shrunk = run_cli("groups", "remove", "Japan", "Lisbon", "--json").json()
    assert shrunk["screens"] == ["Osaka", "Tokyo"]
    not_member = run_cli("groups", "remove", "Japan", "Lisbon")
    assert not_member.exit_code == 2
    assert "screen 'Lisbon': is not in the group 'Japan'" in not_member.stderr
    assert run_cli("screens", "show", "Tokyo", "--json").json()["groups"] == ["Japan"]
    in_group = run_cli("screens", "list", "--group", "Japan", "--json").json()
    assert [s["name"] for s in in_group] == ["Osaka", "Tokyo"]
    assert run_cli("groups", "create", "japan").exit_code == 2
    listed = run_cli("groups", "list", "--json").json()
    assert [(g["name"], len(g["screens"])) for g in listed] == [("Japan", 2)]
    assert run_cli("groups", "delete", "Japan", "--yes").exit_code == 0
    assert run_cli("groups", "list", "--json").json() == []
    assert len(run_cli("screens", "list", "--json").json()) == 3


def test_group_with_unknown_screen_is_not_created(run_cli) -> None:
    add(run_cli, "Tokyo")
    result = run_cli("groups", "create", "Japan", "--screen", "Tokyo", "--screen", "Kyoto")
    assert result.exit_code == 1
    assert "No screen called or numbered 'Kyoto'" in result.stderr
    assert run_cli("groups", "list", "--json").json() == []
