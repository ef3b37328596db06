"""Viewer pages whose inputs are unchanged are carried over from the served release, not built
(urbanart/viewers/page_units.py). What is skipped must still be right: an edit of each kind of
input republishes exactly the pages it affects, and every page served after it is byte for byte
the page a build from nothing makes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.delivery.conftest import World
from tests.delivery.test_publish_cost import payloads, release_files, served_index
from urbanart.curation import playlists, screens
from urbanart.delivery import publisher
from urbanart.delivery.publisher import publish
from urbanart.delivery.tree import ReleaseIndex
from urbanart.i18n import LANGUAGES
from urbanart.library import catalog, translations
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.settings import load_settings, update_settings
from urbanart.viewers.page_units import COMMON, INDEX_KEY
from urbanart.viewers.site import build_viewers

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def fresh_viewer_files(library: Library) -> dict[str, bytes]:
    """Every viewer file built from the served manifests with no cache and no release before."""
    base = load_settings(library).public_base_url
    return build_viewers(library, payloads(library), base_url=base).files


def showing(library: Library, artwork_id: int) -> set[int]:
    """Screens whose served manifest holds the work."""
    return {
        sid
        for sid, payload in payloads(library).items()
        if any(
            item["artwork_id"] == artwork_id
            for playlist in payload["playlists"].values()
            for item in playlist["items"]
        )
    }


def works_on(library: Library, screen_ids: set[int]) -> set[int]:
    return {
        item["artwork_id"]
        for sid, payload in payloads(library).items()
        if sid in screen_ids
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
    }


def folders(kind: str, ids: set[int]) -> set[str]:
    return {f"{kind}/{ident}/" for ident in ids}


@dataclass(frozen=True)
class Edit:
    """One edit of one kind of input: what it does, and the folders (and files) it may change
    and one file it must change, worked out from the world before the edit."""

    name: str
    apply: Callable[[World], None]
    may_change: Callable[[World], set[str]]
    must_change: Callable[[World], str]


def _artist(world: World, title: str) -> int:
    return catalog.get_artwork(world.library, world.works[title]).artist_id


FRONT = ("index.html", "404.html", "gone/")  # with their language versions: see allowed()

EDITS = [
    Edit(
        "a work's description (on its page and its artist's, in no manifest)",
        lambda w: catalog.edit_artwork(
            w.library, w.works["Red Harbour"], description="Painted at dawn."
        ),
        lambda w: {f"a/{w.works['Red Harbour']}/", f"artists/{_artist(w, 'Red Harbour')}/"},
        lambda w: f"a/{w.works['Red Harbour']}/index.html",
    ),
    Edit(
        "a playlist's description (on its page only)",
        lambda w: playlists.edit_playlist(
            w.library, w.playlists["Evening"], description="After dark."
        ),
        lambda w: {f"p/{w.playlists['Evening']}/"},
        lambda w: f"p/{w.playlists['Evening']}/index.html",
    ),
    Edit(
        "a screen's city (its page, the pages saying where its works are, the home page)",
        lambda w: screens.edit_screen(w.library, w.screens["Berlin"], city="Berlin-Mitte"),
        lambda w: (
            folders("s", {w.screens["Berlin"]})
            | folders("a", works_on(w.library, {w.screens["Berlin"]}))
            | set(FRONT)
        ),
        lambda w: f"s/{w.screens['Berlin']}/index.html",
    ),
    Edit(
        "an artist's bio (their page and their works' pages)",
        lambda w: catalog.edit_artist(w.library, _artist(w, "Blue Hour"), bio="Paints tides."),
        lambda w: {f"artists/{_artist(w, 'Blue Hour')}/"} | folders("a", set(w.works.values())),
        lambda w: f"artists/{_artist(w, 'Blue Hour')}/index.html",
    ),
    Edit(
        "a work's title in Japanese (every page that names the work, manifests of ja screens)",
        lambda w: translations.set_artwork_texts(
            w.library, w.works["Green Arcade"], "ja", title="緑のアーケード"
        ),
        lambda w: (
            folders("a", {w.works["Green Arcade"]})
            | folders("p", set(w.playlists.values()))
            | folders("s", set(w.screens.values()))
            | folders("artists", {_artist(w, "Green Arcade")})
            | {"screens/"}
        ),
        lambda w: f"a/{w.works['Green Arcade']}/ja/index.html",
    ),
    Edit(
        "an item's duration (manifests and pages of the screens playing it, its playlist, the "
        "where-to-see of every work on those screens)",
        lambda w: playlists.set_item(w.library, w.playlists["Evening"], 1, duration=40),
        lambda w: (
            folders("s", showing(w.library, w.works["Blue Hour"]))
            | folders("a", works_on(w.library, showing(w.library, w.works["Blue Hour"])))
            | {f"p/{w.playlists['Evening']}/", f"artists/{_artist(w, 'Blue Hour')}/", "screens/"}
        ),
        lambda w: f"p/{w.playlists['Evening']}/index.html",
    ),
    Edit(
        "a work's title (every page naming it, the manifests of the screens showing it)",
        lambda w: catalog.edit_artwork(w.library, w.works["Red Harbour"], title="Red Dawn"),
        lambda w: (
            folders("a", set(w.works.values()))
            | folders("s", set(w.screens.values()))
            | {f"p/{w.playlists['Morning']}/", f"artists/{_artist(w, 'Red Harbour')}/"}
            | {"screens/"}
        ),
        lambda w: f"a/{w.works['Red Harbour']}/index.html",
    ),
    Edit(
        "a playlist's order (its page, its screens' pages and manifests, their works' pages)",
        lambda w: playlists.move_item(w.library, w.playlists["Morning"], 2, 1),
        lambda w: (
            folders("a", set(w.works.values()))
            | folders("s", set(w.screens.values()))
            | {f"p/{w.playlists['Morning']}/", f"artists/{_artist(w, 'Red Harbour')}/"}
            | {"screens/"}
        ),
        lambda w: f"p/{w.playlists['Morning']}/index.html",
    ),
    Edit(
        "a screen's name (its page and manifest, the pages saying where its works are, home)",
        lambda w: screens.edit_screen(w.library, w.screens["Berlin"], name="Berlin Mitte"),
        lambda w: (
            folders("s", {w.screens["Berlin"]})
            | folders("a", works_on(w.library, {w.screens["Berlin"]}))
            | {"screens/"}
            | set(FRONT)
        ),
        lambda w: f"s/{w.screens['Berlin']}/index.html",
    ),
    Edit(
        "a screen's time zone (its programme and manifest, the pages saying when its works play;"
        " not its page, which shows what plays by the phone's clock)",
        lambda w: screens.edit_screen(w.library, w.screens["Quito"], tz="Asia/Kolkata"),
        lambda w: (
            {f"s/{w.screens['Quito']}/programme.json"}
            | folders("a", works_on(w.library, {w.screens["Quito"]}))
            | {"screens/"}
        ),
        lambda w: f"s/{w.screens['Quito']}/programme.json",
    ),
    Edit(
        "a screen's languages (its page's default language, its manifest)",
        lambda w: screens.edit_screen(w.library, w.screens["Berlin"], language="ja,en"),
        lambda w: (
            folders("s", {w.screens["Berlin"]})
            | folders("a", works_on(w.library, {w.screens["Berlin"]}))
            | {"screens/"}
        ),
        lambda w: f"s/{w.screens['Berlin']}/index.html",
    ),
]


def allowed(path: str, prefixes: set[str]) -> bool:
    """Whether path lies under one of the prefixes (front pages also in their language folders:
    ja/index.html, ja/404.html)."""
    first, _, rest = path.partition("/")
    return any(p.startswith(prefix) for p in (path, rest if first in LANGUAGES else path)
               for prefix in prefixes)  # fmt: skip


@pytest.mark.parametrize("edit", EDITS, ids=[e.name.split(" (")[0] for e in EDITS])
def test_an_edit_republishes_exactly_the_pages_it_affects(
    world: World, library: Library, edit: Edit
) -> None:
    publish(library, now=NOW)
    publish(library, now=NOW)  # a re-publish over a release that records its units' inputs
    before = served_index(library)
    may_change = edit.may_change(world)
    must_change = edit.must_change(world)

    edit.apply(world)
    result = publish(library, now=NOW)
    after = served_index(library)

    assert result.changed and result.outputs_carried > 0
    changed = {path for path in after if before.get(path) != after[path]}
    assert must_change in changed
    assert {p for p in changed if not allowed(p, may_change)} == set()
    # What was carried and what was built are what a build from nothing gives.
    served = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served[p] for p in fresh} == fresh


def test_a_new_public_address_rebuilds_every_page_with_it(world: World, library: Library) -> None:
    publish(library, now=NOW)
    publish(library, now=NOW)
    update_settings(library, public_base_url="https://elsewhere.example.net/art")
    result = publish(library, now=NOW)
    assert result.outputs_carried == 0
    served = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served[p] for p in fresh} == fresh


def test_a_new_page_background_rebuilds_every_page_with_its_images(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    publish(library, now=NOW)
    before = served_units(library)
    update_settings(library, rendition_background="#203040")
    result = publish(library, now=NOW)
    after = served_units(library)
    # Opaque works look the same on any background: every unit is built again, none carried.
    assert result.outputs_carried == 0
    assert {unit for unit, key in after.items() if before.get(unit) == key} == set()
    served = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served[p] for p in fresh} == fresh


def test_a_release_from_before_units_were_recorded_gets_them_without_a_new_release(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    root = published_root(library)
    release = current_tree(library).resolve().name
    index_path = root / "releases" / f"{release}.json"
    doc = json.loads(index_path.read_bytes())
    recorded = doc.pop(INDEX_KEY)
    index_path.write_text(json.dumps(doc))

    again = publish(library, now=NOW)
    assert not again.changed and again.outputs_carried == 0
    assert current_tree(library).resolve().name == release
    assert json.loads(index_path.read_bytes())[INDEX_KEY] == recorded
    assert publish(library, now=NOW).outputs_carried > 0


def test_a_carried_file_gone_from_the_served_release_is_built_again(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    publish(library, now=NOW)
    red = world.works["Red Harbour"]
    lost = current_tree(library) / "p" / str(world.playlists["Evening"]) / "index.html"
    lost.unlink()
    catalog.edit_artwork(library, red, description="Painted at dawn.")
    result = publish(library, now=NOW)
    assert result.changed
    served = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served[p] for p in fresh} == fresh


def served_units(library: Library) -> dict[str, str]:
    """The served release's record of its viewer units' input digests (page_units.INDEX_KEY)."""
    root = published_root(library)
    release = current_tree(library).resolve().name
    units: dict[str, str] = json.loads((root / "releases" / f"{release}.json").read_bytes())[
        INDEX_KEY
    ]
    return units


def test_an_items_duration_rebuilds_no_page_of_a_screen_showing_the_work_elsewhere(
    world: World, library: Library
) -> None:
    """A screen or playlist page shows the work's item from its own manifest or playlist, so an
    item's duration on one playlist (the item a work's own page happens to show) must not rebuild
    the page of a screen or playlist showing the work through another playlist (with a thousand
    screens that was every screen page showing the work), nor the page of a work on the same
    screens whose plays there are unchanged (their "where to see it" is the same). The screens
    playing that playlist get a new programme.json (what plays when); their pages stay."""
    blue = world.works["Blue Hour"]
    night = playlists.create_playlist(library, "Night")
    playlists.add_items(library, night.id, [blue], duration=20)
    lima = screens.add_screen(
        library, "Lima Arcade", tz="America/Lima", size="320x240", default_playlist=night.id
    )
    publish(library, now=NOW)
    publish(library, now=NOW)
    before = served_units(library)
    evening_screens = {world.screens["Tokyo"], world.screens["Quito"]}
    assert showing(library, blue) == evening_screens | {lima.id}

    playlists.set_item(library, world.playlists["Evening"], 1, duration=40)
    result = publish(library, now=NOW)
    after = served_units(library)

    assert result.changed
    rebuilt = {unit for unit, key in after.items() if before.get(unit) != key}
    artist = _artist(world, "Blue Hour")
    # The two works' "where to see it" data moves (their plays on the Evening screens); of
    # their pages only Blue Hour's, whose own item (the first met) is the edited one: the rows
    # show no time (urbanart/viewers/where.py), so Green Arcade's page is carried.
    assert rebuilt == (
        {f"s/{sid}/programme.json" for sid in evening_screens}
        | {f"a/{world.works['Blue Hour']}"}
        | {f"a/{world.works[title]}/where.json" for title in ("Blue Hour", "Green Arcade")}
        | {f"p/{world.playlists['Evening']}", f"artists/{artist}"}
    )
    served = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served[p] for p in fresh} == fresh


def _rewrite_served_units(library: Library, change: Callable[[dict[str, str]], None]) -> None:
    """Edit the served release's record of its units in place (a new file, renamed over)."""
    root = published_root(library)
    path = root / "releases" / f"{current_tree(library).resolve().name}.json"
    doc = json.loads(path.read_bytes())
    change(doc[INDEX_KEY])
    temporary = path.with_name(path.name + ".edited")
    temporary.write_text(json.dumps(doc))
    os.replace(temporary, path)


@pytest.mark.parametrize("shared", ["recorded", "changed"])
def test_a_screen_whose_inputs_are_unchanged_keeps_its_units_while_the_shared_ones_are_too(
    world: World, library: Library, shared: str
) -> None:
    """After an edit, a screen whose input key is the recorded one keeps its page and programme
    units by the served record, without keying them again: its key covers all they are made
    from but what every page shares (COMMON: the pages' code, address, settings). Once that
    differs from the record (new page code, say), every screen is keyed again. Shown by a
    record no code makes ("stale"): it stays only while COMMON is the recorded one."""
    publish(library, now=NOW)
    publish(library, now=NOW)
    berlin = world.screens["Berlin"]
    evening = {world.screens["Tokyo"], world.screens["Quito"]}
    assert berlin not in showing(library, world.works["Blue Hour"])
    units = (f"s/{berlin}", f"s/{berlin}/programme.json")

    def stale(recorded: dict[str, str]) -> None:
        recorded.update(dict.fromkeys(units, "stale"))
        if shared == "changed":
            recorded[COMMON] = "made by other page code"

    _rewrite_served_units(library, stale)
    before = served_units(library)
    playlists.set_item(library, world.playlists["Evening"], 1, duration=40)
    assert publish(library, now=NOW).changed
    after = served_units(library)

    assert {f"s/{sid}/programme.json" for sid in evening} <= {
        unit for unit in after if after[unit] != before.get(unit)
    }
    if shared == "recorded":
        assert [after[unit] for unit in units] == ["stale", "stale"]
    else:
        assert "stale" not in [after[unit] for unit in units]
        assert after[COMMON] != "made by other page code"
    served = release_files(library)
    fresh = fresh_viewer_files(library)
    assert {p: served[p] for p in fresh} == fresh


@pytest.mark.no_database
def test_the_served_units_digests_are_read_as_text_whatever_the_index_holds() -> None:
    """The record as the index writes it (text) is read as it is; any other value is read as
    its text (an index edited by hand), never as a digest no unit key could equal."""
    written = ReleaseIndex("r1", {}, frozenset(), {INDEX_KEY: {"s/1": "ab", "common": "cd"}})
    assert publisher._previous_inputs(written) == {"s/1": "ab", "common": "cd"}
    edited = ReleaseIndex("r1", {}, frozenset(), {INDEX_KEY: {"s/1": 12, "common": "cd"}})
    assert dict(publisher._previous_inputs(edited)) == {"s/1": "12", "common": "cd"}
    assert publisher._previous_inputs(ReleaseIndex("r1", {}, frozenset(), {INDEX_KEY: []})) == {}
    assert publisher._previous_inputs(None) == {}
