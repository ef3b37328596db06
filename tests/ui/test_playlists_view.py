"""The Playlists view: drag approved works in, reorder by drag, undo and redo every step."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import DEMO_APPROVED
from ui.views.playlists_view import PlaylistsView
from urbanart.curation import playlists


def _drop_on_items(view: PlaylistsView, mime, row: int | None) -> None:
    """Drop mime on the item list above row (None: below the last item), through Qt's path."""
    items = view.items
    if row is None:
        pos = QPointF(20, items.viewport().height() - 5)
    else:
        rect = items.visualRect(view.items_model.index(row))
        pos = QPointF(rect.left() + 20, rect.top() + 2)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    # Drag enter/move take a QPoint, the drop a QPointF.
    for event_type, where in (
        (QDragEnterEvent, pos.toPoint()),
        (QDragMoveEvent, pos.toPoint()),
        (QDropEvent, pos),
    ):
        QApplication.sendEvent(items.viewport(), event_type(where, actions, mime, buttons, mods))


def _titles(view: PlaylistsView) -> list[str]:
    return [item.title for item in view.items_model.items()]


def _engine_titles(view: PlaylistsView, playlist_id: int) -> list[str]:
    return [i.title for i in playlists.get_playlist(view.studio.library, playlist_id).items]


def test_drag_works_in_reorder_and_undo_redo(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    window.show_view("playlists")
    view = window.views["playlists"]
    assert isinstance(view, PlaylistsView)
    qtbot.waitUntil(lambda: view.works_model.rowCount() == DEMO_APPROVED)  # only approved works
    view.create_playlist("Night Walk")
    qtbot.waitUntil(lambda: view.record is not None and view.record.name == "Night Walk")
    playlist_id = view.record.id

    picks = [view.works_model.index(r, 0) for r in (0, 1, 2)]
    first_three = [view.works_model.artwork(r).title for r in (0, 1, 2)]
    _drop_on_items(view, view.works_model.mimeData(picks), None)
    qtbot.waitUntil(lambda: len(_titles(view)) == 3)
    assert _titles(view) == first_three == _engine_titles(view, playlist_id)
    assert "running time 30 s" in view.running_time.text()

    # Drag the last item above the first.
    moving = view.items_model.mimeData([view.items_model.index(2)])
    _drop_on_items(view, moving, 0)
    reordered = [first_three[2], first_three[0], first_three[1]]
    qtbot.waitUntil(lambda: _titles(view) == reordered)
    assert _engine_titles(view, playlist_id) == reordered

    window.undo_action.trigger()
    qtbot.waitUntil(lambda: _titles(view) == first_three)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: _titles(view) == [])
    assert _engine_titles(view, playlist_id) == []
    window.redo_action.trigger()
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: _titles(view) == reordered)
    assert _engine_titles(view, playlist_id) == reordered


def test_item_duration_edit_is_saved_and_undoable(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    window.show_view("playlists")
    view = window.views["playlists"]
    qtbot.waitUntil(lambda: view.works_model.rowCount() == DEMO_APPROVED)
    view.create_playlist("Short")
    qtbot.waitUntil(lambda: view.record is not None)
    _drop_on_items(view, view.works_model.mimeData([view.works_model.index(0, 0)]), None)
    qtbot.waitUntil(lambda: len(_titles(view)) == 1)
    view.items.setCurrentIndex(view.items_model.index(0))

    view.duration.setValue(25)
    view.duration.editingFinished.emit()
    library = view.studio.library
    qtbot.waitUntil(lambda: playlists.get_playlist(library, view.record.id).total_seconds == 25)
    # The label refreshes when the background save reports back, a moment after the engine.
    qtbot.waitUntil(lambda: "25 s" in view.running_time.text())
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: playlists.get_playlist(library, view.record.id).total_seconds == 10)


def test_preview_plays_items_in_order_with_their_crossfade(qtbot, open_window, demo_home) -> None:
    from ui.dialogs.playlist_preview import PlaylistPreview
    from urbanart.library.library import Library

    with Library.open(demo_home) as library:
        made = playlists.create_playlist(library, "Preview check")
        playlists.add_items(library, made.id, [1, 2], duration=1.5)
        record = playlists.set_item(
            library, made.id, 2, transition="crossfade", transition_seconds=1.0
        )
    window = open_window(demo_home)
    preview = PlaylistPreview(window.studio.library, record, "Portrait 1080 × 1920")
    qtbot.addWidget(preview)
    canvas = preview.canvas
    assert canvas.preview_size().height() > canvas.preview_size().width()  # shaped like the screen
    fades: list[float] = []
    canvas.animation.valueChanged.connect(lambda value: fades.append(float(value)))
    qtbot.waitUntil(lambda: not canvas.image.isNull(), timeout=15_000)
    first = canvas.image
    assert fades == []  # the first item arrives with a cut
    assert record.items[0].title in canvas.caption

    qtbot.waitUntil(lambda: preview.index == 1 and canvas.image is not first, timeout=15_000)
    qtbot.waitUntil(lambda: canvas.fade >= 1.0, timeout=15_000)
    assert any(0.0 < f < 1.0 for f in fades), fades  # the second one faded in over the first
    assert canvas.previous.isNull()  # and the old picture is let go once the fade ends
    assert "2 of 2" in preview.status.text()
    preview.close()
