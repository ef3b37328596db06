"""Undo and redo in the engine: every curation edit goes back, and comes again, row for row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, select, update

from urbanart.curation import playlists, schedules, screens
from urbanart.curation.demo import load_demo_curation
from urbanart.delivery.api import record_heartbeat
from urbanart.errors import InvalidValue
from urbanart.library import catalog
from urbanart.library.demo import load_demo
from urbanart.library.library import Library
from urbanart.library.models import (
    Artist,
    Artwork,
    Base,
    MediaAsset,
    Playlist,
    PlaylistItem,
    Tag,
    artwork_tags,
)
from urbanart.library.undo import (
    DataKind,
    NothingToUndo,
    Step,
    UndoHistory,
    UndoRefused,
    undoable,
)

Dump = dict[str, list[tuple[Any, ...]]]


def _demo_with_curation(library: Library) -> int:
    """The demo collection and curation; returns how many undo steps loading left."""
    load_demo(library)
    load_demo_curation(library)
    return len(library.history)


@pytest.fixture
def demo_template(library_templates, tmp_path: Path) -> tuple[Path, int]:
    """A copy of the demo collection and curation (built once per session and database)."""
    home = tmp_path / "library"
    steps = library_templates.copy("undo-demo", _demo_with_curation, home)
    assert isinstance(steps, int)
    return home, steps


@pytest.fixture
def lib(demo_template: tuple[Path, int]) -> Iterator[Library]:
    with Library.open(demo_template[0]) as library:
        yield library


#: Who and when: undo is an edit too, so it moves these on and is logged (test_curators.py).
BOOKKEEPING = {"version", "updated_by", "updated_at"}


def dump(library: Library) -> Dump:
    """Every row of every table, sorted: two equal dumps are two identical catalogs."""
    with library.engine.connect() as conn:
        return {
            table.name: sorted(
                tuple(row)
                for row in conn.execute(select(*(c for c in table.c if c.name not in BOOKKEEPING)))
            )
            for table in Base.metadata.sorted_tables
            if table.name != "audit_log"
        }


def content(record: Any) -> Any:
    """A record without who and when (undo moves its version on and stamps it)."""
    return replace(record, version=0, updated_by="", updated_at=None)


def round_trip(library: Library, before: Dump) -> Dump:
    """Undo then redo the newest step; the catalog must match before, then after, exactly."""
    after = dump(library)
    assert after != before
    library.undo()
    assert dump(library) == before
    library.redo()
    assert dump(library) == after
    return after


def test_loading_the_demo_records_no_undo_steps(demo_template: tuple[Path, int]) -> None:
    assert demo_template[1] == 0


def test_artwork_edit_with_a_new_artist_and_tags_goes_back_and_comes_again(lib: Library) -> None:
    work = catalog.list_artworks(lib)[0]
    before = dump(lib)
    catalog.edit_artwork(lib, work.id, title="Harbour at Dusk", artist="Ida Lumen", tags="a, b")
    assert lib.history.undo_label() == "Edit artwork 'Harbour at Dusk'"
    after = dump(lib)

    result = lib.undo()
    assert result.label == "Edit artwork 'Harbour at Dusk'"
    assert result.kinds == {DataKind.ARTWORKS, DataKind.ARTISTS}  # the new artist came and went
    assert dump(lib) == before
    assert catalog.get_artwork(lib, work.id).title == work.title
    assert lib.redo().redone
    assert dump(lib) == after


def test_bulk_status_is_one_step(lib: Library) -> None:
    ids = [w.id for w in catalog.list_artworks(lib)[:5]]
    before = dump(lib)
    catalog.set_status(lib, ids, "archived")
    assert len(lib.history) == 1
    assert lib.history.undo_label() == "Mark 5 artworks archived"
    round_trip(lib, before)


def test_playlist_item_move_round_trip(lib: Library) -> None:
    playlist = playlists.get_playlist(lib, "Night Shift")
    order = [i.artwork_id for i in playlist.items]
    before = dump(lib)
    playlists.move_item(lib, playlist.id, 1, 3)
    assert lib.history.undo_label() == "Move item 1 to 3 in 'Night Shift'"
    round_trip(lib, before)
    lib.undo()
    assert [i.artwork_id for i in playlists.get_playlist(lib, playlist.id).items] == order


def test_schedule_edit_round_trip_restores_window_and_targets(lib: Library) -> None:
    old = schedules.get_schedule(lib, "Evenings")
    before = dump(lib)
    schedules.edit_schedule(
        lib, old.id, window="18:00-20:00", groups=[], screens=["Lisbon Metro Wall"]
    )
    round_trip(lib, before)
    result = lib.undo()
    assert (result.label, result.kinds) == ("Edit schedule 'Evenings'", {DataKind.SCHEDULES})
    assert content(schedules.get_schedule(lib, old.id)) == content(old)


def test_removed_screen_returns_with_token_secret_memberships_targets_and_history(
    lib: Library,
) -> None:
    name = "Lisbon Metro Wall"
    screen = screens.edit_screen(lib, name, push_url="https://screens.example/lisbon")
    assert screen.groups and schedules.list_schedules(lib, screen=name)
    record_heartbeat(lib, screen.id, {"manifest_version": "v1"}, datetime.now(UTC))
    secret = screens.reveal_push_secret(lib, name)
    before = dump(lib)

    screens.remove_screen(lib, name)
    assert lib.history.undo_label() == f"Remove screen '{name}'"
    gone = dump(lib)
    assert len(gone["heartbeats"]) == len(before["heartbeats"]) - 1
    assert len(gone["schedule_screens"]) < len(before["schedule_screens"])

    result = lib.undo()
    assert result.kinds == {DataKind.SCREENS, DataKind.SCHEDULES}
    assert dump(lib) == before  # same id, poll token, memberships, targets, heartbeats
    assert screens.reveal_push_secret(lib, name) == secret
    lib.redo()
    assert dump(lib) == gone
    lib.undo()  # the second undo restores what the redo removed, captured again
    assert dump(lib) == before


def test_deleted_group_returns_with_members_and_schedule_targets(lib: Library) -> None:
    group = screens.get_group(lib, "Landscape network")
    before = dump(lib)
    screens.delete_group(lib, group.id)
    round_trip(lib, before)
    lib.undo()
    assert content(screens.get_group(lib, group.id)) == content(group)


def test_force_deleted_playlist_returns_with_its_schedules_and_default_screens(
    lib: Library,
) -> None:
    users = schedules.list_schedules(lib, playlist="Night Shift")
    assert users
    screens.edit_screen(lib, "Lisbon Metro Wall", default_playlist="Night Shift")
    before = dump(lib)
    playlists.delete_playlist(lib, "Night Shift", force=True)
    assert screens.get_screen(lib, "Lisbon Metro Wall").default_playlist_id is None
    round_trip(lib, before)
    lib.undo()
    assert screens.get_screen(lib, "Lisbon Metro Wall").default_playlist_name == "Night Shift"
    assert [content(s) for s in schedules.list_schedules(lib, playlist="Night Shift")] == [
        content(s) for s in users
    ]


def test_a_new_edit_clears_the_redo_list(lib: Library) -> None:
    playlists.create_playlist(lib, "One")
    lib.undo()
    assert lib.history.redo_label() == "Create playlist 'One'"
    playlists.create_playlist(lib, "Two")
    assert lib.history.redo_label() is None
    with pytest.raises(NothingToUndo, match="Nothing to redo"):
        lib.redo()


def test_a_refused_edit_records_nothing(lib: Library) -> None:
    with pytest.raises(InvalidValue):
        screens.edit_screen(lib, "Lisbon Metro Wall", size="0x0")
    assert len(lib.history) == 0
    with pytest.raises(NothingToUndo, match="Nothing to undo"):
        lib.undo()


def test_a_step_whose_rows_changed_since_is_refused_and_dropped(lib: Library) -> None:
    playlists.create_playlist(lib, "Older step")
    screens.edit_screen(lib, "Lisbon Metro Wall", city="Lisboa")
    with Library.open(lib.home) as other:  # another process edits the same screen meanwhile
        screens.edit_screen(other, "Lisbon Metro Wall", notes="moved to the east exit")
    before = dump(lib)

    with pytest.raises(UndoRefused) as refused:
        lib.undo()
    message = str(refused.value)
    assert "Edit screen 'Lisbon Metro Wall'" in message and "has changed since" in message
    assert "screens 'Lisbon Metro Wall'" in message
    assert dump(lib) == before  # nothing written
    assert lib.history.undo_label() == "Create playlist 'Older step'"


def test_a_step_the_database_refuses_is_kept_to_try_again(lib: Library) -> None:
    lowest = min(screens.list_screens(lib), key=lambda s: s.id)  # its id is not reused
    screens.remove_screen(lib, lowest.id)
    with Library.open(lib.home) as other:
        screens.add_screen(other, lowest.name, tz="UTC", size="1920x1080")
    with pytest.raises(UndoRefused, match="refused it"):
        lib.undo()
    assert lib.history.undo_label() == f"Remove screen '{lowest.name}'"
    with Library.open(lib.home) as other:  # the newcomer goes again
        screens.remove_screen(other, lowest.name)
    lib.undo()
    assert screens.get_screen(lib, lowest.id).name == lowest.name


def test_history_keeps_only_the_newest_steps(lib: Library) -> None:
    lib.history = UndoHistory(limit=2)
    for name in ("A", "B", "C"):
        playlists.create_playlist(lib, name)
    assert len(lib.history) == 2
    lib.undo()
    lib.undo()
    with pytest.raises(NothingToUndo):
        lib.undo()
    assert [p.name for p in playlists.list_playlists(lib) if p.name in "ABC"] == ["A"]


# Every kind of curation edit: the step holds exactly the rows that changed ----------------------

Keyed = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]

#: One call per kind of undoable edit, on the demo curation (names as the demo spells them).
EDITS: dict[str, Callable[[Library], object]] = {
    "artwork fields and tags": lambda lib: catalog.edit_artwork(
        lib, 1, title="Renamed", year=1999, description="New words", tags="fresh, orbits"
    ),
    "artwork status": lambda lib: catalog.set_status(lib, [1, 2, 3], "archived"),
    "artist add": lambda lib: catalog.add_artist(lib, "Ida Lumen", bio="Paints light"),
    "artist edit": lambda lib: catalog.edit_artist(
        lib, catalog.list_artists(lib)[0].id, location="Porto"
    ),
    "playlist create": lambda lib: playlists.create_playlist(lib, "Fresh", "new"),
    "playlist rename": lambda lib: playlists.rename_playlist(lib, "Night Shift", "Late Shift"),
    "playlist items reorder": lambda lib: playlists.move_item(lib, "Morning Light", 8, 1),
    "playlist items add": lambda lib: playlists.add_items(
        lib, "Portrait Walls", [1, 2], position=2
    ),
    "playlist item remove": lambda lib: playlists.remove_item(lib, "Morning Light", 3),
    "playlist item change": lambda lib: playlists.set_item(
        lib, "Morning Light", 2, duration=30, transition="crossfade", transition_seconds=1
    ),
    "playlist delete with schedules": lambda lib: playlists.delete_playlist(
        lib, "Portrait Walls", force=True
    ),
    "schedule add": lambda lib: schedules.add_schedule(
        lib,
        "Night Shift",
        screens=["Lisbon Metro Wall"],
        groups=["Portrait columns"],
        window="22:00-02:00",
        name="Late",
    ),
    "schedule edit": lambda lib: schedules.edit_schedule(
        lib,
        "Worldwide premiere",
        priority=3,
        groups=["Landscape network"],
        screens=["Berlin Kunsthalle Foyer"],
    ),
    "schedule remove": lambda lib: schedules.remove_schedule(lib, "Worldwide premiere"),
    "screen add": lambda lib: screens.add_screen(
        lib, "Porto Bridge", tz="Europe/Lisbon", size="1920x1080"
    ),
    "screen edit": lambda lib: screens.edit_screen(
        lib, "Lisbon Metro Wall", city="Lisboa", default_playlist="Night Shift"
    ),
    "screen remove": lambda lib: screens.remove_screen(lib, "Times Square North"),
    "group create": lambda lib: screens.create_group(
        lib, "Europe", ["Lisbon Metro Wall", "Berlin Kunsthalle Foyer"]
    ),
    "group edit": lambda lib: screens.edit_group(lib, "Portrait columns", description="Tall"),
    "group members add": lambda lib: screens.add_to_group(
        lib, "Portrait columns", ["Lisbon Metro Wall"]
    ),
    "group members remove": lambda lib: screens.remove_from_group(
        lib, "Landscape network", ["Lisbon Metro Wall"]
    ),
    "group delete": lambda lib: screens.delete_group(lib, "Portrait columns"),
}


def keyed_dump(library: Library, *, bookkeeping: bool = False) -> Keyed:
    """Every row of every table by its primary key, to tell which rows an edit changed.

    Without bookkeeping (versions, who, when, the audit log) it compares content, which undo
    restores; with it, it tells every row an edit wrote (a playlist's version moves with its
    items).
    """
    with library.engine.connect() as conn:
        return {
            table.name: {
                tuple(row._mapping[c.name] for c in table.primary_key.columns): tuple(row)
                for row in conn.execute(
                    select(table)
                    if bookkeeping
                    else select(*(c for c in table.c if c.name not in BOOKKEEPING))
                )
            }
            for table in Base.metadata.sorted_tables
            if bookkeeping or table.name != "audit_log"
        }


def changed_rows(before: Keyed, after: Keyed) -> set[tuple[str, tuple[Any, ...]]]:
    return {
        (name, key)
        for name in before
        for key in before[name].keys() | after[name].keys()
        if before[name].get(key) != after[name].get(key)
    }


def step_rows(step: Step) -> set[tuple[str, tuple[Any, ...]]]:
    sides = [step.before, step.after, *step.kept.values()]
    return {(name, key) for side in sides for name, rows in side.items() for key in rows}


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_kind_of_edit_is_one_step_of_exactly_its_rows_and_goes_back_and_comes_again(
    lib: Library, edit: str
) -> None:
    # A screen with a history, so its removal carries rows outside the curation tables.
    record_heartbeat(lib, screens.get_screen(lib, "Times Square North").id, {}, datetime.now(UTC))
    before, written_before = keyed_dump(lib), keyed_dump(lib, bookkeeping=True)
    EDITS[edit](lib)
    after, written = keyed_dump(lib), keyed_dump(lib, bookkeeping=True)
    assert len(lib.history) == 1
    step = lib.history.newest()
    assert step is not None

    assert changed_rows(before, after)  # the edit did something
    # The step holds the rows the edit wrote (the audit log is not undone), no more.
    wrote = changed_rows(written_before, written)
    assert step_rows(step) == {(name, key) for name, key in wrote if name != "audit_log"}
    lib.undo()
    assert keyed_dump(lib) == before
    lib.redo()
    assert keyed_dump(lib) == after
    lib.undo()
    assert keyed_dump(lib) == before


# Cost: a step follows the size of the edit, not of the catalogue --------------------------------


def catalogue(home: Path, works: int) -> Library:
    """A library of works artworks (one artist, one tag each) and a playlist of ten of them."""
    library = Library.open(home)
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
                for i in range(1, works + 1)
            ],
        )
        s.execute(
            insert(Artwork),
            [
                {"id": i, "artist_id": 1, "asset_id": i, "title": f"Work {i}", "status": "approved"}
                for i in range(1, works + 1)
            ],
        )
        s.execute(insert(Tag), [{"id": 1, "name": "old"}])
        s.execute(
            insert(artwork_tags), [{"artwork_id": i, "tag_id": 1} for i in range(1, works + 1)]
        )
        s.execute(insert(Playlist), [{"id": 1, "name": "Ten"}])
        s.execute(
            insert(PlaylistItem),
            [{"playlist_id": 1, "position": p, "artwork_id": p} for p in range(1, 11)],
        )
    return library


def database_work(library: Library, fn: Callable[[], object]) -> int:
    """SQLite's own measure of the work fn made it do: tens of virtual-machine steps.

    (SQLite counts per statement, so statements of under ten steps count nothing; those are
    the index lookups an edit is made of. A scan of a table counts its rows.)
    """
    ticks = 0

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return 0  # go on

    def checkout(dbapi_conn: Any, *_: object) -> None:
        dbapi_conn.set_progress_handler(tick, 10)

    def checkin(dbapi_conn: Any, *_: object) -> None:
        dbapi_conn.set_progress_handler(None, 10)

    event.listen(library.engine, "checkout", checkout)
    event.listen(library.engine, "checkin", checkin)
    try:
        fn()
    finally:
        event.remove(library.engine, "checkout", checkout)
        event.remove(library.engine, "checkin", checkin)
    return ticks


@pytest.mark.sqlite_only("measures work with SQLite's progress handler")
def test_an_undo_step_holds_and_costs_the_same_with_50_or_2000_works(tmp_path: Path) -> None:
    shapes: dict[int, list[dict[str, int]]] = {}
    work: dict[int, int] = {}
    for size in (50, 2000):
        with catalogue(tmp_path / str(size), size) as lib:
            work[size] = database_work(
                lib, lambda lib=lib: catalog.edit_artwork(lib, 7, title="New", tags="new, old")
            )
            playlists.move_item(lib, 1, 9, 2)
            playlists.remove_item(lib, 1, 4)
            shapes[size] = []
            while (step := lib.history.newest()) is not None:
                counts = {f"before {name}": len(rows) for name, rows in step.before.items()}
                counts |= {f"after {name}": len(rows) for name, rows in step.after.items()}
                shapes[size].append(counts | {"all": step.row_count()})
                lib.undo()
    assert shapes[50] == shapes[2000]
    # Newest first. Remove item 4 of 10: it (before only) and items 5-10 moved up (both
    # sides). Move 9 to 2: items 2-9 (both sides). Both: the playlist, whose version moves with
    # its items (both sides). The artwork edit: the artwork (both sides), the new tag and its
    # membership (after only).
    assert [s["all"] for s in shapes[50]] == [1 + 6 * 2 + 2, 8 * 2 + 2, 2 + 1 + 1]
    # Reading whole tables (as undo once did) made this thousands of times more at 2,000 works.
    assert 0 < work[2000] <= 2 * work[50] + 10, work


# Statements written by hand are recorded as the ORM's are ---------------------------------------


@undoable("Tidy up", DataKind.ARTWORKS, DataKind.PLAYLISTS, DataKind.SCREENS)
def tidy_up(library: Library, playlist: str, fail_second_unit: bool = False) -> None:
    """Core statements, no ORM: an UPDATE by a non-key WHERE, an INSERT without its key and a
    DELETE the database cascades (items) and clears (screens' default playlist) after."""
    with library.session() as s:
        s.execute(update(Artwork).where(Artwork.status == "submitted").values(status="archived"))
        s.execute(insert(Tag).values(name="tidied"))
    with library.session() as s:
        s.execute(delete(Playlist).where(Playlist.name == playlist))
        if fail_second_unit:
            raise InvalidValue("playlist", playlist, "refused on purpose", key="playlist")


def test_hand_written_statements_and_what_the_database_cascades_go_back(lib: Library) -> None:
    screens.edit_screen(lib, "Lisbon Metro Wall", default_playlist="Morning Light")
    lib.history.clear()
    before = keyed_dump(lib)
    tidy_up(lib, "Morning Light")
    after = keyed_dump(lib)
    step = lib.history.newest()
    assert step is not None and step.label == "Tidy up"
    assert after["playlist_items"] != before["playlist_items"]  # the database cascaded
    assert step_rows(step) == changed_rows(before, after)
    lib.undo()
    assert keyed_dump(lib) == before
    assert screens.get_screen(lib, "Lisbon Metro Wall").default_playlist_name == "Morning Light"
    lib.redo()
    assert keyed_dump(lib) == after


def test_a_unit_rolled_back_inside_an_edit_leaves_only_the_committed_rows_in_its_step(
    lib: Library,
) -> None:
    before = keyed_dump(lib)
    with pytest.raises(InvalidValue, match="refused on purpose"):
        tidy_up(lib, "Morning Light", fail_second_unit=True)
    after = keyed_dump(lib)
    assert after["playlists"] == before["playlists"]  # the second unit was rolled back
    step = lib.history.newest()
    assert step is not None
    assert {name for name, _ in step_rows(step)} == {"artworks", "tags"}
    assert step_rows(step) == changed_rows(before, after)
    lib.undo()
    assert keyed_dump(lib) == before
