"""Generative items (manifest format 3) in the web player, in a real headless Chromium, served by
the real hub: the piece runs in a sandboxed iframe and draws on its canvas, is told the screen's
id and size and the slot's seed, and can reach neither the network nor the parent page."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PIL import Image

from tests.browsers import shared_playwright
from tests.imaging.packages import canvas_package
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library, published_root
from urbanart.protocol.live_feed import generative_seed

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (CI installs the chromium package)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

SIZE = (320, 180)
PINK = (230, 40, 90)  # what the test piece paints its whole canvas with
STILL = (20, 160, 90)  # the still fallback's colour

#: A piece written for this test: it paints, then tries every way out it can think of (the
#: parent page, fetch, XHR, an image, a beacon, a WebSocket, a form-less navigation of the
#: top page) and writes what happened into its own title for the test to read.
ESCAPE_SCRIPT = """
const q = new URLSearchParams(location.search);
const c = document.getElementById("c");
c.width = Number(q.get("width")); c.height = Number(q.get("height"));
const g = c.getContext("2d");
g.fillStyle = "rgb(230, 40, 90)"; g.fillRect(0, 0, c.width, c.height);
const out = {query: location.search};
try { out.parent = String(parent.document.title); } catch (e) { out.parent = "blocked: " + e.name; }
try { out.storage = String(localStorage.length); } catch (e) { out.storage = "blocked: " + e.name; }
const leak = "http://127.0.0.1:PORT/leak";
fetch(leak + "/fetch").then(() => { out.fetch = "reached"; }, (e) => { out.fetch = "blocked"; });
try { const x = new XMLHttpRequest(); x.open("GET", leak + "/xhr"); x.send(); } catch (e) {}
new Image().src = leak + "/img";
try { navigator.sendBeacon(leak + "/beacon", "x"); } catch (e) {}
try { new WebSocket("ws://127.0.0.1:PORT/ws"); } catch (e) {}
try { top.location.href = leak + "/top"; } catch (e) { out.top = "blocked: " + e.name; }
setTimeout(() => { document.title = JSON.stringify(out); }, 500);
"""


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.seen.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def leak_server() -> Iterator[tuple[int, list[str]]]:
    """A real server on 127.0.0.1 the piece tries to reach: it must never see a request."""
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


def generative_screen(library: Library, folder: Path, script: str) -> tuple[str, int, str]:
    """A published 320×180 screen whose only item is a piece running `script`; returns its
    poll token, its id and the package's sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "piece.zip").write_bytes(canvas_package(**{"sketch.js": script}))
    Image.new("RGB", (640, 360), STILL).save(folder / "still.png")
    run = ImportRun(workers=1, fallback=folder / "still.png")
    (result,) = import_items(library, [ImportItem(folder / "piece.zip", "Nova")], run)
    assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
    catalog.edit_artwork(library, result.artwork_id, title="Currents", status="approved")
    loop = playlists.create_playlist(library, "Loop")
    playlists.add_items(library, loop.id, [result.artwork_id], duration=120)
    screen = screens.add_screen(
        library, "Gen Screen", tz="Europe/Lisbon", size=f"{SIZE[0]}x{SIZE[1]}",
        default_playlist=loop.id,
    )  # fmt: skip
    schedules.add_schedule(library, loop.id, screens=[screen.id])
    publish(library, now=datetime.now(UTC))
    return screen.poll_token, screen.id, str(result.sha256)


def open_player(pw: Any, url: str) -> tuple[Any, Any]:
    """The player page with every CSP in force (no bypass_csp: the hub's policy on the
    package is what is under test), so conditions are polled from here, not with page eval."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_context(viewport={"width": SIZE[0], "height": SIZE[1]}).new_page()
    page.goto(url)
    return browser, page


def wait_until(target: Any, expression: str, arg: Any = None, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not target.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s} s: {expression}")
        time.sleep(0.1)


GENERATIVE_SHOWN = (
    "() => window.urbanartPlayer.state().kind === 'generative' && "
    "Number(getComputedStyle(document.getElementById('gen-a')).opacity) === 1"
)


def test_the_piece_runs_sandboxed_draws_and_reaches_neither_network_nor_parent(
    library: Library, tmp_path: Path, leak_server: tuple[int, list[str]]
) -> None:
    port, seen = leak_server
    token, screen_id, sha = generative_screen(
        library, tmp_path / "piece", ESCAPE_SCRIPT.replace("PORT", str(port))
    )
    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        browser, page = open_player(pw, f"{hub.url}player/index.html?token={token}")
        try:
            wait_until(page, GENERATIVE_SHOWN)
            frame_el = page.query_selector("#gen-a")
            assert frame_el.get_attribute("sandbox") == "allow-scripts"
            started = int(frame_el.get_attribute("data-started-at"))
            frame = frame_el.content_frame()
            wait_until(frame, "() => document.title.startsWith('{')", timeout_s=10)
            page.wait_for_timeout(1500)  # time for any request that got out to arrive
            report = frame.evaluate("JSON.parse(document.title)")
            shot = page.screenshot()
            state = page.evaluate("window.urbanartPlayer.state()")
        finally:
            browser.close()
    seed = generative_seed(screen_id, datetime.fromtimestamp(started / 1000, UTC))
    assert report["query"] == f"?screen={screen_id}&width=320&height=180&seed={seed}"
    assert report["parent"].startswith("blocked: "), report
    assert report["storage"].startswith("blocked: "), report
    assert report.get("fetch") == "blocked", report
    assert seen == [], seen  # not one request left the sandbox
    assert state["kind"] == "generative" and state["refusedPackages"] == {}
    picture = Image.open(io.BytesIO(shot)).convert("RGB")
    assert picture.getpixel((SIZE[0] // 2, 20)) == pytest.approx(PINK, abs=6)
    assert sha in frame.url


def test_a_package_whose_entry_does_not_match_keeps_the_still(
    library: Library, tmp_path: Path
) -> None:
    token, _screen_id, sha = generative_screen(library, tmp_path / "piece", "/* nothing */")
    entry = published_root(library) / "media" / "gen" / sha / "index.html"
    entry.write_text("<p>swapped by a mirror</p>")
    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        browser, page = open_player(pw, f"{hub.url}player/index.html?token={token}")
        try:
            wait_until(page, "(sha) => sha in window.urbanartPlayer.state().refusedPackages", sha)
            state = page.evaluate("window.urbanartPlayer.state()")
            shot = page.screenshot()
        finally:
            browser.close()
    assert state["kind"] == "image"
    assert "index.html sha256 or size mismatch" in state["refusedPackages"][sha]
    picture = Image.open(io.BytesIO(shot)).convert("RGB")
    assert picture.getpixel((SIZE[0] // 2, 20)) == pytest.approx(STILL, abs=8)
