"""A live work in the web player, in a real headless Chromium: each new verified frame shows within
the work's interval, a tampered frame or feed document is refused (the last good frame stays), a
replayed older document never takes the screen back, a silent feed shows the still, and the play
counts its frames. The library is real and signs the feed; tests/player/live_world serves it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browsers import shared_playwright
from tests.player.live_world import FEED_ID, LiveWorld, build_live_world, frame_colour, jpeg
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (CI installs the chromium package)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

#: The colour the layer on screen paints (drawn from the very image element, so under the
#: player's own CSP), and the state the player reports.
SHOWN_JS = (
    "() => { const l = document.querySelector('.layer.shown'); if (!l || !l.complete || "
    "!l.naturalWidth) return null; const c = document.createElement('canvas'); "
    "c.width = l.naturalWidth; c.height = l.naturalHeight; const g = c.getContext('2d'); "
    "g.drawImage(l, 0, 0); const d = g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data; "
    "return {rgb: [d[0], d[1], d[2]], sequence: l.dataset.liveSequence, "
    "state: window.urbanartPlayer.state()}; }"
)
STILL = (20, 20, 20)


@pytest.fixture
def world(library, tmp_path: Path) -> Iterator[LiveWorld]:  # type: ignore[no-untyped-def]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    yield from build_live_world(library, tmp_path / "art", now=today, interval_s=1, silence_s=12)


def shown(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(SHOWN_JS)
    return result


def near(a: list[int] | tuple[int, ...], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 12 for x, y in zip(a, b, strict=True))


def wait_for_colour(page: Any, colour: tuple[int, int, int], within_s: float) -> float:
    """Seconds until the screen paints this colour (each frame has its own); fails after
    within_s."""
    began = time.monotonic()
    while time.monotonic() - began < within_s:
        now = shown(page)
        if now is not None and near(now["rgb"], colour):
            return time.monotonic() - began
        time.sleep(0.05)
    raise AssertionError(f"{colour} not shown within {within_s} s; shows {shown(page)}")


def wait_for_error(page: Any, words: str, within_s: float) -> None:
    """Returns once the player has reported an error naming `words` (it has taken and refused
    what the hub served), instead of sleeping for as long as that might take."""
    began = time.monotonic()
    while time.monotonic() - began < within_s:
        if any(words in error for error in shown(page)["state"]["errors"]):
            return
        time.sleep(0.05)
    raise AssertionError(f"no error naming {words!r} within {within_s} s; {shown(page)}")


def test_the_web_player_shows_new_frames_refuses_tampering_and_falls_back(
    world: LiveWorld, tmp_path: Path
) -> None:
    with shared_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 320, "height": 180}).new_page()
        page.goto(f"{world.url}player/index.html?token={world.token}")
        # No frame yet: the still fallback.
        page.wait_for_function(
            "() => window.urbanartPlayer.state().itemId !== null && "
            "document.querySelector('.layer.shown') !== null",
            timeout=20000,
        )
        wait_for_colour(page, STILL, 10)

        # Each new frame shows within the interval (1 s), plus slack for a loaded machine.
        for sequence in (1, 2):
            world.publish_frame(datetime.now(UTC), interval_s=1, silence_s=12)
            took = wait_for_colour(page, frame_colour(sequence), 1 + 2.5)
            assert took < 3.5
        good = frame_colour(2)
        assert shown(page)["state"]["liveSequence"] == 2

        # Twice per interval (1 s), so a frame newest for just over half of it is seen too.
        feed = f"/live/{FEED_ID}/feed.json"
        before = sum(1 for path, _ in world.server.requests if path == feed)
        time.sleep(4)
        polls = sum(1 for path, _ in world.server.requests if path == feed) - before
        assert polls >= 6, f"{polls} feed polls in 4 s at an interval of 1 s"

        # A mirror's other bytes for the signed frame: refused, the last good frame stays.
        world.publish_frame(datetime.now(UTC), served_bytes=jpeg((255, 0, 0)), silence_s=12)
        wait_for_error(page, "live frame refused", 10)
        assert near(shown(page)["rgb"], good)

        # A document altered after signing, then a genuine older one replayed: refused.
        envelope = json.loads(world.documents[-1])
        inner = json.loads(envelope["payload"])
        inner["sequence"] = 99
        envelope["payload"] = json.dumps(inner)
        world.serve_document(json.dumps(envelope).encode())
        wait_for_error(page, "altered", 10)
        world.serve_document(world.documents[0])
        wait_for_error(page, "went backwards", 10)
        now = shown(page)
        assert near(now["rgb"], good) and now["state"]["liveSequence"] == 2
        errors = " ".join(now["state"]["errors"])
        assert "sha256" in errors and "altered" in errors and "backwards" in errors

        # A genuine newer frame shows again; then the hub goes quiet: still after silence_s.
        world.publish_frame(datetime.now(UTC), silence_s=12)
        wait_for_colour(page, frame_colour(4), 3.5)
        world.server.offline = True
        time.sleep(2.5)  # offline, well within silence_s: the last good frame stays
        assert near(shown(page)["rgb"], frame_colour(4))
        wait_for_colour(page, STILL, 12 + 3)
        page.screenshot(path=str(tmp_path / "web-player-live-fallback.png"))

        # The play so far is queued with the frames it showed.
        page.evaluate("() => window.dispatchEvent(new Event('pagehide'))")
        plays = page.evaluate(
            f"() => JSON.parse(localStorage.getItem('urbanart.player.plays.{world.token}'))"
        )
        live = [p for p in plays if p["artwork_sha256"] == world.fallback_sha256]
        assert live and live[-1]["frames_shown"] == 3
        browser.close()
