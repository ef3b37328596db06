"""The phone pages of a live work, in a real headless Chromium at 390×844, under the pages' own CSP:
the now-playing page shows the very frame the screen shows now (the player core, polling the same
feed, holds the same bytes), follows new frames, refuses a frame whose bytes do not match the feed,
and offers "Keep this image" only when the artist allows it; the artwork page shows the latest
frame with a note on what a live work is. The pages are built by the engine (build_viewers) from
the live manifest; tests/player/live_world serves them with the signed feed."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browsers import shared_playwright
from tests.player.live_world import (
    FEED_ID,
    LiveWorld,
    build_live_world,
    frame_colour,
    jpeg,
)
from tests.viewers import CHROMIUM
from urbanart.delivery.signing import signing_key
from urbanart.i18n import gettext
from urbanart.player import pairing
from urbanart.player.core import Player
from urbanart.viewers.site import build_viewers

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

PHONE = {"width": 390, "height": 844}
NOTE = "A live work: the artist's program makes a new image every few seconds."

#: The picture the page shows: its colour (drawn from the element itself), its live sequence
#: and sha256, and the keep link.
SHOWN_JS = """(selector) => {
  const img = document.querySelector(selector);
  if (!img || !img.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data;
  const keep = document.querySelector('#current-keep, #live-keep');
  const line = keep && keep.parentElement;
  return {rgb: [d[0], d[1], d[2]], sequence: img.dataset.liveSequence || null,
          sha: img.dataset.liveSha256 || null,
          keep: line && !line.hidden ? keep.getAttribute('href') : null};
}"""


@pytest.fixture
def world(library, tmp_path: Path) -> Iterator[LiveWorld]:  # type: ignore[no-untyped-def]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for world in build_live_world(library, tmp_path / "art", now=today, silence_s=60):
        pages = build_viewers(
            world.library, {world.screen_id: world.payload}, base_url="https://art.example"
        )
        for path, body in pages.files.items():
            world.server.files["/" + path] = body
        yield world


def near(a: list[int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 12 for x, y in zip(a, b, strict=True))


def wait_shown(page: Any, selector: str, sequence: int, within_s: float) -> dict[str, Any]:
    began = time.monotonic()
    now = None
    while time.monotonic() - began < within_s:
        now = page.evaluate(SHOWN_JS, selector)
        if now is not None and now["sequence"] == str(sequence):
            return dict(now)
        time.sleep(0.05)
    raise AssertionError(f"frame {sequence} not shown within {within_s} s; shows {now}")


def test_the_now_playing_page_shows_the_screens_frame_and_the_keep_link(
    world: LiveWorld, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("URBANART_SCREENSHOTS", str(tmp_path)))
    first = world.publish_frame(datetime.now(UTC), silence_s=60)
    with shared_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_context(viewport=PHONE, device_scale_factor=1).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{world.url}s/{world.screen_id}/")
        img = "#current-image-link img"
        shown = wait_shown(page, img, 1, 10)
        assert near(shown["rgb"], frame_colour(1)) and shown["sha"] == first["sha256"]
        assert shown["keep"] is not None and shown["keep"].endswith(first["url"])
        assert page.is_visible("#current-live") and page.is_visible("#current-keep")
        assert page.inner_text("#current-live").startswith(gettext("en", NOTE).split(".")[0])

        # The screen's player core, polling the same feed, shows exactly these bytes.
        state = tmp_path / "player"
        pem = signing_key(world.library.home).public_pem
        pairing.pair(state, world.url, world.token, public_key_pem=pem)
        player = Player(state)
        assert player.poll_once().switched
        player.poll_live()
        screen = player.tick()
        assert screen.live_path is not None
        assert hashlib.sha256(screen.live_path.read_bytes()).hexdigest() == shown["sha"]
        player.close()

        # A new frame follows within the interval (1 s) and a poll; this one may not be kept.
        second = world.publish_frame(datetime.now(UTC), silence_s=60, keep=False)
        shown = wait_shown(page, img, 2, 1 + 3)
        assert near(shown["rgb"], frame_colour(2)) and shown["sha"] == second["sha256"]
        assert shown["keep"] is None and not page.is_visible("#current-keep")
        page.screenshot(path=str(shots / "live-now-playing-390.png"), full_page=True)

        # The page polls the feed as the screens do: twice per interval (1 s).
        feed = f"/live/{FEED_ID}/feed.json"
        before = sum(1 for path, _ in world.server.requests if path == feed)
        time.sleep(4)
        polls = sum(1 for path, _ in world.server.requests if path == feed) - before
        assert polls >= 6, f"{polls} feed polls in 4 s at an interval of 1 s"

        # A frame whose bytes do not match the feed is never shown.
        world.publish_frame(datetime.now(UTC), silence_s=60, served_bytes=jpeg((255, 0, 0)))
        time.sleep(3)
        shown = page.evaluate(SHOWN_JS, img)
        assert shown["sequence"] == "2" and near(shown["rgb"], frame_colour(2))

        # The artwork page shows the latest frame (the feed's largest) with the note.
        # Of a landscape frame's renditions it shows the landscape one, not the larger portrait
        # screen's (bars and all).
        page.goto(f"{world.url}a/{world.item['artwork_id']}/")
        fourth = world.publish_frame(datetime.now(UTC), silence_s=60, portrait_too=True)
        shown = wait_shown(page, "#work-image", 4, 10)
        assert near(shown["rgb"], frame_colour(4)) and shown["sha"] == fourth["sha256"]
        assert page.is_visible("#live-work .live-note") and page.is_visible("#live-keep")
        # The picture takes the frame's proportions (the still's would letterbox it), and the
        # full-screen view shows the frame too, not the still.
        sizes = page.evaluate("""() => { const i = document.getElementById('work-image');
          return [i.getAttribute('width'), i.getAttribute('height'),
                  i.dataset.stillWidth + 'x' + i.dataset.stillHeight,
                  document.querySelector('#zoom img').src === i.src]; }""")
        assert sizes[:2] == ["320", "180"] and sizes[2] != "320x180" and sizes[3], sizes
        page.screenshot(path=str(shots / "live-artwork-390.png"), full_page=True)
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert f"/live/{FEED_ID}/feed.json" in {path for path, _ in world.server.requests}
