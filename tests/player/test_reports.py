"""Reports: queued on disk across restarts, sent in batches, and counted once by the hub."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.delivery.hub_fixtures import heartbeats_written
from tests.player import DemoScreen, build_demo_screen
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library
from urbanart.library.models import Heartbeat, Play
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


class CountingSession(requests.Session):
    """A real session that remembers how many POSTs it made (to see batching)."""

    posts = 0

    def post(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.posts += 1
        return super().post(*args, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def count(library: Library, model: type) -> int:
    with library.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def world(library: Library) -> DemoScreen:
    return build_demo_screen(library, now=T0)


@pytest.fixture
def hub(library: Library, world: DemoScreen) -> Iterator[HubThread]:
    with HubThread(library) as running:
        yield running


def paired_player(state: Path, hub: HubThread, world: DemoScreen) -> Player:
    pairing.pair(state, hub.url, world.token)
    player = Player(state, clock=ManualClock(T0), session=CountingSession())
    assert player.poll_once().switched
    return player


def test_the_queue_survives_a_restart_and_drains_once_the_hub_is_back(
    library: Library, world: DemoScreen, hub: HubThread, tmp_path: Path
) -> None:
    state = tmp_path / "player"
    player = paired_player(state, hub, world)
    heartbeats_written(hub)
    beats_before = count(library, Heartbeat)
    player.repoint(f"http://127.0.0.1:{free_port()}/")  # nobody listens there
    for second in range(0, 120, 5):
        player.tick(T0 + timedelta(seconds=second))
    player.queue_heartbeat(T0 + timedelta(seconds=120))
    failed = player.send_reports(force=True)
    assert failed.error is not None and not player.reports.due()
    assert player.send_reports().error == "backing off after a failed send"
    queued = player.reports.counts()
    assert queued[1] == 11  # 12 works shown in two minutes; the last is still on screen
    player.flush_play(T0 + timedelta(seconds=120))  # switched off: the last play is closed
    player.close()

    again = Player(state, clock=ManualClock(T0))
    assert again.reports.counts() == (queued[0], queued[1] + 1)
    again.repoint(hub.url)
    sent = again.send_reports()
    assert sent.error is None and sent.plays_accepted == 12 and sent.plays_queued == 0
    assert count(library, Play) == 12
    # Every queued heartbeat was taken; the hub's history keeps at most one a minute.
    assert sent.heartbeats_sent == queued[0] >= 1
    heartbeats_written(hub)
    assert count(library, Heartbeat) == beats_before
    with library.session() as session:
        durations = set(session.scalars(select(Play.duration_s)))
    assert durations == {10.0}
    again.close()


def test_plays_go_in_batches_and_a_resent_batch_is_counted_once(
    library: Library, world: DemoScreen, hub: HubThread, tmp_path: Path
) -> None:
    player = paired_player(tmp_path / "player", hub, world)
    sha = world.payload()["playlists"][str(world.day)]["items"][0]["media"]["sha256"]
    ids = [
        player.reports.add_play(
            artwork_sha256=sha,
            playlist="Day",
            started_at=T0 + timedelta(seconds=10 * n),
            duration_s=10,
            manifest_version=None,
        )
        for n in range(1200)
    ]
    session = player.session
    assert isinstance(session, CountingSession)
    session.posts = 0
    result = player.send_reports()
    assert result.plays_accepted == 1200 and result.plays_queued == 0
    assert session.posts == 3  # 500 + 500 + 200 records
    # The hub stored a batch but its answer was lost: the player sends the same ids again.
    for n, rid in enumerate(ids[:500]):
        player.reports.add_play(
            artwork_sha256=sha,
            playlist="Day",
            started_at=T0 + timedelta(seconds=10 * n),
            duration_s=10,
            manifest_version=None,
            record_id=rid,
        )
    again = player.send_reports()
    assert again.plays_accepted == 0 and again.plays_duplicates == 500
    with library.session() as s:
        assert s.scalar(select(func.count(func.distinct(Play.record_id)))) == 1200
    assert count(library, Play) == 1200
    player.close()


def shown_digest(world: DemoScreen) -> str:
    """A sha256 the screen's manifest lists, found wherever the payload keeps it."""
    stack: list[object] = [world.payload()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found = node.get("sha256")
            if isinstance(found, str) and len(found) == 64:
                return found
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError("no media digest in the manifest")


def test_plays_the_hub_refuses_are_dropped_and_the_others_still_delivered(
    library: Library, world: DemoScreen, hub: HubThread, tmp_path: Path
) -> None:
    player = paired_player(tmp_path / "player", hub, world)
    digest = shown_digest(world)
    queue = player.reports
    queue.add_play(artwork_sha256=digest, playlist=None, started_at=T0, duration_s=10,
        manifest_version=None, record_id="good-1")  # fmt: skip
    queue.add_play(artwork_sha256="ab" * 32, playlist=None, started_at=T0 + timedelta(seconds=10),
        duration_s=10, manifest_version=None, record_id="unknown-work")  # fmt: skip
    queue.add_play(artwork_sha256=digest, playlist=None, started_at=T0 + timedelta(seconds=20),
        duration_s=10, manifest_version=None, record_id="good-2")  # fmt: skip
    plays_before = count(library, Play)

    sent = player.send_reports(force=True)

    assert sent.error is None and sent.plays_refused == 1
    assert sent.plays_accepted == 2 and sent.plays_queued == 0
    assert count(library, Play) == plays_before + 2
    with library.session() as session:
        stored = set(session.scalars(select(Play.record_id)))
    assert {"good-1", "good-2"} <= stored and "unknown-work" not in stored
    player.close()
