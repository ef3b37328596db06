"""The Library view as a curator uses it: browse, search, filter, drop files, edit, undo."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import DEMO_APPROVED, DEMO_WORKS, library_view, wait_idle
from ui import operations
from ui.operations import OpContext, run_op
from urbanart.library.catalog import get_artwork, list_artworks


def _select_first(qtbot, view) -> int:
    view.grid.setCurrentIndex(view.model.index(0, 0))
    artwork_id = view.model.artwork(0).id
    qtbot.waitUntil(
        lambda: view.editor.record is not None and view.editor.record.id == artwork_id,
        timeout=5000,
    )
    return artwork_id


def _drop(widget, paths: list[Path]) -> None:
    """Drag paths over widget and drop them, through Qt's event path like a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = widget.viewport()
    pos = QPointF(40, 40)
    point = pos.toPoint()  # drag enter/move take QPoint, drop takes QPointF
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, actions, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDragMoveEvent(point, actions, mime, buttons, mods))
    drop = QDropEvent(pos, actions, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()


def test_the_window_opens_on_the_demo_library_with_its_24_works(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    view = library_view(window)
    assert view.model.rowCount() == DEMO_WORKS
    assert "25 works" in view.filters.count.text()
    assert str(demo_home) in window.path_label.text()
    first = view.model.artwork(0)
    qtbot.waitUntil(
        lambda: view.studio.thumbnails.pixmap(first.sha256, first.thumbnail_key) is not None
    )


def test_search_filters_the_grid_as_you_type(qtbot, open_window, demo_home) -> None:
    view = library_view(open_window(demo_home))
    qtbot.keyClicks(view.filters.search, "moon")
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=5000)
    titles = {row.title for row in view.model.rows()}
    assert titles == {"Paper Moon", "Waxing", "Moonset over Mile End"}
    assert view.filters.count.text() == f"3 of {DEMO_WORKS}"

    view.filters.search.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == DEMO_WORKS, timeout=5000)


def test_filters_narrow_by_status_and_a_search_with_no_match_says_so(
    qtbot, open_window, demo_home
) -> None:
    view = library_view(open_window(demo_home))
    view.filters.status.setCurrentIndex(view.filters.status.findData("submitted"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5000)
    assert {row.status for row in view.model.rows()} == {"submitted"}

    qtbot.keyClicks(view.filters.search, "no such work anywhere")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=5000)
    assert view.grid.empty_title == "No works match"


def test_dropping_a_folder_imports_it_and_the_summary_says_why_a_file_was_refused(
    qtbot, open_window, demo_home, tmp_path
) -> None:
    view = library_view(open_window(demo_home))
    artist_dir = tmp_path / "drop" / "Nova Kestrel"
    artist_dir.mkdir(parents=True)
    Image.new("RGB", (320, 200), (200, 40, 90)).save(artist_dir / "Harbour Lights.png")
    (artist_dir / "notes.jpg").write_text("these are my notes, not a picture")

    _drop(view.grid, [tmp_path / "drop"])

    qtbot.waitUntil(lambda: view.import_flow is not None and view.import_flow.summary is not None,
                    timeout=15_000)  # fmt: skip
    summary = view.import_flow.summary
    assert summary.rows() == [("notes.jpg", "Refused", "not an image (the content is text)")]
    qtbot.waitUntil(lambda: view.model.rowCount() == DEMO_WORKS + 1, timeout=5000)
    assert any(
        r.title == "Harbour Lights" and r.artist == "Nova Kestrel" for r in view.model.rows()
    )


def test_files_dropped_outside_an_artist_folder_ask_for_the_artist(
    qtbot, open_window, demo_home, tmp_path
) -> None:
    view = library_view(open_window(demo_home))
    loose = tmp_path / "Night Bus.png"
    Image.new("RGB", (300, 300), (10, 120, 200)).save(loose)

    _drop(view.grid, [loose])

    qtbot.waitUntil(
        lambda: view.import_flow is not None and view.import_flow.artist_dialog is not None
    )
    dialog = view.import_flow.artist_dialog
    dialog.ok.click()  # no artist typed: the dialog says what is missing and stays
    assert "Name the artist" in dialog.error.text() and dialog.isVisible()
    qtbot.keyClicks(dialog.artist.lineEdit(), "Ida Lumen")
    dialog.ok.click()
    qtbot.waitUntil(lambda: view.import_flow.summary is not None, timeout=15_000)
    assert view.import_flow.summary.rows() == []
    qtbot.waitUntil(lambda: view.model.rowCount() == DEMO_WORKS + 1, timeout=5000)
    assert any(r.artist == "Ida Lumen" for r in view.model.rows())


def test_editing_in_the_detail_panel_saves_to_the_engine_and_undo_restores_it(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    view = library_view(window)
    artwork_id = _select_first(qtbot, view)
    original = get_artwork(view.studio.library, artwork_id)

    view.editor.title.setFocus()
    view.editor.title.selectAll()
    qtbot.keyClicks(view.editor.title, "Harbour at Dusk")
    view.editor.tags.setText("dusk, Harbour ,  dusk")
    view.editor.tags.textEdited.emit(view.editor.tags.text())
    assert view.editor.is_dirty()
    QTest.keySequence(view.editor.title, QKeySequence(QKeySequence.StandardKey.Save))

    library = view.studio.library
    qtbot.waitUntil(
        lambda: get_artwork(library, artwork_id).title == "Harbour at Dusk", timeout=5000
    )
    assert get_artwork(library, artwork_id).tags == ("dusk", "harbour")
    qtbot.waitUntil(lambda: not view.editor.is_dirty(), timeout=5000)
    assert view.editor.tags.text() == "dusk, harbour"  # the form shows what the engine kept
    qtbot.waitUntil(
        lambda: view.model.artwork(view.model.row_for_id(artwork_id)).title == "Harbour at Dusk"
    )

    assert window.undo_action.text() == "&Undo Edit artwork 'Harbour at Dusk'"
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: get_artwork(library, artwork_id).title == original.title, timeout=5000)
    assert get_artwork(library, artwork_id).tags == original.tags
    qtbot.waitUntil(window.redo_action.isEnabled)  # the engine's redo list has the step now
    assert window.redo_action.text() == "&Redo Edit artwork 'Harbour at Dusk'"
    window.redo_action.trigger()
    qtbot.waitUntil(
        lambda: get_artwork(library, artwork_id).title == "Harbour at Dusk", timeout=5000
    )


def test_an_invalid_year_is_shown_next_to_the_field_and_the_typed_text_stays(
    qtbot, open_window, demo_home
) -> None:
    view = library_view(open_window(demo_home))
    artwork_id = _select_first(qtbot, view)
    before = get_artwork(view.studio.library, artwork_id)

    view.editor.year.selectAll()
    qtbot.keyClicks(view.editor.year, "20x4")
    view.editor.save_button.click()

    qtbot.waitUntil(lambda: view.editor.field_error("year") != "", timeout=5000)
    assert view.editor.field_error("year") == "Must be a year such as 2024"
    assert view.editor.year.text() == "20x4"
    assert view.editor.is_dirty() and view.editor.save_button.isEnabled()
    assert get_artwork(view.studio.library, artwork_id).year == before.year

    view.editor.year.selectAll()
    qtbot.keyClicks(view.editor.year, "2019")
    view.editor.save_button.click()
    qtbot.waitUntil(lambda: get_artwork(view.studio.library, artwork_id).year == 2019, timeout=5000)
    assert view.editor.field_error("year") == ""


def test_bulk_status_for_selected_works_is_one_undoable_step(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    view = library_view(window)
    library = view.studio.library
    view.filters.status.setCurrentIndex(view.filters.status.findData("approved"))
    qtbot.waitUntil(lambda: view.model.rowCount() == DEMO_APPROVED, timeout=5000)
    view.grid.selectAll()
    assert view.detail.currentWidget() is view.selection_panel
    assert f"{DEMO_APPROVED} works selected" in view.selection_panel.count_label.text()

    view.selection_panel.buttons["archived"].click()
    qtbot.waitUntil(
        lambda: sum(a.status == "archived" for a in list_artworks(library)) == DEMO_APPROVED,
        timeout=10_000,
    )
    qtbot.waitUntil(window.undo_action.isEnabled, timeout=10_000)  # the engine's step is in
    window.undo_action.trigger()
    qtbot.waitUntil(
        lambda: sum(a.status == "approved" for a in list_artworks(library)) == DEMO_APPROVED,
        timeout=10_000,
    )


def test_engine_work_runs_off_the_gui_thread_and_errors_become_messages(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    threads: list[threading.Thread] = []

    def work(_ctx: OpContext) -> int:
        threads.append(threading.current_thread())
        return get_artwork(window.studio.library, 999_999).id  # raises NotFound

    failures: list[Exception] = []
    run_op(window, work, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert threads and threads[0] is not threading.main_thread()
    assert str(failures[0]) == "No artwork called or numbered '999999'."
    wait_idle(qtbot)
    assert operations.history and not any(r.ran_on_gui_thread for r in operations.history)


def test_the_last_view_is_remembered_between_starts(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    window.show_view("artists")
    wait_idle(qtbot)
    window.close()

    again = open_window(demo_home)
    qtbot.waitUntil(lambda: again.current_view_key() == "artists", timeout=5000)
    assert again.stack.currentWidget() is again.views["artists"]


def test_a_long_session_of_painting_does_not_run_none_out_of_references(
    qtbot, open_window, demo_home
) -> None:
    """PySide6 6.12 on CPython 3.11 returns None one reference short from every void call, and
    the process aborts after ~10^5 calls; pyproject excludes 6.12, so with the bindings we
    install, painting leaves None's reference count where it was."""
    view = library_view(open_window(demo_home))
    qtbot.waitUntil(lambda: view.studio.thumbnails.pending() == 0, timeout=5000)
    view.grid.viewport().repaint()  # warm caches first: only steady-state painting is measured
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(300):
        view.grid.viewport().repaint()
    after = sys.getrefcount(None), sys.getrefcount(True)
    # The buggy bindings lose several references per repaint (thousands here); allow only noise.
    assert after[0] > before[0] - 100, (before, after)
    assert after[1] > before[1] - 100, (before, after)
