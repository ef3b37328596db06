"""The web player in real Chromium against a hostile mirror: it shows only verified bytes, draws
only the signed QR code, and refuses genuine manifests for another screen, older or expired."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.browsers import shared_playwright
from tests.delivery.hub_fixtures import heartbeats_written
from tests.player import approved_ids, load_demo_copy, wait_served
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery import status as st
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.delivery.signing import rotate_key, signing_key
from urbanart.library.library import Library, current_tree, published_root
from urbanart.protocol.envelope import make_announcement, sign_envelope
from urbanart.protocol.manifest_format import version_of

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (CI installs the chromium package)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

#: What the hostile mirror serves on every request after the first: a valid, different PNG.
ATTACKER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def payload_of(envelope: bytes) -> dict[str, Any]:
    return json.loads(json.loads(envelope)["payload"])


def serve(library: Library, token: str, body: bytes, name: str) -> None:
    """Serve a copy of the current release with this manifest, swapped in like a publish."""
    published = published_root(library)
    copy = published / "releases" / name
    shutil.copytree(current_tree(library).resolve(), copy, symlinks=True)
    (copy / "screens" / token / "manifest.json").write_bytes(body)
    os.symlink(f"releases/{name}", published / "current.tmp")
    os.replace(published / "current.tmp", published / "current")


def dark_modules(rows: list[str]) -> set[tuple[int, int]]:
    width = len(rows)
    found = set()
    for y, row in enumerate(rows):
        bits = bin(int(row, 16))[2:].zfill(len(row) * 4)[:width]
        found |= {(x, y) for x, bit in enumerate(bits) if bit == "1"}
    return found


def test_web_player_shows_verified_bytes_signed_qr_and_refuses_stale_manifests(
    library: Library,
) -> None:
    load_demo_copy(library)
    ids = approved_ids(library)
    quick = playlists.create_playlist(library, "Quick")
    playlists.add_items(library, quick.id, ids[5:8], duration=2, transition="cut")
    screen = screens.add_screen(
        library, "Browser Screen", tz="Europe/Lisbon", size="640x360", default_playlist=quick.id
    )
    other = screens.add_screen(
        library, "Other Screen", tz="Europe/Lisbon", size="640x360", default_playlist=quick.id
    )
    schedules.add_schedule(library, quick.id, screens=[screen.id])
    now = datetime.now(UTC)
    token = screen.poll_token
    path = current_tree  # re-read after each publish: the release changes
    publish(library, now=now)
    older = (path(library) / "screens" / token / "manifest.json").read_bytes()
    others = (path(library) / "screens" / other.poll_token / "manifest.json").read_bytes()
    playlists.set_item(library, quick.id, 1, duration=3)
    publish(library, now=now)
    held = (path(library) / "screens" / token / "manifest.json").read_bytes()
    playlists.set_item(library, quick.id, 1, duration=4)
    publish(library, now=now - timedelta(days=30))
    expired = (path(library) / "screens" / token / "manifest.json").read_bytes()
    assert [payload_of(m)["sequence"] for m in (older, held, expired)] == [1, 2, 3]
    serve(library, token, held, "held")
    items = payload_of(held)["playlists"][str(quick.id)]["items"]
    by_sha = {item["media"]["sha256"]: item for item in items}

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        manifest_url = f"{hub.url}screens/{token}/manifest.json"
        wait_served(manifest_url, held)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # The page's CSP lets only the player fetch; bypassed so the test can read back the
        # blob on screen (test_web_player_in_chromium runs the player under its CSP).
        context = browser.new_context(
            viewport={"width": 640, "height": 360}, service_workers="block", bypass_csp=True
        )
        page = context.new_page()
        media_requests: dict[str, int] = {}
        qr_requests: list[str] = []

        def hostile_media(route: Any) -> None:
            """A mirror that answers each media URL honestly once, then with another picture."""
            url = route.request.url
            media_requests[url] = media_requests.get(url, 0) + 1
            if media_requests[url] == 1:
                route.continue_()
            else:
                route.fulfill(status=200, body=ATTACKER_PNG, content_type="image/jpeg")

        def phishing_qr(route: Any) -> None:
            qr_requests.append(route.request.url)
            route.fulfill(status=200, body=ATTACKER_PNG, content_type="image/png")

        page.route(re.compile(r".*/media/.*"), hostile_media)
        page.route(re.compile(r".*/qr/.*"), phishing_qr)
        page.goto(f"{hub.url}player/index.html?token={token}")

        shown_shas = set()
        for _ in range(4 * len(items)):  # until every work was seen (a busy machine skips some)
            page.wait_for_function(
                "() => { const s = window.urbanartPlayer.state(); const img = "
                "document.querySelector('.layer.shown'); return s.sha256 && img && "
                "img.complete && img.naturalWidth > 0; }",
                timeout=15000,
            )
            shown = page.evaluate(
                # Picture and state are read in one synchronous step: the player may move on
                # to the next work while the bytes are fetched and hashed.
                "async () => { const img = document.querySelector('.layer.shown'); "
                "const src = img.src, w = img.naturalWidth, "
                "sha = window.urbanartPlayer.state().sha256; "
                "const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer()); "
                "const digest = await crypto.subtle.digest('SHA-256', bytes); "
                "return {src, sha, w, "
                "hash: Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0'))"
                ".join('')}; }"
            )
            # The picture on screen is a blob of exactly the bytes the manifest's hash names.
            assert shown["src"].startswith("blob:"), shown
            assert shown["hash"] == shown["sha"] and shown["sha"] in by_sha
            assert shown["w"] == 640  # not the attacker's 1×1 picture
            shown_shas.add(shown["sha"])
            if len(shown_shas) == len(items):
                break
            page.wait_for_function(
                f"() => window.urbanartPlayer.state().sha256 !== '{shown['sha']}'", timeout=8000
            )
        assert shown_shas == set(by_sha)
        assert all(n == 1 for n in media_requests.values()), media_requests  # downloaded once

        # The QR code beside the work is drawn from the signed rows, never fetched.
        page.wait_for_function("document.querySelector('#qr').naturalWidth > 0", timeout=5000)
        # Code and state are read together once a work is on screen (not between two works).
        qr = page.evaluate(
            "async () => { let sha = null, src = null; "
            "while (!sha) { sha = window.urbanartPlayer.state().sha256; "
            "src = document.querySelector('#qr').src; "
            "if (!sha) await new Promise(r => setTimeout(r, 20)); } "
            "return {src, sha, svg: await (await fetch(src)).text()}; }"
        )
        assert qr["src"].startswith("blob:") and qr_requests == []
        drawn = {
            (int(x) - 4, int(y) - 4) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", qr["svg"])
        }
        assert drawn == dark_modules(by_sha[qr["sha"]]["qr"])

        # Genuine manifests that must not take over: older, another screen's, expired.
        for body, reason, label in (
            (older, "rollback", "older"),
            (others, "other-screen", "others"),
            (expired, "expired", "expired"),
        ):
            serve(library, token, body, label)
            wait_served(manifest_url, body)
            page.evaluate("window.urbanartPlayer.poll()")
            page.wait_for_function(
                f"() => (window.urbanartPlayer.state().refused || {{}}).reason === '{reason}'",
                timeout=5000,
            )
            state = page.evaluate("window.urbanartPlayer.state()")
            assert state["manifestVersion"] == payload_of(held)["manifest_version"], label
            row = refusal_reported(hub, library, screen.id, reason)
            assert row.refused is not None and row.refused["reason"] == reason, label
        browser.close()
    assert hashlib.sha256(ATTACKER_PNG).hexdigest() not in by_sha


def refusal_reported(
    hub: HubThread, library: Library, screen_id: int, reason: str
) -> st.ScreenStatus:
    """The screen's status once its heartbeat naming the refusal is stored (the player sends
    it with its next heartbeat; the hub writes heartbeats behind its answers), or after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        heartbeats_written(hub)
        [row] = [s for s in st.screen_statuses(library) if s.screen_id == screen_id]
        if (row.refused or {}).get("reason") == reason or time.monotonic() > deadline:
            return row
        time.sleep(0.1)


def test_web_player_follows_an_announced_key_and_no_other(library: Library) -> None:
    load_demo_copy(library)
    ids = approved_ids(library)
    quick = playlists.create_playlist(library, "Quick")
    playlists.add_items(library, quick.id, ids[5:7], duration=5, transition="cut")
    screen = screens.add_screen(
        library, "Browser Screen", tz="Europe/Lisbon", size="640x360", default_playlist=quick.id
    )
    now = datetime.now(UTC)
    token = screen.poll_token
    publish(library, now=now)
    first = (current_tree(library) / "screens" / token / "manifest.json").read_bytes()
    old_id = signing_key(library.home).key_id

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        manifest_url = f"{hub.url}screens/{token}/manifest.json"
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp: Playwright's polling of a waited condition needs eval, which the page's
        # CSP forbids once a condition is not met at once (a failing guard would time out).
        page = browser.new_page(viewport={"width": 640, "height": 360}, bypass_csp=True)
        page.goto(f"{hub.url}player/index.html?token={token}")
        page.wait_for_function("window.urbanartPlayer.state().itemId !== null", timeout=15000)
        assert page.evaluate("window.urbanartPlayer.state().keyId") == old_id

        # A stranger's key announced as if by the pinned key: refused, the pinned key stays.
        payload = payload_of(first)
        payload["sequence"] += 1
        rogue_old, rogue_new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        announcement = make_announcement(rogue_old, rogue_new.public_key())
        announcement["previous_key_id"] = old_id
        payload["key_announcement"] = announcement
        payload["manifest_version"] = version_of(payload)
        forged = sign_envelope(rogue_new, json.dumps(payload)).encode()
        serve(library, token, forged, "forged")
        wait_served(manifest_url, forged)
        page.evaluate("window.urbanartPlayer.poll()")
        page.wait_for_function(
            "() => (window.urbanartPlayer.state().refused || {}).reason === 'bad-signature'",
            timeout=5000,
        )
        state = page.evaluate("window.urbanartPlayer.state()")
        assert state["keyId"] == old_id and "pinned key" in state["refused"]["detail"]
        assert state["manifestVersion"] == payload_of(first)["manifest_version"]

        # The genuine rotation: the page verifies the announcement and pins the new key.
        _old, new = rotate_key(library.home)
        playlists.set_item(library, quick.id, 1, duration=6)
        publish(library, now=now)
        rotated = (current_tree(library) / "screens" / token / "manifest.json").read_bytes()
        assert json.loads(rotated)["key_id"] == new.key_id != old_id
        wait_served(manifest_url, rotated)
        page.evaluate("window.urbanartPlayer.poll()")
        page.wait_for_function(
            f"() => window.urbanartPlayer.state().manifestVersion === "
            f"'{payload_of(rotated)['manifest_version']}'",
            timeout=10000,
        )
        state = page.evaluate("window.urbanartPlayer.state()")
        assert state["keyId"] == new.key_id and state["refused"] is None
        assert page.evaluate("localStorage.getItem('urbanart.player.pinnedKey')") == (
            new.public_pem.decode("ascii")
        )
        browser.close()
