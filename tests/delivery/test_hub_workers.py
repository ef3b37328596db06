"""`urbanart serve --workers N`: several hub processes on one port, on PostgreSQL; refused on
SQLite; stopped together by SIGTERM."""

from __future__ import annotations

import signal
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.delivery.fleet_fixtures import HEARTBEAT, build_fleet, play_body, start_serve, stop
from urbanart.delivery.workers import WORKER_HEADER
from urbanart.library.library import Library
from urbanart.library.models import Heartbeat, Play, ScreenState


def _parent_of(pid: int) -> int | None:
    """The parent pid of a running process (from /proc), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return int(stat.rpartition(")")[2].split()[1])


@pytest.mark.sqlite_only("SQLite is what several workers are refused on")
def test_several_workers_are_refused_on_sqlite_with_the_reason(run_cli, library: Library) -> None:
    result = run_cli("serve", "--port", "0", "--workers", "2")
    assert result.exit_code == 1
    assert "--workers 2 needs the library on PostgreSQL" in result.stderr
    assert "SQLite lets one writer in at a time" in result.stderr


@pytest.mark.postgresql_only("several hub processes need a database several writers share")
def test_two_workers_share_the_port_and_store_every_report_once(
    library: Library, home: Path
) -> None:
    screens = build_fleet(library, home, 12)
    proc, url = start_serve(home, "--port", "0", "--workers", "2")
    try:
        answered_by: list[str] = []
        lock = threading.Lock()
        record_ids: list[str] = []

        def screen_run(index: int, token: str) -> None:
            with requests.Session() as http:
                # Four rounds: 16 plays requests a screen in all (two threads, each batch twice),
                # under the per-worker burst of 20 even if one worker takes every one of them.
                for round_ in range(4):
                    beat = http.post(
                        f"{url}api/v1/screens/{token}/heartbeat",
                        json=HEARTBEAT,
                        timeout=30,
                    )
                    assert beat.status_code == 200, beat.text
                    first_slot = (index // len(screens)) * 100 + round_ * 4  # two threads a screen
                    batch = [play_body(str(uuid.uuid4()), first_slot + k) for k in range(4)]
                    # Each batch twice, the second time on a fresh connection (another worker,
                    # likely): the retry of a batch whose answer was lost.
                    first = http.post(
                        f"{url}api/v1/screens/{token}/plays", json={"records": batch}, timeout=30
                    )
                    again = requests.post(
                        f"{url}api/v1/screens/{token}/plays", json={"records": batch}, timeout=30
                    )
                    assert first.status_code == again.status_code == 200, (first.text, again.text)
                    assert first.json()["accepted"] + again.json()["accepted"] == 4
                    with lock:
                        answered_by.extend(r.headers[WORKER_HEADER] for r in (beat, first, again))
                        record_ids.extend(str(p["id"]) for p in batch)

        # Fresh connections per request spread over both workers; 24 threads send at once.
        with ThreadPoolExecutor(24) as pool:
            for future in [
                pool.submit(screen_run, i, token) for i, token in enumerate(list(screens) * 2)
            ]:
                future.result()
        workers = set(answered_by)
        # The kernel hands a shared socket's connections to whichever worker waits in accept:
        # a worker that keeps up may take a whole burst. Fresh connections at once, bounded,
        # until the other answers too (it never does if it does not serve the port).
        tokens = list(screens)
        with ThreadPoolExecutor(24) as pool:
            for start in range(0, 480, 48):
                if len(workers) == 2:
                    break
                beats = pool.map(
                    lambda n: requests.post(
                        f"{url}api/v1/screens/{tokens[n % len(tokens)]}/heartbeat",
                        json=HEARTBEAT,
                        timeout=30,
                    ),
                    range(start, start + 48),
                )
                workers |= {r.headers[WORKER_HEADER] for r in beats if r.status_code == 200}
        assert len(workers) == 2, workers
        assert all(_parent_of(int(pid)) == proc.pid for pid in workers)
        with library.session() as s:
            stored = list(s.scalars(select(Play.record_id)))
            states = s.scalar(select(func.count()).select_from(ScreenState))
            beats = s.scalar(select(func.count()).select_from(Heartbeat))
        assert sorted(stored) == sorted(record_ids)  # every play once, none lost
        assert states == len(screens)
        assert beats is not None and beats >= len(screens)

        proc.send_signal(signal.SIGTERM)  # the supervisor stops every worker, then itself
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "Hub stopped." in out
        assert all(_parent_of(int(pid)) is None for pid in workers)
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=5)
    finally:
        stop(proc)
