"""Screens whose inputs are unchanged are carried from the served release without being resolved
(urbanart/delivery/screen_inputs.py). Each kind of change that affects a screen must publish it
again, the screens it does not affect must be served byte for byte as before, and what was
carried must be what a publish that carries nothing makes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.delivery.conftest import World
from tests.delivery.test_publish_cost import release_files
from urbanart.curation import schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.screen_inputs import INDEX_KEY
from urbanart.delivery.signing import rotate_key
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.models import Schedule
from urbanart.library.settings import update_settings

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def manifests(library: Library) -> dict[str, bytes]:
    return {p: data for p, data in release_files(library).items() if p.startswith("screens/")}


def _morning_schedule(world: World) -> int:
    with world.library.session() as session:
        found = session.scalar(
            select(Schedule.id).where(Schedule.playlist_id == world.playlists["Morning"])
        )
    assert found is not None
    return found


def _rotate(world: World) -> None:
    rotate_key(world.library.home, now=NOW)


ALL = ("Berlin", "Tokyo", "Quito")

#: (name, the edit, the screens it must publish again)
EDITS: list[tuple[str, Callable[[World], None], set[str]]] = [
    (
        "an artwork's title",
        lambda w: catalog.edit_artwork(w.library, w.works["Blue Hour"], title="Blue Minute"),
        {"Tokyo", "Quito"},  # Evening plays on the group only
    ),
    (
        "a schedule's weekdays",
        lambda w: schedules.edit_schedule(w.library, _morning_schedule(w), days="mon,tue"),
        {"Tokyo"},
    ),
    (
        "a group membership",
        lambda w: screens.remove_from_group(w.library, "Evening screens", [w.screens["Quito"]]),
        {"Quito"},
    ),
    (
        "a time zone",
        lambda w: screens.edit_screen(w.library, w.screens["Berlin"], tz="America/Chicago"),
        {"Berlin"},
    ),
    (
        "a setting",
        lambda w: update_settings(w.library, public_base_url="https://other.example.org"),
        set(ALL),
    ),
    ("the signing key", _rotate, set(ALL)),
]


@pytest.mark.parametrize(("name", "edit", "expected"), EDITS, ids=[e[0] for e in EDITS])
def test_a_change_publishes_the_screens_it_affects_and_carries_the_others(
    world: World,
    library: Library,
    name: str,
    edit: Callable[[World], None],
    expected: set[str],
) -> None:
    update_settings(library, public_base_url="https://art.example.org")
    publish(library, now=NOW)
    again = publish(library, now=NOW)
    assert not again.changed and again.totals["unchanged"] == len(ALL)
    before = manifests(library)
    tokens = {
        label: screens.get_screen(library, sid).poll_token for label, sid in world.screens.items()
    }

    edit(world)
    result = publish(library, now=NOW)

    changed = {c.screen_id for c in result.screens if c.status == "changed"}
    assert changed == {world.screens[label] for label in expected}, name
    after = manifests(library)
    for label in set(ALL) - expected:  # carried: the very bytes served before
        path = f"screens/{tokens[label]}/manifest.json"
        assert after[path] == before[path]
    for label in expected:
        path = f"screens/{tokens[label]}/manifest.json"
        assert after[path] != before[path]

    # What was carried is what a publish that carries no screen makes from the same library.
    root = published_root(library)
    index_path = root / "releases" / f"{current_tree(library).resolve().name}.json"
    doc = json.loads(index_path.read_bytes())
    assert set(doc.pop(INDEX_KEY)) == {str(sid) for sid in world.screens.values()}
    index_path.write_text(json.dumps(doc))
    rebuilt = publish(library, now=NOW)
    assert not rebuilt.changed, rebuilt.message
    assert manifests(library) == after


def test_the_next_day_publishes_every_screen_again(world: World, library: Library) -> None:
    publish(library, now=NOW)
    next_day = publish(library, now=NOW.replace(day=5))
    assert next_day.totals["changed"] == len(ALL)  # a window that starts a day later
    assert publish(library, now=NOW.replace(day=5, hour=20)).totals["unchanged"] == len(ALL)
