"""The Live works view on a real library: register a work and see its secret once, watch frames
arrive without a click, keep a frame as an artwork, remove a work."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QPlainTextEdit
from sqlalchemy import select

from tests.ui.conftest import DEMO_WORKS, wait_idle
from ui import operations
from ui.dialogs.live_work_dialog import AddLiveWorkDialog
from ui.main_window import MainWindow
from ui.views.live_view import LiveWorksView
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library
from urbanart.library.models import LiveWork
from urbanart.live.demo_generator import frame_bytes
from urbanart.live.frames import accept_frame
from urbanart.live.layout import FrameRefused
from urbanart.live.works import add_live_work, live_works

KEY = Ed25519PrivateKey.generate()


def _view(window: MainWindow, qtbot) -> LiveWorksView:
    window.show_view("live")
    view = window.views["live"]
    assert isinstance(view, LiveWorksView)
    view.timer.setInterval(150)  # the same timer, ticking faster than a curator needs
    qtbot.waitUntil(lambda: view.updated.text() != "", timeout=10_000)
    return view


def _cell(view: LiveWorksView, title: str, column: int) -> str | None:
    for row in range(view.table.rowCount()):
        if view.table.item(row, 1).text() == title:
            return view.table.item(row, column).text()
    return None


def _texts(window: MainWindow) -> list[str]:
    """Every text a curator could read or select anywhere in the window."""
    found = [w.text() for w in window.findChildren(QLineEdit)]
    found += [w.text() for w in window.findChildren(QLabel)]
    found += [w.toPlainText() for w in window.findChildren(QPlainTextEdit)]
    return found


def test_adding_a_live_work_shows_its_token_and_secret_once(
    qtbot, open_window, demo_home: Path
) -> None:
    window = open_window(demo_home)
    view = _view(window, qtbot)
    assert view.pages.currentWidget() is view.empty
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.dialog, AddLiveWorkDialog) and view.dialog.isVisible())
    dialog = view.dialog
    assert isinstance(dialog, AddLiveWorkDialog)
    qtbot.keyClicks(dialog.title, "Harbour Feed")
    qtbot.keyClicks(dialog.artist, "Ana Lima")
    dialog.interval.setText("2s")
    dialog.retention.setText("10")
    dialog.allow_keep.setChecked(False)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=10_000)

    library = window.studio.library
    with library.session() as session:
        stored = session.scalars(select(LiveWork)).one()
        token, interval, kept = stored.token, stored.interval_s, stored.allow_keep
    assert dialog.token.text() == token
    assert len(dialog.secret.text()) >= 32
    assert dialog.secret.text() in dialog.command.toPlainText()
    assert (interval, kept) == (2.0, False)
    assert "only this once" in dialog.warning.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    clipboard = QGuiApplication.clipboard().text()
    assert token in clipboard and dialog.secret.text() in clipboard
    secret = dialog.secret.text()

    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cell(view, "Harbour Feed", 2) == "Ana Lima", timeout=10_000)
    assert _cell(view, "Harbour Feed", 3) == "Waiting"
    assert view.detail.heading.text() == "Harbour Feed"
    assert view.detail.fields["retention"].text() == "the last 10 frames"
    qtbot.waitUntil(lambda: view.dialog is None)
    assert not any(secret in text for text in _texts(window))  # shown once, then gone


def test_a_bad_interval_shows_under_its_field_and_stores_nothing(
    qtbot, open_window, demo_home: Path
) -> None:
    window = open_window(demo_home)
    view = _view(window, qtbot)
    view.add_live_work()
    dialog = view.dialog
    assert isinstance(dialog, AddLiveWorkDialog)
    dialog.title.setText("Too Vague")
    dialog.artist.setText("Ana Lima")
    dialog.interval.setText("every now and then")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors.message("interval_s") != "", timeout=10_000)
    assert "5s" in dialog.errors.message("interval_s")
    assert dialog.pages.currentIndex() == 0 and dialog.ok_button.isEnabled()
    wait_idle(qtbot)
    assert live_works(window.studio.library) == []


def test_frames_and_refusals_show_as_they_arrive_without_a_click(
    qtbot, open_window, demo_home: Path
) -> None:
    with Library.open(demo_home) as library:
        created = add_live_work(library, "Night Loom", "Moss Frequency", interval_s=1)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)  # the live work is an artwork
    view = _view(window, qtbot)
    qtbot.waitUntil(lambda: _cell(view, "Night Loom", 3) == "Waiting")
    assert not view.detail.keep_button.isEnabled()
    # Before the first frame the studio shows what the screens show: the work's still.
    row = next(
        r for r in range(view.table.rowCount()) if view.table.item(r, 1).text() == "Night Loom"
    )
    assert not view.table.item(row, 0).icon().isNull()
    assert not view.detail.picture.pixmap().isNull()
    assert view.detail.status.text().endswith("screens show the still")
    still = view.detail.picture.pixmap().toImage()

    library = window.studio.library
    accept_frame(library, created.live_work_id, frame_bytes(3, 800, 450), key=KEY)
    qtbot.waitUntil(lambda: _cell(view, "Night Loom", 3) == "Live", timeout=10_000)
    assert _cell(view, "Night Loom", 5) == "1"
    qtbot.waitUntil(lambda: view.detail.picture.pixmap().toImage() != still, timeout=10_000)
    assert view.detail.keep_button.isEnabled()
    first = view.detail.picture.pixmap().toImage()

    accept_frame(library, created.live_work_id, frame_bytes(4, 800, 450), key=KEY)
    qtbot.waitUntil(lambda: _cell(view, "Night Loom", 5) == "2", timeout=10_000)
    qtbot.waitUntil(lambda: view.detail.picture.pixmap().toImage() != first, timeout=10_000)

    with pytest.raises(FrameRefused):
        accept_frame(library, created.live_work_id, b"not an image at all", key=KEY)
    qtbot.waitUntil(lambda: _cell(view, "Night Loom", 6) == "1", timeout=10_000)
    qtbot.waitUntil(lambda: view.detail.refusal.text() != "")
    assert view.detail.refusal.text().startswith("Last refused frame: ")
    assert view.detail.status.text() == "Live"  # one bad frame does not silence the feed
    loads = [r for r in operations.history if r.label == "live works"]
    assert loads and not any(r.ran_on_gui_thread for r in loads)


def test_keep_this_frame_makes_an_artwork_by_the_live_works_artist(
    qtbot, open_window, demo_home: Path
) -> None:
    with Library.open(demo_home) as library:
        created = add_live_work(library, "Gold Nuggets", "Verdant Static", interval_s=5)
        accept_frame(library, created.live_work_id, frame_bytes(8, 640, 360), key=KEY)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)  # the live work is an artwork
    view = _view(window, qtbot)
    qtbot.waitUntil(lambda: view.detail.keep_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(view.detail.keep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Kept as artwork #" in view.detail.notice.text(), timeout=15_000)
    artwork_id = int(view.detail.notice.text().split("#")[1].split()[0])
    kept = get_artwork(window.studio.library, artwork_id)
    assert kept.artist_name == "Verdant Static"
    assert kept.title.startswith("Gold Nuggets")
    assert artwork_id != created.artwork_id


def test_remove_asks_first_and_then_removes_the_work(
    qtbot, open_window, demo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(demo_home) as library:
        add_live_work(library, "Short Lived", "Ana Lima", interval_s=5)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)  # the live work is an artwork
    view = _view(window, qtbot)
    qtbot.waitUntil(lambda: _cell(view, "Short Lived", 2) == "Ana Lima")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def answer(_parent, _title, text, *_args):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", answer)
    qtbot.mouseClick(view.detail.remove_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    assert len(live_works(window.studio.library)) == 1  # "No" removes nothing
    qtbot.mouseClick(view.detail.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.empty, timeout=10_000)
    assert "Short Lived" in asked[0]
    assert live_works(window.studio.library) == []
