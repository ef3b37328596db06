"""Heartbeats waiting for the hub's writer thread are stored together, each with its own answer."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, select

from tests.delivery.fleet_fixtures import HEARTBEAT, build_fleet, token_of
from tests.own_loop import run_in_own_loop
from urbanart.delivery.api import HeartbeatIn, HeartbeatWriter, record_heartbeats
from urbanart.library.library import Library
from urbanart.library.models import Heartbeat, ScreenState


def test_one_batch_answers_each_heartbeat_and_thins_the_history_per_screen(
    library: Library, home: Path
) -> None:
    ids = list(build_fleet(library, home, 3).values())
    now = datetime.now(UTC).replace(microsecond=0)
    beats = [
        HeartbeatIn(ids[0], HEARTBEAT, now, token=token_of(0)),
        HeartbeatIn(ids[0], {**HEARTBEAT, "player_version": "later"}, now + timedelta(seconds=5)),
        HeartbeatIn(ids[1], HEARTBEAT, now, token="rotated-away-token"),  # not its token
        HeartbeatIn(ids[2], HEARTBEAT, now, token=token_of(2)),
        HeartbeatIn(9999, HEARTBEAT, now),  # no such screen
    ]
    assert record_heartbeats(library, beats) == [True, True, False, True, False]
    with library.session() as s:
        states = {st.screen_id: st for st in s.scalars(select(ScreenState))}
        history = s.execute(
            select(Heartbeat.screen_id, func.count()).group_by(Heartbeat.screen_id)
        ).all()
    assert set(states) == {ids[0], ids[2]}  # the refused one left no state
    assert states[ids[0]].player_version == "later"  # the batch's last word wins
    assert dict(history) == {ids[0]: 1, ids[2]: 1}  # 5 s apart: one history row


def test_heartbeats_queued_behind_a_busy_writer_go_in_one_transaction(
    library: Library, home: Path
) -> None:
    ids = list(build_fleet(library, home, 6).values())
    writer_thread = ThreadPoolExecutor(1)
    release = threading.Event()
    writer_thread.submit(release.wait)  # the writer is busy with something else
    lookups: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: object) -> None:
        if "poll_token" in statement and statement.lstrip().upper().startswith("SELECT"):
            lookups.append(statement)

    event.listen(library.engine, "before_cursor_execute", count)
    try:
        writer = HeartbeatWriter(library, writer_thread)
        now = datetime.now(UTC)
        futures = [
            writer.submit(HeartbeatIn(screen_id, HEARTBEAT, now, token=token_of(i)))
            for i, screen_id in enumerate(ids)
        ]
        release.set()
        assert [f.result(timeout=30) for f in futures] == [True] * len(ids)
    finally:
        event.remove(library.engine, "before_cursor_execute", count)
        writer_thread.shutdown()
    assert len(lookups) == 1  # the six heartbeats' screens were checked in one query
    with library.session() as s:
        assert s.scalar(select(func.count()).select_from(ScreenState)) == len(ids)


def test_deferred_heartbeats_are_written_together_later_and_a_refused_token_is_forgotten(
    library: Library, home: Path
) -> None:
    ids = list(build_fleet(library, home, 4).values())
    writer_thread = ThreadPoolExecutor(1)
    forgotten: list[str] = []
    writes: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: object) -> None:
        if "poll_token" in statement and statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    def stored() -> int:
        with library.session() as s:
            return s.scalar(select(func.count()).select_from(ScreenState)) or 0

    async def beat_all() -> int:
        writer = HeartbeatWriter(library, writer_thread, on_refused=forgotten.append)
        now = datetime.now(UTC)
        for i, screen_id in enumerate(ids):
            writer.defer(HeartbeatIn(screen_id, HEARTBEAT, now, token=token_of(i)))
        writer.defer(HeartbeatIn(ids[0], HEARTBEAT, now, token="rotated-away-token"))
        before = stored()  # answered already, not written yet: the write waits for others
        await asyncio.sleep(HeartbeatWriter.WRITE_BEHIND * 3)
        await asyncio.wrap_future(writer_thread.submit(lambda: None))  # the write has run
        return before

    event.listen(library.engine, "before_cursor_execute", count)
    try:
        assert run_in_own_loop(beat_all()) == 0
    finally:
        event.remove(library.engine, "before_cursor_execute", count)
        writer_thread.shutdown()
    assert stored() == len(ids)
    assert len(writes) == 1  # one write for all: the screens' tokens checked in one query
    assert forgotten == ["rotated-away-token"]
