"""Opening a library: the view on screen loads first, and every other view still loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ui.main_window import MainWindow
from ui.views.playlists_view import PlaylistsView
from urbanart.curation.playlists import create_playlist
from urbanart.library.library import Library

PLAYLISTS = ("Night Shift", "Morning Light")


@pytest.fixture
def curated_home(demo_home: Path) -> Path:
    with Library.open(demo_home) as library:
        for name in PLAYLISTS:
            create_playlist(library, name)
    return demo_home


def playlists_listed(window: MainWindow) -> int:
    view = window.views.get("playlists")
    return view.list.count() if isinstance(view, PlaylistsView) else -1


def test_views_not_on_screen_load_once_the_grid_has_its_rows(qtbot, open_window, curated_home):
    window = open_window(curated_home)  # waits for the grid's rows
    qtbot.waitUntil(lambda: playlists_listed(window) == len(PLAYLISTS), timeout=10_000)


def test_with_another_view_on_screen_every_view_loads(
    qtbot, open_window, curated_home, settings: QSettings
) -> None:
    settings.setValue("window/view", "playlists")
    window = open_window(curated_home)
    assert window.current_view_key() == "playlists"
    qtbot.waitUntil(lambda: playlists_listed(window) == len(PLAYLISTS), timeout=10_000)
