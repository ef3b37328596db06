"""A publish costs what changed: pages, QR codes and manifests come from the publish cache when
their inputs are unchanged, and a cache hit gives exactly the bytes the work would have given."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.delivery.conftest import World
from tests.published_files import published_files
from urbanart.curation import playlists, schedules, screens
from urbanart.curation.overlaps import library_overlaps
from urbanart.delivery.changes import ChangeStatus, DroppedItem, ScreenChange
from urbanart.delivery.publisher import publish
from urbanart.delivery.released_files import released_files
from urbanart.delivery.tree import Tree
from urbanart.i18n import LANGUAGES
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.settings import update_settings
from urbanart.protocol.tree_layout import manifest_path
from urbanart.viewers import qr
from urbanart.viewers.output_cache import CACHE_FILE, OutputCache

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def release_files(library: Library) -> dict[str, bytes]:
    """Every file of the served release (the media folder aside), by tree path."""
    root = current_tree(library)
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in published_files(root)}


def served_index(library: Library) -> dict[str, str]:
    root = published_root(library)
    release = current_tree(library).resolve().name
    files: dict[str, str] = json.loads((root / "releases" / f"{release}.json").read_bytes())[
        "files"
    ]
    return files


def forget_everything_published(library: Library) -> None:
    """No cache and no tree: the next publish makes every output from scratch (the database
    keeps its record of what screens were given, so the numbering goes on as before)."""
    (library.home / CACHE_FILE).unlink()
    shutil.rmtree(published_root(library))


def payloads(library: Library) -> dict[int, dict]:
    root = current_tree(library)
    found = {}
    for path in (root / "screens").glob("*/manifest.json"):
        payload = json.loads(json.loads(path.read_bytes())["payload"])
        found[payload["screen"]["id"]] = payload
    return found


def test_an_unchanged_republish_makes_no_output_again(world: World, library: Library) -> None:
    first = publish(library, now=NOW)
    assert first.outputs_made > 0 and (library.home / CACHE_FILE).is_file()
    again = publish(library, now=NOW)
    assert not again.changed
    assert again.outputs_made == 0
    # Three manifests from the cache; three screen pages, four artwork pages, the artist page,
    # two playlist pages, the home and error pages, and two files per QR code (nine pages have
    # one) carried over from the served release, their inputs unchanged (page_units.py).
    assert again.outputs_carried > 0
    assert again.outputs_reused + again.outputs_carried >= first.outputs_made


def test_a_warm_cache_gives_the_same_tree_as_a_cold_one(world: World, library: Library) -> None:
    publish(library, now=NOW)
    catalog.edit_artwork(library, world.works["Blue Hour"], title="Blue Hour (2nd state)")
    playlists.set_item(library, world.playlists["Morning"], 1, duration=25)
    warm = publish(library, now=NOW)
    assert warm.changed and warm.outputs_reused > 0
    warm_files = release_files(library)

    forget_everything_published(library)
    cold = publish(library, now=NOW)
    assert cold.outputs_reused == 0
    assert release_files(library) == warm_files


def test_editing_a_title_changes_exactly_the_files_that_show_the_work(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    before = served_index(library)
    blue = world.works["Blue Hour"]
    showing = {
        sid: payload
        for sid, payload in payloads(library).items()
        if any(
            item["artwork_id"] == blue
            for playlist in payload["playlists"].values()
            for item in playlist["items"]
        )
    }
    assert showing and len(showing) < len(world.screens)
    with_blue = {
        pid
        for payload in showing.values()
        for pid, playlist in payload["playlists"].items()
        if any(item["artwork_id"] == blue for item in playlist["items"])
    }
    artist_id = catalog.get_artwork(library, blue).artist_id

    catalog.edit_artwork(library, blue, title="Blue Hour, Revisited")
    result = publish(library, now=NOW)
    after = served_index(library)

    changed = {path for path in after if before.get(path) != after[path]}
    tokens = {sid: screens.get_screen(library, sid).poll_token for sid in showing}
    pages = (
        {f"s/{sid}/" for sid in showing}
        | {f"p/{pid}/" for pid in with_blue}
        | {f"a/{blue}/", f"artists/{artist_id}/"}
    )
    # Every page exists once per language too (<folder><lang>/index.html): all of them change.
    versions = ("", *(f"{code}/" for code in LANGUAGES))
    expected = {manifest_path(token) for token in tokens.values()} | {
        f"{folder}{lang}index.html" for folder in pages for lang in versions
    }
    assert changed == expected
    assert {c.screen_id for c in result.screens if c.status == "changed"} == set(showing)
    page = (current_tree(library) / "a" / str(blue) / "index.html").read_text("utf-8")
    assert "Blue Hour, Revisited" in page


def test_editing_an_items_duration_rewrites_its_works_where_data_not_their_pages(
    world: World, library: Library
) -> None:
    """A work's page says where it plays, not when (its script reads the times from the
    work's where.json, urbanart/viewers/where.py): a longer item moves the times of every work
    of its playlist, so their data files change, and every version of their pages stays the
    same file (same sha256 in the release index, hard-linked: the same inode)."""
    publish(library, now=NOW)
    before = served_index(library)
    morning = world.playlists["Morning"]
    works = [world.works["Red Harbour"], world.works["Signal"]]
    versions = ("", *(f"{code}/" for code in LANGUAGES))
    pages = [f"a/{aid}/{lang}index.html" for aid in works for lang in versions]
    root = current_tree(library)
    inodes = {path: (root / path).stat().st_ino for path in pages}

    playlists.set_item(library, morning, 1, duration=23)
    result = publish(library, now=NOW)
    after = served_index(library)
    assert {c.status for c in result.screens} == {"changed"}  # Morning plays on all three
    root = current_tree(library)
    for path in pages:
        assert after[path] == before[path], path
        assert (root / path).stat().st_ino == inodes[path], path
    for aid in works:
        path = f"a/{aid}/where.json"
        assert after[path] != before[path], path
        data = json.loads((root / path).read_bytes())
        assert any(23_000 in length for _cycle, offsets, _segments in data["plays"]
                   for length in offsets), data  # fmt: skip


def test_a_qr_code_follows_the_public_address(world: World, library: Library) -> None:
    publish(library, now=NOW)
    update_settings(library, public_base_url="https://elsewhere.example.net/art")
    publish(library, now=NOW)
    tokyo = world.screens["Tokyo"]
    url = f"https://elsewhere.example.net/art/s/{tokyo}/"
    root = current_tree(library)
    assert (root / "qr" / "s" / f"{tokyo}.png").read_bytes() == qr.png_bytes(url)
    assert (root / "qr" / "s" / f"{tokyo}.svg").read_bytes() == qr.svg_bytes(url)


def test_pages_follow_what_only_the_catalog_holds(world: World, library: Library) -> None:
    """A description and a city are on pages but in no manifest: the pages still change."""
    publish(library, now=NOW)
    red = world.works["Red Harbour"]
    catalog.edit_artwork(library, red, description="Painted on the harbour wall at dawn.")
    screens.edit_screen(library, world.screens["Berlin"], city="Berlin-Mitte")
    result = publish(library, now=NOW)
    assert {c.status for c in result.screens} == {"unchanged"}
    root = current_tree(library)
    assert (
        "Painted on the harbour wall at dawn." in (root / "a" / str(red) / "index.html").read_text()
    )
    berlin_page = root / "s" / str(world.screens["Berlin"]) / "index.html"
    assert "Berlin-Mitte" in berlin_page.read_text()


def test_a_manifest_back_to_an_earlier_content_outranks_the_one_in_between(
    world: World, library: Library
) -> None:
    """The cache holds the first manifest for these inputs, with sequence 1; screens were given
    sequence 2 since, so the same content must come back as 3, never as the cached 1."""
    berlin = world.screens["Berlin"]
    morning = world.playlists["Morning"]
    publish(library, now=NOW)
    first = payloads(library)[berlin]
    playlists.set_item(library, morning, 1, duration=30)
    publish(library, now=NOW)
    assert payloads(library)[berlin]["sequence"] == first["sequence"] + 1
    playlists.set_item(
        library, morning, 1, duration=first["playlists"][str(morning)]["items"][0]["duration_s"]
    )
    publish(library, now=NOW)
    back = payloads(library)[berlin]
    assert back["sequence"] == first["sequence"] + 2
    assert back["playlists"] == first["playlists"]


def test_a_damaged_cache_is_started_anew_and_the_publish_succeeds(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    files = release_files(library)
    (library.home / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{library.home / CACHE_FILE}{suffix}").unlink(missing_ok=True)
    again = publish(library, now=NOW)
    assert not again.changed and again.outputs_reused == 0
    assert release_files(library) == files
    assert publish(library, now=NOW).outputs_made == 0  # and it works again


def test_the_cache_left_open_for_the_next_publish_is_closed_with_its_library(
    world: World, library: Library
) -> None:
    """A publish leaves the cache's connection open for the next (its log stays, no
    checkpoint between publishes); closing the library closes it, the log checkpointed away,
    so a closed library holds no file of its home open."""
    log = Path(f"{library.home / CACHE_FILE}-wal")
    publish(library, now=NOW)
    assert log.is_file()
    assert publish(library, now=NOW).outputs_made == 0
    library.close()
    assert not log.exists()
    with OutputCache.in_home(library.home) as outputs:
        assert outputs.keys()


def test_overlap_warnings_are_the_publish_checks_and_follow_a_renamed_schedule(
    world: World, library: Library
) -> None:
    berlin = world.screens["Berlin"]
    evening = world.playlists["Evening"]
    schedules.add_schedule(library, evening, screens=[berlin], window="10:00-12:00", name="Brunch")
    later = schedules.add_schedule(
        library, evening, screens=[berlin], window="11:00-13:00", name="Lunch"
    )
    first = publish(library, now=NOW)
    expected = [
        o.message for o in library_overlaps(library, today=NOW.date()) if o.screen_id == berlin
    ]
    assert expected and "'Lunch'" in expected[0]
    warned = {c.screen_id: list(c.warnings) for c in first.screens}
    assert [w for w in warned[berlin] if "overlap" in w] == expected

    schedules.edit_schedule(library, later.id, name="Late lunch")
    again = publish(library, now=NOW)
    warnings = next(c.warnings for c in again.screens if c.screen_id == berlin)
    assert any("'Late lunch'" in w for w in warnings)
    assert not any("'Lunch'" in w for w in warnings)


@pytest.mark.no_database
def test_a_screen_change_json_holds_every_field_and_reads_back() -> None:
    change = ScreenChange(
        7, "Kiosk", ChangeStatus.CHANGED, "a" * 64, "b" * 64, 2, 1,
        (DroppedItem(3, "Morning", 11, 5, "Draft", "not approved (status: submitted)"),),
        ("Playlist 'Empty' has nothing approved to show.",),
    )  # fmt: skip
    data = change.to_json()
    assert set(data) == {f.name for f in fields(ScreenChange)}
    assert ScreenChange.from_json(json.loads(json.dumps(data))) == change


def test_pages_back_to_an_earlier_content_come_from_the_release_that_holds_them(
    world: World, library: Library
) -> None:
    """The cache keeps a published page by reference (its path and sha256), not its bytes: an
    edit undone is published with the pages the release before holds (the work's and its
    artist's, in every version), not made again, and they are the very bytes it published."""
    blue = world.works["Blue Hour"]
    title = catalog.get_artwork(library, blue).title
    publish(library, now=NOW)
    first = release_files(library)
    page = first[f"a/{blue}/index.html"]
    catalog.edit_artwork(library, blue, title="Blue Hour, Revisited")
    edit = publish(library, now=NOW)
    with closing(sqlite3.connect(library.home / CACHE_FILE)) as cache:
        kept = {bytes(data) for (data,) in cache.execute("SELECT data FROM outputs")}
    assert page not in kept
    assert not kept & {data for path, data in first.items() if path.endswith("index.html")}

    catalog.edit_artwork(library, blue, title=title)
    back = publish(library, now=NOW)
    assert back.changed
    assert edit.outputs_made - back.outputs_made >= 2 * (1 + len(LANGUAGES))
    pages = {path for path in first if not path.startswith("screens/")}  # manifests: numbered
    assert {path: release_files(library)[path] for path in pages} == {
        path: first[path] for path in pages
    }


def test_a_signed_manifest_is_kept_by_reference_to_its_release(
    world: World, library: Library
) -> None:
    """The release holds a manifest's bytes: the publish cache names its path and sha256 only,
    and answers with the release's very bytes."""
    publish(library, now=NOW)
    manifests = {p: b for p, b in release_files(library).items() if p.endswith("manifest.json")}
    assert manifests
    with closing(sqlite3.connect(library.home / CACHE_FILE)) as db:
        whole = [bytes(data) for (data,) in db.execute("SELECT data FROM outputs")]
        references = dict(db.execute("SELECT key, path FROM released"))
    assert not any(manifest in data for manifest in manifests.values() for data in whole)
    kept = {key: path for key, path in references.items() if path in manifests}
    assert set(kept.values()) == set(manifests)
    tree = Tree(published_root(library))
    with OutputCache.in_home(library.home, released=released_files(tree)) as outputs:
        assert {path: outputs.get(key) for key, path in kept.items()} == manifests
