"""Generative items (manifest format 3) in the web player, in a real headless Chromium, served by
the real hub: the piece runs in a sandboxed iframe and draws on its canvas, is told the screen's
id and size and the slot's seed, and can reach neither the network nor the parent page; with the
hub gone it runs from the cached copy of its verified files; a package with a file that does not
match the manifest is never run. One Chromium for the module, a fresh context (its own service
worker and caches) per test."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browsers import shared_playwright
from tests.imaging.packages import CANVAS_PIECE, canvas_package
from tests.player.generative_world import (
    PINK,
    SIZE,
    STILL,
    publish_generative_screen,
    recording_server,
)
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM
from urbanart.curation import playlists
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, import_items
from urbanart.library.library import Library, published_root
from urbanart.player.web_files import web_player_files
from urbanart.protocol.live_feed import generative_seed
from urbanart.protocol.tree_layout import GENERATIVE_CSP

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (CI installs the chromium package)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

BLUE = (30, 60, 220)  # the offline test piece's image, drawn on the canvas's right half

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


@pytest.fixture
def leak_server() -> Iterator[tuple[int, list[str]]]:
    """A real server on 127.0.0.1 the piece tries to reach: it must never see a request."""
    with recording_server() as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with shared_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def generative_screen(
    library: Library, folder: Path, script: str, **files: bytes | str
) -> tuple[str, int, str]:
    """A published 320×180 screen whose only item is a piece running `script` (with `files`
    added to the package); returns its poll token, its id and the package's sha256."""
    package = canvas_package(**{"sketch.js": script, **files})
    screen, sha = publish_generative_screen(
        library, folder, package, now=datetime.now(UTC), tz="Europe/Lisbon", duration=120
    )
    return screen.poll_token, screen.id, sha


def open_player(browser: Any, url: str) -> tuple[Any, Any]:
    """A fresh context (no service worker, no caches) on the player page, with every CSP in
    force (no bypass_csp: the hub's policy on the package is what is under test), so conditions
    are polled from here, not with page eval. Returns (context, page)."""
    context = browser.new_context(viewport={"width": SIZE[0], "height": SIZE[1]})
    page = context.new_page()
    page.goto(url)
    return context, page


def wait_until(target: Any, expression: str, arg: Any = None, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not target.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s} s: {expression}")
        time.sleep(0.1)


GENERATIVE_SHOWN = (
    "(id) => window.urbanartPlayer.state().kind === 'generative' && "
    "Number(getComputedStyle(document.getElementById(id || 'gen-a')).opacity) === 1"
)


def test_the_piece_runs_sandboxed_draws_and_reaches_neither_network_nor_parent(
    library: Library, tmp_path: Path, leak_server: tuple[int, list[str]], browser: Any
) -> None:
    port, seen = leak_server
    token, screen_id, sha = generative_screen(
        library, tmp_path / "piece", ESCAPE_SCRIPT.replace("PORT", str(port))
    )
    with HubThread(library, check_interval=0.05) as hub:
        context, page = open_player(browser, f"{hub.url}player/index.html?token={token}")
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
            context.close()
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


@pytest.mark.parametrize("tampered", ["index.html", "sketch.js"])
def test_a_package_with_a_file_that_does_not_match_keeps_the_still(
    library: Library, tmp_path: Path, browser: Any, tampered: str
) -> None:
    token, _screen_id, sha = generative_screen(library, tmp_path / "piece", "/* nothing */")
    swapped = published_root(library) / "media" / "gen" / sha / tampered
    swapped.write_text("<p>swapped by a mirror</p>" if tampered == "index.html" else PAINT_SCRIPT)
    with HubThread(library, check_interval=0.05) as hub:
        context, page = open_player(browser, f"{hub.url}player/index.html?token={token}")
        try:
            wait_until(page, "(sha) => sha in window.urbanartPlayer.state().refusedPackages", sha)
            page.wait_for_timeout(300)  # time for a piece that wrongly ran to paint
            state = page.evaluate("window.urbanartPlayer.state()")
            copied = page.evaluate(CACHED_COPY, sha)
            frames = page.eval_on_selector_all("iframe", "fs => fs.map(f => f.src)")
            shot = page.screenshot()
        finally:
            context.close()
    assert state["kind"] == "image"
    assert f"package refused ({tampered} sha256 or size mismatch)" in state["refusedPackages"][sha]
    assert not copied and frames == ["", ""]  # no offline copy, nothing loaded in a frame
    picture = Image.open(io.BytesIO(shot)).convert("RGB")
    assert picture.getpixel((SIZE[0] // 2, 20)) == pytest.approx(STILL, abs=8)


#: The offline piece: its entry takes a stylesheet and an image from the package, and its
#: script paints the left half pink and draws the image over the right half.
OFFLINE_ENTRY = CANVAS_PIECE.replace(
    "</head>", '<link rel="stylesheet" href="css/look.css"></head>'
).replace("<body>", '<body><img id="dot" src="img/dot.png" alt="">')
OFFLINE_SCRIPT = """
const q = new URLSearchParams(location.search);
const c = document.getElementById("c");
c.width = Number(q.get("width")); c.height = Number(q.get("height"));
const g = c.getContext("2d");
g.fillStyle = "rgb(230, 40, 90)"; g.fillRect(0, 0, c.width / 2, c.height);
const dot = document.getElementById("dot");
dot.decode().then(() => {
  g.drawImage(dot, c.width / 2, 0, c.width / 2, c.height);
  const hidden = getComputedStyle(dot).display === "none";  // the stylesheet applies
  document.title = "drawn " + q.get("seed") + (hidden ? " styled" : "");
});
"""
#: What a mirror's swapped script would do: paint the whole canvas (it must never run).
PAINT_SCRIPT = 'const c = document.getElementById("c"); c.width = 320; c.height = 180;' + (
    'c.getContext("2d").fillStyle = "#fff"; c.getContext("2d").fillRect(0, 0, 320, 180);'
)
#: Whether the player holds the offline copy of package `sha` (page eval: a promise).
CACHED_COPY = (
    "(sha) => caches.open('urbanart-media-v1')"
    ".then((c) => c.match(new URL('gen/' + sha + '/index.html', location.href).href))"
    ".then(Boolean)"
)


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def test_with_the_hub_gone_the_piece_runs_from_its_cached_verified_files(
    library: Library, tmp_path: Path, browser: Any
) -> None:
    token, screen_id, sha = generative_screen(
        library, tmp_path / "piece", OFFLINE_SCRIPT,
        **{"index.html": OFFLINE_ENTRY, "css/look.css": "#dot { display: none }",
           "img/dot.png": png(BLUE)},
    )  # fmt: skip
    with HubThread(library, check_interval=0.05) as hub:
        context, page = open_player(browser, f"{hub.url}player/index.html?token={token}")
        try:
            wait_until(page, GENERATIVE_SHOWN)
            wait_until(page, CACHED_COPY, sha)
            wait_until(page, "() => !!navigator.serviceWorker.controller")
        except BaseException:
            context.close()
            raise
    try:  # the hub is gone: the page starts again from what it cached
        page.reload()
        wait_until(page, GENERATIVE_SHOWN, "gen-cached")
        frame_el = page.query_selector("#gen-cached")
        src = str(frame_el.get_attribute("src"))
        sandbox = frame_el.get_attribute("sandbox")  # anywhere the piece goes next is sandboxed
        started = int(frame_el.get_attribute("data-started-at"))
        frame = frame_el.content_frame()
        wait_until(frame, "() => document.title.startsWith('drawn')", timeout_s=10)
        title = frame.evaluate("document.title")
        isolation = frame.evaluate(
            "() => { try { return [self.origin, String(parent.document.title)]; }"
            " catch (e) { return [self.origin, e.name]; } }"
        )
        shot = page.screenshot()
        state = page.evaluate("window.urbanartPlayer.state()")
        # The piece sends its frame to the player's own page, which the service worker would
        # serve: it must arrive sandboxed (an error page offline), never as a same-origin page.
        page.evaluate(
            "() => { const f = document.getElementById('gen-cached'); window.arrived ="
            " new Promise((done) => f.addEventListener('load', done, { once: true })); }"
        )
        frame.evaluate("setTimeout(() => { location.href = '../../index.html'; }, 0)")
        escaped = page.evaluate(
            "() => window.arrived.then(() =>"
            " document.getElementById('gen-cached').contentDocument !== null)"
        )
    finally:
        context.close()
    assert escaped is False  # no same-origin document ever runs in the piece's frame
    seed = generative_seed(screen_id, datetime.fromtimestamp(started / 1000, UTC))
    assert src.endswith(
        f"/player/gen/{sha}/index.html?screen={screen_id}&width=320&height=180&seed={seed}"
    )
    assert title == f"drawn {seed} styled" and sandbox == "allow-scripts"
    assert isolation == ["null", "SecurityError"]  # sandboxed: an opaque origin, no parent
    assert state["kind"] == "generative" and state["refusedPackages"] == {}
    picture = Image.open(io.BytesIO(shot)).convert("RGB")
    assert picture.getpixel((SIZE[0] // 4, 20)) == pytest.approx(PINK, abs=6)
    assert picture.getpixel((SIZE[0] * 3 // 4, 20)) == pytest.approx(BLUE, abs=6)


def test_a_package_no_manifest_plays_leaves_the_cache(
    library: Library, tmp_path: Path, browser: Any
) -> None:
    token, _screen_id, sha = generative_screen(library, tmp_path / "piece", "/* nothing */")
    Image.new("RGB", (640, 360), BLUE).save(tmp_path / "blue.png")
    (still,) = import_items(
        library, [ImportItem(tmp_path / "blue.png", "Nova")], ImportRun(workers=1)
    )
    assert still.artwork_id is not None, still.reason
    catalog.edit_artwork(library, still.artwork_id, status="approved")
    package_keys = (
        "(sha) => caches.open('urbanart-media-v1').then((c) => c.keys())"
        ".then((keys) => keys.map((k) => k.url).filter((u) => u.includes(sha)).length)"
    )
    with HubThread(library, check_interval=0.05) as hub:
        context, page = open_player(browser, f"{hub.url}player/index.html?token={token}")
        try:
            wait_until(page, CACHED_COPY, sha)
            held = page.evaluate(package_keys, sha)
            held_version = page.evaluate("window.urbanartPlayer.state().manifestVersion")
            loop = playlists.get_playlist(library, "Loop")
            playlists.add_items(library, loop.id, [still.artwork_id], duration=120)
            playlists.remove_item(library, loop.id, 1)
            publish(library, now=datetime.now(UTC))
            polled = (
                "(v) => window.urbanartPlayer.poll()"
                ".then(() => window.urbanartPlayer.state().manifestVersion !== v)"
            )
            wait_until(page, polled, held_version)
            wait_until(page, f"(sha) => ({package_keys})(sha).then((n) => n === 0)", sha)
        finally:
            context.close()
    assert held == 3  # index.html, sketch.js and the offline copy, until no manifest names them


def test_the_service_worker_serves_offline_copies_with_the_sandbox_and_the_package_csp() -> None:
    worker = web_player_files()["player/sw.js"].decode("utf-8")
    start = worker.index("const GENERATIVE_CSP = ")
    policy = "".join(re.findall(r'"([^"]*)"', worker[start : worker.index(";\n", start)]))
    assert policy == "sandbox allow-scripts; " + GENERATIVE_CSP
