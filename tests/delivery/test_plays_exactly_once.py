"""Plays arrive exactly once through a hub killed mid-run: real players' on-disk queues
(urbanart.player.reports) keep sending while `urbanart serve` is SIGKILLed and started again."""

from __future__ import annotations

import signal
import threading
import time
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy import func, select

from tests.delivery.fleet_fixtures import (
    ARTWORK,
    PLAYS_FROM,
    build_fleet,
    play_body,
    start_serve,
    stop,
)
from tests.delivery.hub_fixtures import sha
from urbanart.delivery import api
from urbanart.library.library import Library
from urbanart.library.models import Play
from urbanart.player.reports import ReportQueue
from urbanart.protocol.hub_api import screen_api_paths

PLAYERS = 6
ROUNDS = 40  # each round queues PER_ROUND plays and sends what is queued
PER_ROUND = 3


def _stored(library: Library) -> int:
    with library.session() as s:
        return s.scalar(select(func.count()).select_from(Play)) or 0


def test_a_killed_hub_loses_and_doubles_no_queued_play(
    library: Library, home: Path, tmp_path: Path
) -> None:
    tokens = list(build_fleet(library, home, PLAYERS))
    proc, url = start_serve(home, "--port", "0")
    port = url.rstrip("/").rpartition(":")[2]
    queued: dict[str, list[str]] = {token: [] for token in tokens}
    errors: list[str] = []

    def player(number: int, token: str) -> None:
        queue = ReportQueue(tmp_path / f"player-{number}" / "reports.sqlite")
        paths = screen_api_paths(token)
        slot = 0
        with requests.Session() as http:
            try:
                for _round in range(ROUNDS):
                    for _ in range(PER_ROUND):
                        started = PLAYS_FROM.timestamp() + 15 * slot
                        queued[token].append(
                            queue.add_play(
                                artwork_sha256=sha(ARTWORK),
                                playlist="Fleet",
                                started_at=datetime.fromtimestamp(started, PLAYS_FROM.tzinfo),
                                duration_s=12.5,
                                manifest_version="v1",
                            )
                        )
                        slot += 1
                    result = queue.send(url, paths, http, timeout=5, force=True)
                    if result.error:
                        errors.append(result.error)
                    time.sleep(0.05)
                deadline = time.monotonic() + 120
                while queue.counts()[1] and time.monotonic() < deadline:
                    queue.send(url, paths, http, timeout=5, force=True)
                    time.sleep(0.2)
                assert queue.counts()[1] == 0, "the queue never drained"
            finally:
                queue.close()

    threads = [
        threading.Thread(target=player, args=(n, token), daemon=True)
        for n, token in enumerate(tokens)
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while _stored(library) < PLAYERS * PER_ROUND * 5:  # well into the run
            assert time.monotonic() < deadline, "no plays arrived"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: in the middle of requests
        proc.wait(timeout=30)
        time.sleep(1.0)  # players fail, keep queueing and retry
        proc, _url = start_serve(home, "--port", port)
        for thread in threads:
            thread.join(timeout=180)
            assert not thread.is_alive()
    finally:
        stop(proc)
    assert errors, "the players never saw the hub down: the kill came too late to test anything"
    with library.session() as s:
        stored = list(s.scalars(select(Play.record_id)))
    wanted = [rid for ids in queued.values() for rid in ids]
    assert len(wanted) == PLAYERS * ROUNDS * PER_ROUND
    assert len(stored) == len(set(stored))  # none doubled
    assert set(stored) == set(wanted)  # none lost


def test_a_play_another_writer_is_storing_right_now_is_counted_once(
    library: Library, home: Path
) -> None:
    """Two hub workers storing the same play at once (a retry racing its first attempt): the
    second sees nothing when it looks (the first has not committed), and its insert must then
    add nothing rather than fail the whole batch."""
    [screen_id] = build_fleet(library, home, 1).values()
    plays = api.parse_plays({"records": [play_body("raced", 0), play_body("fresh", 1)]})
    outcome: list[object] = []

    def second_worker() -> None:
        try:
            outcome.append(
                api.record_plays(library, screen_id, plays, datetime.now(PLAYS_FROM.tzinfo))
            )
        except Exception as exc:
            outcome.append(exc)

    racing = threading.Thread(target=second_worker)
    with library.session() as first:  # commits when the block ends
        first.add(
            Play(
                screen_id=screen_id,
                record_id="raced",
                artwork_sha256=sha(ARTWORK),
                started_at=plays[0].started_at,
                duration_s=plays[0].duration_s,
                received_at=datetime.now(plays[0].started_at.tzinfo),
            )
        )
        first.flush()  # written, not committed: what the second worker cannot see yet
        racing.start()
        time.sleep(0.5)  # the second worker now waits on the first one's row (or lock)
    racing.join(timeout=30)
    assert outcome == [(1, 1)]  # "fresh" stored, "raced" a duplicate; nothing raised
    with library.session() as s:
        assert sorted(s.scalars(select(Play.record_id))) == ["fresh", "raced"]
