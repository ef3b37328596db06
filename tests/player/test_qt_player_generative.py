"""A generative item in the player core and the Qt player: the core's Frame names the piece's
entry on the hub with the screen, size and slot seed; the Qt player runs it in QtWebEngine when
this PySide6 has it, and shows the still (never a blank screen) when it does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

pytest.importorskip("PySide6")

from tests.imaging.packages import canvas_package
from ui.player.web_piece import package_prefix, web_engine_available
from ui.player.window import PlayerWindow
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.protocol.live_feed import generative_seed

T0 = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
STILL = (20, 160, 90)


@pytest.fixture
def player(library: Library, tmp_path: Path) -> Iterator[tuple[Player, ManualClock, int, str]]:
    """A paired player whose screen plays a generative work then a still, 30 s each."""
    (tmp_path / "piece.zip").write_bytes(canvas_package())
    Image.new("RGB", (320, 180), STILL).save(tmp_path / "still.png")
    Image.new("RGB", (320, 180), (200, 30, 30)).save(tmp_path / "red.png")
    run = ImportRun(workers=1, fallback=tmp_path / "still.png")
    items = [ImportItem(tmp_path / "piece.zip", "Nova"), ImportItem(tmp_path / "red.png", "Nova")]
    results = import_items(library, items, run)
    assert all(r.status is Status.IMPORTED for r in results), results
    for result in results:
        catalog.edit_artwork(library, result.artwork_id, status="approved")
    loop = playlists.create_playlist(library, "Loop")
    playlists.add_items(library, loop.id, [r.artwork_id for r in results], duration=30)
    screen = screens.add_screen(library, "Gen", tz="UTC", size="320x180", default_playlist=loop.id)
    schedules.add_schedule(library, loop.id, screens=[screen.id])
    publish(library, now=T0)
    clock = ManualClock(T0)
    with HubThread(library) as hub:
        pairing.pair(tmp_path / "player", hub.url, screen.poll_token)
        made = Player(tmp_path / "player", clock=clock)
        assert made.poll_once().switched
        try:
            yield made, clock, screen.id, hub.url.rstrip("/")
        finally:
            made.close()


def first_generative(player: Player, clock: ManualClock) -> Any:
    """The first frame within a minute whose item is the generative work."""
    for step in range(0, 61, 5):
        frame = player.tick(clock.now() + timedelta(seconds=step))
        if frame.item is not None and frame.item["media_type"] == "generative":
            return frame
    raise AssertionError("the generative work never played")


def test_the_core_names_the_entry_with_screen_size_and_the_slots_seed(
    player: tuple[Player, ManualClock, int, str],
) -> None:
    core, clock, screen_id, hub_url = player
    frame = first_generative(core, clock)
    url = urlsplit(frame.generative_url)
    package = frame.item["generative"]
    assert f"{url.scheme}://{url.netloc}" == hub_url
    assert url.path == package["base_url"] + "index.html"
    query = parse_qs(url.query)
    seed = generative_seed(screen_id, frame.showing.started_at)
    assert query == {"screen": [str(screen_id)], "width": ["320"], "height": ["180"],
                     "seed": [seed]}  # fmt: skip
    assert frame.path is not None and frame.path.is_file()  # its still, always there
    later = core.tick(frame.showing.ends_at + timedelta(seconds=1))
    assert later.item["media_type"] == "image" and later.generative_url is None
    assert package_prefix(frame.generative_url) == f"{hub_url}{package['base_url']}"


def test_the_qt_player_runs_it_or_shows_its_still(
    qtbot: Any, player: tuple[Player, ManualClock, int, str]
) -> None:
    core, clock, _screen_id, _hub = player
    frame = first_generative(core, clock)
    clock.set(frame.showing.at)
    window = PlayerWindow(core, clock=clock, network=False, tick_ms=60_000)
    qtbot.addWidget(window)
    window.resize(320, 180)
    window.show()
    qtbot.waitExposed(window)
    shown = window.refresh()
    assert shown.generative_url is not None
    layer = window.front_layer
    assert layer.path == shown.path  # the still is under the piece, or is the picture
    if web_engine_available():
        assert layer.piece is not None and layer.piece.isVisible()
    else:
        assert layer.piece is None
        picture = window.grab().toImage()
        colour = picture.pixelColor(160, 90)
        assert abs(colour.red() - STILL[0]) + abs(colour.green() - STILL[1]) < 20
