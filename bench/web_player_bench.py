"""Web player video smoothness: dropped frames of a 1080p30 rendition in headless Chromium.

Makes a library with one 1920×1080 screen (the demo collection, published by the real
publisher), a 30 s 1920×1080 30 fps master (the ffmpeg command's testsrc2) and its screen
rendition by our own path (imaging.video.jobs.run_transcode: H.264 High, yuv420p, faststart, the
profile's CRF and bitrate cap), then serves a format 3 manifest whose only item is that video
(tests/player/video_manifest.py, until the publisher writes format 3) from the real hub.
Debian's Chromium, headless, plays it for --seconds in two pages, one after the other:
- the web player (player/index.html): verified MP4, blob URL, muted looping <video>, overlay;
- baseline: a bare page holding only `<video src=… muted autoplay loop playsinline>` playing
  the same file from the hub, to tell the player's cost from the browser's.
Each reads video.getVideoPlaybackQuality() at the start and the end of the window; the figure is
dropped ÷ total frames in between. Chromium flags: the test suite's (--no-sandbox --disable-gpu
--disable-background-networking --disable-component-update --disable-sync --no-first-run) plus
--autoplay-policy=no-user-gesture-required (a kiosk starts unattended); viewport 1920×1080 at
scale 1, software compositing (no GPU, as on a headless box).
Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.player import approved_ids  # noqa: E402
from tests.player.video_manifest import VideoMedia, serve_v3, video_item  # noqa: E402
from urbanart.curation import playlists, schedules, screens  # noqa: E402
from urbanart.delivery.publisher import publish  # noqa: E402
from urbanart.delivery.server import HubThread  # noqa: E402
from urbanart.imaging.video.jobs import run_transcode  # noqa: E402
from urbanart.imaging.video.profile import VideoProfile  # noqa: E402
from urbanart.library.demo import load_demo  # noqa: E402
from urbanart.library.importer import ImportRun  # noqa: E402
from urbanart.library.library import Library, current_tree  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
WIDTH, HEIGHT, FPS = 1920, 1080, 30
VIDEO_ITEM = 990001
KEPT = ROOT / "bench" / "out"

QUALITY_JS = (
    "() => { const v = document.querySelector('video.layer.shown') || "
    "document.querySelector('#bare'); if (!v) return null; "
    "const q = v.getVideoPlaybackQuality(); return {id: v.id, dropped: q.droppedVideoFrames, "
    "total: q.totalVideoFrames, time: v.currentTime, paused: v.paused}; }"
)
PLAYING_JS = (
    "() => { const v = document.querySelector('video.layer.shown') || "
    "document.querySelector('#bare'); return !!v && !v.paused && v.readyState >= 3 && "
    "v.currentTime > 0.5; }"
)


def make_rendition(tmp: Path, seconds: int) -> VideoMedia:
    """A testsrc2 master, made into the 1920×1080 screen's rendition by our transcode."""
    master, rendition = tmp / "master.mp4", tmp / "rendition.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
            str(master),
        ],
        check=True,
    )  # fmt: skip
    result = run_transcode(master, rendition, VideoProfile(WIDTH, HEIGHT))
    with av.open(str(rendition)) as container:
        poster = next(container.decode(video=0)).to_image()
    still = io.BytesIO()
    poster.save(still, format="JPEG", quality=90)
    return VideoMedia(
        rendition.read_bytes(), still.getvalue(), result.width, result.height,
        result.duration_s, result.fps,
    )  # fmt: skip


def keep(video: VideoMedia, path: Path) -> None:
    """Keep the rendition (bench/out is not committed) for a later --reuse."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".mp4").write_bytes(video.mp4)
    path.with_suffix(".jpg").write_bytes(video.still)
    facts = {k: getattr(video, k) for k in ("width", "height", "duration_s", "fps")}
    path.write_text(json.dumps(facts))


def load_kept(path: Path) -> VideoMedia:
    facts = json.loads(path.read_text())
    return VideoMedia(
        path.with_suffix(".mp4").read_bytes(), path.with_suffix(".jpg").read_bytes(), **facts
    )


def publish_screen(library: Library) -> tuple[str, dict[str, Any]]:
    """The demo collection and one 1920×1080 screen playing one of its works all day."""
    load_demo(library, run=ImportRun(workers=1))
    ids = approved_ids(library)
    playlist = playlists.create_playlist(library, "Bench")
    playlists.add_items(library, playlist.id, ids[:1], duration=60, transition="cut")
    screen = screens.add_screen(
        library, "Bench Screen", tz="UTC", size=f"{WIDTH}x{HEIGHT}", default_playlist=playlist.id
    )
    schedules.add_schedule(library, playlist.id, screens=[screen.id])
    publish(library, now=datetime.now(UTC))
    manifest = current_tree(library) / "screens" / screen.poll_token / "manifest.json"
    payload: dict[str, Any] = json.loads(json.loads(manifest.read_bytes())["payload"])
    return screen.poll_token, payload


def bare_page(html: str) -> Any:
    """A route handler answering with this page (served as if by the hub, same origin)."""

    def fulfil(route: Any) -> None:
        route.fulfill(body=html, content_type="text/html")

    return fulfil


def measure(page: Any, seconds: float) -> dict[str, Any]:
    """Playback quality over `seconds` of steady playback on this page."""
    try:
        page.wait_for_function(PLAYING_JS, timeout=60000)
    except PlaywrightTimeout:
        state = page.evaluate("window.urbanartPlayer ? window.urbanartPlayer.state() : null")
        raise SystemExit(f"the video never played steadily within 60 s: {state}") from None
    start = page.evaluate(QUALITY_JS)
    began = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    end = page.evaluate(QUALITY_JS)
    elapsed = time.monotonic() - began
    if not end or end["id"] != start["id"] or end["paused"]:
        state = page.evaluate("window.urbanartPlayer ? window.urbanartPlayer.state() : null")
        raise SystemExit(f"playback did not stay on one playing video: {start} → {end}; {state}")
    total = end["total"] - start["total"]
    dropped = end["dropped"] - start["dropped"]
    return {"total": total, "dropped": dropped, "elapsed": elapsed, "ratio": dropped / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="length of clip and window")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"reuse the rendition kept in {KEPT} by an earlier run (the transcode takes minutes)",
    )
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("the ffmpeg command makes the master (apt-get install ffmpeg)")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="web-player-bench-") as tmp_name:
        tmp = Path(tmp_name)
        print(f"making a {args.seconds} s {WIDTH}×{HEIGHT} {FPS} fps rendition…", flush=True)
        kept = KEPT / f"web-player-{WIDTH}x{HEIGHT}p{FPS}-{args.seconds}s.json"
        if args.reuse and kept.exists():
            video = load_kept(kept)
            print(f"reusing {kept}", flush=True)
        else:
            began = time.monotonic()
            video = make_rendition(tmp, args.seconds)
            print(f"made in {time.monotonic() - began:.0f} s", flush=True)
            keep(video, kept)
        print(
            f"rendition: {len(video.mp4):,} bytes, {video.width}×{video.height}, "
            f"{video.fps:g} fps, {video.duration_s:.2f} s",
            flush=True,
        )
        library = Library.open(tmp / "library")
        token, payload = publish_screen(library)
        [playlist] = payload["playlists"].values()
        item, files = video_item(
            playlist["items"][0], video, item_id=VIDEO_ITEM, duration_s=3600
        )  # one long turn: the window never crosses an item change

        def only_the_video(p: dict[str, Any]) -> None:
            [pl] = p["playlists"].values()
            pl["items"][:] = [item]

        serve_v3(library, token, only_the_video, files, name="bench")
        video_url = item["video"]["url"]
        with HubThread(library, check_interval=0.05) as hub, sync_playwright() as pw:
            time.sleep(0.5)  # the hub picks up the swapped release
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            results = {}
            for name in ("player", "bare"):
                context = browser.new_context(
                    viewport={"width": WIDTH, "height": HEIGHT}, bypass_csp=True
                )
                page = context.new_page()
                if name == "player":
                    page.goto(f"{hub.url}player/index.html?token={token}")
                else:
                    bare = (
                        '<!doctype html><body style="margin:0;background:#000">'
                        f'<video id="bare" src="{video_url}" muted autoplay loop playsinline '
                        'style="width:100vw;height:100vh;object-fit:contain"></video>'
                    )
                    page.route(f"{hub.url}bare.html", bare_page(bare))
                    page.goto(f"{hub.url}bare.html")
                results[name] = measure(page, args.seconds)
                if name == "player":
                    state = page.evaluate("window.urbanartPlayer.state()")
                    if state["kind"] != "video" or state["itemId"] != VIDEO_ITEM:
                        raise SystemExit(f"the player did not play the video: {state}")
                context.close()
            browser.close()
        library.close()
    for name, label in (("player", "web player"), ("bare", "bare <video> page")):
        r = results[name]
        print(
            f"{label}: {r['dropped']} dropped of {r['total']} frames in {r['elapsed']:.1f} s",
        )
    print(f"bare_video_dropped_frame_ratio: {results['bare']['ratio']:.4f} (baseline, this run)")
    print(f"web_dropped_frame_ratio: {results['player']['ratio']:.4f} (goal ≤ 0.01)")


if __name__ == "__main__":
    main()
