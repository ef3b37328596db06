"""The whole path, for real: demo library → publish → hub → paired player, online and offline."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from tests.player import DemoScreen, build_demo_screen, wait_served
from urbanart.delivery.server import HubError, HubThread
from urbanart.delivery.signing import signing_key
from urbanart.library.library import Library, published_root
from urbanart.library.models import Play
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.protocol.envelope import sign_envelope

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo; Night plays 22:00-02:00 there


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def expected_artwork(world: DemoScreen, t: datetime) -> int:
    """The rule, written out independently for this screen: Night (2 × 20 s) from 13:00Z to
    17:00Z each day, looping from 13:00Z; otherwise Day (3 × 10 s) looping from the start of its
    segment (00:00Z on the 10th, then 17:00Z each day); after the window, Day from its end."""
    until = at("2025-06-18T00:00:00")
    if t >= until:
        start, works, length = until, world.day_works, 10
    else:
        day_start = t.replace(hour=0, minute=0, second=0, microsecond=0)
        if 13 <= t.hour < 17:
            start, works, length = day_start.replace(hour=13), world.night_works, 20
        elif t.hour >= 17:
            start, works, length = day_start.replace(hour=17), world.day_works, 10
        elif t.date() == T0.date():
            start, works, length = day_start, world.day_works, 10
        else:
            start, works, length = day_start - timedelta(hours=7), world.day_works, 10
    elapsed = int((t - start).total_seconds())
    return works[(elapsed % (length * len(works))) // length]


def plays_in_db(library: Library) -> tuple[int, int]:
    with library.session() as session:
        total = session.scalar(select(func.count()).select_from(Play)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Play.record_id)))) or 0
    return total, distinct


def serve_tree_with_manifest(library: Library, token: str, body: bytes, name: str) -> str:
    """A new release: a copy of the served one with this manifest, swapped in like a publish."""
    published = published_root(library)
    served = os.readlink(published / "current")
    copy = published / "releases" / name
    shutil.copytree(published / served, copy, symlinks=True)
    (copy / "screens" / token / "manifest.json").write_bytes(body)
    link = published / "current.tmp"
    os.symlink(f"releases/{name}", link)
    os.replace(link, published / "current")
    return served


def point_back(library: Library, release: str) -> None:
    published = published_root(library)
    link = published / "current.tmp"
    os.symlink(release, link)
    os.replace(link, published / "current")


def test_player_plays_offline_reports_once_and_refuses_tampering(
    library: Library, tmp_path: Path
) -> None:
    world = build_demo_screen(library, now=T0)
    hub = HubThread(library, check_interval=0.05)
    url = hub.start()
    state = tmp_path / "player"
    try:
        # Pairing pins the library's key (trust on first use).
        paired = pairing.pair(state, url, world.token)
        assert paired.public_key_pem == signing_key(library.home).public_pem
        clock = ManualClock(T0)
        player = Player(state, clock=clock)
        first = player.poll_once()
        assert first.fetched.status == "new" and first.switched
        assert player.current is not None and player.pending is None
        assert len(list((state / "media" / "objects").glob("*/*"))) == 5

        # Online: outside the window (default Day), inside it (Night), across Tokyo midnight.
        fading = player.tick(at("2025-06-10T12:00:11"))  # 1 s into the 2 s crossfade of item 2
        assert fading.showing.fade == 0.5 and fading.previous_path is not None
        times = [
            at("2025-06-10T12:00:25"),  # 21:00:25 JST, Day
            at("2025-06-10T13:00:05"),  # 22:00:05 JST, Night starts
            at("2025-06-10T14:00:25"),
            at("2025-06-10T14:59:50"),  # 23:59:50 JST
            at("2025-06-10T15:00:10"),  # 00:00:10 JST, the Night segment goes on
            at("2025-06-10T17:00:15"),  # 02:00:15 JST, back to Day from 17:00Z
        ]
        for t in times:
            frame = player.tick(t)
            assert frame.item is not None and frame.path is not None
            assert frame.item["artwork_id"] == expected_artwork(world, t), t
            assert frame.showing.fade is None or t == times[-1]  # Night cuts in and out
        clock.set(at("2025-06-10T17:00:20"))
        online = player.poll_once()
        assert online.reports is not None and online.reports.error is None
        assert online.reports.plays_accepted == len(times)  # every shown work but the last
        assert plays_in_db(library)[0] == online.reports.plays_accepted

        # The hub goes away: the player keeps playing and queues its reports on disk.
        hub.stop()
        port = hub.port
        offline_times = [
            at("2025-06-11T13:30:05"),
            at("2025-06-11T15:00:35"),
            at("2025-06-12T03:00:00"),
            at("2025-06-18T00:00:25"),  # past the manifest's window: default Day from its end
        ]
        for t in offline_times:
            clock.set(t)
            frame = player.tick(t)
            assert frame.item is not None and frame.item["artwork_id"] == expected_artwork(world, t)
            assert player.poll_once().fetched.status == "error"
        beats, queued = player.reports.counts()
        assert beats == len(offline_times) and queued >= len(offline_times) - 1
        player.close()

        # A restart while offline still plays the last good manifest from disk.
        player = Player(state, clock=clock)
        t = at("2025-06-18T00:01:00")
        assert player.tick(t).item["artwork_id"] == expected_artwork(world, t)
        player.flush_play(at("2025-06-18T00:01:05"))
        waiting = player.reports.pending_plays(limit=1000)
        assert len(waiting) == queued + 1

        # The hub comes back on the same address: the queue drains, each play counted once.
        before = plays_in_db(library)[0]
        try:
            hub = HubThread(library, port=port, check_interval=0.05)
            hub.start()
        except HubError:
            hub = HubThread(library, check_interval=0.05)
            player.repoint(hub.start())
        sent = player.poll_once()
        assert sent.reports is not None and sent.reports.error is None
        assert sent.reports.plays_accepted == len(waiting) and sent.reports.plays_queued == 0
        assert player.reports.counts() == (0, 0)
        again = requests.post(
            f"{hub.url}api/v1/screens/{world.token}/plays", json={"records": waiting}, timeout=5
        )
        assert again.json() == {"accepted": 0, "duplicates": len(waiting)}
        total, distinct = plays_in_db(library)
        assert total == distinct == before + len(waiting)

        # A cached file altered on disk is refused (not shown), then downloaded again.
        t = at("2025-06-19T00:00:05")
        media = player.tick(t).showing.item["media"]
        victim = player.cache.path_for(media)
        later = t + timedelta(seconds=30)  # the same work's next occurrence
        victim.write_bytes(b"\xff\xd8 not the published picture")
        frame = player.tick(later)
        assert frame.showing.item["media"]["sha256"] == media["sha256"]
        assert frame.path is None and not victim.exists()
        player.poll_once()
        assert player.tick(later).path == victim and victim.read_bytes() != b""

        # A manifest altered in transit, or signed by another key, is refused; the old one stays.
        good_version = player.current.version
        manifest_url = f"{hub.url}screens/{world.token}/manifest.json"
        envelope = json.loads(world.manifest_path().read_bytes())
        payload = json.loads(envelope["payload"])
        payload["playlists"][str(world.day)]["items"][0]["title"] = "Someone else's picture"
        altered = json.dumps({**envelope, "payload": json.dumps(payload)}).encode()
        original = serve_tree_with_manifest(library, world.token, altered, "tampered-1")
        wait_served(manifest_url, altered)
        refused = player.poll_once()
        assert refused.fetched.status == "refused" and "altered" in (refused.fetched.error or "")
        assert player.current.version == good_version and player.pending is None
        rogue = Ed25519PrivateKey.generate()
        forged = json.loads(sign_envelope(rogue, json.dumps(payload)))
        forged["key_id"] = envelope["key_id"]  # pretend to be the pinned key
        forged_bytes = json.dumps(forged).encode()
        serve_tree_with_manifest(library, world.token, forged_bytes, "tampered-2")
        wait_served(manifest_url, forged_bytes)
        assert player.poll_once().fetched.status == "refused"
        assert player.current.version == good_version
        t = at("2025-06-10T14:00:25")
        assert player.tick(t).item["title"] != "Someone else's picture"
        assert player.tick(t).item["artwork_id"] == expected_artwork(world, t)
        point_back(library, original)
        player.close()
    finally:
        hub.stop()
