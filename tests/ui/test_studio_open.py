"""Opening a library: the view on screen loads first, and every other view still loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QSettings

from ui import operations
from ui.app import create_window, make_application
from ui.main_window import MainWindow
from ui.views import library_view
from ui.views.library_view import LibraryView
from ui.views.playlists_view import PlaylistsView
from urbanart.curation.playlists import create_playlist
from urbanart.library.browse import browse_rows
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


def test_a_large_library_paints_a_first_screenful_then_fills_the_grid(
    qtbot, demo_home: Path, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first rows are painted before every row loads; the rest are appended behind them
    (the same order, so nothing the curator sees moves); the other views wait for them all."""
    monkeypatch.setattr(library_view, "FIRST_SCREENFUL", 5)  # the 24 demo works: "large"
    with Library.open(demo_home) as library:
        whole = [r.id for r in browse_rows(library)]
        create_playlist(library, "Night Shift")
    events: list[tuple[object, ...]] = []
    paints: list[int] = []  # rows in the model at each paint of the grid

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                paints.append(view_of(window).model.rowCount())
            return False

    watch = PaintWatch()

    def opened(_studio: object) -> None:
        view = view_of(window)
        events.append(("opened", view.model.rowCount(), view.grid.empty_title))
        view.grid.viewport().installEventFilter(watch)

        def note(signal: str, rows: int) -> None:
            ids = [view.model.artwork(r).id for r in range(view.model.rowCount())]
            publish = window.views["publish"].presenter.started  # type: ignore[attr-defined]
            events.append((signal, rows, view.filters.count.text(), ids, publish))

        view.rows_loaded.connect(lambda n: note("rows", n))
        view.all_rows_loaded.connect(lambda n: note("all", n))

    make_application()
    operations.history.clear()
    window = create_window(demo_home, settings, start_hub=False)
    try:
        window.resize(1280, 800)
        window.library_opened.connect(opened)
        qtbot.waitUntil(lambda: any(e[0] == "all" for e in events), timeout=15_000)
        qtbot.waitUntil(lambda: playlists_listed(window) == 1, timeout=10_000)
        assert events[0] == ("opened", 0, "Loading the artworks…")  # not "No artworks yet"
        (_, first, count_then, ids_then, publish_then), second, third = events[1:]
        assert first == 5 and ids_then == whole[:5] and count_then == "Loading…"
        assert not publish_then  # the other views wait for every row
        assert 5 in paints  # painted with the first screenful, before the rest arrived
        assert second[:2] == ("rows", len(whole)) and third[:2] == ("all", len(whole))
        assert third[3] == whole and third[2] == f"{len(whole)} works"
        assert window.views["publish"].presenter.started  # type: ignore[attr-defined]
        browses = [r for r in operations.history if r.label == "browse artworks"]
        assert len(browses) == 2 and not any(r.ran_on_gui_thread for r in browses)
    finally:
        qtbot.waitUntil(lambda: not operations.busy(), timeout=10_000)
        window.close()
        window.deleteLater()
        qtbot.waitUntil(lambda: not operations.busy(), timeout=10_000)


def view_of(window: MainWindow) -> LibraryView:
    view = window.views["library"]
    assert isinstance(view, LibraryView)
    return view
