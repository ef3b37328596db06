"""Pushed manifests: only a correctly signed, fresh, first-seen push with a genuine manifest."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.player import build_demo_screen
from urbanart.curation import playlists
from urbanart.delivery.publisher import publish
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.player.push_listener import MAX_CONNECTIONS, PushListener
from urbanart.protocol.push_signature import push_headers

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
SECRET = "push-secret-for-this-screen-0123456789"


@dataclass
class Published:
    """What the module's tests share: a running hub, a paired player's state folder playing the
    first publication (saved while closed), and the envelopes of that and of a newer one."""

    hub_url: str
    player_state: Path
    old: bytes
    new: bytes


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """Built once per module. Why: the demo screen's two publications and the player's first
    sync cost seconds; each test starts its own player on a copy of the state folder, as a
    restarted player starts on its own, so no test sees another's pushes."""
    folder = tmp_path_factory.mktemp("push-listener")
    with Library.open(folder / "library") as library:
        world = build_demo_screen(library, now=T0)
        with HubThread(library) as hub:
            pairing.pair(folder / "player", hub.url, world.token)
            player = Player(folder / "player", clock=ManualClock(T0))
            assert player.poll_once().switched
            player.close()
            old = world.manifest_path().read_bytes()
            playlists.set_item(library, world.day, 1, duration=12)
            publish(library, now=T0)
            new = world.manifest_path().read_bytes()
            assert new != old
            yield Published(hub.url, folder / "player", old, new)


@pytest.fixture
def setup(published: Published, tmp_path: Path) -> Iterator[tuple[Player, str, bytes, bytes]]:
    """A player playing the first publication (its own copy), a listener, the newer manifest."""
    shutil.copytree(published.player_state, tmp_path / "player")
    player = Player(tmp_path / "player", clock=ManualClock(T0))
    assert player.current is not None and player.current.envelope == published.old
    listener = PushListener(player, SECRET, host="127.0.0.1", after_apply=player.sync_media)
    listener.start()
    yield player, f"http://127.0.0.1:{listener.port}/push", published.old, published.new
    listener.stop()
    player.close()


def post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(url, data=body, headers=headers, timeout=10)


def version_of(envelope: bytes) -> str:
    return json.loads(json.loads(envelope)["payload"])["manifest_version"]


def test_a_signed_fresh_push_is_applied_once(setup: tuple[Player, str, bytes, bytes]) -> None:
    player, url, _old, new = setup
    headers = push_headers(SECRET, new, version_of(new))
    answer = post(url, new, headers)
    assert answer.status_code == 200 and answer.json()["manifest_version"] == version_of(new)
    assert player.current.version == version_of(new)  # media were cached, so it switched
    replay = post(url, new, headers)
    assert replay.status_code == 403 and "replay" in replay.json()["error"]


def test_forged_stale_and_tampered_pushes_are_refused(
    setup: tuple[Player, str, bytes, bytes],
) -> None:
    player, url, _old, new = setup
    playing = player.current.version
    forged = push_headers("not-the-secret", new, version_of(new))
    assert post(url, new, forged).status_code == 401
    stale = push_headers(SECRET, new, version_of(new), timestamp=int(time.time()) - 3600)
    assert post(url, new, stale).status_code == 401
    future = push_headers(SECRET, new, version_of(new), timestamp=int(time.time()) + 3600)
    assert post(url, new, future).status_code == 401
    unsigned = {"Content-Type": "application/json"}
    assert post(url, new, unsigned).status_code == 401
    # Right push secret, but the manifest itself was altered: the pinned key refuses it.
    envelope = json.loads(new)
    envelope["payload"] = envelope["payload"].replace('"duration_s":12', '"duration_s":13', 1)
    altered = json.dumps(envelope).encode()
    answer = post(url, altered, push_headers(SECRET, altered, version_of(new)))
    assert answer.status_code == 403 and answer.json()["error"] == "manifest refused"
    assert player.current.version == playing and player.pending is None


def test_idle_connections_are_bounded_and_a_genuine_push_still_gets_through(
    setup: tuple[Player, str, bytes, bytes],
) -> None:
    player, url, _old, new = setup
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    threads_before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
    try:
        time.sleep(1.0)  # let the listener accept them all
        grown = threading.active_count() - threads_before
        assert grown <= MAX_CONNECTIONS + 1, f"{grown} threads for 200 idle connections"
        answer = post(url, new, push_headers(SECRET, new, version_of(new)))
        assert answer.status_code == 200
        assert player.current.version == version_of(new)
    finally:
        for sock in idle:
            sock.close()
