"""Genuine but wrong manifests (rollback, freeze, another screen's) are refused, polled or pushed.

A real hub serves a real publication; the player is the real core. Every manifest used here is
genuine: signed by the library's key, so only the freshness rules can refuse it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.delivery.hub_fixtures import heartbeats_written
from tests.player import DemoScreen, build_demo_screen, wait_served
from tests.player.test_player_end_to_end import serve_tree_with_manifest
from urbanart.curation import playlists, screens
from urbanart.delivery import status as st
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library, current_tree
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.player.push_listener import PushListener
from urbanart.protocol.push_signature import push_headers

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
SECRET = "push-secret-for-this-screen-0123456789"


def payload_of(envelope: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(json.loads(envelope)["payload"])


@dataclass
class World:
    demo: DemoScreen
    hub: HubThread
    player: Player
    first: bytes  # sequence 1: an older manifest of this screen
    held: bytes  # sequence 2: what the player plays
    expired: bytes  # sequence 3, but its validity ended before T0
    other: bytes  # screen 2's genuine manifest
    serve: Callable[[bytes, str], None]


@pytest.fixture
def world(library: Library, tmp_path: Path) -> Iterator[World]:
    demo = build_demo_screen(library, now=T0)
    second = screens.add_screen(
        library, "Second Screen", tz="Europe/Berlin", size="320x180", default_playlist=demo.day
    )
    publish(library, now=T0)
    first = demo.manifest_path().read_bytes()
    other = (current_tree(library) / "screens" / second.poll_token / "manifest.json").read_bytes()
    playlists.set_item(library, demo.day, 1, duration=12)
    publish(library, now=T0)
    held = demo.manifest_path().read_bytes()
    playlists.set_item(library, demo.day, 1, duration=14)
    publish(library, now=T0 - timedelta(days=30))  # a manifest whose validity ended before T0
    expired = demo.manifest_path().read_bytes()
    # The publisher numbered them: each new manifest of a screen outranks the one before.
    assert [payload_of(m)["sequence"] for m in (first, held, expired)] == [1, 2, 3]
    assert payload_of(other)["screen"]["id"] == second.id != demo.screen_id
    url_of = f"screens/{demo.token}/manifest.json"
    with HubThread(library, check_interval=0.05) as hub:
        names = iter(range(100))

        def serve(body: bytes, label: str) -> None:
            serve_tree_with_manifest(library, demo.token, body, f"{label}-{next(names)}")
            wait_served(hub.url + url_of, body)

        serve(held, "held")
        pairing.pair(tmp_path / "player", hub.url, demo.token)
        player = Player(tmp_path / "player", clock=ManualClock(T0))
        assert player.poll_once().switched
        assert player.current is not None and player.current.payload["sequence"] == 2
        yield World(demo, hub, player, first, held, expired, other, serve)
        player.close()


CASES = [("first", "rollback"), ("expired", "expired"), ("other", "other-screen")]


@pytest.mark.parametrize(("which", "reason"), CASES)
def test_a_polled_genuine_manifest_is_refused_and_the_held_one_keeps_playing(
    world: World, library: Library, which: str, reason: str, run_cli: Callable[..., object]
) -> None:
    player = world.player
    held_version = player.current.version  # type: ignore[union-attr]
    world.serve(getattr(world, which), which)
    result = player.poll_once()
    assert result.fetched.status == "new"  # genuine: the signature alone would take it
    assert player.current.version == held_version and player.pending is None  # type: ignore[union-attr]
    assert player.refused is not None and player.refused["reason"] == reason
    assert player.refused["source"] == "polled"
    frame = player.tick(T0 + timedelta(seconds=5))
    assert frame.path is not None and frame.manifest_version == held_version
    # The heartbeat of that poll told the hub; the studio's status and the CLI show it.
    assert result.reports is not None and result.reports.error is None
    heartbeats_written(world.hub)
    [row] = [s for s in st.screen_statuses(library) if s.screen_id == world.demo.screen_id]
    assert row.refused is not None and row.refused["reason"] == reason
    assert row.manifest_version == held_version
    out = run_cli("screens", "status")
    assert f"refused polled manifest ({reason})" in out.stdout  # type: ignore[attr-defined]
    # The genuine current manifest served again: the refusal stays reported until a newer one.
    world.serve(world.held, "back")
    assert player.poll_once().fetched.status in ("new", "not-modified")
    assert player.refused is not None and player.refused["reason"] == reason


def test_a_newer_manifest_clears_the_refusal(world: World, library: Library) -> None:
    player = world.player
    world.serve(world.first, "first")
    player.poll_once()
    assert player.refused is not None
    playlists.set_item(library, world.demo.day, 1, duration=16)
    publish(library, now=T0)
    newer = world.demo.manifest_path().read_bytes()
    assert payload_of(newer)["sequence"] == 4  # above every manifest made before
    wait_served(f"{world.hub.url}screens/{world.demo.token}/manifest.json", newer)
    assert player.poll_once().switched
    assert player.refused is None and player.current.payload["sequence"] == 4  # type: ignore[union-attr]
    heartbeats_written(world.hub)
    [row] = [s for s in st.screen_statuses(library) if s.screen_id == world.demo.screen_id]
    assert row.refused is None


@pytest.mark.parametrize(("which", "reason"), CASES)
def test_a_pushed_genuine_manifest_is_refused_the_same_way(
    world: World, library: Library, which: str, reason: str
) -> None:
    player = world.player
    held_version = player.current.version  # type: ignore[union-attr]
    listener = PushListener(player, SECRET, host="127.0.0.1", after_apply=player.sync_media)
    listener.start()
    try:
        body = getattr(world, which)
        headers = push_headers(SECRET, body, payload_of(body)["manifest_version"])
        answer = requests.post(
            f"http://127.0.0.1:{listener.port}/push", data=body, headers=headers, timeout=10
        )
    finally:
        listener.stop()
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "manifest refused"
    assert player.current.version == held_version and player.pending is None  # type: ignore[union-attr]
    assert player.refused is not None
    assert (player.refused["reason"], player.refused["source"]) == (reason, "pushed")
    player.queue_heartbeat(T0)
    assert player.send_reports().error is None
    heartbeats_written(world.hub)
    [row] = [s for s in st.screen_statuses(library) if s.screen_id == world.demo.screen_id]
    assert row.refused is not None and row.refused["reason"] == reason


def test_a_restarted_player_still_refuses_the_rollback(world: World, tmp_path: Path) -> None:
    """The sequence it holds lives in its saved manifest, so a restart forgets nothing."""
    world.player.close()
    again = Player(tmp_path / "player", clock=ManualClock(T0))
    world.player = again
    assert again.current is not None and again.current.payload["sequence"] == 2
    world.serve(world.first, "first")
    again.poll_once()
    assert again.refused is not None and again.refused["reason"] == "rollback"
    assert again.current.payload["sequence"] == 2
