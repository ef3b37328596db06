"""A generative item in the player core and the Qt player: the core's Frame names the piece's
entry on the hub with the screen, size and slot seed, and carries the package's files from the
screen's own cache, verified; the Qt player runs them in QtWebEngine (the player-web extra, which
the tests install), with no network at all, and shows the still (never a blank screen) when it
cannot: no QtWebEngine, a package altered on disk, a page that does not load."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("PySide6")

from tests.imaging.packages import CANVAS_PIECE, canvas_package
from tests.player.generative_world import PINK, STILL, publish_generative_screen, recording_server
from ui.player.web_piece import chromium_flags, web_engine_available
from ui.player.window import PlayerWindow
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.player.generative import GenerativePiece
from urbanart.protocol.live_feed import generative_seed

T0 = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
BLUE = (30, 60, 200)  # the still work that plays between two runs of the piece
needs_engine = pytest.mark.skipif(
    not web_engine_available(), reason="QtWebEngine is missing (pip install '.[player-web]')"
)

#: A piece that paints, then tries every way out to a local server (fetch, XHR, an image, a
#: beacon, a WebSocket) and, last, navigates its own page there (which no CSP stops), after
#: writing what it tried into its title.
ESCAPE_SCRIPT = """
const c = document.getElementById("c");
c.width = 320; c.height = 180;
const g = c.getContext("2d");
g.fillStyle = "rgb(230, 40, 90)"; g.fillRect(0, 0, c.width, c.height);
const leak = "http://127.0.0.1:PORT/leak";
fetch(leak + "/fetch").catch(() => {});
try { const x = new XMLHttpRequest(); x.open("GET", leak + "/xhr"); x.send(); } catch (e) {}
new Image().src = leak + "/img";
try { navigator.sendBeacon(leak + "/beacon", "x"); } catch (e) {}
try { new WebSocket("ws://127.0.0.1:PORT/ws"); } catch (e) {}
let storage = "none";
try { localStorage.setItem("k", "v"); storage = "kept"; } catch (e) {}
setTimeout(() => { document.title = "tried " + storage; location.href = leak + "/page"; }, 300);
"""

PlayerFor = Callable[[bytes], tuple[Player, ManualClock, int, str]]


@pytest.fixture
def player_for(library: Library, tmp_path: Path) -> Iterator[PlayerFor]:
    """Makes (once per test) a paired player whose screen plays the given package then a
    still, 30 s each, from a real hub."""
    with ExitStack() as stack:

        def make(package: bytes) -> tuple[Player, ManualClock, int, str]:
            screen, _sha = publish_generative_screen(
                library, tmp_path / "piece", package, now=T0, then=BLUE,
                duration=30, transition="crossfade", transition_seconds=2,
            )  # fmt: skip
            hub = stack.enter_context(HubThread(library))
            pairing.pair(tmp_path / "player", hub.url, screen.poll_token)
            clock = ManualClock(T0)
            core = Player(tmp_path / "player", clock=clock)
            stack.callback(core.close)
            assert core.poll_once().switched
            return core, clock, screen.id, hub.url.rstrip("/")

        yield make


@pytest.fixture
def player(player_for: PlayerFor) -> tuple[Player, ManualClock, int, str]:
    """A paired player whose screen plays the canvas piece then a still, 30 s each."""
    return player_for(canvas_package())


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
    assert later.generative is None
    # What the Qt player runs: the package's files from the screen's cache, the same query.
    piece = frame.generative
    assert piece is not None and piece.entry == "index.html"
    assert parse_qs(piece.query) == query
    assert set(piece.files) == {f["path"] for f in package["files"]}
    assert piece.files["index.html"] == CANVAS_PIECE.encode()


def show_generative(qtbot: Any, core: Player, clock: ManualClock) -> tuple[PlayerWindow, Any]:
    """A 320×180 player window on the generative work's first instant, and that frame."""
    frame = first_generative(core, clock)
    clock.set(frame.showing.at)
    window = PlayerWindow(core, clock=clock, network=False, tick_ms=60_000)
    qtbot.addWidget(window)
    window.resize(320, 180)
    window.show()
    qtbot.waitExposed(window)
    return window, window.refresh()


def centre_colour(window: PlayerWindow) -> tuple[int, int, int]:
    colour = window.grab().toImage().pixelColor(160, 90)
    return colour.red(), colour.green(), colour.blue()


def near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return sum(abs(a - b) for a, b in zip(colour, expected, strict=True)) < 30


@needs_engine
def test_the_qt_player_runs_the_piece_which_draws_on_its_canvas(
    qtbot: Any, player: tuple[Player, ManualClock, int, str]
) -> None:
    core, clock, _screen_id, _hub = player
    window, shown = show_generative(qtbot, core, clock)
    layer = window.front_layer
    assert layer.piece is not None and layer.piece.isVisible()
    seed = parse_qs(shown.generative.query)["seed"][0]
    # the piece read its seed from the URL and painted its canvas (CANVAS_SCRIPT) ...
    qtbot.waitUntil(lambda: layer.piece.title() == f"drawn {seed}", timeout=20_000)
    # ... and the window shows the canvas over the still, not the still
    qtbot.waitUntil(lambda: near(centre_colour(window), PINK), timeout=10_000)
    assert not [e for e in core._errors if "package" in e or "cannot run" in e]


@pytest.fixture
def leak_server() -> Iterator[tuple[int, list[str]]]:
    """A real server on 127.0.0.1 the piece tries to reach: it must never see a request."""
    with recording_server() as server:
        yield server


@needs_engine
def test_no_request_of_the_piece_reaches_the_network(
    qtbot: Any, player_for: PlayerFor, leak_server: tuple[int, list[str]]
) -> None:
    port, seen = leak_server
    script = ESCAPE_SCRIPT.replace("PORT", str(port))
    core, clock, _screen_id, _hub = player_for(canvas_package(**{"sketch.js": script}))
    window, _shown = show_generative(qtbot, core, clock)
    layer = window.front_layer
    piece = layer.piece
    assert piece is not None
    qtbot.waitUntil(lambda: piece.title() == "tried none", timeout=20_000)  # no local storage
    # its navigation to the server was refused: the page failed, the still plays
    qtbot.waitUntil(lambda: layer.piece is None, timeout=10_000)
    qtbot.waitUntil(lambda: near(centre_colour(window), STILL), timeout=10_000)
    assert seen == []


@needs_engine
def test_the_piece_crossfades_in_over_the_work_before_it(
    qtbot: Any, player: tuple[Player, ManualClock, int, str]
) -> None:
    core, clock, _screen_id, _hub = player
    first = first_generative(core, clock)
    seconds = float(first.item["transition"]["seconds"])
    assert first.item["transition"]["type"] == "crossfade" and seconds > 0
    clock.set(first.showing.ends_at + timedelta(seconds=10))  # the blue still's slot
    window = PlayerWindow(core, clock=clock, network=False, tick_ms=60_000)
    qtbot.addWidget(window)
    window.resize(320, 180)
    window.show()
    qtbot.waitExposed(window)
    assert window.refresh().item["media_type"] == "image"
    assert near(centre_colour(window), BLUE)
    next_run = first.showing.started_at + 2 * (first.showing.ends_at - first.showing.started_at)
    shown = window.refresh(next_run + timedelta(seconds=seconds / 2))
    assert shown.item["media_type"] == "generative" and shown.showing.fade is not None
    assert window._fade is not None
    window._fade.pause()  # hold the crossfade halfway, to look at it
    layer, old = window.front_layer, window.layers[1 - window.front]
    layer.effect.setOpacity(0.5)
    assert layer.piece is not None and old.path is not None
    qtbot.waitUntil(lambda: layer.piece.title().startswith("drawn"), timeout=20_000)
    halfway = tuple((a + b) // 2 for a, b in zip(BLUE, PINK, strict=True))
    qtbot.waitUntil(lambda: near(centre_colour(window), halfway), timeout=10_000)
    with qtbot.waitSignal(window._fade.finished, timeout=10_000):
        window._fade.resume()
    assert old.path is None and layer.effect.opacity() == 1.0
    qtbot.waitUntil(lambda: near(centre_colour(window), PINK), timeout=10_000)


@needs_engine
def test_a_package_altered_on_the_screens_disk_plays_the_still(
    qtbot: Any, player: tuple[Player, ManualClock, int, str]
) -> None:
    core, clock, _screen_id, _hub = player
    (script,) = core.packages.root.glob("*/sketch.js")
    script.write_text(script.read_text("utf-8").replace("230, 40, 90", "0, 0, 255"), "utf-8")
    window, shown = show_generative(qtbot, core, clock)
    assert shown.item["media_type"] == "generative" and shown.generative is None
    assert window.front_layer.piece is None and window.front_layer.path == shown.path
    assert near(centre_colour(window), STILL)
    assert not script.exists()  # removed: the next poll fetches it again
    core.sync_media()
    assert script.is_file() and core.packages.verified(shown.item["generative"]) is not None


@needs_engine
def test_a_page_that_does_not_load_leaves_the_still(
    qtbot: Any, player: tuple[Player, ManualClock, int, str]
) -> None:
    core, clock, _screen_id, _hub = player
    window, shown = show_generative(qtbot, core, clock)
    layer = window.layers[1 - window.front]
    with qtbot.waitSignal(layer.piece_failed, timeout=20_000) as failed:
        layer.play_generative(GenerativePiece("index.html", "seed=0", {}), shown.path)
    assert "did not load" in failed.args[0]
    assert layer.piece is None and layer.path == shown.path


def test_the_sandbox_is_turned_off_only_as_root() -> None:
    assert chromium_flags("", as_root=True) == "--no-sandbox"
    assert chromium_flags("--disable-gpu", as_root=True) == "--disable-gpu --no-sandbox"
    assert chromium_flags("--disable-gpu --no-sandbox", as_root=True).count("--no-sandbox") == 1
    assert chromium_flags("--disable-gpu", as_root=False) == "--disable-gpu"


def test_without_qtwebengine_the_qt_player_shows_the_still(
    qtbot: Any, player: tuple[Player, ManualClock, int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PySide6 without the add-ons: importing QtWebEngine fails, as it does there.
    monkeypatch.setitem(sys.modules, "PySide6.QtWebEngineWidgets", None)
    monkeypatch.setitem(sys.modules, "PySide6.QtWebEngineCore", None)
    assert not web_engine_available()
    core, clock, _screen_id, _hub = player
    window, shown = show_generative(qtbot, core, clock)
    assert shown.generative is not None  # the core has the piece; this Qt cannot run it
    layer = window.front_layer
    assert layer.path == shown.path and layer.piece is None
    assert near(centre_colour(window), STILL)
