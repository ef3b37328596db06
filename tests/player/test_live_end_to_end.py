"""A live work end to end through the real hub: a real library with a live work on a screen's
schedule, published; the real hub (HubThread on 127.0.0.1) serving the tree, the live routes and
the phone pages; frames posted by the reference client (urbanart.live.client.send_frame). Each new
frame reaches the Python player core (paired with the hub, running), the web player in headless
Chromium and the screen's now-playing phone page at 390×844 within the work's interval plus slack,
and all three hold the very bytes the hub rendered for the screen. A feed document altered in
flight (a proxy between the core and the hub) is refused and the last good frame stays."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browsers import shared_playwright
from tests.player.live_world import frame_colour, jpeg
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM
from tests.serving import serve_in_background
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish, screen_profile
from urbanart.delivery.server import HubThread
from urbanart.delivery.signing import signing_key
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.live.client import LiveSource, send_frame
from urbanart.live.works import add_live_work
from urbanart.player import pairing
from urbanart.player.core import Frame, Player

INTERVAL_S = 1
#: Slack over the interval for a loaded machine (2 cores shared by many test runs).
SLACK_S = 2.5
PHONE = {"width": 390, "height": 844}

#: The colour the web player's shown layer paints and the live sequence the player reports.
PLAYER_JS = (
    "() => { const l = document.querySelector('.layer.shown'); if (!l || !l.complete || "
    "!l.naturalWidth) return null; const c = document.createElement('canvas'); "
    "c.width = l.naturalWidth; c.height = l.naturalHeight; const g = c.getContext('2d'); "
    "g.drawImage(l, 0, 0); const d = g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data; "
    "return {rgb: [d[0], d[1], d[2]], sequence: window.urbanartPlayer.state().liveSequence}; }"
)
#: The now-playing page's picture: its colour, live sequence and sha256 (of the bytes shown).
PHONE_JS = """() => {
  const img = document.querySelector('#current-image-link img');
  if (!img || !img.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data;
  return {rgb: [d[0], d[1], d[2]], sequence: img.dataset.liveSequence || null,
          sha: img.dataset.liveSha256 || null};
}"""


@dataclass
class LiveScreen:
    """A published screen whose one item is a live work, and the hub serving it."""

    library: Library
    hub: HubThread
    source: LiveSource
    screen_id: int
    token: str
    feed_id: str
    profile: str

    @property
    def url(self) -> str:
        return self.hub.url


@pytest.fixture
def live_screen(library: Library) -> Iterator[LiveScreen]:
    live = add_live_work(library, "City Collage Machine", "Mara Okafor", interval_s=INTERVAL_S)
    catalog.edit_artwork(library, live.artwork_id, status="approved", license="CC-BY-4.0")
    reel = playlists.create_playlist(library, "Live")
    playlists.add_items(library, reel.id, [live.artwork_id], duration=3600)
    screen = screens.add_screen(
        library, "Pillar 7", tz="UTC", size="320x180", default_playlist=reel.id
    )
    publish(library, now=datetime.now(UTC))
    with HubThread(library, "127.0.0.1", 0, check_interval=0.05) as hub:
        yield LiveScreen(
            library, hub, LiveSource(hub.url, live.token, live.secret), screen.id,
            screen.poll_token, live.feed_id, screen_profile(320, 180).key(),
        )  # fmt: skip


def post(world: LiveScreen, sequence: int) -> tuple[int, str]:
    """Post frame `sequence` (its own colour) with the reference client; (the hub's sequence,
    the sha256 of the rendition this screen's profile gets)."""
    answer = send_frame(world.source, jpeg(frame_colour(sequence), (640, 360)))
    url = str(answer["frames"][world.profile])
    return int(answer["sequence"]), url.rsplit("/", 1)[1].split(".")[0]


def near(a: list[int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 14 for x, y in zip(a, b, strict=True))


def wait_until(check: Callable[[], Any], within_s: float, what: str) -> float:
    """Seconds until check() is truthy; fails naming `what` after within_s."""
    began = time.monotonic()
    while time.monotonic() - began < within_s:
        if check():
            return time.monotonic() - began
        time.sleep(0.03)
    raise AssertionError(f"{what} not within {within_s} s")


class RunningCore:
    """The Python player core paired with a hub (its pinned key: the library's), running."""

    def __init__(self, state: Path, hub_url: str, token: str, library: Library) -> None:
        pem = signing_key(library.home).public_pem
        pairing.pair(state, hub_url, token, public_key_pem=pem)
        self.player = Player(state)
        assert self.player.poll_once().switched
        self.player.next_poll_at = self.player.clock.now() + timedelta(hours=1)
        self.frames: list[Frame] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self.player.run, args=(self.stop,), kwargs={"on_frame": self.frames.append}
        )
        self.thread.start()

    def showing(self, sequence: int) -> Frame | None:
        """The newest frame the core handed to the screen, when it is this live sequence."""
        if not self.frames:
            return None
        frame = self.frames[-1]
        return frame if frame.live_sequence == sequence else None

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.player.close()


def sha_of(path: Path | None) -> str:
    assert path is not None
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_a_posted_frame_reaches_the_core_the_web_player_and_the_phone_page(
    live_screen: LiveScreen, tmp_path: Path
) -> None:
    pytest.importorskip("playwright.sync_api", reason="playwright is missing")
    world = live_screen
    core = RunningCore(tmp_path / "core", world.url, world.token, world.library)
    try:
        with shared_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            errors: list[str] = []
            player = browser.new_context(viewport={"width": 320, "height": 180}).new_page()
            player.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            player.goto(f"{world.url}player/index.html?token={world.token}")
            player.wait_for_function(
                "() => window.urbanartPlayer.state().itemId !== null", timeout=20000
            )
            phone = browser.new_context(viewport=PHONE, device_scale_factor=1).new_page()
            phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            phone.goto(f"{world.url}s/{world.screen_id}/")
            phone.wait_for_selector("#current-image-link img", timeout=20000)

            for n in (1, 2, 3):
                sequence, sha = post(world, n)
                within = INTERVAL_S + SLACK_S
                wait_until(lambda s=sequence: core.showing(s), within, f"frame {n} on the core")
                shown = core.showing(sequence)
                assert shown is not None and sha_of(shown.live_path) == sha

                def on_player(s: int = sequence, n: int = n) -> bool:
                    now = player.evaluate(PLAYER_JS)
                    return bool(now and now["sequence"] == s and near(now["rgb"], frame_colour(n)))

                def on_phone(s: int = sequence) -> bool:
                    now = phone.evaluate(PHONE_JS)
                    return bool(now and now["sequence"] == str(s))

                wait_until(on_player, within, f"frame {n} in the web player")
                wait_until(on_phone, within, f"frame {n} on the phone page")
                page_now = phone.evaluate(PHONE_JS)
                # The phone shows the very bytes the screen's core shows.
                assert page_now["sha"] == sha_of(core.showing(sequence).live_path)  # type: ignore[union-attr]
                assert near(page_now["rgb"], frame_colour(n))
            phone.screenshot(path=str(tmp_path / "live-e2e-now-playing-390.png"), full_page=True)
            browser.close()
        assert not [e for e in errors if "Content Security Policy" in e], errors
        assert not [e for e in errors if "refused" in e], errors
    finally:
        core.close()


class TamperingProxy:
    """Forwards GETs to the hub; while `tamper` is set, feed documents come back with their
    signed payload's sequence raised (an alteration in flight)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.tamper = False
        self.altered = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                if proxy.tamper and self.path.endswith("/feed.json"):
                    headers.pop("If-None-Match", None)
                answer = requests.get(proxy.upstream + self.path, headers=headers, timeout=10)
                body = answer.content
                if proxy.tamper and self.path.endswith("/feed.json") and answer.status_code == 200:
                    envelope = json.loads(body)
                    inner = json.loads(envelope["payload"])
                    inner["sequence"] += 100
                    envelope["payload"] = json.dumps(inner, sort_keys=True, separators=(",", ":"))
                    body = json.dumps(envelope).encode()
                    proxy.altered += 1
                self.send_response(answer.status_code)
                for key in ("Content-Type", "ETag", "Cache-Control"):
                    if key in answer.headers:
                        self.send_header(key, answer.headers[key])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if answer.status_code != 304:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_feed_document_altered_between_hub_and_core_is_refused(
    live_screen: LiveScreen, tmp_path: Path
) -> None:
    world = live_screen
    proxy = TamperingProxy(world.url)
    core = RunningCore(tmp_path / "core", proxy.url, world.token, world.library)
    try:
        sequence, sha = post(world, 1)
        wait_until(lambda: core.showing(sequence), INTERVAL_S + SLACK_S, "the genuine frame")
        good = core.showing(sequence)
        assert good is not None and sha_of(good.live_path) == sha

        proxy.tamper = True
        newer, _ = post(world, 2)
        wait_until(lambda: proxy.altered >= 2, INTERVAL_S + SLACK_S, "two altered documents")
        time.sleep(0.2)
        latest = core.frames[-1]
        assert latest.live_sequence == sequence and sha_of(latest.live_path) == sha
        assert any("refused" in e for e in core.player._take_errors())

        # The proxy honest again: the genuine newer frame shows.
        proxy.tamper = False
        wait_until(lambda: core.showing(newer), INTERVAL_S + SLACK_S, "the genuine newer frame")
    finally:
        core.close()
        proxy.close()
