"""Playlists and Screens read as they should: the list says what its numbers are, the item
editor shows nothing made up when nothing is selected, a dragged-in work plays like its
neighbours, addresses are copied whole, and the register dialog proposes the city's zone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from tests.ui.test_playlists_view import _drop_on_items, _titles
from tests.ui.test_screens_view import _cells, _click_row, _view
from ui.dialogs.screen_dialog import ScreenDialog
from ui.models.screen_status_model import CITY, NAME, SIZE, STATE, ZONE
from ui.views.playlists_view import PlaylistsView
from ui.views.screens.view import COLUMN_WIDTHS, fit_widths
from urbanart.curation import playlists, screens
from urbanart.curation.demo import load_demo_curation
from urbanart.curation.records import ItemRecord
from urbanart.library.browse import BrowseQuery, browse_rows
from urbanart.library.library import Library


def _playlists_view(qtbot, window) -> PlaylistsView:
    window.show_view("playlists")
    view = window.views["playlists"]
    assert isinstance(view, PlaylistsView)
    qtbot.waitUntil(lambda: view.works_model.rowCount() > 0, timeout=10_000)
    return view


def test_the_list_says_what_its_numbers_are(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        approved = [r.id for r in browse_rows(library, BrowseQuery(status="approved"))]
        made = playlists.create_playlist(library, "Legible Loop")
        made = playlists.add_items(library, made.id, approved[:3], duration=20)
    view = _playlists_view(qtbot, open_window(demo_home))
    qtbot.waitUntil(lambda: view.list.count() > 0, timeout=10_000)
    item = next(
        view.list.item(r) for r in range(view.list.count()) if view.list.item(r).text()
        .startswith("Legible Loop")
    )  # fmt: skip
    assert item.text() == "Legible Loop\n3 works · 1:00"
    assert "3 works" in item.toolTip() and "1:00" in item.toolTip()
    assert "works · running time" in view.list_header.text()


def test_the_item_editor_shows_nothing_fake_without_a_selection(
    qtbot, open_window, demo_home
) -> None:
    view = _playlists_view(qtbot, open_window(demo_home))
    view.create_playlist("Empty Editor")
    qtbot.waitUntil(lambda: view.record is not None and view.record.name == "Empty Editor")
    assert not view.item_editor.isEnabled()
    assert view.editor_hint.isVisibleTo(view)
    assert view.duration.text().strip() == ""
    assert view.transition.currentText() == ""
    assert view.transition_s.text().strip() == ""
    assert not view.overlay.isChecked()
    _drop_on_items(view, view.works_model.mimeData([view.works_model.index(0, 0)]), None)
    qtbot.waitUntil(lambda: len(_titles(view)) == 1, timeout=10_000)
    view.items.setCurrentIndex(view.items_model.index(0))
    assert view.item_editor.isEnabled() and not view.editor_hint.isVisibleTo(view)
    assert view.duration.text() == "10.0 s"  # the item's real duration


def test_a_dragged_in_work_takes_the_playlists_usual_timing(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        approved = [r.id for r in browse_rows(library, BrowseQuery(status="approved"))]
        made = playlists.create_playlist(library, "Slow Fades")
        playlists.add_items(
            library, made.id, approved[:2], duration=25, transition="crossfade",
            transition_seconds=3,
        )  # fmt: skip
        playlists.add_items(library, made.id, approved[2:3], duration=8)  # the odd one out
    view = _playlists_view(qtbot, open_window(demo_home))
    view.refresh(select=made.id)
    qtbot.waitUntil(lambda: view.record is not None and view.record.id == made.id)
    added = view.works_model.artwork(5).title
    _drop_on_items(view, view.works_model.mimeData([view.works_model.index(5, 0)]), None)
    qtbot.waitUntil(lambda: len(_titles(view)) == 4, timeout=10_000)
    last = view.record.items[-1]
    assert last.title == added
    assert (last.duration, last.transition, last.transition_s) == (25.0, "crossfade", 3.0)


def _item(duration: float, transition: str, seconds: float) -> ItemRecord:
    return ItemRecord(1, 1, 1, "t", "a", "0" * 64, duration, transition, seconds, True)


def test_usual_timing_is_the_most_common_and_none_for_an_empty_playlist() -> None:
    assert playlists.usual_timing([]) is None
    items = [_item(15, "cut", 0), _item(12, "crossfade", 1.5), _item(12, "crossfade", 1.5)]
    assert playlists.usual_timing(items) == (12, "crossfade", 1.5)
    assert playlists.usual_timing(items[:2]) == (15, "cut", 0)  # a tie: the first wins


def test_copy_puts_each_whole_address_on_the_clipboard(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        screen = screens.add_screen(
            library, "Copy Wall With A Long Name", tz="Europe/Lisbon", size="1920x1080"
        )
    view = _view(open_window(demo_home))
    qtbot.waitUntil(lambda: _cells(view, screen.name) is not None, timeout=10_000)
    _click_row(qtbot, view, screen.name)
    detail = view.detail
    qtbot.waitUntil(lambda: screen.poll_token in detail.poll_url.text(), timeout=10_000)
    for field in (detail.poll_url, detail.player_url, detail.player_command):
        text = field.text()
        assert text and "\n" not in text
        # Shown whole: the field is as tall as its wrapped text, with no scrolling.
        assert field.edit.verticalScrollBar().maximum() == 0
        qtbot.mouseClick(field.button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == text
    assert screen.poll_token in QGuiApplication.clipboard().text()  # the command names it


def test_register_dialog_proposes_the_zone_named_after_the_city(qtbot, open_window, demo_home):
    window = open_window(demo_home)
    window.show_view("screens")
    view = window.views["screens"]
    qtbot.waitUntil(lambda: bool(view.presenter.zones), timeout=10_000)
    dialog = ScreenDialog(view.studio, view.presenter.zones, [], None, view)
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.city, "Lisbon")
    assert dialog.zone.currentText() == "Europe/Lisbon"
    dialog.city.clear()
    QTest.keyClicks(dialog.city, "New York")
    assert dialog.zone.currentText() == "America/New_York"
    QTest.keyClicks(dialog.city, "x")  # no zone is named "New Yorkx": the proposal stays
    assert dialog.zone.currentText() == "America/New_York"
    zone_edit = dialog.zone.lineEdit()
    zone_edit.selectAll()
    QTest.keyClicks(zone_edit, "Asia/Tokyo")  # the curator's own choice wins from now on
    dialog.city.clear()
    QTest.keyClicks(dialog.city, "Berlin")
    assert dialog.zone.currentText() == "Asia/Tokyo"


def test_fit_widths_caps_the_widest_first_and_keeps_floors() -> None:
    assert fit_widths([100, 50], [20, 20], 200) == [100, 50]  # room for all: as wanted
    assert fit_widths([300, 80, 60], [40, 40, 40], 300) == [160, 80, 60]
    assert fit_widths([300, 300], [200, 200], 300) == [200, 200]  # never below a floor


def test_the_status_table_fits_the_default_window(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        load_demo_curation(library)
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: view.model.rowCount() == 5 and view._columns_fitted, timeout=10_000)
    qtbot.waitUntil(lambda: view.table.columnWidth(NAME) != COLUMN_WIDTHS[NAME], timeout=10_000)
    table = view.table
    widths = [table.columnWidth(c) for c in range(view.model.columnCount())]
    assert sum(widths[:-1]) < table.viewport().width()  # the last column stretches into the rest
    assert table.horizontalScrollBar().maximum() == 0, (str(widths), table.viewport().width())
    metrics = table.fontMetrics()
    for column in (CITY, ZONE, SIZE, STATE):  # the short facts are shown whole
        for row in range(view.model.rowCount()):
            text = view.model.index(row, column).data()
            assert table.columnWidth(column) >= metrics.horizontalAdvance(text), text
    assert table.columnWidth(NAME) >= 130  # a name keeps most of itself, never a stub


def test_rows_loaded_while_hidden_are_fitted_when_the_view_is_shown(
    qtbot, open_window, demo_home
) -> None:
    with Library.open(demo_home) as library:
        load_demo_curation(library)
    window = open_window(demo_home)  # the Library is on screen; other views load behind it
    view = window.views["screens"]
    qtbot.waitUntil(lambda: view.model.rowCount() == 5, timeout=15_000)
    assert not view.isVisible()
    window.show_view("screens")
    # well before the view's next timed refresh (10 s), which would fit them anyway
    qtbot.waitUntil(lambda: view.table.columnWidth(NAME) != COLUMN_WIDTHS[NAME], timeout=3_000)
    assert view.table.horizontalScrollBar().maximum() == 0
