"""The screens' API through a real hub: heartbeats, idempotent plays, strict checks, no leaks."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.delivery.hub_fixtures import (
    PUSH_SECRET,
    add_artwork,
    add_screen,
    heartbeats_written,
    manifest_bytes,
    point_current,
    raw_request,
    running_hub,
    sha,
    write_release,
)
from urbanart.delivery import api
from urbanart.delivery.server import HubError, HubThread
from urbanart.delivery.status import screen_statuses
from urbanart.library.library import Library
from urbanart.library.models import Heartbeat, Play, ScreenState
from urbanart.protocol.hub_api import screen_api_paths

TOKYO = "tokyo-token-0123456789abcdefghijklmnop"
ARTWORK = b"\x89PNG fake artwork bytes"


@dataclass
class Api:
    url: str
    library: Library
    tokyo_id: int
    hub: HubThread

    def post(self, token: str, kind: str, body: object, **kw: object) -> requests.Response:
        return requests.post(
            f"{self.url}api/v1/screens/{token}/{kind}", json=body, timeout=10, **kw
        )  # type: ignore[arg-type]


@pytest.fixture
def hub_api(library: Library, home: Path) -> Iterator[Api]:
    tokyo_id = add_screen(library, "Shibuya Crossing", "Asia/Tokyo", TOKYO)
    add_artwork(library, ARTWORK, "Neon Koi", "Aiko")
    write_release(
        home / "published",
        1,
        {f"screens/{TOKYO}/manifest.json": manifest_bytes(TOKYO, "v1", media=[sha(ARTWORK)])},
    )
    point_current(home / "published", 1)
    with running_hub(library, flush_interval=0.2) as hub:
        yield Api(hub.url, library, tokyo_id, hub)


def heartbeat(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "playing": {
            "artwork_sha256": sha(ARTWORK),
            "playlist": "Evening",
            "since": "2025-03-01T20:00:00+09:00",
        },
        "manifest_version": "v1",
        "player_version": "1.4.2",
        "free_disk_bytes": 12_000_000_000,
        "errors": ["decoder stalled once"],
    }
    body.update(changes)
    return body


#: Plays start here (in Tokyo time on the wire), one 15-second slot after another.
PLAYS_FROM = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0)


def play(record_id: str, slot: int = 0, started: str | None = None) -> dict[str, object]:
    if started is None:
        at = PLAYS_FROM + timedelta(seconds=15 * slot)
        started = at.astimezone(timezone(timedelta(hours=9))).isoformat()
    return {
        "id": record_id,
        "artwork_sha256": sha(ARTWORK),
        "playlist": "Evening",
        "started_at": started,
        "duration_s": 12.5,
        "manifest_version": "v1",
    }


def test_the_paths_the_protocol_gives_screens_are_the_ones_the_hub_answers(hub_api: Api) -> None:
    bodies = {"heartbeat": heartbeat(), "plays": {"records": [play("via-protocol-path")]}}
    paths = screen_api_paths(TOKYO)
    assert set(paths) == set(bodies)
    for kind, path in paths.items():
        answer = requests.post(hub_api.url + path.lstrip("/"), json=bodies[kind], timeout=10)
        assert answer.status_code == 200, (kind, answer.text)
    with hub_api.library.session() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 1


# Heartbeats -------------------------------------------------------------------------------------


def test_heartbeat_updates_state_and_history(hub_api: Api) -> None:
    r = hub_api.post(TOKYO, "heartbeat", heartbeat())
    assert r.status_code == 200 and r.json()["ok"] is True
    heartbeats_written(hub_api.hub)
    with hub_api.library.session() as s:
        state = s.get(ScreenState, hub_api.tokyo_id)
        assert state is not None
        assert state.playing_title == "Neon Koi"  # resolved from the sha256 when not sent
        assert state.manifest_version == "v1" and state.player_version == "1.4.2"
        assert state.free_disk_bytes == 12_000_000_000
        assert json.loads(state.errors) == ["decoder stalled once"]
        assert state.offline_since is None
        bodies = list(
            s.scalars(select(Heartbeat.body).where(Heartbeat.screen_id == hub_api.tokyo_id))
        )
    assert [json.loads(b)["player_version"] for b in bodies] == ["1.4.2"]
    [status] = screen_statuses(hub_api.library)
    assert status.state == "online" and status.now_playing == "Neon Koi"


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 3, 1, 9, 30, 5, 120, tzinfo=UTC), datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)],
)
def test_a_heartbeat_answer_is_the_json_of_its_receipt_time(now: datetime) -> None:
    answer = api.heartbeat_answer(now)
    iso = now.isoformat().replace("+00:00", "Z")
    assert answer == json.dumps({"ok": True, "received_at": iso}, separators=(",", ":")).encode()
    assert json.loads(answer) == {"ok": True, "received_at": iso}


def test_heartbeat_answer_on_the_wire_says_when_it_arrived(hub_api: Api) -> None:
    before = datetime.now(UTC)
    r = hub_api.post(TOKYO, "heartbeat", heartbeat())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-length"] == str(len(r.content))
    assert r.headers["cache-control"] == "no-store"
    received = datetime.fromisoformat(r.json()["received_at"].replace("Z", "+00:00"))
    assert before <= received <= datetime.now(UTC)


def test_heartbeat_clears_offline_since_and_keeps_sent_title(hub_api: Api) -> None:
    hub_api.post(TOKYO, "heartbeat", heartbeat())
    heartbeats_written(hub_api.hub)
    with hub_api.library.session() as s:
        s.get(ScreenState, hub_api.tokyo_id).offline_since = datetime.now(UTC) - timedelta(hours=1)
    playing = {"artwork_sha256": "ab" * 32, "title": "Sent title"}
    assert hub_api.post(TOKYO, "heartbeat", heartbeat(playing=playing)).status_code == 200
    heartbeats_written(hub_api.hub)
    with hub_api.library.session() as s:
        state = s.get(ScreenState, hub_api.tokyo_id)
        assert state.offline_since is None and state.playing_title == "Sent title"
    assert hub_api.post(TOKYO, "heartbeat", heartbeat(playing=None)).status_code == 200
    heartbeats_written(hub_api.hub)
    with hub_api.library.session() as s:
        assert s.get(ScreenState, hub_api.tokyo_id).playing_title is None


def test_manifest_polls_are_recorded_without_a_heartbeat(hub_api: Api) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    r = requests.get(f"{hub_api.url}screens/{TOKYO}/manifest.json", timeout=10)
    assert r.status_code == 200
    deadline = time.monotonic() + 5
    state = None
    while time.monotonic() < deadline:
        with hub_api.library.session() as s:
            state = s.get(ScreenState, hub_api.tokyo_id)
        if state is not None:
            break
        time.sleep(0.05)
    assert state is not None and state.last_poll_at is not None and state.last_poll_at >= before
    [status] = screen_statuses(hub_api.library)
    assert status.state == "online"


# Plays ------------------------------------------------------------------------------------------


def test_plays_are_idempotent_across_a_retried_batch(hub_api: Api) -> None:
    batch = {"records": [play("r1"), play("r2", 1), play("r1")]}
    first = hub_api.post(TOKYO, "plays", batch)
    assert first.status_code == 200 and first.json() == {"accepted": 2, "duplicates": 1}
    retry = hub_api.post(TOKYO, "plays", {"records": [play("r1"), play("r2", 1), play("r3", 2)]})
    assert retry.json() == {"accepted": 1, "duplicates": 2}
    with hub_api.library.session() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 3
        stored = s.scalars(select(Play).where(Play.record_id == "r1")).one()
        assert stored.artwork_id is not None and stored.playlist_name == "Evening"
        assert stored.started_at == PLAYS_FROM


def test_empty_and_maximal_batches(hub_api: Api) -> None:
    assert hub_api.post(TOKYO, "plays", {"records": []}).json() == {"accepted": 0, "duplicates": 0}
    many = {"records": [play(f"m{i}", i) for i in range(1000)]}
    assert hub_api.post(TOKYO, "plays", many).json() == {"accepted": 1000, "duplicates": 0}
    too_many = {"records": [play(f"x{i}", i) for i in range(1001)]}
    r = hub_api.post(TOKYO, "plays", too_many)
    assert r.status_code == 400 and r.json()["detail"].startswith("records:")


# Errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "detail_start"),
    [
        (heartbeat(free_disk_bytes=-1), "free_disk_bytes:"),
        (heartbeat(errors="oops"), "errors:"),
        ({"manifest_version": "v1"}, "(body):"),
        (heartbeat(playing={"artwork_sha256": "xyz"}), "playing"),
        (heartbeat(playing={"artwork_sha256": "ab" * 32, "since": "yesterday"}), "playing"),
        ([1, 2], "(body):"),
    ],
)
def test_schema_errors_are_400_with_path(hub_api: Api, body: object, detail_start: str) -> None:
    r = hub_api.post(TOKYO, "heartbeat", body)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid body"
    assert r.json()["detail"].startswith(detail_start), r.json()


def test_play_time_without_offset_is_400(hub_api: Api) -> None:
    r = hub_api.post(TOKYO, "plays", {"records": [play("a", started="2025-03-01T20:00:00")]})
    assert r.status_code == 400 and r.json()["detail"].startswith("records/0/started_at:")


def test_bad_json_is_400(hub_api: Api) -> None:
    for data in (b"{not json", b"\xff\xfe", b'{"records": NaN}'):
        r = requests.post(
            f"{hub_api.url}api/v1/screens/{TOKYO}/plays",
            data=data,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid JSON"
        assert r.headers["Content-Type"] == "application/json"


def test_bad_json_heartbeat_is_400(hub_api: Api) -> None:
    """The heartbeat's quick path parses strictly too: no NaN/Infinity, no byte order mark."""
    good = json.dumps(heartbeat(errors=[])).encode()
    for data, detail in (
        (good.replace(b"[]", b"NaN", 1), "NaN is not valid JSON"),
        (good.replace(b"[]", b"-Infinity", 1), "-Infinity is not valid JSON"),
        (b"\xef\xbb\xbf" + good, "Unexpected UTF-8 BOM"),
    ):
        r = requests.post(
            f"{hub_api.url}api/v1/screens/{TOKYO}/heartbeat",
            data=data,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid JSON", data
        assert detail in r.json()["detail"], r.json()


def test_wrong_content_type_is_415(hub_api: Api) -> None:
    url = f"{hub_api.url}api/v1/screens/{TOKYO}/heartbeat"
    for headers in ({"Content-Type": "text/plain"}, {}):
        r = requests.post(url, data=json.dumps(heartbeat()), headers=headers, timeout=10)
        assert r.status_code == 415 and r.json()["error"] == "unsupported media type"
    ok = requests.post(
        url,
        data=json.dumps(heartbeat()),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=10,
    )
    assert ok.status_code == 200


def test_oversized_bodies_are_413(hub_api: Api) -> None:
    big = json.dumps(heartbeat(errors=["x" * 400] * 200)).encode()
    assert len(big) > api.HEARTBEAT_LIMIT
    r = requests.post(
        f"{hub_api.url}api/v1/screens/{TOKYO}/heartbeat",
        data=big,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 413 and r.json()["error"] == "body too large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        for _ in range(80):
            yield b" " * 1024

    r = requests.post(
        f"{hub_api.url}api/v1/screens/{TOKYO}/heartbeat",
        data=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 413 and r.json()["error"] == "body too large"


def test_unknown_token_404_is_indistinguishable(hub_api: Api) -> None:
    unknown = hub_api.post("no-such-token", "heartbeat", heartbeat())
    malformed = hub_api.post("bad%20token", "heartbeat", heartbeat())
    missing_file = requests.get(f"{hub_api.url}screens/no-such-token/manifest.json", timeout=10)
    for r in (unknown, malformed, missing_file):
        assert r.status_code == 404
        assert r.content == b'{"error":"not found"}'
        assert r.headers["Content-Type"] == "application/json"
    with hub_api.library.session() as s:
        assert s.scalar(select(func.count()).select_from(Heartbeat)) == 0


def test_api_method_not_allowed_and_unknown_routes(hub_api: Api) -> None:
    r = requests.get(f"{hub_api.url}api/v1/screens/{TOKYO}/heartbeat", timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert r.json() == {"error": "method not allowed"}
    status, _, body = raw_request(hub_api.url, "POST", "/api/v1/other")
    assert status == 404 and body == b'{"error":"not found"}'


def test_new_screen_token_is_found_without_restart(hub_api: Api) -> None:
    add_screen(hub_api.library, "Times Square", "America/New_York", "ny-token-new")
    time.sleep(api.TokenMap(hub_api.library).min_interval)  # the rate limit on reloads
    assert hub_api.post("ny-token-new", "heartbeat", heartbeat()).status_code == 200


def test_no_secret_in_any_response(hub_api: Api) -> None:
    texts = [
        hub_api.post(TOKYO, "heartbeat", heartbeat()).text,
        hub_api.post(TOKYO, "plays", {"records": [play("s1")]}).text,
        hub_api.post(TOKYO, "heartbeat", {"bad": True}).text,
        hub_api.post("nope", "heartbeat", heartbeat()).text,
        requests.get(f"{hub_api.url}screens/{TOKYO}/manifest.json", timeout=10).text,
    ]
    assert all(PUSH_SECRET not in t for t in texts)
    assert all(PUSH_SECRET not in json.dumps(s.to_json()) for s in screen_statuses(hub_api.library))


# Server lifecycle -------------------------------------------------------------------------------


def test_busy_port_names_the_port(hub_api: Api) -> None:
    with pytest.raises(HubError, match=f"Port {hub_api.hub.port} on 127.0.0.1 is already in use"):
        HubThread(hub_api.library, "127.0.0.1", hub_api.hub.port).start()


def test_stop_flushes_polls_and_frees_the_port(library: Library, home: Path) -> None:
    screen_id = add_screen(library, "Kyoto", "Asia/Tokyo", "kyoto-token")
    write_release(home / "published", 1, {"screens/kyoto-token/manifest.json": b"{}"})
    point_current(home / "published", 1)
    hub = HubThread(library, "127.0.0.1", 0, flush_interval=3600)
    hub.start()
    port = hub.port
    requests.get(f"{hub.url}screens/kyoto-token/manifest.json", timeout=10)
    hub.stop()
    assert not hub.running
    with library.session() as s:
        assert s.get(ScreenState, screen_id).last_poll_at is not None
    again = HubThread(library, "127.0.0.1", port)
    again.start()
    again.stop()


def test_serve_cli_prints_its_address_and_names_a_busy_port(
    hub_api: Api, home: Path, run_cli
) -> None:
    busy = run_cli("serve", "--port", str(hub_api.hub.port))
    assert busy.exit_code == 1
    assert f"Port {hub_api.hub.port} on 127.0.0.1 is already in use" in busy.stderr

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "urbanart.cli.main", "--home", str(home), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"at (http://127\.0\.0\.1:(\d+)/)", line)
        assert match, line
        deadline = time.monotonic() + 10
        while True:
            try:
                r = requests.get(f"{match[1]}screens/{TOKYO}/manifest.json", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.status_code == 200
        proc.send_signal(signal.SIGINT)  # Ctrl+C: a clean stop, no traceback
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "Hub stopped." in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
