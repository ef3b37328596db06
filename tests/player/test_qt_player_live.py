"""The Qt player shows a live work's newest verified frame, and its still when the feed is silent.
A real published library and its signed feed on 127.0.0.1 (tests/player/live_world), offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from tests.player.live_world import LiveWorld, build_live_world, frame_colour, utc
from ui.player.window import PlayerWindow
from urbanart.delivery.signing import signing_key
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player

T0 = utc("2026-11-26T00:00:00")


@pytest.fixture
def world(library, tmp_path: Path) -> Iterator[LiveWorld]:  # type: ignore[no-untyped-def]
    yield from build_live_world(library, tmp_path / "art", now=T0, silence_s=30)


def centre(window: PlayerWindow) -> tuple[int, int, int]:
    image = window.grab().toImage()
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def near(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 12 for x, y in zip(a, b, strict=True))


def test_the_window_shows_each_new_frame_then_the_still_when_silent(  # type: ignore[no-untyped-def]
    qtbot, world: LiveWorld, tmp_path: Path
) -> None:
    state = tmp_path / "player"
    pairing.pair(
        state, world.url, world.token, public_key_pem=signing_key(world.library.home).public_pem
    )
    clock = ManualClock(T0 + timedelta(seconds=5))
    player = Player(state, clock=clock)
    assert player.poll_once().switched
    window = PlayerWindow(player, clock=clock, network=False, tick_ms=60_000)
    qtbot.addWidget(window)
    window.resize(640, 360)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    assert window.shown_item is not None and window.shown_item["media_type"] == "live"
    still = centre(window)  # no frame yet: the work's still fallback (near black)
    assert max(still) < 40

    for sequence in (1, 2):
        accepted = clock.now()
        world.publish_frame(accepted)
        clock.advance(1)
        player.poll_live()
        window.refresh()
        assert window.frame is not None and window.frame.live_sequence == sequence
        assert near(centre(window), frame_colour(sequence)), (centre(window), sequence)
        assert window.overlay.isVisible()  # the caption and QR stay over the live frames

    clock.set(accepted + timedelta(seconds=31))  # silent for longer than silence_s
    window.refresh()
    assert window.frame.live_path is None
    assert near(centre(window), still)
    window.shutdown()
    player.close()
