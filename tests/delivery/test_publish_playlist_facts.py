"""A screen built again takes the facts of its unchanged playlists as an earlier publish of this
process made them (playlist_facts): never for rows that changed since, never once a media file
they name is gone from the store, and always the very bytes a publish that makes them all gives."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, select, text

from tests.delivery.conftest import World
from tests.delivery.test_publish_carries_screens import NOW, manifests
from urbanart.curation import screens
from urbanart.delivery import playlist_facts
from urbanart.delivery.publisher import publish, screen_profile
from urbanart.delivery.screen_inputs import INDEX_KEY
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.models import MediaAsset, Rendition


def payload(library: Library, screen_id: int) -> dict[str, Any]:
    token = screens.get_screen(library, screen_id).poll_token
    data = manifests(library)[f"screens/{token}/manifest.json"]
    found: dict[str, Any] = json.loads(json.loads(data)["payload"])
    return found


def titles(library: Library, screen_id: int, playlist_id: int) -> list[str]:
    entry = payload(library, screen_id)["playlists"][str(playlist_id)]
    return [item["title"] for item in entry["items"]]


def rebuilt_from_nothing_remembered(library: Library) -> None:
    """Publish again, carrying no screen and remembering no facts: it must change nothing."""
    index_path = (
        published_root(library) / "releases" / f"{current_tree(library).resolve().name}.json"
    )
    doc = json.loads(index_path.read_bytes())
    doc.pop(INDEX_KEY)
    index_path.write_text(json.dumps(doc))
    playlist_facts._MADE._values.clear()
    again = publish(library, now=NOW)
    assert not again.changed, again.message


def test_an_edited_work_reaches_screens_whose_other_playlist_facts_are_remembered(
    world: World, library: Library
) -> None:
    tokyo, evening, morning = (
        world.screens["Tokyo"],
        world.playlists["Evening"],
        world.playlists["Morning"],
    )
    publish(library, now=NOW)  # every screen built: their clean facts remembered
    morning_before = payload(library, tokyo)["playlists"][str(morning)]

    catalog.edit_artwork(library, world.works["Blue Hour"], title="Blue Minute")
    result = publish(library, now=NOW)

    changed = {c.screen_id for c in result.screens if c.status == "changed"}
    assert changed == {tokyo, world.screens["Quito"]}
    for sid in changed:
        assert "Blue Minute" in titles(library, sid, evening)
        assert "Blue Hour" not in titles(library, sid, evening)
    assert payload(library, tokyo)["playlists"][str(morning)] == morning_before
    rebuilt_from_nothing_remembered(library)


def test_a_rendition_gone_from_the_store_is_made_again_not_taken_as_remembered(
    world: World, library: Library
) -> None:
    berlin = world.screens["Berlin"]
    publish(library, now=NOW)
    profile = screen_profile(640, 360).key()  # Berlin's size
    with library.session() as session:
        gone = list(
            session.scalars(
                select(Rendition.store_key)
                .join(MediaAsset, MediaAsset.id == Rendition.asset_id)
                .where(Rendition.profile_key == profile)
            )
        )
    assert gone
    for key in gone:
        library.store.delete(key)

    screens.edit_screen(library, berlin, name="Berlin Kiosk 2")  # Berlin built, Morning unchanged
    result = publish(library, now=NOW)

    assert {c.screen_id for c in result.screens if c.status == "changed"} == {berlin}
    assert all(library.store.exists(key) for key in gone)  # made again, from the originals
    assert titles(library, berlin, world.playlists["Morning"]) == ["Red Harbour", "Signal"]
    rebuilt_from_nothing_remembered(library)


def test_facts_made_from_rows_edited_during_the_publish_are_not_remembered_under_the_rows_before(
    world: World, library: Library
) -> None:
    """A work retitled after the publish read its playlist's rows, before it loaded them to make
    the facts, then set back exactly (a restore, no edit counter moved): the facts made from the
    edited rows must never answer for the rows before (the publisher reads them again)."""
    tokyo, evening, blue = (
        world.screens["Tokyo"],
        world.playlists["Evening"],
        world.works["Blue Hour"],
    )
    publish(library, now=NOW)
    playlist_facts._MADE._values.clear()  # Tokyo's playlists' facts are made again below

    def retitle(title: str) -> None:
        with library.engine.begin() as conn:  # the title alone (no stamp), as a restore does
            conn.execute(
                text("UPDATE artworks SET title = :t WHERE id = :i"), {"t": title, "i": blue}
            )

    edited: list[str] = []

    def edit_before_loading(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        # The publisher loading the playlists whose facts it makes (_load_playlists).
        if not edited and statement.startswith("SELECT playlists.id, playlists.name"):
            edited.append(statement)
            retitle("Blue Minute")

    screens.edit_screen(library, tokyo, name="Tokyo 2")  # Tokyo is built: its facts made
    event.listen(library.engine, "before_cursor_execute", edit_before_loading)
    try:
        publish(library, now=NOW)
    finally:
        event.remove(library.engine, "before_cursor_execute", edit_before_loading)
    assert edited
    assert "Blue Minute" in titles(library, tokyo, evening)  # made from the rows it loaded

    retitle("Blue Hour")  # the very rows the publish read first
    screens.edit_screen(library, tokyo, name="Tokyo 3")  # built again, its facts looked up
    publish(library, now=NOW)

    assert "Blue Hour" in titles(library, tokyo, evening)
    assert "Blue Minute" not in titles(library, tokyo, evening)
