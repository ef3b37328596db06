"""The web player in a real headless Chromium, served by the real hub from a real publication."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.browsers import shared_playwright
from tests.player import approved_ids, load_demo_copy, wait_served
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library, current_tree, published_root
from urbanart.library.models import Heartbeat
from urbanart.player.timeline import what_plays

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (CI installs the chromium package)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")


def swap_in_manifest(library: Library, token: str, body: bytes) -> None:
    """Serve a copy of the current release with this manifest, swapped in like a publish."""
    published = published_root(library)
    copy = published / "releases" / "tampered"
    shutil.copytree(current_tree(library).resolve(), copy, symlinks=True)
    (copy / "screens" / token / "manifest.json").write_bytes(body)
    os.symlink("releases/tampered", published / "current.tmp")
    os.replace(published / "current.tmp", published / "current")


def test_web_player_verifies_plays_in_order_and_refuses_a_tampered_manifest(
    library: Library, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("URBANART_SCREENSHOTS", str(tmp_path)))
    load_demo_copy(library)
    ids = approved_ids(library)
    quick = playlists.create_playlist(library, "Quick")
    playlists.add_items(library, quick.id, ids[5:8], duration=3, transition="cut")
    screen = screens.add_screen(
        library, "Browser Screen", tz="Europe/Lisbon", size="640x360", default_playlist=quick.id
    )
    schedules.add_schedule(library, quick.id, screens=[screen.id])  # all day, every day
    publish(library, now=datetime.now(UTC))
    token = screen.poll_token
    envelope_bytes = (current_tree(library) / "screens" / token / "manifest.json").read_bytes()
    payload = json.loads(json.loads(envelope_bytes)["payload"])
    items = payload["playlists"][str(quick.id)]["items"]

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 640, "height": 360})
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{hub.url}player/index.html?token={token}")
        page.wait_for_function(
            "() => { const s = window.urbanartPlayer.state(); const img = document.querySelector"
            "('.layer.shown'); return s.itemId !== null && img && img.complete && "
            "img.naturalWidth > 0; }",
            timeout=15000,
        )
        # State and picture read in one step: a 3 s item may end between two reads.
        first, shown = page.evaluate(
            "() => { const img = document.querySelector('.layer.shown'); return "
            "[window.urbanartPlayer.state(), {src: img.src, "
            "started: Number(img.dataset.startedAt), item: Number(img.dataset.itemId), "
            "w: img.naturalWidth}]; }"
        )
        # The browser and the Python core agree on the rule at the moment it started.
        started = datetime.fromtimestamp(shown["started"] / 1000, UTC)
        expected = what_plays(payload, started).item
        assert shown["item"] == expected["item_id"] == first["itemId"]
        assert shown["src"].startswith("blob:") and shown["w"] == 640  # the verified bytes
        assert first["manifestVersion"] == payload["manifest_version"]
        page.screenshot(path=str(shots / "urbanart-web-player-1.png"))

        # It moves on to the next work when the 3 s are up.
        index = next(i for i, it in enumerate(items) if it["item_id"] == shown["item"])
        following = items[(index + 1) % len(items)]
        page.wait_for_function(
            f"() => window.urbanartPlayer.state().itemId === {following['item_id']} && "
            "document.querySelector('.layer.shown').complete",
            timeout=8000,
        )
        changed_at = time.time() * 1000
        assert changed_at >= shown["started"] + 3000
        assert page.evaluate("window.urbanartPlayer.state().sha256") == following["media"]["sha256"]
        caption = page.evaluate(
            "() => { const c = document.querySelector('.caption').getBoundingClientRect(); "
            "const top = document.elementFromPoint(c.x + c.width / 2, c.y + c.height / 2); "
            "return {onTop: !!(top && top.closest('#overlay')), text: c.width > 0 && "
            "document.querySelector('#credit').textContent}; }"
        )
        assert caption == {"onTop": True, "text": following["credit"]}  # the caption is visible
        page.wait_for_function("document.querySelector('#qr').naturalWidth > 0", timeout=5000)
        page.screenshot(path=str(shots / "urbanart-web-player-2.png"))

        # A manifest altered on the server is refused; the verified one keeps playing.
        doc = json.loads(envelope_bytes)
        doc["payload"] = doc["payload"].replace('"duration_s":3', '"duration_s":4', 1)
        altered = json.dumps(doc).encode()
        swap_in_manifest(library, token, altered)
        wait_served(f"{hub.url}screens/{token}/manifest.json", altered)
        page.evaluate("window.urbanartPlayer.poll()")
        page.wait_for_function(
            "() => window.urbanartPlayer.state().errors.some(e => e.includes('refused'))",
            timeout=5000,
        )
        after = page.evaluate("window.urbanartPlayer.state()")
        assert after["manifestVersion"] == payload["manifest_version"]
        assert any("altered" in e for e in after["errors"]), after["errors"]

        # The hub goes away: the page keeps playing from its cache and queues its plays.
        hub.stop()
        before = page.evaluate("window.urbanartPlayer.state()")
        page.wait_for_function(
            f"() => window.urbanartPlayer.state().itemId !== {before['itemId']} && "
            "document.querySelector('.layer.shown').complete",
            timeout=8000,
        )
        page.evaluate("window.urbanartPlayer.poll()")
        assert page.evaluate("window.urbanartPlayer.state().queuedPlays") >= 1
        browser.close()

    with library.session() as session:
        assert (session.scalar(select(func.count()).select_from(Heartbeat)) or 0) >= 1
    assert not [c for c in console if "Content Security Policy" in c], console
