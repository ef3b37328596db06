"""`urbanart artworks edit` on many works at once (ids, --where-* filters) and empty listings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from urbanart.library.catalog import edit_artworks, list_artworks, set_status
from urbanart.library.library import Library

COLOURS = [(200, 40, 90), (10, 120, 200), (240, 200, 10), (30, 160, 60), (90, 20, 160)]


@pytest.fixture
def works(run_cli, tmp_path: Path, home: Path) -> dict[str, int]:
    """Five submitted works: three by Nova Kestrel, two by Ida Lumen; title -> id."""
    source = tmp_path / "source"
    for index, colour in enumerate(COLOURS):
        artist = "Nova Kestrel" if index < 3 else "Ida Lumen"
        folder = source / artist
        folder.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (64 + index, 48), colour).save(folder / f"work {index}.png")
    # In this process (--workers 1), as make_artworks does: a spawned import pool costs seconds
    # of CPU per test to start, and the pool is tested in tests/library/test_import.py.
    result = run_cli("import", str(source), "--workers", "1", "--json")
    assert result.exit_code == 0, result.stderr
    return {r["title"]: r["artwork_id"] for r in result.json_lines() if r["artwork_id"]}


def _statuses(home: Path) -> dict[str, str]:
    with Library.open(home) as library:
        return {r.title: r.status for r in list_artworks(library)}


def test_edit_takes_several_ids_and_changes_them_all(run_cli, works, home) -> None:
    ids = [str(works["Work 0"]), str(works["Work 3"])]
    result = run_cli("artworks", "edit", *ids, "--status", "approved", "--json")
    assert result.exit_code == 0, result.stderr
    assert sorted(r["id"] for r in result.json()) == sorted(int(i) for i in ids)
    statuses = _statuses(home)
    assert {t for t, s in statuses.items() if s == "approved"} == {"Work 0", "Work 3"}


def test_filters_select_the_works_to_edit_in_one_command(run_cli, works, home) -> None:
    with Library.open(home) as library:
        set_status(library, [works["Work 2"]], "rejected")
    result = run_cli(
        "artworks", "edit", "--where-artist", "Nova Kestrel", "--where-status", "submitted",
        "--status", "approved",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Changed 2 artworks." in result.stderr
    assert "Work 0" in result.stdout and "Work 1" in result.stdout
    assert _statuses(home) == {
        "Work 0": "approved",
        "Work 1": "approved",
        "Work 2": "rejected",  # Nova's, but not submitted
        "Work 3": "submitted",  # submitted, but Ida's
        "Work 4": "submitted",
    }
    by_list = run_cli("artworks", "list", "--status", "approved", "--json").json()
    assert sorted(a["title"] for a in by_list) == ["Work 0", "Work 1"]


def test_ids_with_filters_edit_only_the_named_works_that_match(run_cli, works, home) -> None:
    named = [str(works["Work 0"]), str(works["Work 3"])]
    result = run_cli(
        "artworks", "edit", *named, "--where-artist", "Ida Lumen", "--license", "CC0-1.0", "--json"
    )
    assert result.exit_code == 0, result.stderr
    assert [r["title"] for r in result.json()] == ["Work 3"]


def test_filters_that_match_nothing_say_so_exit_one_and_change_nothing(
    run_cli, works, home
) -> None:
    before = _statuses(home)
    result = run_cli(
        "artworks", "edit", "--where-artist", "Ida Lumen", "--where-status", "approved",
        "--status", "archived",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "No artworks match with artist 'Ida Lumen', status 'approved'." in result.stderr
    assert _statuses(home) == before


def test_a_refused_value_leaves_every_selected_work_as_it_was(run_cli, works, home) -> None:
    before = _statuses(home)
    result = run_cli("artworks", "edit", "--where-status", "submitted", "--status", "finished")
    assert result.exit_code == 2 and "finished" in result.stderr
    titled = run_cli("artworks", "edit", "--where-artist", "Ida Lumen", "--title", "Same")
    assert titled.exit_code == 2 and "title 'Same'" in titled.stderr
    assert _statuses(home) == before


def test_bulk_edit_is_one_undo_step(works, home) -> None:
    with Library.open(home) as library:
        changed = edit_artworks(library, list(works.values()), status="approved")
        assert len(changed) == 5
        assert library.history.undo_label() == "Mark 5 artworks approved"
        library.undo()
    assert set(_statuses(home).values()) == {"submitted"}


def test_edit_without_works_or_filters_is_a_usage_error(run_cli, works) -> None:
    result = run_cli("artworks", "edit", "--status", "approved")
    assert result.exit_code == 2 and "--where-" in result.stderr


def test_an_empty_listing_says_that_nothing_matched(run_cli, works) -> None:
    result = run_cli("artworks", "list", "--artist", "Ida Lumen", "--status", "approved")
    assert result.exit_code == 0
    assert result.stdout.strip() == ""
    assert "No artworks match with artist 'Ida Lumen', status 'approved'." in result.stderr
    listed = run_cli("artworks", "list", "--artist", "Ida Lumen")
    assert "No artworks match" not in listed.stderr and "Work 3" in listed.stdout


def test_an_empty_library_says_it_has_no_artworks(run_cli) -> None:
    result = run_cli("artworks", "list")
    assert result.exit_code == 0 and "no artworks yet" in result.stderr
    assert run_cli("artworks", "list", "--json").json() == []
