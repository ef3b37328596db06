"""The Screens view: register screens, see them come alive, pair them, and group them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import wait_idle
from ui.dialogs.group_dialog import GroupDialog
from ui.dialogs.screen_dialog import PushSecretDialog, ScreenDialog
from ui.main_window import MainWindow
from ui.models.screen_status_model import LAST_SEEN, NAME, PLAYING, SIZE, STATE, ZONE
from ui.views.screens.view import ScreensView
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.api import record_heartbeat
from urbanart.library.browse import BrowseQuery, browse_rows
from urbanart.library.library import Library


def _view(window: MainWindow) -> ScreensView:
    window.show_view("screens")
    view = window.views["screens"]
    assert isinstance(view, ScreensView)
    return view


def _cells(view: ScreensView, name: str) -> dict[int, str] | None:
    """The shown texts of the table row whose name is name (None when it is not shown)."""
    model = view.table.model()
    for row in range(model.rowCount()):
        if model.index(row, NAME).data() == name:
            return {c: model.index(row, c).data() for c in range(model.columnCount())}
    return None


def _click_row(qtbot, view: ScreensView, name: str) -> None:
    model = view.table.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, NAME).data() == name)
    rect = view.table.visualRect(model.index(row, NAME))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _open_register(qtbot, view: ScreensView) -> ScreenDialog:
    qtbot.mouseClick(view.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.dialog, ScreenDialog) and view.dialog.isVisible())
    dialog = view.dialog
    assert isinstance(dialog, ScreenDialog)
    return dialog


def _add_screen(home: Path, name: str, **fields: object) -> screens.ScreenRecord:
    with Library.open(home) as library:
        return screens.add_screen(
            library, name, **{"tz": "Europe/Berlin", "size": "1920x1080", **fields}
        )


def test_register_a_screen_through_the_dialog(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    view = _view(window)
    dialog = _open_register(qtbot, view)
    assert dialog.zone.currentText() in dialog.zones  # defaults to this machine's zone

    qtbot.keyClicks(dialog.name, "Shibuya Test Portrait")
    dialog.zone.lineEdit().clear()
    qtbot.keyClicks(dialog.zone.lineEdit(), "tokyo")
    popup = dialog.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    matches = dialog.completer.completionModel()
    assert [matches.index(r, 0).data() for r in range(matches.rowCount())] == ["Asia/Tokyo"]
    popup.setCurrentIndex(matches.index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.zone.currentText() == "Asia/Tokyo")
    assert "UTC+09:00" in dialog.zone_hint.text()
    dialog.size_preset.setCurrentIndex(dialog.size_preset.findData("1080x1920"))
    assert dialog.custom_size.isHidden()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: _cells(view, "Shibuya Test Portrait") is not None)
    cells = _cells(view, "Shibuya Test Portrait")
    assert cells is not None
    assert cells[ZONE] == "Asia/Tokyo"
    assert cells[SIZE] == "1080×1920 portrait"
    assert cells[STATE] == "Never seen" and cells[LAST_SEEN] == "never"
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    stored = screens.get_screen(window.studio.library, "Shibuya Test Portrait")
    assert (stored.timezone, stored.width, stored.height) == ("Asia/Tokyo", 1080, 1920)
    qtbot.waitUntil(lambda: view.detail.heading.text() == "Shibuya Test Portrait")


def test_refused_values_show_under_their_field_and_register_nothing(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    view = _view(window)
    dialog = _open_register(qtbot, view)
    qtbot.keyClicks(dialog.name, "Refused Screen")
    dialog.zone.lineEdit().clear()
    qtbot.keyClicks(dialog.zone.lineEdit(), "Mars/Olympus")
    dialog.completer.popup().hide()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors.message("tz") != "")
    assert "IANA time zone" in dialog.errors.message("tz")
    assert dialog.isVisible() and dialog.name.text() == "Refused Screen"

    dialog.zone.setCurrentText("Europe/Berlin")
    qtbot.keyClicks(dialog.push_url, "ftp://screen.example/push")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors.message("push_url") != "")
    assert "http:// or https://" in dialog.errors.message("push_url")
    assert dialog.errors.message("tz") == ""
    assert dialog.isVisible() and dialog.push_url.text() == "ftp://screen.example/push"
    wait_idle(qtbot)
    names = [s.name for s in screens.list_screens(window.studio.library)]
    assert "Refused Screen" not in names
    assert _cells(view, "Refused Screen") is None

    # Fixed: it registers, and the generated push secret is shown once to copy.
    dialog.push_url.setText("https://screen.example/push")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(getattr(dialog, "secret_dialog", None), PushSecretDialog))
    secret = screens.reveal_push_secret(window.studio.library, "Refused Screen")
    assert secret and dialog.secret_dialog.secret.text() == secret
    dialog.secret_dialog.close()
    qtbot.waitUntil(lambda: _cells(view, "Refused Screen") is not None)


def test_a_screen_that_sent_a_heartbeat_shows_online_after_the_refresh(
    qtbot, open_window, demo_home
) -> None:
    screen = _add_screen(demo_home, "Heartbeat Wall", tz="Asia/Tokyo")
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Heartbeat Wall") is not None)
    assert _cells(view, "Heartbeat Wall")[STATE] == "Never seen"  # type: ignore[index]

    beat = {
        "playing": {"artwork_sha256": "ab" * 32, "title": "Neon Koi"},
        "manifest_version": "v1",
        "player_version": "0.9.0",
        "free_disk_bytes": 4_000_000_000,
        "errors": ["media/ab.webp: download failed"],
        "refused": {"reason": "rollback", "source": "polled", "at": "2026-01-02T03:04:05Z"},
    }
    assert record_heartbeat(window.studio.library, screen.id, beat, datetime.now(UTC))
    view.timer.setInterval(200)  # the periodic refresh, sped up; nothing else pokes the view
    qtbot.waitUntil(lambda: _cells(view, "Heartbeat Wall")[STATE] == "Online", timeout=5000)  # type: ignore[index]
    cells = _cells(view, "Heartbeat Wall")
    assert cells is not None
    assert cells[PLAYING] == "Neon Koi"
    assert cells[LAST_SEEN] == "just now"
    _click_row(qtbot, view, "Heartbeat Wall")
    qtbot.waitUntil(lambda: view.detail.heading.text() == "Heartbeat Wall")
    assert view.detail.values["playing"].text() == "Neon Koi"
    assert "download failed" in view.detail.values["errors"].text()
    refused = view.detail.values["refused"].text()
    assert refused == "refused polled manifest (rollback) at 2026-01-02T03:04:05Z"
    assert view.detail.state_text.text().startswith("Online")


def test_detail_shows_poll_url_qr_code_and_a_new_poll_token(
    qtbot, open_window, demo_home, monkeypatch
) -> None:
    screen = _add_screen(demo_home, "Pairing Kiosk")
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Pairing Kiosk") is not None)
    _click_row(qtbot, view, "Pairing Kiosk")
    detail = view.detail
    qtbot.waitUntil(lambda: screen.poll_token in detail.poll_url.text())
    # No hub in tests: the addresses come from the library's public_base_url setting.
    assert detail.poll_url.text() == (
        f"http://localhost:8470/screens/{screen.poll_token}/manifest.json"
    )
    assert detail.player_url.text().endswith(f"/player/index.html?token={screen.poll_token}")
    assert "hub is not running" in detail.address_note.text()
    pixmap = detail.qr.pixmap()
    assert not pixmap.isNull() and pixmap.width() == pixmap.height() > 100

    view.set_hub_address("http://127.0.0.1:8555")
    qtbot.waitUntil(lambda: detail.poll_url.text().startswith("http://127.0.0.1:8555/screens/"))
    assert "Served by the studio's hub" in detail.address_note.text()
    qtbot.mouseClick(detail.poll_url.button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == detail.poll_url.text()

    monkeypatch.setattr(
        QMessageBox, "question", lambda *_args, **_kw: QMessageBox.StandardButton.Yes
    )
    qtbot.mouseClick(detail.token_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: detail.poll_url.text() != "" and screen.poll_token not in detail.poll_url.text()
    )
    fresh = screens.get_screen(window.studio.library, screen.id).poll_token
    assert fresh != screen.poll_token and fresh in detail.poll_url.text()

    qtbot.mouseClick(detail.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cells(view, "Pairing Kiosk") is None)
    names = [s.name for s in screens.list_screens(window.studio.library)]
    assert "Pairing Kiosk" not in names


def test_create_a_group_add_a_screen_and_filter_by_it(qtbot, open_window, demo_home) -> None:
    _add_screen(demo_home, "Group Member Screen")
    _add_screen(demo_home, "Outsider Screen")
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Group Member Screen") is not None)

    qtbot.mouseClick(view.new_group_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.dialog, GroupDialog) and view.dialog.isVisible())
    dialog = view.dialog
    assert isinstance(dialog, GroupDialog)
    qtbot.keyClicks(dialog.name, "Test Lobby Screens")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(g.name == "Test Lobby Screens" for g in view.groups))
    group = next(g for g in view.groups if g.name == "Test Lobby Screens")

    _click_row(qtbot, view, "Group Member Screen")
    qtbot.waitUntil(view.add_to_group_button.isEnabled)
    view._fill_group_menu(view.add_to_group_menu)  # what opening the button's menu does
    action = next(a for a in view.add_to_group_menu.actions() if a.text() == group.name)
    action.trigger()
    qtbot.waitUntil(
        lambda: "Group Member Screen" in screens.get_group(window.studio.library, group.id).screens
    )
    row = next(
        r
        for r in range(view.group_list.count())
        if view.group_list.item(r).data(Qt.ItemDataRole.UserRole) == group.id
    )
    qtbot.waitUntil(lambda: "1 screen" in view.group_list.item(row).text())

    view.group_list.setCurrentRow(row)
    qtbot.waitUntil(lambda: view.table.model().rowCount() == 1)
    assert _cells(view, "Group Member Screen") is not None
    assert _cells(view, "Outsider Screen") is None
    assert view.heading.text() == "Test Lobby Screens"

    _click_row(qtbot, view, "Group Member Screen")
    qtbot.waitUntil(view.remove_from_group_button.isEnabled)
    qtbot.mouseClick(view.remove_from_group_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.model().rowCount() == 0)
    assert screens.get_group(window.studio.library, group.id).screens == ()


def test_splitters_and_columns_are_remembered(qtbot, open_window, demo_home, tmp_path) -> None:
    window = open_window(demo_home)
    view = _view(window)
    view.table.setColumnWidth(NAME, 333)
    settings = QSettings(str(tmp_path / "screens.ini"), QSettings.Format.IniFormat)
    view.save_state(settings)
    other = ScreensView(window.studio)  # type: ignore[arg-type]
    other.restore_state(settings)
    assert other.table.columnWidth(NAME) == 333
    other.deleteLater()


@pytest.fixture(autouse=True)
def _no_real_message_boxes(monkeypatch) -> None:
    """A confirmation a test did not expect must not block the run: it answers No."""
    monkeypatch.setattr(
        QMessageBox, "question", lambda *_args, **_kw: QMessageBox.StandardButton.No
    )


def test_edit_a_screen_keeps_what_was_not_touched(qtbot, open_window, demo_home) -> None:
    before = _add_screen(
        demo_home,
        "Edited Kiosk",
        size="1000x3000",
        lat="35.65951234",
        push_url="https://kiosk.example/push",
    )
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Edited Kiosk") is not None)
    _click_row(qtbot, view, "Edited Kiosk")
    qtbot.waitUntil(lambda: view.detail.heading.text() == "Edited Kiosk")
    qtbot.mouseClick(view.detail.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.dialog, ScreenDialog) and view.dialog.isVisible())
    dialog = view.dialog
    assert isinstance(dialog, ScreenDialog)
    assert not dialog.custom_size.isHidden()  # 1000×3000 is no preset
    assert (dialog.width_spin.value(), dialog.height_spin.value()) == (1000, 3000)
    assert dialog.push_url.text() == "https://kiosk.example/push"
    qtbot.keyClicks(dialog.city, "Osaka")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (_cells(view, "Edited Kiosk") or {}).get(1) == "Osaka")
    after = screens.get_screen(window.studio.library, before.id)
    assert (after.width, after.height, after.latitude) == (1000, 3000, 35.65951234)
    assert after.push_url == before.push_url and after.poll_token == before.poll_token
    assert not isinstance(getattr(dialog, "secret_dialog", None), PushSecretDialog)


def test_removing_a_screen_warns_of_schedules_left_reaching_no_screen(
    qtbot, open_window, demo_home, monkeypatch
) -> None:
    lonely = _add_screen(demo_home, "Lonely Kiosk")
    other = _add_screen(demo_home, "Other Kiosk")
    with Library.open(demo_home) as library:
        approved = [r.id for r in browse_rows(library, BrowseQuery(status="approved"))]
        playlist = playlists.create_playlist(library, "Kiosk Loop").id
        playlists.add_items(library, playlist, approved[:2])
        schedules.add_schedule(library, playlist, screens=[lonely.id], name="kiosk nights")
        schedules.add_schedule(
            library, playlist, screens=[lonely.id, other.id], name="kiosk mornings"
        )
        group = screens.create_group(library, "Kiosk Pair", [other.id])
        schedules.add_schedule(library, playlist, groups=[group.id], name="pair evenings")
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Lonely Kiosk") is not None)
    assert not view.notice.isVisible()
    monkeypatch.setattr(
        QMessageBox, "question", lambda *_args, **_kw: QMessageBox.StandardButton.Yes
    )

    _click_row(qtbot, view, "Lonely Kiosk")
    qtbot.waitUntil(view.detail.remove_button.isEnabled)
    qtbot.mouseClick(view.detail.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=10_000)
    text = view.notice.text()
    assert "Removed the screen “Lonely Kiosk”" in text
    assert "kiosk nights" in text and "now reaches no screen" in text
    assert "kiosk mornings" not in text  # Other Kiosk still gets it
    qtbot.waitUntil(lambda: _cells(view, "Lonely Kiosk") is None)

    row = next(
        r
        for r in range(view.group_list.count())
        if view.group_list.item(r).data(Qt.ItemDataRole.UserRole) == group.id
    )
    view.group_list.setCurrentRow(row)
    qtbot.mouseClick(view.delete_group_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Deleted the group “Kiosk Pair”" in view.notice.text())
    assert "pair evenings" in view.notice.text() and "kiosk nights" not in view.notice.text()


def test_a_removed_screen_comes_back_with_undo(qtbot, open_window, demo_home, monkeypatch) -> None:
    screen = _add_screen(demo_home, "Undo Harbour Wall")
    window = open_window(demo_home)
    view = _view(window)
    qtbot.waitUntil(lambda: _cells(view, "Undo Harbour Wall") is not None)
    _click_row(qtbot, view, "Undo Harbour Wall")
    monkeypatch.setattr(
        QMessageBox, "question", lambda *_args, **_kw: QMessageBox.StandardButton.Yes
    )
    qtbot.mouseClick(view.detail.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cells(view, "Undo Harbour Wall") is None)
    qtbot.waitUntil(window.undo_action.isEnabled)
    assert window.undo_action.text() == "&Undo Remove screen 'Undo Harbour Wall'"

    view.timer.stop()  # the row must come back because the undo says screens changed
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Undo))  # Ctrl+Z
    qtbot.waitUntil(lambda: _cells(view, "Undo Harbour Wall") is not None, timeout=5000)
    back = screens.get_screen(window.studio.library, "Undo Harbour Wall")
    assert (back.id, back.poll_token) == (screen.id, screen.poll_token)
    qtbot.waitUntil(lambda: window.redo_action.text() == "&Redo Remove screen 'Undo Harbour Wall'")
    assert not window.undo_action.isEnabled()  # the removal was the only step


def test_a_short_push_secret_is_explained_as_it_is_typed_and_refused_on_save(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    view = _view(window)
    dialog = _open_register(qtbot, view)
    qtbot.keyClicks(dialog.name, "Short Secret Screen")
    qtbot.keyClicks(dialog.push_url, "https://screen.example/push")
    qtbot.keyClicks(dialog.push_secret, "k" * (screens.MIN_PUSH_SECRET - 1))
    message = dialog.errors.message("push_secret")
    assert f"at least {screens.MIN_PUSH_SECRET} characters" in message
    assert "k" * 5 not in message  # the message never repeats the secret
    qtbot.keyClicks(dialog.push_secret, "k")
    assert dialog.errors.message("push_secret") == ""  # long enough now

    dialog.push_secret.setText("short")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled())
    assert f"at least {screens.MIN_PUSH_SECRET}" in dialog.errors.message("push_secret")
    assert dialog.isVisible()
    wait_idle(qtbot)
    names = [s.name for s in screens.list_screens(window.studio.library)]
    assert "Short Secret Screen" not in names

    typed = "a-secret-the-curator-chose-" + "x" * 10
    dialog.push_secret.setText(typed)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cells(view, "Short Secret Screen") is not None)
    assert screens.reveal_push_secret(window.studio.library, "Short Secret Screen") == typed
