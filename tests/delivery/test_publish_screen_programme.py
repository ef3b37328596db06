"""A duration edit reaches screens through their programme.json, not through their pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.delivery.conftest import World
from urbanart.curation import playlists
from urbanart.delivery.publisher import publish
from urbanart.delivery.tree import ReleaseIndex, Tree
from urbanart.library.library import Library, published_root
from urbanart.viewers.page_units import INDEX_KEY, page_files

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def served_index(library: Library) -> ReleaseIndex:
    tree = Tree(published_root(library))
    index = tree.index(tree.current_release())
    assert index is not None
    return index


def test_a_duration_edit_rewrites_the_programme_of_its_screens_and_none_of_their_pages(
    world: World, library: Library
) -> None:
    """Tokyo and Quito share the Evening playlist: editing one of its items' duration changes
    their programme.json (what plays when) and leaves every version of their pages byte for
    byte (same sha256 in the release index: carried, not rewritten); Berlin's is untouched."""
    publish(library, now=NOW)
    before = served_index(library)
    evening = world.playlists["Evening"]
    playlists.set_item(library, evening, 1, duration=42)
    result = publish(library, now=NOW)
    assert result.changed
    after = served_index(library)
    sharing = [world.screens["Tokyo"], world.screens["Quito"]]
    inputs_before, inputs_after = before.extra[INDEX_KEY], after.extra[INDEX_KEY]
    assert isinstance(inputs_before, dict) and isinstance(inputs_after, dict)
    for sid in sharing:
        for path in page_files(f"s/{sid}/"):
            assert after.files[path] == before.files[path], path
        # Made from the same inputs, so carried from the served release, not built again.
        assert inputs_after[f"s/{sid}"] == inputs_before[f"s/{sid}"]
        path = f"s/{sid}/programme.json"
        assert after.files[path] != before.files[path], path
        root = Tree(published_root(library)).release_file(after.release, path)
        timing = json.loads(root.read_bytes())
        assert timing["playlists"][str(evening)]["items"][0]["duration_s"] == 42
    berlin = f"s/{world.screens['Berlin']}/programme.json"
    assert after.files[berlin] == before.files[berlin]
