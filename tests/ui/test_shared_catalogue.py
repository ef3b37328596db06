"""Two curators on one PostgreSQL catalogue: what one commits shows in the other's studio.

The other curator is a second engine session (a ``Library`` on the same database, with its own
library folder), as a CLI or a studio on another host would be.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer
from tests.ui.conftest import wait_idle
from ui.views.playlists_view import PlaylistsView
from urbanart.curation import playlists
from urbanart.library.home import ENV_DATABASE_URL
from urbanart.library.library import Library

#: How soon another studio must see a change (issue 18).
WITHIN_MS = 2_000


def _names(view: PlaylistsView) -> list[str]:
    return [view.list.item(row).text() for row in range(view.list.count())]


@pytest.fixture
def shared_database(postgres_server: PostgresServer, monkeypatch) -> Iterator[str]:
    """A fresh PostgreSQL catalogue every library opened in the test uses (dropped after the
    windows closed: request it before open_window)."""
    database = postgres_server.create_database()
    monkeypatch.setenv(ENV_DATABASE_URL, postgres_server.url(database))
    yield database
    postgres_server.drop_database(database)


@pytest.mark.usefixtures("shared_database")
def test_a_playlist_made_through_another_session_shows_in_the_studio_within_two_seconds(
    qtbot, open_window, tmp_path: Path
) -> None:
    with Library.open(tmp_path / "tokyo") as tokyo:
        playlists.create_playlist(tokyo, "Morning")
    window = open_window(tmp_path / "berlin", rows=0)
    window.show_view("playlists")
    view = window.views["playlists"]
    assert isinstance(view, PlaylistsView)
    feed = window.studio.change_feed
    assert feed is not None
    qtbot.waitUntil(lambda: feed.wait_ready(0), timeout=10_000)
    # The view's own first load is over: from here only the change feed can bring news.
    qtbot.waitUntil(lambda: any("Morning" in n for n in _names(view)), timeout=10_000)
    wait_idle(qtbot)

    with Library.open(tmp_path / "tokyo") as tokyo:
        playlists.create_playlist(tokyo, "Harbour nights")
        committed = time.monotonic()
        qtbot.waitUntil(lambda: any("Harbour nights" in n for n in _names(view)), timeout=WITHIN_MS)
        assert time.monotonic() - committed < WITHIN_MS / 1000


def test_a_studio_on_sqlite_has_no_change_feed(open_window, demo_home: Path) -> None:
    window = open_window(demo_home)
    assert window.studio.change_feed is None


@pytest.mark.usefixtures("shared_database")
def test_a_hand_in_stored_by_another_process_shows_in_the_review_view(
    qtbot, open_window, tmp_path: Path
) -> None:
    """A hub on another host (`urbanart serve`, its own library folder) stores a hand-in: the
    commit NOTIFYs call_submissions and the shown Review view lists it within two seconds."""
    from tests.intake.conftest import make_call
    from tests.ui.test_review_view import ANA, BO, hand_in
    from ui.views.review.view import ReviewView

    with Library.open(tmp_path / "hub") as hub:
        call = make_call(hub, title="Shared Walls")
        hand_in(hub, call, ANA)
    window = open_window(tmp_path / "studio", rows=0)
    window.show_view("review")
    view = window.views["review"]
    assert isinstance(view, ReviewView)
    feed = window.studio.change_feed
    assert feed is not None
    qtbot.waitUntil(lambda: feed.wait_ready(0), timeout=10_000)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=10_000)
    wait_idle(qtbot)

    with Library.open(tmp_path / "hub") as hub:
        hand_in(hub, call, BO)
        committed = time.monotonic()
        qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=WITHIN_MS)
        assert time.monotonic() - committed < WITHIN_MS / 1000
