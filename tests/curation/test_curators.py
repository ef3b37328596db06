"""Several curators on one catalogue: stale edits refused with who and when, an audit log.

Two engine sessions are two Library objects on the same SQLite file, as two studios (or a
studio and the CLI) on one database are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from urbanart.curation import playlists, schedules, screens
from urbanart.errors import InvalidValue
from urbanart.library import catalog
from urbanart.library.audit import read_log
from urbanart.library.concurrency import StaleEdit
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, MediaAsset, Playlist


def _works(library: Library, count: int) -> None:
    with library.session() as s:
        s.execute(insert(Artist), [{"id": 1, "name": "Ida Lumen"}])
        s.execute(
            insert(MediaAsset),
            [
                {
                    "id": i,
                    "sha256": f"{i:064x}",
                    "format": "JPEG",
                    "mime_type": "image/jpeg",
                    "width": 800,
                    "height": 600,
                    "byte_size": 1000,
                    "original_name": f"{i}.jpg",
                    "original_key": f"originals/{i}.jpg",
                    "thumbnail_key": None,
                }
                for i in range(1, count + 1)
            ],
        )
        s.execute(
            insert(Artwork),
            [
                {"id": i, "artist_id": 1, "asset_id": i, "title": f"Work {i}", "status": "approved"}
                for i in range(1, count + 1)
            ],
        )


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    """Ana's and Ben's sessions on one catalogue, with four approved works."""
    home = tmp_path / "library"
    ana = Library.open(home)
    ana.curator = "Ana"
    _works(ana, 4)
    ben = Library.open(home)
    ben.curator = "Ben"
    try:
        yield ana, ben
    finally:
        ana.close()
        ben.close()


def test_a_stale_playlist_edit_is_refused_naming_who_and_when_and_nothing_is_lost(
    two: tuple[Library, Library],
) -> None:
    ana, ben = two
    made = playlists.create_playlist(ana, "Harbour nights")
    playlists.add_items(ana, made.id, [1, 2], expected_version=made.version)
    seen_by_ana = playlists.get_playlist(ana, made.id)
    seen_by_ben = playlists.get_playlist(ben, made.id)
    assert seen_by_ben.version == seen_by_ana.version

    saved = playlists.set_item(ana, made.id, 1, duration=25, expected_version=seen_by_ana.version)
    assert saved.version > seen_by_ana.version and saved.updated_by == "Ana"

    with pytest.raises(StaleEdit) as refused:
        playlists.edit_playlist(
            ben, made.id, description="Ben's words", expected_version=seen_by_ben.version
        )
    assert refused.value.by == "Ana"
    assert refused.value.at == saved.updated_at
    assert refused.value.version == saved.version
    assert "changed by Ana at" in str(refused.value) and "reload" in str(refused.value)
    with pytest.raises(StaleEdit):  # item edits are playlist edits too
        playlists.remove_item(ben, made.id, 2, expected_version=seen_by_ben.version)

    now = playlists.get_playlist(ben, made.id)  # nothing lost, nothing half-written
    assert now.description == "" and now.version == saved.version
    assert [(i.artwork_id, i.duration) for i in now.items] == [(1, 25.0), (2, 10.0)]

    # Ben reloads and makes his change on top of Ana's.
    mine = playlists.edit_playlist(
        ben, made.id, description="Ben's words", expected_version=now.version
    )
    assert mine.updated_by == "Ben" and mine.items == now.items

    log = read_log(ana, "playlist", made.id)
    assert [(e.curator, e.action) for e in reversed(log)] == [
        ("Ana", "create"),
        ("Ana", "edit"),
        ("Ana", "edit"),
        ("Ben", "edit"),
    ]
    newest = log[0]
    assert newest.changes == {"description": ["", "Ben's words"]}
    assert "description" in newest.summary
    assert "added 2 items" in log[2].summary
    assert log[1].changes["item 1 duration_s"] == [10.0, 25.0]


def test_a_write_overtaken_inside_the_transaction_is_refused_by_the_version_check(
    two: tuple[Library, Library],
) -> None:
    """The CLI reads and writes in one transaction (no expected_version): the conditional UPDATE
    still refuses a write based on a row another curator saved in between."""
    ana, ben = two
    made = playlists.create_playlist(ana, "Dawn")

    def overtaken() -> None:
        with ben.session() as session:
            playlist = session.scalars(select(Playlist).where(Playlist.id == made.id)).one()
            playlists.edit_playlist(ana, made.id, description="Ana's")  # in between
            playlist.description = "Ben's"

    with pytest.raises(StaleEdit) as refused:
        overtaken()
    assert refused.value.by == "Ana" and refused.value.name == "Dawn"
    assert playlists.get_playlist(ana, made.id).description == "Ana's"
    assert [e.curator for e in read_log(ana, "playlist", made.id)] == ["Ana", "Ana"]


def test_every_kind_of_curated_row_refuses_a_stale_edit(two: tuple[Library, Library]) -> None:
    ana, ben = two
    screen = screens.add_screen(ana, "Pier", tz="Europe/Lisbon", size="1920x1080")
    group = screens.create_group(ana, "Coast")
    playlist = playlists.create_playlist(ana, "Sea")
    playlists.add_items(ana, playlist.id, [3])
    schedule = schedules.add_schedule(ana, "Sea", screens=["Pier"])
    work = catalog.get_artwork(ana, 1)
    artist = catalog.get_artist(ana, 1)

    screens.edit_screen(ana, screen.id, city="Lisbon")
    screens.edit_group(ana, group.id, description="West")
    schedules.edit_schedule(ana, schedule.id, priority=3)
    catalog.edit_artwork(ana, work.id, title="Work one")
    catalog.edit_artist(ana, artist.id, bio="Paints harbours")

    stale_edits = [
        lambda: screens.edit_screen(ben, screen.id, city="Porto", expected_version=screen.version),
        lambda: screens.edit_group(ben, group.id, description="x", expected_version=group.version),
        lambda: schedules.edit_schedule(
            ben, schedule.id, priority=9, expected_version=schedule.version
        ),
        lambda: catalog.edit_artwork(ben, work.id, title="W", expected_version=work.version),
        lambda: catalog.edit_artist(ben, artist.id, bio="b", expected_version=artist.version),
    ]
    for stale in stale_edits:
        with pytest.raises(StaleEdit, match="changed by Ana"):
            stale()
    assert screens.get_screen(ben, screen.id).city == "Lisbon"
    assert screens.get_group(ben, group.id).description == "West"
    assert schedules.get_schedule(ben, schedule.id).priority == 3
    assert catalog.get_artwork(ben, work.id).title == "Work one"
    assert catalog.get_artist(ben, artist.id).bio == "Paints harbours"
    assert not [e for e in read_log(ana) if e.curator == "Ben"]


def test_undo_is_an_edit_it_moves_the_version_on_and_is_logged(
    two: tuple[Library, Library],
) -> None:
    ana, ben = two
    made = playlists.create_playlist(ana, "Noon")
    edited = playlists.edit_playlist(ana, made.id, description="bright")
    ana.undo()
    after_undo = playlists.get_playlist(ana, made.id)
    assert after_undo.description == "" and after_undo.version > edited.version
    with pytest.raises(StaleEdit, match="changed by Ana"):  # Ben saw the edit the undo reverted
        playlists.edit_playlist(ben, made.id, name="Midday", expected_version=edited.version)
    ana.redo()
    assert playlists.get_playlist(ana, made.id).description == "bright"
    actions = [(e.action, e.changes.get("description")) for e in read_log(ana, "playlist")]
    assert actions[:2] == [("redo", ["", "bright"]), ("undo", ["bright", ""])]


def test_a_refused_edit_leaves_no_entry_and_secrets_never_enter_the_log(
    two: tuple[Library, Library],
) -> None:
    ana, _ben = two
    screen = screens.add_screen(ana, "Quay", tz="UTC", size="800x600")
    before = read_log(ana)
    with pytest.raises(InvalidValue):
        screens.edit_screen(ana, screen.id, city="Faro", tz="Mars/Olympus")
    assert read_log(ana) == before
    screens.edit_screen(ana, screen.id, new_poll_token=True, city="Faro")
    newest = read_log(ana, "screen", screen.id)[0]
    assert newest.changes == {"city": ["", "Faro"]}
    assert screen.poll_token not in str([e.to_json() for e in read_log(ana)])


def test_the_log_filters_by_kind_and_refuses_an_unknown_kind(two: tuple[Library, Library]) -> None:
    ana, _ben = two
    playlists.create_playlist(ana, "One")
    screens.create_group(ana, "G")
    assert {e.kind for e in read_log(ana)} == {"playlist", "group"}
    assert {e.kind for e in read_log(ana, "group")} == {"group"}
    with pytest.raises(InvalidValue, match="kind"):
        read_log(ana, "painting")
