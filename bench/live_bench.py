"""Live works: 50 polling screens, a generator posting a 3000×2000 JPEG a second, one real hub.

Makes a library with one live work (interval 1 s, retention none) published to 50 screens of
1920×1080 (so the frame pipeline renders the profile those screens need), starts the hub as
`urbanart serve` (its own process, so its memory can be read from /proc), then for --seconds:

- a generator posts one 3000×2000 JPEG a second (distinct frames drawn by the demo generator),
  signed like `urbanart live send`, and notes when each POST was answered;
- 50 screens (threads, one keep-alive connection each) poll the feed document as the players
  do, POLLS_PER_INTERVAL (2) times per interval (urbanart/player/live_feed_client.py), with
  If-None-Match, each with its own phase, verify its signature with the library's
  key as players do, never accept a sequence going backwards, and download their profile's
  frame when a new one appears; each notes when it first saw each sequence.

Measured: ``live_frame_to_screen_p99_s`` (from the POST's answer to a screen seeing the frame
in the feed document, over every frame × screen; a screen polling at the interval sees a new
frame at most one poll period later, so this is about half the interval plus the hub's poll
answer),
``live_frames_lost`` (frames the hub accepted that some screen never saw in its feed), and the
hub's RSS after the first frame, at the middle and at the end: ``live_memory_growth_ratio``
(the larger of middle and end over the start: "memory flat").

Baseline, in the same run: Pillow alone doing the image work the hub must do for each frame
(``guard_and_render``: decode with the import guard, render the screens' profile and the
thumbnail) on the same frames in this process. The frame-to-screen time is the POST's answer
(which waits for that image work) plus up to one poll interval; the interval is the artist's
choice and the same whatever serves the feed (a static file server polled the same way waits
the same), so the honest strongest comparison for what the hub adds is its whole POST against
the unavoidable image work: ``live_post_vs_render_ratio`` (goal ≤ 2: signature, storage, the
signed feed and retention cost less than the rendering itself).

What "frames lost" measures: the generator posts at fixed one-second times, and each frame is
the newest until the next one's POST is answered; the hub's image work takes a varying time
(more under load), so about half of the frames are newest for a little less than one second. A
screen polling exactly once per interval from a phase that falls in that gap never sees such a
frame, whatever serves the feed. The bench therefore also prints how many frames were replaced
within one poll period and how many were lost although they stayed newest longer (the hub's
part: 0 expected). The players therefore poll twice per interval, and so do the bench's
screens by default; ``--poll 1`` shows what polling once per interval would lose.

Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import logging
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from PIL import ImageDraw  # noqa: E402

from urbanart.curation import playlists, screens  # noqa: E402
from urbanart.delivery.publisher import publish  # noqa: E402
from urbanart.delivery.signing import signing_key  # noqa: E402
from urbanart.library.catalog import edit_artwork  # noqa: E402
from urbanart.library.library import Library  # noqa: E402
from urbanart.library.settings import load_settings  # noqa: E402
from urbanart.live.client import LiveSource, send_frame  # noqa: E402
from urbanart.live.demo_generator import collage  # noqa: E402
from urbanart.live.frames import guard_and_render, profile_from_key  # noqa: E402
from urbanart.live.works import add_live_work, live_works  # noqa: E402
from urbanart.player.live_feed_client import POLLS_PER_INTERVAL  # noqa: E402
from urbanart.protocol.live_feed import feed_path, verify_feed  # noqa: E402

SCREENS = 50
INTERVAL_S = 1.0
FRAME_SIZE = (3000, 2000)
GOAL_P99_S = 1.5
GOAL_MEMORY = 1.2
GOAL_POST_RATIO = 2.0
#: "start" memory is read after this many frames: the first ones load Pillow's codecs, fill
#: the allocator's arenas and the hub's thread pools (printed too, as "first frame").
WARM_FRAMES = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc; 0 where it is not readable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def make_frames(count: int, seed: int) -> list[bytes]:
    """Distinct 3000×2000 JPEGs: a few full collages, each stamped with its frame number."""
    bases = [collage(seed + n, *FRAME_SIZE) for n in range(min(4, count))]
    frames = []
    for n in range(count):
        image = bases[n % len(bases)].copy()
        draw = ImageDraw.Draw(image)
        x = 40 + (n * 97) % (FRAME_SIZE[0] - 400)
        draw.rectangle((x, 40, x + 320, 140), fill=(250, 246, 236))
        draw.text((x + 20, 70), f"frame {n:04d}", fill=(20, 20, 24))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        frames.append(buffer.getvalue())
    return frames


def build_library(home: Path) -> tuple[Library, int, str, str, str]:
    """(library, live work id, feed id, token, secret) with the work on 50 published screens."""
    library = Library.open(home)
    created = add_live_work(
        library, "Bench Feed", "Bench Collective", interval_s=INTERVAL_S, retention="none"
    )
    edit_artwork(library, created.artwork_id, status="approved")
    playlists.create_playlist(library, "Live")
    playlists.add_items(library, "Live", [created.artwork_id], duration=60)
    for n in range(SCREENS):
        screens.add_screen(
            library, f"Pillar {n:02d}", tz="Europe/Berlin", size="1920x1080",
            default_playlist="Live",
        )  # fmt: skip
    publish(library)
    return library, created.live_work_id, created.feed_id, created.token, created.secret


def start_hub(home: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "urbanart.cli.main", "--home", str(home), "serve",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the hub did not start")


@dataclass
class Screen:
    """One polling screen: what it saw and when (time.monotonic)."""

    index: int
    seen: dict[int, float] = field(default_factory=dict)
    poll_seconds: list[float] = field(default_factory=list)
    downloads: int = 0
    errors: list[str] = field(default_factory=list)


def poll(
    screen: Screen,
    port: int,
    feed_id: str,
    pinned: object,
    profile: str,
    stop: threading.Event,
    every_s: float,
) -> None:
    """Poll every ``every_s`` from a random phase; verify, never go back, fetch new frames."""
    path = feed_path(feed_id)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    etag: str | None = None
    newest = 0
    next_at = time.monotonic() + random.random() * every_s
    while not stop.is_set():
        if stop.wait(max(0.0, next_at - time.monotonic())):
            break
        next_at += every_s
        try:
            started = time.monotonic()
            conn.request("GET", path, headers={"If-None-Match": etag} if etag else {})
            response = conn.getresponse()
            body = response.read()
            now = time.monotonic()
            screen.poll_seconds.append(now - started)
            if response.status == 304:
                continue
            if response.status != 200:
                screen.errors.append(f"feed answered {response.status}")
                continue
            etag = response.getheader("ETag")
            payload = verify_feed(body, pinned, feed_id=feed_id, after_sequence=newest)  # type: ignore[arg-type]
            sequence = int(payload["sequence"])
            if sequence > newest:
                newest = sequence
                screen.seen.setdefault(sequence, now)
                frame = payload["frames"].get(profile)
                if frame is not None:
                    conn.request("GET", frame["url"])
                    data = conn.getresponse().read()
                    screen.downloads += len(data) > 0
        except (OSError, http.client.HTTPException, ValueError) as exc:
            screen.errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long the generator posts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--poll",
        type=float,
        default=1 / POLLS_PER_INTERVAL,
        help="screens poll every POLL × the work's interval (default: as the players, "
        f"1/{POLLS_PER_INTERVAL})",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    random.seed(args.seed)

    print(f"drawing {args.seconds} frames of {FRAME_SIZE[0]}x{FRAME_SIZE[1]}…", flush=True)
    frames = make_frames(args.seconds, args.seed)
    with tempfile.TemporaryDirectory(prefix="urbanart-live-bench-") as tmp:
        home = Path(tmp) / "library"
        library, _live_id, feed_id, token, secret = build_library(home)
        [state] = live_works(library)
        profiles = [p for p in map(profile_from_key, state.profiles) if p is not None]
        screen_profile = state.profiles[0]
        limits = load_settings(library).import_limits()
        pinned = signing_key(home).public_key
        library.close()
        print(f"published {SCREENS} screens; the feed renders profiles {list(state.profiles)}")

        # The baseline: Pillow alone on the same frames and profiles, before the hub starts.
        render_seconds = []
        for data in frames[: min(10, len(frames))]:
            started = time.perf_counter()
            guard_and_render(data, profiles, limits)
            render_seconds.append(time.perf_counter() - started)

        port = free_port()
        hub = start_hub(home, port)
        stop = threading.Event()
        posted: dict[int, float] = {}
        post_seconds: list[float] = []
        memory: dict[str, int] = {}
        refusals: list[str] = []
        try:
            wait_ready(port, feed_path(feed_id))
            screens_ = [Screen(n) for n in range(SCREENS)]
            every_s = INTERVAL_S * args.poll
            threads = [
                threading.Thread(
                    target=poll,
                    args=(s, port, feed_id, pinned, screen_profile, stop, every_s),
                    daemon=True,
                )
                for s in screens_
            ]
            for thread in threads:
                thread.start()
            source = LiveSource(f"http://127.0.0.1:{port}", token, secret)
            session = requests.Session()
            t0 = time.monotonic() + 0.5
            for n, data in enumerate(frames):
                delay = t0 + n * INTERVAL_S - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                started = time.monotonic()
                try:
                    answer = send_frame(source, data, session=session)
                except Exception as exc:  # counted and printed; the run goes on
                    refusals.append(str(exc))
                    continue
                answered = time.monotonic()
                post_seconds.append(answered - started)
                posted[int(answer["sequence"])] = answered
                if n == 0:
                    memory["first frame"] = rss_bytes(hub.pid)
                if n == min(WARM_FRAMES, len(frames) - 1):
                    memory["start"] = rss_bytes(hub.pid)
                if n == len(frames) // 2:
                    memory["middle"] = rss_bytes(hub.pid)
            time.sleep(INTERVAL_S * 2 + 0.5)  # every screen polls at least twice more
            memory["end"] = rss_bytes(hub.pid)
            stop.set()
            for thread in threads:
                thread.join(timeout=15)
            session.close()
        finally:
            stop.set()
            hub.terminate()
            try:
                hub.wait(timeout=15)
            except subprocess.TimeoutExpired:
                hub.kill()
                hub.wait()

    latencies = []
    lost = 0
    lost_long = 0  # lost although no newer frame came for a whole interval and a poll answer
    polls = [t for s in screens_ for t in s.poll_seconds]
    window = INTERVAL_S * args.poll + percentile(polls, 0.99)
    ordered = sorted(posted)
    for n, sequence in enumerate(ordered):
        answered = posted[sequence]
        missing = [s for s in screens_ if sequence not in s.seen]
        lost += bool(missing)
        newest_for = posted[ordered[n + 1]] - answered if n + 1 < len(ordered) else float("inf")
        lost_long += bool(missing) and newest_for >= window
        latencies += [max(0.0, s.seen[sequence] - answered) for s in screens_ if sequence in s.seen]
    gaps = [posted[b] - posted[a] for a, b in itertools.pairwise(ordered)]
    short = sum(gap < window for gap in gaps)
    errors = [e for s in screens_ for e in s.errors]
    p99 = percentile(latencies, 0.99)
    growth = max(memory.get("middle", 0), memory.get("end", 0)) / max(1, memory.get("start", 1))
    post_p50 = statistics.median(post_seconds) if post_seconds else float("nan")
    render_p50 = statistics.median(render_seconds)
    mib = 1024 * 1024

    print(f"frames posted: {len(frames)}, accepted: {len(posted)}, refused: {len(refusals)}")
    for reason in refusals[:3]:
        print(f"  refused: {reason}")
    poll_p99_ms = percentile(polls, 0.99) * 1000
    print(
        f"screens: {SCREENS} polling every {INTERVAL_S * args.poll:g} s, polls: {len(polls)}, "
        f"poll answer p99: {poll_p99_ms:.1f} ms"
    )
    print(f"frames downloaded by screens: {sum(s.downloads for s in screens_)}")
    print(f"screen errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print("hub RSS: " + ", ".join(f"{k} {v / mib:.1f} MiB" for k, v in memory.items()))
    slowest = max(latencies, default=0.0)
    print(f"frame to screen: p50 {percentile(latencies, 0.5):.3f} s, max {slowest:.3f} s")
    print(f"POST answered: p50 {post_p50:.3f} s, max {max(post_seconds, default=0):.3f} s")
    print(f"baseline_pillow_render_p50_s: {render_p50:.3f}")
    print(f"live_frame_to_screen_p99_s: {p99:.3f} (goal ≤ {GOAL_P99_S})")
    print(
        f"frames replaced by the next within one poll period + poll answer ({window:.2f} s): "
        f"{short} of {len(gaps)}; frames lost although newest for longer: {lost_long}"
    )
    print(f"live_frames_lost: {lost} (goal 0)")
    print(f"live_memory_growth_ratio: {growth:.2f} (goal ≤ {GOAL_MEMORY})")
    print(
        f"live_post_vs_render_ratio: {post_p50 / render_p50:.2f} "
        f"(goal ≤ {GOAL_POST_RATIO}; baseline Pillow alone, same frames, same run)"
    )
    if not memory.get("start"):
        print("warning: the hub's memory could not be read (/proc)")


if __name__ == "__main__":
    main()
