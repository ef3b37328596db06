"""A publish compares each changed screen's new manifest with the one being served. The payload it
compares with is the publish cache's copy of the served one when the cache holds it with the
version the release recorded (no file is read), and the served file's otherwise: either way the
very payload the screen was given."""

from __future__ import annotations

import dataclasses
import json
import marshal
from typing import Any

import pytest

from tests.delivery.conftest import World
from tests.delivery.test_publish_carries_screens import NOW
from urbanart.curation import playlists, screens
from urbanart.delivery import kept_payloads
from urbanart.delivery.kept_payloads import KeptPayloads
from urbanart.delivery.publisher import publish
from urbanart.delivery.screen_inputs import previous_records
from urbanart.delivery.served_manifests import ServedManifests
from urbanart.delivery.tree import ReleaseIndex, Tree
from urbanart.library.library import Library, current_tree, published_root
from urbanart.viewers.output_cache import OutputCache


def file_payloads(library: Library) -> dict[int, dict[str, Any]]:
    """Each screen's served payload, parsed from its signed file."""
    found = {}
    for path in (current_tree(library) / "screens").glob("*/manifest.json"):
        payload = json.loads(json.loads(path.read_bytes())["payload"])
        found[payload["screen"]["id"]] = payload
    return found


def served(world: World) -> tuple[Tree, ReleaseIndex, dict[str, int]]:
    tree = Tree(published_root(world.library))
    index = tree.index(tree.current_release())
    assert index is not None
    tokens = {
        screens.get_screen(world.library, sid).poll_token: sid for sid in world.screens.values()
    }
    return tree, index, tokens


def test_served_payloads_are_the_cache_copies_of_the_files(world: World, library: Library) -> None:
    publish(library, now=NOW)
    playlists.set_item(library, world.playlists["Morning"], 1, duration=30)
    publish(library, now=NOW)  # one screen given a second manifest, the others carried
    tree, index, tokens = served(world)
    records = previous_records(index.extra)
    assert set(records) == set(world.screens.values())
    files = file_payloads(library)
    with OutputCache.in_home(library.home) as outputs:
        old = ServedManifests(tree, index, tokens, records=records, kept=KeptPayloads(outputs))
        assert {sid: old[sid] for sid in old} == files
        assert old.read() == 0  # every payload from the cache, none parsed from its file

        # A kept payload of another version than the one recorded is not the served one.
        other = {sid: dataclasses.replace(r, version="0" * 64) for sid, r in records.items()}
        old = ServedManifests(tree, index, tokens, records=other, kept=KeptPayloads(outputs))
        assert {sid: old[sid] for sid in old} == files
        assert old.read() == len(files)

    old = ServedManifests(tree, index, tokens)  # no cache: the files
    assert {sid: old[sid] for sid in old} == files
    assert old.read() == len(files)


def test_a_changed_screen_is_compared_with_what_it_was_given(
    world: World, library: Library
) -> None:
    first = publish(library, now=NOW)
    given = {c.screen_id: c.new_version for c in first.screens}
    playlists.add_items(library, world.playlists["Evening"], [world.works["Red Harbour"]])
    result = publish(library, now=NOW)
    changed = {c.screen_id: c for c in result.screens if c.status == "changed"}
    assert set(changed) == {world.screens["Tokyo"], world.screens["Quito"]}
    for sid, change in changed.items():
        assert change.old_version == given[sid]
        assert (change.items_added, change.items_removed) == (1, 0)


def test_a_payload_made_is_read_back_in_this_process_as_the_cache_keeps_it(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    playlists.set_item(library, world.playlists["Morning"], 1, duration=30)
    result = publish(library, now=NOW)
    made = {c.screen_id for c in result.screens if c.status == "changed"}
    assert made
    _tree, index, _tokens = served(world)
    records = previous_records(index.extra)
    with OutputCache.in_home(library.home) as outputs:
        for sid in made:
            key = records[sid].inputs_key
            # An empty cache: only what this process made answers, and only for that key.
            remembered = KeptPayloads(OutputCache.memory()).get(key)
            assert remembered is not None
            assert remembered["manifest_version"] == records[sid].version
            assert KeptPayloads(OutputCache.memory()).get(key[::-1]) is None
            kept_payloads._READ.pop(kept_payloads.skeleton_key(key))
            stored = KeptPayloads(outputs).get(key)
            # The very values, types and order the cache file gives back.
            assert repr(remembered) == repr(stored)
    # The next publish compares the screens with it, read from no file.
    playlists.set_item(library, world.playlists["Morning"], 1, duration=40)
    again = publish(library, now=NOW)
    assert {c.screen_id: c.old_version for c in again.screens if c.status == "changed"} == {
        sid: records[sid].version for sid in made
    }


@pytest.mark.no_database
def test_a_kept_payload_reads_back_equal_with_each_entry_stored_once() -> None:
    """keep() marshals a playlist entry once per entry object (entries are shared by every
    screen of a size, and by the publishes of a process): the same object kept with two
    payloads is one stored part, and every payload, an equal copy's and another entry's
    too, reads back equal."""
    entry = {"name": "Morning", "total_seconds": 20, "items": [{"item_id": 1, "duration": 20}]}
    other = {"name": "Evening", "total_seconds": 8, "items": [{"item_id": 2, "duration": 8}]}
    payloads = {
        "first": {"sequence": 1, "playlists": {"1": entry}},
        "again": {"sequence": 2, "playlists": {"1": entry, "2": other}},
        "copy": {"sequence": 3, "playlists": {"1": json.loads(json.dumps(entry))}},
    }
    outputs = OutputCache.memory()
    for inputs_key, payload in payloads.items():
        kept_payloads.keep(outputs, inputs_key, payload)
    refs = {  # what keep() marshalled itself, just now
        key: marshal.loads(outputs._new[kept_payloads.skeleton_key(key)])["playlists"]  # noqa: S302
        for key in payloads
    }
    assert refs["first"]["1"] == refs["again"]["1"] != refs["again"]["2"]
    kept = KeptPayloads(outputs)
    for inputs_key, payload in payloads.items():
        assert kept._read(kept_payloads.skeleton_key(inputs_key)) == payload
