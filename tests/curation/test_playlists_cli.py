"""`urbanart playlists`: approved works only, dense positions, clear refusals that change nothing.

Also home of the small factories the other curation CLI tests share (real imports, real CLI).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

_counter = itertools.count()


def make_artworks(
    run_cli: Callable[..., Any],
    folder: Path,
    titles: Iterable[str] = ("Dawn", "Dusk", "Noon"),
    *,
    artist: str = "Test Artist",
    approve: bool = True,
) -> dict[str, int]:
    """Import tiny distinct PNGs through `urbanart import` and approve them; title → artwork id."""
    batch = folder / f"batch-{next(_counter)}"
    batch.mkdir(parents=True)
    for title in titles:
        digest = hashlib.sha256(f"{title}-{batch.name}".encode()).digest()
        Image.new("RGB", (16 + digest[3] % 16, 12), tuple(digest[:3])).save(batch / f"{title}.png")
    result = run_cli("import", str(batch), "--artist", artist, "--workers", "1", "--json")
    assert result.exit_code == 0, result.stderr
    ids = {r["title"]: r["artwork_id"] for r in result.json_lines()}
    if approve:
        for artwork_id in ids.values():
            edit = run_cli("artworks", "edit", str(artwork_id), "--status", "approved")
            assert edit.exit_code == 0, edit.stderr
    return ids


def make_playlist(
    run_cli: Callable[..., Any], folder: Path, name: str, titles: Iterable[str] = ("Piece",)
) -> dict[str, Any]:
    """A playlist holding freshly imported, approved works (titles get the playlist name)."""
    ids = make_artworks(run_cli, folder, [f"{name} {t}" for t in titles])
    assert run_cli("playlists", "create", name).exit_code == 0
    added = run_cli("playlists", "add", name, *map(str, ids.values()), "--json")
    assert added.exit_code == 0, added.stderr
    return added.json()


def show(run_cli: Callable[..., Any], name: str) -> dict[str, Any]:
    result = run_cli("playlists", "show", name, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


@pytest.fixture
def works(run_cli, tmp_path: Path) -> dict[str, int]:
    return make_artworks(run_cli, tmp_path, ("Dawn", "Dusk", "Noon", "Tide"))


def test_create_and_add_by_title_and_id(run_cli, works) -> None:
    assert run_cli("playlists", "create", "Morning Light").exit_code == 0
    result = run_cli(
        "playlists",
        "add",
        "morning light",
        "Dawn",
        str(works["Dusk"]),
        "--duration",
        "12",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert [i["title"] for i in data["items"]] == ["Dawn", "Dusk"]
    assert [i["position"] for i in data["items"]] == [1, 2]
    assert data["total_seconds"] == 24
    assert all(len(i["sha256"]) == 64 and i["artist"] == "Test Artist" for i in data["items"])
    assert data["items"][0]["transition"] == "cut"
    assert data["items"][0]["overlay"] is True


def test_crossfade_and_no_overlay(run_cli, works) -> None:
    run_cli("playlists", "create", "P")
    result = run_cli(
        "playlists", "add", "P", "Dawn", "--transition", "crossfade", "--transition-seconds",
        "2.5", "--no-overlay", "--json",
    )  # fmt: skip
    item = result.json()["items"][0]
    assert (item["transition"], item["transition_s"], item["overlay"]) == ("crossfade", 2.5, False)


def test_an_unapproved_artwork_is_refused_and_nothing_is_added(run_cli, works, tmp_path) -> None:
    pending = make_artworks(run_cli, tmp_path, ["Draft"], approve=False)
    run_cli("playlists", "create", "P")
    result = run_cli("playlists", "add", "P", "Dawn", "Draft")
    assert result.exit_code == 2
    assert "artwork 'Draft'" in result.stderr
    assert "is not approved (status: submitted)" in result.stderr
    assert f"urbanart artworks edit {pending['Draft']} --status approved" in result.stderr
    assert show(run_cli, "P")["items"] == []


@pytest.mark.parametrize("duration", ["0", "-5", "86401", "abc", "nan"])
def test_a_bad_duration_is_refused_and_nothing_is_added(run_cli, works, duration) -> None:
    run_cli("playlists", "create", "P")
    result = run_cli("playlists", "add", "P", "Dawn", "--duration", duration)
    assert result.exit_code == 2
    # click refuses what is not a number or out of range (the option is typed); the engine, nan
    shown = duration if duration == "abc" else repr(float(duration))
    assert "duration" in result.stderr and shown in result.stderr, result.stderr
    assert show(run_cli, "P")["items"] == []


def test_unknown_artwork_or_playlist(run_cli, works) -> None:
    run_cli("playlists", "create", "P")
    missing = run_cli("playlists", "add", "P", "No Such Work")
    assert missing.exit_code == 1
    assert "No artwork called or numbered 'No Such Work'" in missing.stderr
    assert run_cli("playlists", "show", "Nope").exit_code == 1


def test_move_and_remove_keep_positions_dense(run_cli, works) -> None:
    run_cli("playlists", "create", "P")
    run_cli("playlists", "add", "P", "Dawn", "Dusk", "Noon", "Tide")
    moved = run_cli("playlists", "move", "P", "4", "1", "--json").json()
    assert [i["title"] for i in moved["items"]] == ["Tide", "Dawn", "Dusk", "Noon"]
    moved = run_cli("playlists", "move", "P", "1", "3", "--json").json()
    assert [i["title"] for i in moved["items"]] == ["Dawn", "Dusk", "Tide", "Noon"]
    removed = run_cli("playlists", "remove-item", "P", "2", "--json").json()
    assert [i["title"] for i in removed["items"]] == ["Dawn", "Tide", "Noon"]
    assert [i["position"] for i in removed["items"]] == [1, 2, 3]
    inserted = run_cli("playlists", "add", "P", "Dusk", "--at", "1", "--json").json()
    assert [i["title"] for i in inserted["items"]] == ["Dusk", "Dawn", "Tide", "Noon"]
    assert [i["position"] for i in inserted["items"]] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("move", "P", "5", "1"), "from position '5': must be between 1 and 2"),
        (("move", "P", "1", "0"), "to position '0': must be between 1 and 2"),
        (("remove-item", "P", "x"), "position 'x': must be a whole number"),
        (("remove-item", "P", "3"), "position '3': must be between 1 and 2"),
    ],
)
def test_positions_out_of_range(run_cli, works, args, message) -> None:
    run_cli("playlists", "create", "P")
    run_cli("playlists", "add", "P", "Dawn", "Dusk")
    result = run_cli("playlists", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert [i["title"] for i in show(run_cli, "P")["items"]] == ["Dawn", "Dusk"]


def test_set_item_fields(run_cli, works) -> None:
    run_cli("playlists", "create", "P")
    run_cli("playlists", "add", "P", "Dawn", "Dusk")
    data = run_cli(
        "playlists", "set-item", "P", "2", "--duration", "30", "--transition", "crossfade",
        "--transition-seconds", "3", "--no-overlay", "--json",
    ).json()  # fmt: skip
    item = data["items"][1]
    assert (item["duration"], item["transition"], item["transition_s"], item["overlay"]) == (
        30,
        "crossfade",
        3,
        False,
    )
    back = run_cli("playlists", "set-item", "P", "2", "--transition", "cut", "--json").json()
    assert (back["items"][1]["transition"], back["items"][1]["transition_s"]) == ("cut", 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--transition", "cut", "--transition-seconds", "2"), "a cut has no length"),
        (("--transition", "crossfade", "--transition-seconds", "10"), "less than the item"),
        (("--transition", "crossfade", "--transition-seconds", "0"), "more than 0 s"),
    ],
)
def test_bad_transitions_are_refused(run_cli, works, args, message) -> None:
    run_cli("playlists", "create", "P")
    result = run_cli("playlists", "add", "P", "Dawn", "--duration", "10", *args)
    assert result.exit_code == 2
    assert "transition seconds" in result.stderr
    assert message in result.stderr
    assert show(run_cli, "P")["items"] == []


def test_names_are_unique_and_rename_works(run_cli) -> None:
    assert run_cli("playlists", "create", "Night Shift").exit_code == 0
    clash = run_cli("playlists", "create", "night shift")
    assert clash.exit_code == 2
    assert "a playlist with this name exists already" in clash.stderr
    renamed = run_cli("playlists", "rename", "Night Shift", "Late Shift", "--json")
    assert renamed.json()["name"] == "Late Shift"
    listed = run_cli("playlists", "list", "--json").json()
    assert [p["name"] for p in listed] == ["Late Shift"]


def test_delete_is_refused_while_scheduled_unless_forced(run_cli, tmp_path) -> None:
    make_playlist(run_cli, tmp_path, "Evening")
    run_cli("screens", "add", "Lobby", "--tz", "Europe/Berlin", "--size", "1920x1080")
    assert run_cli("schedules", "add", "Evening", "--screen", "Lobby").exit_code == 0
    refused = run_cli("playlists", "delete", "Evening", "--yes")
    assert refused.exit_code == 2
    assert "is used by schedule(s)" in refused.stderr
    assert run_cli("playlists", "delete", "Evening", "--yes", "--force").exit_code == 0
    assert run_cli("schedules", "list", "--json").json() == []
    assert run_cli("playlists", "list", "--json").json() == []


def test_human_output_numbers_items(run_cli, works) -> None:
    run_cli("playlists", "create", "P")
    run_cli("playlists", "add", "P", "Dawn", "Dusk")
    out = run_cli("playlists", "show", "P").stdout
    assert "Dawn" in out
    assert "Dusk" in out
    assert "0:20" in out
