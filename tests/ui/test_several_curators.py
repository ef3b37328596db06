"""The studio with another curator on the same catalogue: a stale save is refused with who and
when, Reload shows their change; the history of a thing loads off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import library_view, wait_idle
from urbanart.library import catalog
from urbanart.library.library import Library


def test_a_save_over_another_curators_change_shows_who_and_reload_loads_it(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    view = library_view(window)
    view.grid.setCurrentIndex(view.model.index(0, 0))
    artwork_id = view.model.artwork(0).id
    qtbot.waitUntil(
        lambda: view.editor.record is not None and view.editor.record.id == artwork_id,
        timeout=5000,
    )
    window.studio.library.curator = "Ana"

    with Library.open(demo_home) as other:  # another studio, elsewhere, on the same catalogue
        other.curator = "Ben"
        theirs = catalog.edit_artwork(other, artwork_id, title="Ben's title")

    view.editor.description.setPlainText("Ana's words")
    assert view.editor.is_dirty()
    view.editor.request_save()
    wait_idle(qtbot)
    qtbot.waitUntil(lambda: view.editor.stale.isVisible(), timeout=5000)
    message = view.editor.stale.text()
    assert "changed by Ben at" in message and theirs.updated_at.strftime("%H:%M:%S") in message
    library = window.studio.library
    assert catalog.get_artwork(library, artwork_id).description != "Ana's words"  # not saved
    assert view.editor.description.toPlainText() == "Ana's words"  # nor lost from the screen

    qtbot.mouseClick(view.editor.stale.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.editor.title.text() == "Ben's title", timeout=5000)
    assert not view.editor.stale.isVisible() and not view.editor.is_dirty()

    view.editor.description.setPlainText("Ana's words")  # made again, on top of Ben's
    view.editor.request_save()
    qtbot.waitUntil(
        lambda: catalog.get_artwork(library, artwork_id).description == "Ana's words",
        timeout=5000,
    )
    saved = catalog.get_artwork(library, artwork_id)
    assert saved.title == "Ben's title" and saved.updated_by == "Ana"


def test_a_stale_playlist_edit_offers_reload_which_shows_the_other_change(
    qtbot, open_window, demo_home
) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.views.playlists_view import PlaylistsView
    from ui.widgets.stale_edit import TITLE
    from urbanart.curation import playlists

    window = open_window(demo_home)
    window.show_view("playlists")
    view = window.views["playlists"]
    assert isinstance(view, PlaylistsView)
    view.create_playlist("Night Walk")
    qtbot.waitUntil(lambda: view.record is not None and view.record.name == "Night Walk")
    playlist_id = view.record.id
    with Library.open(demo_home) as other:
        other.curator = "Ben"
        works = [w.id for w in catalog.list_artworks(other) if w.status == "approved"]
        playlists.add_items(other, playlist_id, [works[0]])

    assert view.record.items == ()  # the view still shows the empty playlist Ana created
    view.add_works([works[1]], 1)  # as a drop of a work on the items does

    def stale_box() -> QMessageBox | None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        return next((b for b in boxes if b.windowTitle() == TITLE and b.isVisible()), None)

    qtbot.waitUntil(lambda: stale_box() is not None, timeout=5000)
    box = stale_box()
    assert box is not None and "changed by Ben at" in box.text()
    saved = playlists.get_playlist(window.studio.library, playlist_id)
    assert [i.artwork_id for i in saved.items] == [works[0]]  # Ana's drop was not saved
    reload_button = next(b for b in box.buttons() if b.text() == "Reload")
    qtbot.mouseClick(reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.record is not None and len(view.record.items) == 1, timeout=5000)
    assert view.record.items[0].artwork_id == works[0]


def test_the_history_of_a_work_lists_who_changed_it_loaded_off_the_gui_thread(
    qtbot, open_window, demo_home
) -> None:
    from ui import operations
    from ui.dialogs.history_dialog import HistoryDialog

    window = open_window(demo_home)
    view = library_view(window)
    view.grid.setCurrentIndex(view.model.index(0, 0))
    artwork_id = view.model.artwork(0).id
    qtbot.waitUntil(
        lambda: view.editor.record is not None and view.editor.record.id == artwork_id,
        timeout=5000,
    )
    with Library.open(demo_home) as other:
        other.curator = "Ben"
        catalog.edit_artwork(other, artwork_id, title="Ben's <b>title</b>")
        other.curator = "Chloé"
        catalog.edit_artwork(other, artwork_id, year="1999")

    operations.history.clear()
    qtbot.mouseClick(view.editor.history_button, Qt.MouseButton.LeftButton)
    dialog = view.history
    assert isinstance(dialog, HistoryDialog)
    qtbot.waitUntil(lambda: dialog.entries is not None, timeout=5000)
    rows = [
        [dialog.list.topLevelItem(i).text(c) for c in range(4)]
        for i in range(dialog.list.topLevelItemCount())
    ]
    assert [(r[1], r[2]) for r in rows][:2] == [("Chloé", "edit"), ("Ben", "edit")]
    assert rows[-1][2] == "create"  # the import that brought the work in
    assert "year" in rows[0][3] and "title" in rows[1][3]
    assert "1999" in dialog.details.toPlainText()
    dialog.list.setCurrentItem(dialog.list.topLevelItem(1))
    assert "Ben's <b>title</b>" in dialog.details.toPlainText()  # shown as text, not markup
    record = next(r for r in operations.history if r.label == "read history")
    assert not record.ran_on_gui_thread and not record.failed
    dialog.close()
