"""The Screens view follows the settings: a screen's addresses and pairing QR change as soon as
Preferences saves a new public address or the studio's hub starts sharing on the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_preferences import line, open_preferences, save
from tests.ui.test_screens_view import _add_screen, _click_row, _view
from ui.views.screens.view import ScreensView
from urbanart.delivery.server import local_network_ip

NAME = "Settings Kiosk"


def _pick(qtbot, view: ScreensView) -> None:
    model = view.table.model()
    qtbot.waitUntil(
        lambda: any(model.index(r, 0).data() == NAME for r in range(model.rowCount())),
        timeout=10_000,
    )
    _click_row(qtbot, view, NAME)


def test_a_new_public_address_reaches_the_shown_screen_at_once(
    qtbot, open_window, demo_home: Path
) -> None:
    token = _add_screen(demo_home, NAME).poll_token
    window = open_window(demo_home)  # no hub: the addresses use the library's public address
    view = _view(window)
    _pick(qtbot, view)
    detail = view.detail
    qtbot.waitUntil(lambda: detail.poll_url.text() != "", timeout=10_000)
    assert detail.poll_url.text().startswith("http://localhost")
    assert detail.qr_warning.isVisible()  # loopback: a tablet elsewhere cannot open it
    old_qr = detail.qr_pixmap.toImage()

    dialog = open_preferences(qtbot, window)
    line(dialog, "public_base_url").setText("https://art.example.org/walls")
    save(qtbot, dialog)

    new = "https://art.example.org/walls/"
    qtbot.waitUntil(lambda: detail.poll_url.text().startswith(new), timeout=10_000)
    assert token in detail.poll_url.text()
    assert detail.player_url.text().startswith(new + "player/index.html?token=")
    assert f"--hub {new} " in detail.player_command.text()
    assert new in detail.address_note.text()
    assert not detail.qr_warning.isVisible()
    assert detail.qr_pixmap.toImage() != old_qr  # the QR code points at the new address


def test_sharing_the_hub_on_the_network_moves_the_shown_addresses(
    qtbot, open_window, demo_home: Path
) -> None:
    lan = local_network_ip()
    if lan is None:
        pytest.skip("this machine has no local network address to share the hub on")
    _add_screen(demo_home, NAME)
    window = open_window(demo_home, start_hub=True)
    qtbot.waitUntil(lambda: window.hub.address is not None, timeout=15_000)
    view = _view(window)
    _pick(qtbot, view)
    detail = view.detail
    qtbot.waitUntil(lambda: detail.poll_url.text().startswith("http://127.0.0.1:"), timeout=10_000)
    assert "Share on the Local Network" in detail.qr_warning.text()

    dialog = open_preferences(qtbot, window)
    dialog.share.setChecked(True)
    save(qtbot, dialog)

    qtbot.waitUntil(lambda: detail.poll_url.text().startswith(f"http://{lan}:"), timeout=15_000)
    assert detail.player_url.text().startswith(f"http://{lan}:")
    qtbot.waitUntil(lambda: not detail.qr_warning.isVisible(), timeout=5_000)
