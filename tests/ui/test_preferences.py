"""Edit ▸ Preferences…: every library setting with validation, and sharing the studio's hub.

Also the warnings a curator sees while the public address is loopback: the Publish view's
notice and the one beside a screen's pairing QR code.
"""

from __future__ import annotations

import socket
from dataclasses import fields
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QSpinBox

from tests.ui.conftest import wait_idle
from ui import operations
from ui.dialogs.preferences_dialog import PreferencesDialog
from ui.main_window import MainWindow
from ui.views.publish.view import PublishView
from ui.views.screens.view import ScreensView
from urbanart.curation import screens
from urbanart.delivery.server import ALL_INTERFACES, local_network_ip
from urbanart.imaging.limits import MIB
from urbanart.library.library import Library
from urbanart.library.public_address import SET_ADDRESS_COMMAND
from urbanart.library.settings import LibrarySettings, load_settings, update_settings


def stored(home: Path) -> LibrarySettings:
    with Library.open(home) as library:
        return load_settings(library)


def open_preferences(qtbot, window: MainWindow) -> PreferencesDialog:
    window.preferences_action.trigger()
    qtbot.waitUntil(lambda: window.preferences is not None and window.preferences.isVisible())
    dialog = window.preferences
    assert isinstance(dialog, PreferencesDialog)
    return dialog


def save(qtbot, dialog: PreferencesDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)


def spin(dialog: PreferencesDialog, name: str) -> QSpinBox:
    widget = dialog.fields[name].widget
    assert isinstance(widget, QSpinBox)
    return widget


def line(dialog: PreferencesDialog, name: str) -> QLineEdit:
    widget = dialog.fields[name].widget
    assert isinstance(widget, QLineEdit)
    return widget


def test_the_dialog_shows_every_setting_in_curator_units(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        update_settings(
            library,
            public_base_url="https://art.example.org/city",
            look_ahead_days=12,
            max_import_bytes=50 * MIB,
        )
    window = open_window(demo_home)
    assert window.preferences_action.shortcut() == QKeySequence(
        QKeySequence.StandardKey.Preferences
    )
    assert window.preferences_action in window.menuBar().actions()[1].menu().actions()  # Edit
    dialog = open_preferences(qtbot, window)
    assert set(dialog.fields) == {f.name for f in fields(LibrarySettings)}
    assert all(f.widget.isVisible() for f in dialog.fields.values())
    assert line(dialog, "public_base_url").text() == "https://art.example.org/city"
    assert (spin(dialog, "look_ahead_days").value(), spin(dialog, "look_ahead_days").suffix()) == (
        12,
        " days",
    )
    assert spin(dialog, "media_grace_days").value() == 7
    assert (
        spin(dialog, "max_import_bytes").value(),
        spin(dialog, "max_import_bytes").suffix(),
    ) == (
        50,
        " MB",
    )
    pixels = spin(dialog, "max_import_pixels")
    assert (pixels.value(), pixels.suffix()) == (120, " megapixels")
    assert line(dialog, "rendition_background").text() == "#000000"
    assert not dialog.address_warning.isVisible()  # a real address: nothing to warn about
    assert not dialog.share.isChecked()  # a fresh studio keeps its hub on this computer
    dialog.reject()


def test_saving_stores_the_changes_off_the_gui_thread(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        update_settings(library, import_worker_memory=2048 * MIB + 12345)  # not whole MB
    window = open_window(demo_home)
    dialog = open_preferences(qtbot, window)
    assert dialog.address_warning.isVisible()  # the default address is localhost
    line(dialog, "public_base_url").setText("https://art.example.org")
    assert not dialog.address_warning.isVisible()
    spin(dialog, "look_ahead_days").setValue(21)
    spin(dialog, "media_grace_days").setValue(3)
    spin(dialog, "max_import_bytes").setValue(80)
    spin(dialog, "max_import_total_pixels").setValue(900)
    line(dialog, "rendition_background").setText("#102030")
    operations.history.clear()
    save(qtbot, dialog)
    qtbot.waitUntil(lambda: window.preferences is None)
    after = stored(demo_home)
    assert after.public_base_url == "https://art.example.org"
    assert (after.look_ahead_days, after.media_grace_days) == (21, 3)
    assert after.max_import_bytes == 80 * MIB
    assert after.max_import_total_pixels == 900_000_000
    assert after.rendition_background == "#102030"
    assert after.import_worker_memory == 2048 * MIB + 12345  # untouched: not rounded to MB
    record = next(r for r in operations.history if r.label == "save preferences")
    assert record.on_writer and not record.ran_on_gui_thread and not record.failed


@pytest.mark.parametrize(
    ("address", "words"),
    [("art.example.org", "https://"), ("https://art.example.org/?x=1", "?query")],
)
def test_a_bad_public_address_shows_under_its_field_and_saves_nothing(
    qtbot, open_window, demo_home, address: str, words: str
) -> None:
    window = open_window(demo_home)
    before = stored(demo_home)
    dialog = open_preferences(qtbot, window)
    line(dialog, "public_base_url").setText(address)
    spin(dialog, "look_ahead_days").setValue(30)
    save(qtbot, dialog)
    assert dialog.isVisible()  # still open, for the curator to fix
    message = dialog.errors.message("public_base_url")
    assert words in message
    assert dialog.errors.message("look_ahead_days") == ""
    assert stored(demo_home) == before  # the valid look-ahead beside it was not stored either
    line(dialog, "public_base_url").setText("https://art.example.org")
    save(qtbot, dialog)
    qtbot.waitUntil(lambda: window.preferences is None)
    assert stored(demo_home).look_ahead_days == 30


def connects(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(3)
        return probe.connect_ex((host, port)) == 0


def test_a_fresh_studio_hub_listens_on_this_computer_until_sharing_is_turned_on(
    qtbot, open_window, demo_home, settings: QSettings
) -> None:
    window = open_window(demo_home, start_hub=True)
    qtbot.waitUntil(lambda: window.hub.address is not None, timeout=15_000)
    assert window.hub.host == "127.0.0.1" and not window.share_hub_action.isChecked()
    port = int(window.hub.address.rsplit(":", 1)[1].strip("/"))
    lan = local_network_ip()
    assert connects("127.0.0.1", port)
    if lan is not None:
        assert not connects(lan, port)  # nothing else on the network reaches it

    dialog = open_preferences(qtbot, window)
    assert not dialog.share.isChecked()
    dialog.share.setChecked(True)
    save(qtbot, dialog)
    qtbot.waitUntil(lambda: window.hub.host == ALL_INTERFACES, timeout=15_000)
    assert window.share_hub_action.isChecked()
    assert str(settings.value("hub/share_on_network")) == "true"
    port = int(window.hub.address.rsplit(":", 1)[1].strip("/"))
    if lan is not None:
        assert window.hub.address.startswith(f"http://{lan}:")
        assert connects(lan, port)

    # The menu's action and the dialog's checkbox are one choice.
    dialog = open_preferences(qtbot, window)
    assert dialog.share.isChecked()
    window.share_hub_action.trigger()
    assert not dialog.share.isChecked()
    qtbot.waitUntil(lambda: window.hub.host == "127.0.0.1", timeout=15_000)
    assert str(settings.value("hub/share_on_network")) == "false"
    dialog.reject()


def test_the_publish_view_warns_while_the_public_address_is_loopback(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    window.show_view("publish")
    view = window.views["publish"]
    assert isinstance(view, PublishView)
    qtbot.waitUntil(lambda: view.address_warning.isVisible(), timeout=10_000)
    text = view.address_warning.text()
    assert "phones and screens elsewhere cannot open" in text and SET_ADDRESS_COMMAND in text

    dialog = open_preferences(qtbot, window)
    line(dialog, "public_base_url").setText("https://art.example.org")
    save(qtbot, dialog)
    qtbot.waitUntil(lambda: not view.address_warning.isVisible(), timeout=10_000)


def test_the_pairing_qr_says_when_a_tablet_cannot_open_it(qtbot, open_window, demo_home) -> None:
    with Library.open(demo_home) as library:
        screens.add_screen(library, "Pairing Kiosk", tz="Europe/Berlin", size="1920x1080")
    window = open_window(demo_home)
    window.show_view("screens")
    view = window.views["screens"]
    assert isinstance(view, ScreensView)
    model = view.table.model()
    qtbot.waitUntil(
        lambda: any(model.index(r, 0).data() == "Pairing Kiosk" for r in range(model.rowCount()))
    )
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Pairing Kiosk")
    view.table.selectRow(row)
    detail = view.detail
    # No hub in tests: the QR code uses the public address, localhost by default.
    qtbot.waitUntil(lambda: detail.qr_warning.isVisible(), timeout=10_000)
    assert "public_base_url" in detail.qr_warning.text()
    view.set_hub_address("http://127.0.0.1:8555/")  # a hub on this computer only
    qtbot.waitUntil(lambda: "Share on the Local Network" in detail.qr_warning.text())
    view.set_hub_address("http://192.168.1.20:8555/")  # a shared hub: a tablet can open it
    qtbot.waitUntil(lambda: detail.poll_url.text().startswith("http://192.168.1.20:8555/"))
    assert not detail.qr_warning.isVisible() and not detail.qr.pixmap().isNull()


def test_your_name_and_the_shared_key_file_are_saved_for_you_not_in_the_library(
    qtbot, open_window, demo_home, tmp_path: Path
) -> None:
    from urbanart.library.user_config import curator_name, signing_key_file

    window = open_window(demo_home)
    dialog = open_preferences(qtbot, window)
    assert dialog.curator.text() == window.studio.library.curator
    dialog.curator.setText("two\nlines")
    spin(dialog, "look_ahead_days").setValue(17)
    save(qtbot, dialog)
    assert "one line" in dialog.errors.message("curator")
    assert stored(demo_home).look_ahead_days != 17  # one bad field: nothing saved
    dialog.curator.setText("Ana Ruiz")
    dialog.key_file.setText(str(tmp_path / "exhibition.pem"))
    save(qtbot, dialog)
    qtbot.waitUntil(lambda: window.preferences is None)
    assert curator_name() == "Ana Ruiz" == window.studio.library.curator
    assert signing_key_file() == (tmp_path / "exhibition.pem").resolve()
    assert stored(demo_home).look_ahead_days == 17
