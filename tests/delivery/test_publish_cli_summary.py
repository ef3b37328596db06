"""`urbanart publish` on a fleet: the changed screens' rows and one summary line, not a row per
unchanged screen; --verbose and --json still give every screen."""

from __future__ import annotations

from tests.delivery.conftest import World
from urbanart.curation import playlists
from urbanart.library.library import Library


def test_publish_shows_changed_rows_and_a_summary_instead_of_unchanged_rows(
    library: Library, world: World, run_cli
) -> None:
    first = run_cli("publish")
    assert first.exit_code == 0, first.stderr
    assert "3 screens: 0 unchanged, 3 updated, 0 failed." in first.stdout
    assert all(name in first.stdout for name in ("Berlin Kiosk", "Tokyo Tower", "Quito Wall"))

    playlists.add_items(library, world.playlists["Evening"], [world.works["Red Harbour"]])
    second = run_cli("publish")
    assert second.exit_code == 0, second.stderr
    assert "3 screens: 1 unchanged, 2 updated, 0 failed." in second.stdout
    assert "Tokyo Tower" in second.stdout and "Quito Wall" in second.stdout
    assert "Berlin Kiosk" not in second.stdout  # unchanged: counted, not listed

    verbose = run_cli("publish", "--verbose")
    assert verbose.exit_code == 0, verbose.stderr
    assert "3 screens: 3 unchanged, 0 updated, 0 failed." in verbose.stdout
    rows = [line for line in verbose.stdout.splitlines() if "unchanged" in line]
    assert {name for name in ("Berlin Kiosk", "Tokyo Tower", "Quito Wall") for row in rows
            if name in row} == {"Berlin Kiosk", "Tokyo Tower", "Quito Wall"}  # fmt: skip

    quiet = run_cli("publish")
    assert "Berlin Kiosk" not in quiet.stdout and "Tokyo Tower" not in quiet.stdout
    report = run_cli("publish", "--json").json()
    assert {s["screen"] for s in report["screens"]} == {"Berlin Kiosk", "Tokyo Tower", "Quito Wall"}
    # Nothing made: the unchanged screens and pages are carried from the served release.
    assert report["outputs"]["made"] == 0 and report["outputs"]["carried"] > 0
