"""The Qt player window, offscreen: draws frames, switches on time, overlays, hides the cursor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt

from tests.player import DemoScreen, build_demo_screen
from ui.player.window import PlayerWindow
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def played(library: Library, tmp_path: Path) -> Iterator[tuple[Player, ManualClock, DemoScreen]]:
    world = build_demo_screen(library, now=T0)
    with HubThread(library) as hub:
        pairing.pair(tmp_path / "player", hub.url, world.token)
        clock = ManualClock(T0)
        player = Player(tmp_path / "player", clock=clock)
        assert player.poll_once().switched
    yield player, clock, world
    player.close()


def test_window_shows_switches_overlays_and_hides_the_cursor(  # type: ignore[no-untyped-def]
    qtbot, played, tmp_path: Path
) -> None:
    player, clock, world = played
    clock.set(datetime(2025, 6, 10, 12, 0, 3, tzinfo=UTC))  # Day, first work, 3 s in
    window = PlayerWindow(player, clock=clock, network=False, tick_ms=60_000)
    qtbot.addWidget(window)
    window.resize(640, 360)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()

    assert window.shown_item["artwork_id"] == world.day_works[0]
    layer = window.front_layer
    assert layer.pixmap() is not None and not layer.pixmap().isNull()
    assert layer.pixmap().width() == 640 and layer.effect.opacity() == 1.0
    assert window.overlay.isVisible()
    assert window.overlay.caption.text().startswith(window.shown_item["credit"])
    assert not window.overlay.qr.pixmap().isNull()
    assert window.cursor().shape() == Qt.CursorShape.BlankCursor
    picture = window.grab().toImage()
    source = layer.pixmap().toImage()
    for x, y in ((320, 180), (100, 60), (540, 60)):  # what is on screen is the work itself
        assert picture.pixelColor(x, y) == source.pixelColor(x, y)
    shots = Path(os.environ.get("URBANART_SCREENSHOTS", str(tmp_path)))
    assert window.grab().save(str(shots / "urbanart-qt-player.png"))

    clock.advance(7.5)  # 0.5 s into the second work's 2 s crossfade
    window.refresh()
    assert window.shown_item["artwork_id"] == world.day_works[1]
    assert window._fade is not None
    qtbot.waitUntil(lambda: window.front_layer.effect.opacity() == 1.0, timeout=3000)

    clock.set(datetime(2025, 6, 10, 13, 0, 1, tzinfo=UTC))  # Night: no caption asked for
    window.refresh()
    assert window.shown_item["artwork_id"] == world.night_works[0]
    assert not window.overlay.isVisible()
    clock.advance(20)
    window.refresh()
    assert window.shown_item["artwork_id"] == world.night_works[1]

    qtbot.keyClick(window, Qt.Key.Key_Q)
    assert not window.isVisible()
