"""The Qt player plays video items: painted frames that follow the clip, from the frame's
position, crossfading still → video → still, and the still when the file cannot be played.

Until the publisher of manifest v3 lands (branch video-publish), the core's Frames carry no
video; `VideoFramesPlayer` is the real Player whose Frames for one work get a `video_path` and
`video_position_s` by the manifest-3 rule ((t − start) mod length), as the v3 core will give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QPoint

from tests.player import DemoScreen, build_demo_screen
from tests.player.colour_clips import GREEN, MAGENTA, near, write_colour_clip
from ui.player.window import PlayerWindow
from ui.widgets.video_surface import VideoSurface
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Frame, Player

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CLIP_S = 2.0  # one second green, one second magenta


class VideoFramesPlayer(Player):
    """A real player whose Frames for `video_work` point at a local MP4 (manifest-3 rule)."""

    def __init__(self, *args: Any, video_work: int, video: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.video_work, self.video = video_work, video

    def tick(self, now: datetime | None = None) -> Frame:
        frame = super().tick(now)
        item, started = frame.item, frame.showing.started_at
        if item is None or item["artwork_id"] != self.video_work or started is None:
            return frame
        at = now or self.clock.now()
        position = (at - started).total_seconds() % CLIP_S
        return replace(frame, video_path=self.video, video_position_s=position)


@pytest.fixture
def world(library: Library, tmp_path: Path) -> Iterator[tuple[DemoScreen, Any]]:
    """The demo screen, and a way to start its player with one Day work as a video."""
    screen = build_demo_screen(library, now=T0)
    made: list[Player] = []

    def start(video: Path, clock: ManualClock) -> VideoFramesPlayer:
        with HubThread(library) as hub:
            pairing.pair(tmp_path / "player", hub.url, screen.token)
            player = VideoFramesPlayer(
                tmp_path / "player", clock=clock, video_work=screen.day_works[1], video=video
            )
            made.append(player)
            assert player.poll_once().switched
        return player

    yield screen, start
    for player in made:
        player.close()


def _window(qtbot: Any, player: Player, clock: ManualClock) -> PlayerWindow:
    window = PlayerWindow(player, clock=clock, network=False, tick_ms=60_000)
    qtbot.addWidget(window)
    window.resize(320, 180)
    window.show()
    qtbot.waitExposed(window)
    return window


def _centre(window: PlayerWindow) -> tuple[int, int, int]:
    colour = window.grab().toImage().pixelColor(QPoint(160, 90))
    return colour.red(), colour.green(), colour.blue()


def test_crossfade_still_to_video_to_still(qtbot: Any, world: Any, tmp_path: Path) -> None:
    _screen, start = world
    clip = write_colour_clip(tmp_path / "clip.mp4", [GREEN, MAGENTA])
    clock = ManualClock(datetime(2025, 6, 10, 12, 0, 3, tzinfo=UTC))  # Day, first work
    player = start(clip, clock)
    window = _window(qtbot, player, clock)
    window.refresh()
    still_layer = window.front_layer
    assert still_layer.path is not None and not still_layer.video.playing
    still_colour = _centre(window)

    first_shown: list[float] = []
    for layer in window.layers:
        layer.video.frame_shown.connect(first_shown.append)
    clock.set(datetime(2025, 6, 10, 12, 0, 11, 500_000, tzinfo=UTC))  # 1.5 s into the video work
    frame = window.refresh()
    assert frame.video_path == clip and frame.video_position_s == pytest.approx(1.5)
    video_layer = window.front_layer
    assert video_layer is not still_layer and video_layer.video.playing
    assert window._fade is not None  # the video fades in over the still
    assert video_layer.effect.opacity() < 1.0
    # It starts where the rule says (1.5 s: magenta), paints frames, and loops on to green.
    qtbot.waitUntil(lambda: video_layer.video.shown > 0, timeout=5000)
    # Seeked, not played from 0; in step with the clock (opening time skipped, not shown late).
    assert 1.45 <= first_shown[0] < 2.0, first_shown[:3]
    qtbot.waitUntil(lambda: video_layer.effect.opacity() == 1.0, timeout=4000)
    qtbot.waitUntil(lambda: near(_centre(window), MAGENTA), timeout=3000)
    qtbot.waitUntil(lambda: near(_centre(window), GREEN), timeout=3000)
    qtbot.waitUntil(lambda: near(_centre(window), MAGENTA), timeout=3000)
    assert not near(still_colour, GREEN) and not near(still_colour, MAGENTA)
    assert not still_layer.video.playing and still_layer.path is None  # the old still let go

    clock.set(datetime(2025, 6, 10, 12, 0, 20, 500_000, tzinfo=UTC))  # the third work, a still
    window.refresh()
    assert window.front_layer is still_layer and not still_layer.video.playing
    assert window._fade is not None and video_layer.video.playing  # fading out, still moving
    qtbot.waitUntil(lambda: not video_layer.video.playing, timeout=4000)
    assert not near(_centre(window), GREEN) and not near(_centre(window), MAGENTA)


def test_a_video_that_cannot_play_shows_its_still(qtbot: Any, world: Any, tmp_path: Path) -> None:
    _screen, start = world
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 but nothing after")
    clock = ManualClock(datetime(2025, 6, 10, 12, 0, 13, tzinfo=UTC))  # the video work
    player = start(broken, clock)
    window = _window(qtbot, player, clock)
    frame = window.refresh()
    assert frame.video_path == broken
    layer = window.front_layer
    qtbot.waitUntil(lambda: layer.video_failure is not None, timeout=5000)
    assert not layer.video.playing and layer.video.isHidden()
    assert layer.pixmap() is not None and not layer.pixmap().isNull()  # the still is there
    picture = window.grab().toImage()
    source = layer.pixmap().toImage()
    x, y = 160, 90 - (180 - source.height()) // 2
    assert picture.pixelColor(160, 90) == source.pixelColor(x, y)


def test_the_surface_paints_the_clip_as_its_colour_changes(qtbot: Any, tmp_path: Path) -> None:
    clip = write_colour_clip(tmp_path / "clip.mp4", [GREEN, MAGENTA], seconds_each=0.5)
    surface = VideoSurface(fit="cover")
    qtbot.addWidget(surface)
    surface.resize(200, 100)
    surface.show()
    qtbot.waitExposed(surface)
    surface.play(clip, 0.0)

    def centre() -> tuple[int, int, int]:
        colour = surface.grab().toImage().pixelColor(QPoint(100, 50))
        return colour.red(), colour.green(), colour.blue()

    qtbot.waitUntil(lambda: near(centre(), GREEN), timeout=5000)
    qtbot.waitUntil(lambda: near(centre(), MAGENTA), timeout=3000)
    qtbot.waitUntil(lambda: near(centre(), GREEN), timeout=3000)  # looped
    corner = surface.grab().toImage().pixelColor(QPoint(2, 2))
    assert near((corner.red(), corner.green(), corner.blue()), GREEN) or near(
        (corner.red(), corner.green(), corner.blue()), MAGENTA
    )  # cover: the 4:3 clip fills the 2:1 widget to its corners
    surface.setProperty("opacity", 0.0)
    assert surface.property("opacity") == 0.0
    frames = surface.frames
    surface.stop()
    assert frames is not None and frames.finished.wait(5)
    qtbot.waitUntil(lambda: not frames.alive, timeout=3000)  # the decoder thread ended
