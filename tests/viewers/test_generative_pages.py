"""The artwork page of a generative work: its still with "Tap to start", which runs the piece in
a sandboxed iframe; and the now-playing page of a screen playing one, whose "Tap to start" runs
the piece with that screen's id and the slot's seed (in Chromium at a phone's 390×844, one
browser for the module, screenshots kept for a look)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from PIL import Image

from tests.browsers import shared_playwright
from tests.delivery.conftest import copy_world
from tests.imaging.packages import canvas_package
from tests.viewers import BASE_URL
from tests.viewers.test_pages import Page
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library import catalog
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library, current_tree
from urbanart.library.settings import update_settings
from urbanart.player.timeline import what_plays
from urbanart.protocol.live_feed import generative_seed
from urbanart.protocol.tree_layout import manifest_path

CHROMIUM = Path(os.environ.get("URBANART_CHROMIUM", "/usr/bin/chromium"))
STILL = (20, 160, 90)
PINK = (230, 40, 90)
#: Where the phone screenshot is kept for a person to look at (not committed).
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


class Site(NamedTuple):
    artwork_id: int
    sha256: str  # the package's
    screen_id: int
    poll_token: str


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    with shared_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            launched.close()


def generative_site(library: Library, folder: Path, *, alone: bool = False) -> Site:
    """A published tree with a generative work on a screen (the screen's only work when
    `alone`, so it is on now; else after another work)."""
    world = copy_world(library)
    (folder / "piece.zip").write_bytes(canvas_package())
    Image.new("RGB", (1200, 800), STILL).save(folder / "still.png")
    run = ImportRun(workers=1, fallback=folder / "still.png")
    (result,) = import_items(library, [ImportItem(folder / "piece.zip", "Nova")], run)
    assert result.status is Status.IMPORTED and result.artwork_id is not None, result.reason
    catalog.edit_artwork(library, result.artwork_id, title="Currents", status="approved")
    reel = playlists.create_playlist(library, "Reel")
    works = [result.artwork_id] if alone else [world.works["Red Harbour"], result.artwork_id]
    playlists.add_items(library, reel.id, works, duration=600)
    screen = screens.add_screen(
        library, "Lisbon Quay", tz="Europe/Lisbon", size="320x180", default_playlist=reel.id
    )
    update_settings(library, public_base_url=BASE_URL)
    publish(library)
    return Site(result.artwork_id, str(result.sha256), screen.id, screen.poll_token)


def test_the_page_shows_the_still_and_a_hidden_start_that_script_reveals(
    library: Library, tmp_path: Path
) -> None:
    aid, sha, _, _ = generative_site(library, tmp_path)
    root = current_tree(library)
    text = (root / f"a/{aid}/index.html").read_text("utf-8")
    page = Page(text)
    (figure,) = [f for f in page.all("figure") if "work-generative" in str(f.get("class"))]
    assert figure["data-src"] == f"../../media/gen/{sha}/index.html"
    assert "frame-src 'self'" in text  # the page may frame the tree's own files, nothing else
    assert "Tap to start" in text and "Generative work" in text
    assert "<iframe" not in text  # nothing runs before the tap
    other = next(p for p in root.glob("a/*/index.html") if p.parent.name != str(aid))
    assert "frame-src" not in other.read_text("utf-8")


def test_tap_to_start_runs_the_piece_sandboxed_on_a_phone(
    library: Library, tmp_path: Path, browser: Any
) -> None:
    aid, sha, _, _ = generative_site(library, tmp_path)
    with HubThread(library) as hub:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        try:
            page = context.new_page()
            page.goto(f"{hub.url.rstrip('/')}/a/{aid}/", wait_until="load")
            start = page.locator("#generative-start")
            start.wait_for(state="visible")
            still_shot = page.screenshot()
            before = Image.open(io.BytesIO(still_shot)).convert("RGB")
            box = page.locator("#work-image").bounding_box()
            assert box is not None
            centre = (int(box["x"] + 20), int(box["y"] + 20))
            assert before.getpixel(centre) == pytest.approx(STILL, abs=8)
            start.click()
            frame_el = page.locator("iframe.generative-frame")
            frame_el.wait_for()
            assert frame_el.get_attribute("sandbox") == "allow-scripts"
            src = str(frame_el.get_attribute("src"))
            width, height = round(box["width"]), round(box["height"])
            assert (
                f"/media/gen/{sha}/index.html?screen=0&width={width}&height={height}&seed=" in src
            )
            frame = frame_el.element_handle().content_frame()
            deadline = 100
            while not frame.evaluate("document.title.startsWith('drawn')") and deadline:
                page.wait_for_timeout(100)
                deadline -= 1
            shot = page.screenshot(full_page=False)
        finally:
            context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "generative-phone-still.png").write_bytes(still_shot)
    (SHOTS / "generative-phone.png").write_bytes(shot)
    after = Image.open(io.BytesIO(shot)).convert("RGB")
    assert after.getpixel(centre) == pytest.approx(PINK, abs=8)


def test_now_playing_runs_the_screens_own_variation_after_a_tap(
    library: Library, tmp_path: Path, browser: Any
) -> None:
    site = generative_site(library, tmp_path, alone=True)
    text = (current_tree(library) / f"s/{site.screen_id}/index.html").read_text("utf-8")
    assert "frame-src 'self'" in text and "<iframe" not in text  # nothing runs before the tap
    envelope = (current_tree(library) / manifest_path(site.poll_token)).read_bytes()
    payload = json.loads(json.loads(envelope)["payload"])
    with HubThread(library) as hub:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        try:
            page = context.new_page()
            page.goto(f"{hub.url.rstrip('/')}/s/{site.screen_id}/", wait_until="load")
            start = page.locator("#current-generative .generative-start")
            start.wait_for(state="visible")
            assert page.locator("#current-image-link").is_hidden()
            assert page.locator("#current-generative-note").is_visible()
            still_shot = page.screenshot()
            box = page.locator("#current-generative img").bounding_box()
            assert box is not None
            started = int(str(page.get_attribute("#current-generative", "data-started-at")))
            start.click()
            frame_el = page.locator("#current-generative iframe.generative-frame")
            frame_el.wait_for()
            src = str(frame_el.get_attribute("src"))
            sandbox = frame_el.get_attribute("sandbox")
            frame = frame_el.element_handle().content_frame()
            frame.wait_for_function("document.title.startsWith('drawn')", timeout=10000)
            title = frame.evaluate("document.title")
            shot = page.screenshot()
        finally:
            context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "generative-now-playing-still.png").write_bytes(still_shot)
    (SHOTS / "generative-now-playing.png").write_bytes(shot)
    # The page's slot is the players' slot (urbanart/player/timeline.py), and the piece is told
    # that screen's id and that slot's seed, at the size of the phone's still.
    slot = datetime.fromtimestamp(started / 1000, UTC)
    assert what_plays(payload, slot).started_at == slot
    assert what_plays(payload, slot).item["media_type"] == "generative"
    seed = generative_seed(site.screen_id, slot)
    width, height = round(box["width"]), round(box["height"])
    assert sandbox == "allow-scripts"
    assert src.endswith(
        f"/media/gen/{site.sha256}/index.html"
        f"?screen={site.screen_id}&width={width}&height={height}&seed={seed}"
    )
    assert title == f"drawn {seed}"
    centre = (int(box["x"] + box["width"] / 2), int(box["y"] + 20))
    before = Image.open(io.BytesIO(still_shot)).convert("RGB")
    after = Image.open(io.BytesIO(shot)).convert("RGB")
    assert before.getpixel(centre) == pytest.approx(STILL, abs=8)
    assert after.getpixel(centre) == pytest.approx(PINK, abs=8)
