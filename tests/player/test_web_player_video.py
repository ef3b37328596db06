"""Video items (manifest format 3) in the web player, in a real headless Chromium, served by the
real hub: the video plays at the rule's position, crossfades in and out like a still, is kept for
offline play, and gives way to its still whenever it cannot play."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from tests.browsers import shared_playwright
from tests.imaging.video_clips import Clip, write_clip
from tests.player import approved_ids, load_demo_copy, wait_served
from tests.player.test_video_end_to_end import imported
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM
from tests.player.video_manifest import VideoMedia, make_video, serve_v3, video_item
from urbanart.curation import playlists, schedules, screens
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Play
from urbanart.player.timeline import what_plays

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (CI installs the chromium package)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

SIZE = (320, 180)
FADE = {"type": "crossfade", "seconds": 1}
#: The video item's time on screen: one and a half loops of its 4 s video (the last loop cut).
ITEM_S = 6

#: Each layer's look, read in the page: id, tag, opacity as painted, stacking, item, clock.
LAYERS_JS = (
    "() => [...document.querySelectorAll('.layer')].map(l => ({id: l.id, tag: l.tagName, "
    "op: Number(getComputedStyle(l).opacity), z: l.style.zIndex, item: l.dataset.itemId, "
    "paused: l.tagName === 'VIDEO' ? l.paused : null, "
    "time: l.tagName === 'VIDEO' ? l.currentTime : null}))"
)

#: The video on screen: its clock and the rule's position, read in one synchronous step.
POSITION_JS = (
    "(length) => { const v = document.querySelector('video.layer.shown'); if (!v) return null; "
    "const now = Date.now(), started = Number(v.dataset.startedAt); "
    "return {time: v.currentTime, want: ((now - started) / 1000) % length, paused: v.paused, "
    "ready: v.readyState, item: Number(v.dataset.itemId), started, "
    "frames: v.getVideoPlaybackQuality().totalVideoFrames, src: v.src, "
    "op: Number(getComputedStyle(v).opacity)}; }"
)

VIDEO_PLAYING = (
    "(id) => { const v = document.querySelector('video.layer.shown'); return !!v && "
    "window.urbanartPlayer.state().kind === 'video' && Number(v.dataset.itemId) === id && "
    "!v.paused && v.readyState >= 2 && v.currentTime > 0; }"
)


#: Waits, frame by frame, until a hidden video layer holds a decoded first frame (preloaded);
#: null if the video's turn (epoch ms) comes first.
PRELOADED_JS = (
    "async (turn) => { while (Date.now() < turn) { "
    "for (const v of document.querySelectorAll('video.layer')) { "
    "if (v.getAttribute('src') && v.readyState >= 2 && !v.classList.contains('shown') "
    "&& Number(getComputedStyle(v).opacity) === 0) return {at: Date.now(), id: v.id, "
    "src: v.getAttribute('src'), ready: v.readyState}; } "
    "await new Promise(r => requestAnimationFrame(r)); } return null; }"
)

#: The video on screen: muted, inline (the attribute and the property), and the audio it decoded.
QUIET_JS = (
    "() => { const v = document.querySelector('video.layer.shown'); return {id: v.id, "
    "src: v.getAttribute('src'), muted: v.muted && v.hasAttribute('muted'), "
    "inline: v.playsInline && v.hasAttribute('playsinline'), "
    "audioBytes: v.webkitAudioDecodedByteCount}; }"
)


def wait_before_video_turn(payload: dict[str, Any], item_id: int, ahead_s: float) -> datetime:
    """Wait (a few seconds at most) until a still shows and the video's next turn is at least
    `ahead_s` away; returns when that turn begins, by the Python rule."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = datetime.now(UTC)
        at = now
        showing = what_plays(payload, at)
        if showing.item is not None and showing.item["item_id"] != item_id:
            while showing.item is None or showing.item["item_id"] != item_id:
                assert showing.next_change is not None
                at = showing.next_change
                showing = what_plays(payload, at)
            assert showing.started_at is not None
            if (showing.started_at - now).total_seconds() >= ahead_s:
                return showing.started_at
        time.sleep(0.05)
    raise AssertionError(f"no still with {ahead_s} s before item {item_id} in 30 s")


def video_screen(library: Library, seconds: float = 3) -> tuple[str, dict[str, Any]]:
    """A published screen playing two demo stills for `seconds` each, crossfading, all day;
    returns its poll token and its (format 2) payload."""
    load_demo_copy(library)
    ids = approved_ids(library)
    loop = playlists.create_playlist(library, "Loop")
    playlists.add_items(
        library, loop.id, ids[5:7], duration=seconds, transition="crossfade", transition_seconds=1
    )
    screen = screens.add_screen(
        library, "Video Screen", tz="Europe/Lisbon", size=f"{SIZE[0]}x{SIZE[1]}",
        default_playlist=loop.id,
    )  # fmt: skip
    schedules.add_schedule(library, loop.id, screens=[screen.id])
    publish(library, now=datetime.now(UTC))
    manifest = current_tree(library) / "screens" / screen.poll_token / "manifest.json"
    return screen.poll_token, payload_of(manifest.read_bytes())


def payload_of(envelope: bytes) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(json.loads(envelope)["payload"])
    return payload


def items_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    [playlist] = payload["playlists"].values()
    items: list[dict[str, Any]] = playlist["items"]
    return items


def launch(pw: Any, **context: Any) -> Any:
    browser = pw.chromium.launch(
        executable_path=CHROMIUM, args=[*ARGS, "--autoplay-policy=no-user-gesture-required"]
    )
    # bypass_csp: Playwright's polling of a waited condition needs eval, which the page's CSP
    # forbids (the CSP itself is checked in test_web_player_in_chromium).
    page = browser.new_context(
        viewport={"width": SIZE[0], "height": SIZE[1]}, bypass_csp=True, **context
    ).new_page()
    return browser, page


def circular_gap(a: float, b: float, length: float) -> float:
    gap = abs(a - b) % length
    return min(gap, length - gap)


def sha256_of_shown(page: Any) -> dict[str, Any]:
    """The layer on screen, its item and the sha256 of the bytes it shows, read together."""
    shown: dict[str, Any] = page.evaluate(
        "async () => { const l = document.querySelector('.layer.shown'); "
        "const src = l.src, tag = l.tagName, item = Number(l.dataset.itemId); "
        "const bytes = await (await fetch(src)).arrayBuffer(); "
        "const d = await crypto.subtle.digest('SHA-256', bytes); "
        "return {src, tag, item, videoShown: !!document.querySelector('video.layer.shown'), "
        "hash: Array.from(new Uint8Array(d), b => b.toString(16).padStart(2, '0')).join('')}; }"
    )
    return shown


def test_web_player_plays_a_video_at_the_rules_position_and_crossfades_in_and_out(
    library: Library,
) -> None:
    token, payload = video_screen(library)
    still_a, still_b = items_of(payload)
    video = make_video(*SIZE, seconds=4.0)
    length = video.duration_s
    item, files = video_item(still_a, video, item_id=900001, duration_s=ITEM_S, transition=FADE)
    envelope = serve_v3(library, token, lambda p: items_of(p).insert(1, item), files)
    v3 = payload_of(envelope)
    assert v3["version"] == 3 and [i["item_id"] for i in items_of(v3)] == [
        still_a["item_id"], 900001, still_b["item_id"],
    ]  # fmt: skip

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        wait_served(f"{hub.url}screens/{token}/manifest.json", envelope)
        browser, page = launch(pw)
        # Booted while B shows, well before the video's turn: by then the video is preloaded.
        video_at = wait_before_video_turn(v3, 900001, ahead_s=3.5)
        page.goto(f"{hub.url}player/index.html?token={token}")
        ready = page.evaluate(PRELOADED_JS, video_at.timestamp() * 1000)
        assert ready and ready["at"] < video_at.timestamp() * 1000, ready
        page.wait_for_function(VIDEO_PLAYING, arg=900001, timeout=30000)
        played = page.evaluate(QUIET_JS)
        # The layer that plays is the one preloaded, with the same verified blob; muted, inline,
        # no sound decoded.
        assert (played["id"], played["src"]) == (ready["id"], ready["src"]), (played, ready)
        assert played["muted"] and played["inline"] and played["audioBytes"] == 0, played
        # The player boots in the middle of the video's turn (reloaded 1 s into it): it seeks.
        page.wait_for_function(
            f"(id) => ({VIDEO_PLAYING})(id) && Date.now() - Number(document.querySelector("
            "'video.layer.shown').dataset.startedAt) > 1000",
            arg=900001,
            timeout=30000,
        )
        page.reload()
        page.wait_for_function(VIDEO_PLAYING, arg=900001, timeout=30000)
        first = page.evaluate(POSITION_JS, length)
        late = page.evaluate("Date.now()") - first["started"]
        assert 1000 < late < (ITEM_S - 1.5) * 1000, late  # the same turn, well after its start
        page.wait_for_timeout(600)
        second = page.evaluate(POSITION_JS, length)
        # Where the rule says: (now − item start) mod the video's length, and moving on.
        assert first["src"].startswith("blob:"), first
        assert circular_gap(first["time"], first["want"], length) < 0.5, first
        assert circular_gap(second["time"], second["want"], length) < 0.5, second
        assert 0.3 < (second["time"] - first["time"]) % length < 1.2, (first, second)
        assert second["frames"] > first["frames"]
        started = datetime.fromtimestamp(first["started"] / 1000, UTC)
        assert what_plays(v3, started).item["item_id"] == 900001  # the Python rule agrees
        # Visible: fully faded in, on top (the caption and QR code still over it).
        page.wait_for_function(
            "document.querySelector('video.layer.shown') && Number(getComputedStyle("
            "document.querySelector('video.layer.shown')).opacity) === 1",
            timeout=3000,
        )
        on_top = page.evaluate(
            "() => { const top = document.elementFromPoint(innerWidth / 2, 10); "
            "const c = document.querySelector('.caption').getBoundingClientRect(); "
            "const cap = document.elementFromPoint(c.x + c.width / 2, c.y + c.height / 2); "
            "return {video: top.tagName + '#' + top.id, "
            "caption: !!(cap && cap.closest('#overlay'))}; }"
        )
        assert on_top["video"].startswith("VIDEO#") and on_top["caption"], on_top
        assert page.evaluate("document.querySelector('#credit').textContent") == item["credit"]

        # Sample every painted frame through the cut to B, B, A and the video's next fade in.
        left_ms = first["started"] + ITEM_S * 1000 - page.evaluate("Date.now()")
        samples = page.evaluate(
            f"async (ms) => {{ const read = {LAYERS_JS}; const out = []; "
            "const end = performance.now() + ms; while (performance.now() < end) { "
            "await new Promise(r => requestAnimationFrame(r)); out.push(read()); } return out; }",
            left_ms + 3000 + 3000 + 1500,
        )

        def layer(sample: list[dict[str, Any]], tag: str, item_id: int, z: str) -> Any:
            return next(
                (
                    one
                    for one in sample
                    if one["tag"] == tag and one["item"] == str(item_id) and one["z"] == z
                ),
                None,
            )

        fading_out = [
            (img, vid)
            for s in samples
            if (img := layer(s, "IMG", still_b["item_id"], "2")) and 0.02 < img["op"] < 0.98
            and (vid := layer(s, "VIDEO", 900001, "1")) and vid["op"] > 0.02
        ]  # fmt: skip
        fading_in = [
            (vid, img)
            for s in samples
            if (vid := layer(s, "VIDEO", 900001, "2")) and 0.02 < vid["op"] < 0.98
            and (img := layer(s, "IMG", still_a["item_id"], "1")) and img["op"] > 0.02
        ]  # fmt: skip
        assert len(fading_out) >= 5 and len(fading_in) >= 5, (len(fading_out), len(fading_in))
        # The outgoing video keeps playing under B; cut after ITEM_S, ITEM_S mod length in.
        out_times = [vid["time"] for _img, vid in fading_out]
        assert out_times[-1] > out_times[0] and not fading_out[0][1]["paused"]
        assert circular_gap(out_times[0], ITEM_S % length, length) < 0.4, out_times[:3]
        # The incoming video plays from its start over A as it fades in.
        in_times = [vid["time"] for vid, _img in fading_in]
        assert in_times[0] < 0.4 and in_times[-1] > in_times[0], in_times[:3]
        # Between the two, B and then A were shown alone, the video out of sight and paused.
        alone = [
            s
            for s in samples
            if layer(s, "IMG", still_b["item_id"], "2")
            and all(one["op"] == 0 for one in s if one["tag"] == "VIDEO")
        ]
        assert alone and all(one["paused"] for one in alone[-1] if one["tag"] == "VIDEO")

        # Proof of play: the video item counts like a still, until its cut.
        page.evaluate("window.urbanartPlayer.poll()")
        page.wait_for_function("window.urbanartPlayer.state().queuedPlays === 0", timeout=5000)
        browser.close()
    still_sha = item["media"]["sha256"]
    with library.session() as session:
        plays = session.scalars(select(Play).where(Play.artwork_sha256 == still_sha)).all()
    assert plays, "the video item's play was not recorded"
    ends = [p.started_at.timestamp() + p.duration_s for p in plays]
    assert any(abs(end * 1000 - (first["started"] + ITEM_S * 1000)) < 500 for end in ends), ends


def test_web_player_keeps_a_cached_video_playing_offline(library: Library) -> None:
    token, payload = video_screen(library)
    still_a, _still_b = items_of(payload)
    video = make_video(*SIZE, seconds=2.0)
    item, files = video_item(still_a, video, item_id=900002, duration_s=8)
    envelope = serve_v3(library, token, lambda p: items_of(p).insert(1, item), files)

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        wait_served(f"{hub.url}screens/{token}/manifest.json", envelope)
        browser, page = launch(pw)  # service workers allowed: the shell is kept offline
        page.goto(f"{hub.url}player/index.html?token={token}")
        page.wait_for_function(VIDEO_PLAYING, arg=900002, timeout=30000)
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10000)
        # The MP4 is in the offline cache, exactly the bytes the manifest names.
        cached = page.evaluate(
            "async (url) => { const c = await caches.open('urbanart-media-v1'); "
            "const hit = await c.match(new URL(url, location.href)); if (!hit) return null; "
            "const d = await crypto.subtle.digest('SHA-256', await hit.arrayBuffer()); "
            "return Array.from(new Uint8Array(d), b => b.toString(16).padStart(2, '0'))"
            ".join(''); }",
            "../" + item["video"]["url"].lstrip("/"),
        )
        assert cached == item["video"]["sha256"]

        hub.stop()
        # The video on screen goes on: its clock and its decoded frames advance.
        first = page.evaluate(POSITION_JS, video.duration_s)
        page.wait_for_timeout(500)
        later = page.evaluate(POSITION_JS, video.duration_s)
        assert first and later and later["frames"] > first["frames"], (first, later)

        # Reloaded with the hub gone: shell, manifest and video all come from the browser's
        # own storage, and the video plays again at the rule's position.
        page.reload()
        page.wait_for_function(
            f"(id) => ({VIDEO_PLAYING})(id) && Date.now() - Number(document.querySelector("
            "'video.layer.shown').dataset.startedAt) < 4000",
            arg=900002,
            timeout=30000,
        )
        again = page.evaluate(POSITION_JS, video.duration_s)
        assert again["src"].startswith("blob:")
        assert circular_gap(again["time"], again["want"], video.duration_s) < 0.5, again

        # Knocked half a loop off the rule's position, it is put back within a tick or two.
        page.evaluate(
            "(length) => { const v = document.querySelector('video.layer.shown'); "
            "v.currentTime = (v.currentTime + length / 2) % length; }",
            video.duration_s,
        )
        readings = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            readings.append(page.evaluate(POSITION_JS, video.duration_s))
            if circular_gap(readings[-1]["time"], readings[-1]["want"], video.duration_s) < 0.5:
                break
            page.wait_for_timeout(100)
        assert circular_gap(readings[-1]["time"], readings[-1]["want"], video.duration_s) < 0.5, [
            (r["time"], r["want"]) for r in readings
        ]
        assert any(
            "poll failed" in e for e in page.evaluate("window.urbanartPlayer.state().errors")
        )
        browser.close()


def test_web_player_shows_the_still_when_a_video_is_tampered_broken_or_of_an_unknown_type(
    library: Library,
) -> None:
    token, payload = video_screen(library)
    base, _ = items_of(payload)
    video = make_video(*SIZE, seconds=2.0)
    tampered = bytearray(video.mp4)
    tampered[len(tampered) // 2] ^= 0xFF  # same size, other bytes
    # A file that is exactly what the manifest names but no video a browser can decode.
    garbage = VideoMedia(
        b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64,
        video.still, video.width, video.height, video.duration_s, video.fps,
    )  # fmt: skip
    refused, files = video_item(
        base, video, item_id=900003, duration_s=3, served_mp4=bytes(tampered)
    )
    broken, more = video_item(base, garbage, item_id=900004, duration_s=3)
    other = make_video(*SIZE, seconds=1.5)  # its own MP4, to tell its requests apart
    unknown, _ = video_item(base, other, item_id=900005, duration_s=3, media_type="hologram")

    def edit(p: dict[str, Any]) -> None:
        items_of(p)[:] = [refused, broken, unknown]

    envelope = serve_v3(library, token, edit, {**files, **more})
    mp4_requests: list[str] = []

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        wait_served(f"{hub.url}screens/{token}/manifest.json", envelope)
        browser, page = launch(pw, service_workers="block")
        page.on("request", lambda r: mp4_requests.append(r.url) if r.url.endswith(".mp4") else None)
        page.goto(f"{hub.url}player/index.html?token={token}")
        for case in (refused, broken, unknown):
            page.wait_for_function(
                "(id) => window.urbanartPlayer.state().itemId === id && "
                "document.querySelector('.layer.shown') && "
                "Number(document.querySelector('.layer.shown').dataset.itemId) === id",
                arg=case["item_id"],
                timeout=20000,
            )
            shown = sha256_of_shown(page)
            # The still on screen, exactly the bytes the manifest names; no video shown.
            assert shown["tag"] == "IMG" and not shown["videoShown"], (case["item_id"], shown)
            assert shown["hash"] == case["media"]["sha256"] and shown["src"].startswith("blob:")
        state = page.evaluate("window.urbanartPlayer.state()")
        errors = "\n".join(state["errors"])
        assert "refused" in errors and refused["video"]["url"] in errors, errors
        assert f"video of {broken['title']} not played" in errors, errors
        # Both refused videos are remembered (not retried every loop); the unknown kind's video
        # was never even fetched.
        assert set(state["refusedVideos"]) == {
            refused["video"]["sha256"], broken["video"]["sha256"],
        }  # fmt: skip
        assert not [u for u in mp4_requests if unknown["video"]["url"] in u], mp4_requests
        browser.close()


def test_a_published_video_work_plays_in_the_web_player_from_the_real_publisher(
    library: Library, tmp_path: Path
) -> None:
    """The whole path with nothing hand-made: a PyAV clip is imported, put in a playlist after a
    still, published (format 3 by the publisher itself), served by the hub, and the web player
    plays the published MP4 at the rule's position, its bytes the manifest's."""
    Image.new("RGB", (320, 200), (30, 120, 200)).save(tmp_path / "still.png")
    write_clip(tmp_path / "tide.mp4", Clip(width=96, height=64, frames=48, fps=12))
    still_id = imported(library, tmp_path / "still.png", "Blue")
    video_id = imported(library, tmp_path / "tide.mp4", "Tide")
    reel = playlists.create_playlist(library, "Reel")
    playlists.add_items(library, reel.id, [still_id], duration=2)
    playlists.add_items(library, reel.id, [video_id], loops=3)  # 12 s on screen
    screen = screens.add_screen(
        library, "Harbour", tz="Europe/Lisbon", size=f"{SIZE[0]}x{SIZE[1]}",
        default_playlist=reel.id,
    )  # fmt: skip
    publish(library, now=datetime.now(UTC))
    token = screen.poll_token
    envelope = (current_tree(library) / "screens" / token / "manifest.json").read_bytes()
    payload = payload_of(envelope)
    assert payload["version"] == 3
    video_item_id, video = next(
        (i["item_id"], i["video"]) for i in items_of(payload) if i["media_type"] == "video"
    )
    length = float(video["duration_s"])

    with HubThread(library, check_interval=0.05) as hub, shared_playwright() as pw:
        wait_served(f"{hub.url}screens/{token}/manifest.json", envelope)
        browser, page = launch(pw)
        page.goto(f"{hub.url}player/index.html?token={token}")
        page.wait_for_function(VIDEO_PLAYING, arg=video_item_id, timeout=45000)
        shown = sha256_of_shown(page)
        assert shown["videoShown"] and shown["item"] == video_item_id, shown
        assert shown["hash"] == video["sha256"], shown  # the published file, verified bytes
        first = page.evaluate(POSITION_JS, length)
        assert circular_gap(first["time"], first["want"], length) < 0.5, first
        started = datetime.fromtimestamp(first["started"] / 1000, UTC)
        assert what_plays(payload, started).item["item_id"] == video_item_id
        browser.close()
