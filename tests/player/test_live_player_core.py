"""The player core plays a live work: the newest verified frame, never backwards, the still when
silent; and it reports how many frames it showed. A real library, published and signed by the
engine, served with its live feed from a real HTTP server on 127.0.0.1 (tests/player/live_world)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.player.live_world import FEED_ID, LiveWorld, build_live_world, jpeg, utc
from urbanart.player import pairing
from urbanart.player.clock import ManualClock, SystemClock
from urbanart.player.core import Frame, Player
from urbanart.protocol.live_feed import feed_payload, sign_feed

T0 = utc("2026-11-26T00:00:00")  # the window opens here: the live item plays first


@pytest.fixture
def world(library, tmp_path: Path) -> Iterator[LiveWorld]:  # type: ignore[no-untyped-def]
    yield from build_live_world(library, tmp_path / "art", now=T0, silence_s=30)


def player_for(world: LiveWorld, state: Path, clock: ManualClock | None = None) -> Player:
    pairing.pair(state, world.url, world.token, public_key_pem=_pem(world))
    player = Player(state, clock=clock or ManualClock(T0))
    assert player.poll_once().switched
    return player


def _pem(world: LiveWorld) -> bytes:
    from urbanart.delivery.signing import signing_key

    return signing_key(world.library.home).public_pem


def frames_on_disk(state: Path) -> list[Path]:
    return sorted((state / "live" / FEED_ID).glob("*.jpg"))


def test_the_newest_verified_frame_shows_and_only_it_stays_on_disk(
    world: LiveWorld, tmp_path: Path
) -> None:
    clock = ManualClock(T0 + timedelta(seconds=5))
    player = player_for(world, tmp_path / "p", clock)
    # No frame yet: the live item shows its still fallback.
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "new"}
    frame = player.tick()
    assert frame.item is not None and frame.item["media_type"] == "live"
    assert frame.live_path is None and frame.path is not None
    first = world.publish_frame(clock.now())
    # Not due before its interval (1 s): no request, the same picture.
    asked = len(world.server.requests)
    assert player.poll_live() == {} and len(world.server.requests) == asked
    clock.advance(1)
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "new"}
    frame = player.tick()
    assert frame.live_path is not None and frame.live_sequence == 1
    assert hashlib.sha256(frame.live_path.read_bytes()).hexdigest() == first["sha256"]
    # Nothing new: a conditional GET answered 304.
    clock.advance(1)
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "not-modified"}
    assert world.server.requests[-1][1] is not None
    for _ in range(3):
        clock.advance(1)
        newest = world.publish_frame(clock.now())
        player.poll_live()
    frame = player.tick()
    assert frame.live_sequence == 4
    assert hashlib.sha256(frame.live_path.read_bytes()).hexdigest() == newest["sha256"]  # type: ignore[union-attr]
    assert frames_on_disk(tmp_path / "p") == [frame.live_path]

    # The live work is taken off the screen: nothing of its frames stays on disk.
    world.serve_without_live()
    assert player.poll_once().switched
    assert player.tick().live_path is None
    assert not (tmp_path / "p" / "live" / FEED_ID).exists()


def test_a_tampered_frame_or_feed_and_a_backwards_feed_are_refused(
    world: LiveWorld, tmp_path: Path
) -> None:
    clock = ManualClock(T0 + timedelta(seconds=5))
    player = player_for(world, tmp_path / "p", clock)
    world.publish_frame(clock.now())
    world.publish_frame(clock.now())
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "new"}
    good = player.tick()
    assert good.live_sequence == 2 and good.live_path is not None
    good_bytes = good.live_path.read_bytes()

    # A mirror serves other bytes for the frame the signed document names.
    clock.advance(2)
    world.publish_frame(clock.now(), served_bytes=jpeg((255, 0, 0)))
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "refused"}
    frame = player.tick()
    assert frame.live_sequence == 2 and frame.live_path.read_bytes() == good_bytes  # type: ignore[union-attr]

    # A document altered after signing (its frame swapped for another).
    clock.advance(2)
    genuine = world.documents[-1]
    envelope = json.loads(genuine)
    inner = json.loads(envelope["payload"])
    inner["sequence"] = 99
    envelope["payload"] = json.dumps(inner, sort_keys=True, separators=(",", ":"))
    world.serve_document(json.dumps(envelope).encode())
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "refused"}
    assert player.tick().live_sequence == 2

    # A genuine but older document replayed (sequence 1 after 2).
    clock.advance(2)
    world.serve_document(world.documents[0])
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "refused"}
    assert player.tick().live_sequence == 2
    errors = " ".join(player._take_errors())
    assert "sha256" in errors and "backwards" in errors

    # A document signed by another key.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    clock.advance(2)
    forged = feed_payload(
        FEED_ID, 50, clock.now(), interval_s=1, silence_s=30, frames={}, keep_url=None
    )
    world.serve_document(sign_feed(Ed25519PrivateKey.generate(), forged))
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "refused"}
    assert player.tick().live_sequence == 2

    # A restarted player still refuses the replay, and still shows its last good frame.
    player.close()
    again = Player(tmp_path / "p", clock=clock)
    world.serve_document(world.documents[0])
    assert again.tick().live_sequence == 2
    assert again.poll_live() == {f"/live/{FEED_ID}/feed.json": "refused"}
    again.close()


def test_offline_shows_the_last_good_frame_then_the_fallback_after_silence(
    world: LiveWorld, tmp_path: Path
) -> None:
    clock = ManualClock(T0 + timedelta(seconds=5))
    player = player_for(world, tmp_path / "p", clock)
    accepted = clock.now()
    world.publish_frame(accepted, silence_s=30)
    player.poll_live()
    world.server.offline = True
    clock.set(accepted + timedelta(seconds=29))
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "error"}
    frame = player.tick()
    assert frame.live_sequence == 1 and frame.live_path is not None
    clock.set(accepted + timedelta(seconds=31))
    frame = player.tick()
    assert frame.live_path is None and frame.live_sequence is None
    assert frame.path is not None and frame.item is not None  # the still fallback
    # Back online with a new frame: it shows again.
    world.server.offline = False
    world.publish_frame(clock.now())
    clock.advance(5)
    player.poll_live()
    assert player.tick().live_sequence == 2


def test_proof_of_play_counts_the_frames_shown(world: LiveWorld, tmp_path: Path) -> None:
    clock = ManualClock(T0 + timedelta(seconds=5))
    player = player_for(world, tmp_path / "p", clock)
    player.tick()
    for _ in range(3):
        world.publish_frame(clock.now())
        clock.advance(1)
        player.poll_live()
        player.tick()
    player.flush_play()
    bodies = [json.loads(row[0]) for row in player.reports._db.execute("SELECT body FROM plays")]
    (live,) = [b for b in bodies if b["artwork_sha256"] == world.fallback_sha256]
    assert live["frames_shown"] == 3
    assert live["duration_s"] == pytest.approx(3.0)
    player.close()


def test_the_running_player_shows_a_new_frame_within_the_interval(
    world: LiveWorld, tmp_path: Path
) -> None:
    player = player_for(world, tmp_path / "p", None)
    player.clock = SystemClock()
    player.next_poll_at = player.clock.now() + timedelta(hours=1)  # only the live feed polls
    seen: list[tuple[float, int | None]] = []
    stop = threading.Event()

    def on_frame(frame: Frame) -> None:
        seen.append((time.monotonic(), frame.live_sequence))

    runner = threading.Thread(target=player.run, args=(stop,), kwargs={"on_frame": on_frame})
    runner.start()
    try:
        for expected in (1, 2):
            world.publish_frame(player.clock.now())
            posted = time.monotonic()
            deadline = posted + 1.0 + 1.5  # the interval, and slack for a loaded machine
            while time.monotonic() < deadline and not any(s == expected for _, s in seen):
                time.sleep(0.02)
            shown_at = [t for t, s in seen if s == expected]
            assert shown_at, f"frame {expected} not shown within the interval"
    finally:
        stop.set()
        runner.join(10)
        player.close()


def test_a_live_item_on_screen_polls_twice_per_interval(world: LiveWorld, tmp_path: Path) -> None:
    """A frame that stays newest just over half an interval is still seen: polls come every
    interval / POLLS_PER_INTERVAL (2), not once an interval."""
    clock = ManualClock(T0 + timedelta(seconds=5))
    player = player_for(world, tmp_path / "p", clock)
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "new"}  # interval 1 s
    clock.advance(0.3)
    assert player.poll_live() == {}  # not yet due
    world.publish_frame(clock.now())
    clock.advance(0.25)  # 0.55 s since the last poll: due again
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "new"}
    assert player.tick().live_sequence == 1
    world.publish_frame(clock.now())  # replaced 0.55 s later, before a whole interval passed
    clock.advance(0.55)
    assert player.poll_live() == {f"/live/{FEED_ID}/feed.json": "new"}
    assert player.tick().live_sequence == 2
    player.close()
