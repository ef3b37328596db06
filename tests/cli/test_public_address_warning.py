"""Commands that make public links warn (on stderr, once) while the public address is loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from urbanart.curation import playlists, screens
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.library.public_address import SET_ADDRESS_COMMAND

WARNING_WORDS = "phones and screens elsewhere cannot open"


@pytest.fixture
def curated(library: Library, tmp_path: Path) -> None:
    """One approved work on a playlist that plays on one screen; the address left as default."""
    from tests.viewers import painting
    from urbanart.library.import_sources import ImportItem
    from urbanart.library.importer import ImportRun, import_items

    source = painting(tmp_path / "work.png", (300, 200), ("#112233", "#ddeeff"), 1)
    (result,) = import_items(library, [ImportItem(source, "Ana")], ImportRun(workers=1))
    assert result.artwork_id is not None
    catalog.edit_artwork(library, result.artwork_id, title="Tide Line", status="approved")
    playlist = playlists.create_playlist(library, "Coast")
    playlists.add_items(library, playlist.id, [result.artwork_id])
    screens.add_screen(
        library, "Pier Screen", tz="Europe/Lisbon", size="640x360", default_playlist=playlist.id
    )


def _commands(tmp_path: Path) -> dict[str, tuple[str, ...]]:
    return {
        "publish": ("publish", "--no-push"),
        "publish --json": ("publish", "--json", "--no-push"),
        "link": ("link", "Tide Line", "-o", str(tmp_path / "codes")),
        "screens sign": ("screens", "sign", "Pier Screen", "-o", str(tmp_path / "sign.png")),
    }


@pytest.mark.parametrize("command", ["publish", "publish --json", "link", "screens sign"])
def test_link_making_commands_warn_once_while_the_address_is_loopback(
    run_cli, curated: None, tmp_path: Path, command: str
) -> None:
    args = _commands(tmp_path)[command]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count(WARNING_WORDS) == 1
    assert SET_ADDRESS_COMMAND in result.stderr
    assert WARNING_WORDS not in result.stdout  # stdout stays the link / the JSON a script reads
    if command == "publish --json":
        assert result.json()["message"]

    fixed = run_cli(*SET_ADDRESS_COMMAND.split()[1:])  # the fix the warning quotes, as typed
    assert fixed.exit_code == 0, fixed.stderr
    again = run_cli(*args)
    assert again.exit_code == 0, again.stderr
    assert WARNING_WORDS not in again.stderr


def test_settings_set_changes_and_shows_the_new_values(run_cli, library: Library) -> None:
    result = run_cli(
        "settings", "--set", "look_ahead_days=21", "--set", "media_grace_days=2", "--json"
    )
    assert result.exit_code == 0, result.stderr
    shown = result.json()
    assert shown["look_ahead_days"] == 21 and shown["media_grace_days"] == 2
    assert run_cli("settings", "--json").json()["look_ahead_days"] == 21


def test_settings_set_refuses_a_bad_address_and_stores_nothing(run_cli) -> None:
    result = run_cli(
        "settings", "--set", "look_ahead_days=21", "--set", "public_base_url=art.example.org"
    )
    assert result.exit_code == 2
    assert "public_base_url" in result.stderr and "https://" in result.stderr
    assert run_cli("settings", "--json").json()["look_ahead_days"] == 7


def test_publish_days_overrides_the_look_ahead_setting(run_cli, curated: None) -> None:
    assert run_cli("settings", "--set", "look_ahead_days=3").exit_code == 0
    from_setting = run_cli("publish", "--dry-run", "--json").json()
    overridden = run_cli("publish", "--dry-run", "--json", "--days", "10").json()
    assert _span_days(from_setting) == 3 + 1  # the window runs to the end of the last day
    assert _span_days(overridden) == 10 + 1


def _span_days(publication: object) -> int:
    from datetime import datetime

    assert isinstance(publication, dict)
    start = datetime.fromisoformat(publication["window"]["from"].replace("Z", "+00:00"))
    until = datetime.fromisoformat(publication["window"]["until"].replace("Z", "+00:00"))
    return (until - start).days
