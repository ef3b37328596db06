"""A plays batch is stored and answered on its own writer, never queued behind a heartbeat flush.

Why it matters: a plays answer waits for its commit, a heartbeat's does not (write-behind); on
one shared writer thread a batch waited for every heartbeat flush ahead of it, which held the
fleet's tail latency. Here a real heartbeat flush is held inside its transaction by a row lock
another connection keeps on the screen's state, and a plays batch must still be committed and
answered while that flush waits.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import Connection, func, select, text

from tests.delivery.fleet_fixtures import HEARTBEAT, build_fleet, play_body
from tests.delivery.hub_fixtures import heartbeats_written, running_hub
from urbanart.library.library import Library
from urbanart.library.models import Play, ScreenState

#: How long the test waits for the hub to reach a state (a limit, not a measurement).
PATIENCE = 30.0


def _writers_waiting_for_a_lock(conn: Connection) -> int:
    """Sessions of this database waiting for a lock held by another transaction."""
    value = conn.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    ).scalar_one()
    conn.rollback()  # the activity view is a snapshot kept for the transaction: the next asks anew
    return int(value)


@pytest.mark.postgresql_only("another connection holds a row lock the heartbeat flush waits for")
def test_a_plays_batch_is_committed_and_answered_while_a_heartbeat_flush_is_held(
    library: Library, home: Path
) -> None:
    screens = build_fleet(library, home, 2)
    (beating, beating_id), (playing, playing_id) = screens.items()
    with running_hub(library) as hub:
        first = requests.post(
            f"{hub.url}api/v1/screens/{beating}/heartbeat", json=HEARTBEAT, timeout=PATIENCE
        )
        assert first.status_code == 200, first.text
        heartbeats_written(hub)  # the state row exists: the next flush updates it
        with library.engine.connect() as holder, library.engine.connect() as observer:
            holder.execute(
                select(ScreenState.screen_id)
                .where(ScreenState.screen_id == beating_id)
                .with_for_update()
            ).all()
            later = {**HEARTBEAT, "player_version": "held"}
            beat = requests.post(
                f"{hub.url}api/v1/screens/{beating}/heartbeat", json=later, timeout=PATIENCE
            )
            assert beat.status_code == 200, beat.text  # answered before it is written
            deadline = time.monotonic() + PATIENCE
            while _writers_waiting_for_a_lock(observer) == 0:  # the flush is in, and stuck
                assert time.monotonic() < deadline, "the heartbeat flush never reached the lock"
                time.sleep(0.02)
            plays = requests.post(
                f"{hub.url}api/v1/screens/{playing}/plays",
                json={"records": [play_body("own-writer-0", 0), play_body("own-writer-1", 1)]},
                timeout=PATIENCE,
            )
            assert plays.status_code == 200, plays.text
            assert plays.json() == {"accepted": 2, "duplicates": 0}
            assert _writers_waiting_for_a_lock(observer) == 1  # the flush still waits
            with library.session() as s:
                stored = s.scalar(
                    select(func.count()).select_from(Play).where(Play.screen_id == playing_id)
                )
                version = s.scalar(
                    select(ScreenState.player_version).where(ScreenState.screen_id == beating_id)
                )
            assert stored == 2  # committed, not just answered
            assert version == HEARTBEAT["player_version"]  # the held heartbeat not yet written
            holder.rollback()
        heartbeats_written(hub)
        with library.session() as s:
            version = s.scalar(
                select(ScreenState.player_version).where(ScreenState.screen_id == beating_id)
            )
        assert version == "held"  # the flush went on once the lock was let go
