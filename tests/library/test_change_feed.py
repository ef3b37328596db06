"""Another process's commits reach this one's listener (PostgreSQL LISTEN/NOTIFY).

Two engine sessions are two ``Library`` objects on one PostgreSQL database (as two studios on
two hosts would be), each with its own library folder.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from urbanart.curation import playlists
from urbanart.library import leases
from urbanart.library.change_feed import ChangeListener, parse
from urbanart.library.library import Library
from urbanart.library.models import Playlist
from urbanart.library.settings import update_settings

#: How soon another studio must see a change (issue 18).
WITHIN = 2.0

postgresql_only = pytest.mark.postgresql_only("LISTEN/NOTIFY is PostgreSQL's")


class Heard:
    """What a listener reported, in order, with when it arrived."""

    def __init__(self) -> None:
        self.notes: queue.Queue[tuple[float, frozenset[str]]] = queue.Queue()

    def __call__(self, tables: frozenset[str]) -> None:
        self.notes.put((time.monotonic(), tables))

    def next(self, timeout: float = WITHIN) -> tuple[float, frozenset[str]]:
        return self.notes.get(timeout=timeout)

    def nothing_more(self) -> bool:
        return self.notes.empty()


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    with Library.open(tmp_path / "a") as a, Library.open(tmp_path / "b") as b:
        yield a, b


@pytest.fixture
def heard_by_b(two: tuple[Library, Library]) -> Iterator[Heard]:
    heard = Heard()
    listener = two[1].listen_for_changes(heard)
    assert isinstance(listener, ChangeListener)
    assert listener.wait_ready(5)
    yield heard
    listener.stop()


@postgresql_only
def test_a_playlist_made_in_one_session_reaches_the_other_within_two_seconds(
    two: tuple[Library, Library], heard_by_b: Heard
) -> None:
    a, b = two
    committed = time.monotonic()
    made = playlists.create_playlist(a, "Harbour nights")
    arrived, tables = heard_by_b.next()
    assert "playlists" in tables
    assert arrived - committed < WITHIN
    assert [p.name for p in playlists.list_playlists(b)] == ["Harbour nights"]  # readable now
    playlists.rename_playlist(a, made.id, "Harbour mornings")
    assert "playlists" in heard_by_b.next()[1]


@postgresql_only
def test_a_session_does_not_hear_its_own_changes(
    two: tuple[Library, Library], heard_by_b: Heard
) -> None:
    a, b = two
    playlists.create_playlist(b, "Own")  # b's studio announces its own edits itself
    update_settings(a, look_ahead_days=9)
    # Notifications arrive in commit order: had b's own come through, it would be first.
    assert heard_by_b.next()[1] == frozenset({"settings"})


@postgresql_only
def test_a_rolled_back_edit_and_lease_renewals_send_nothing(
    two: tuple[Library, Library], heard_by_b: Heard
) -> None:
    a, _ = two

    def fails_after_writing() -> None:
        with a.session() as session:
            session.add(Playlist(name="Never"))
            session.flush()
            raise RuntimeError("the edit fails after writing")

    with pytest.raises(RuntimeError):
        fails_after_writing()
    assert leases.take(a, leases.JOB_RUNNER, "me", 30)  # renewed every few seconds: quiet
    playlists.create_playlist(a, "Kept")
    assert heard_by_b.next()[1] == frozenset({"playlists"})
    time.sleep(0.3)
    assert heard_by_b.nothing_more()


@postgresql_only
def test_an_undo_written_below_the_orm_is_heard_too(
    two: tuple[Library, Library], heard_by_b: Heard
) -> None:
    a, b = two
    playlists.create_playlist(a, "Undone")
    assert "playlists" in heard_by_b.next()[1]
    a.undo()  # restores rows with Core statements on the session's connection
    assert "playlists" in heard_by_b.next()[1]
    assert playlists.list_playlists(b) == []


@postgresql_only
def test_a_listener_reconnects_and_reports_that_anything_may_have_changed(
    two: tuple[Library, Library], heard_by_b: Heard
) -> None:
    a, b = two
    with b.engine.connect() as conn:  # the server ends the listener's connection
        ended = conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query LIKE :listen AND pid <> pg_backend_pid()"
            ),
            {"listen": "LISTEN%"},
        )
    assert ended == 1
    assert heard_by_b.next(timeout=5)[1] == frozenset({"*"})
    playlists.create_playlist(a, "After")
    assert "playlists" in heard_by_b.next()[1]


@pytest.mark.no_database
def test_a_notification_it_cannot_read_is_ignored() -> None:
    assert parse("not json") is None
    assert parse('{"sender": "x"}') is None
    assert parse('{"sender": "x", "tables": ["artworks", 3]}') == ("x", frozenset({"artworks"}))


@pytest.mark.sqlite_only("a SQLite library has no change feed")
def test_a_sqlite_library_has_no_change_feed(library: Library) -> None:
    assert library.listen_for_changes(lambda _tables: None) is None
