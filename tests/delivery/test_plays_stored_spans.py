"""The plays writer reads a screen's stored plays (for the overlap check) by screen and time.

Why: the read asks for the plays of the batch's screens from a day (LONGEST_PLAY) before the
batch on. Written as `screen_id = ANY(…) AND started_at BETWEEN …`, a new hub's plays table,
never analyzed yet, was read through the index on started_at alone: every play of every screen
of that day, filtered by screen, in a plan a prepared statement then kept while the table grew
(in the fleet bench the read took 10 to 60 ms after 40 s, most of a plays batch's tail). The
overlap answers themselves are the group commit tests' (tests/delivery/test_plays_group_commit).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, bindparam, insert, select, text

from tests.delivery.fleet_fixtures import PLAYS_FROM, build_fleet
from urbanart.delivery.api import PLAYS, _stored_pg
from urbanart.delivery.bulk_rows import run_planned
from urbanart.library.library import Library
from urbanart.library.models import Play


def _store_plays(library: Library, screen_ids: list[int], count: int) -> None:
    """`count` plays of 10 s, round robin over the screens, all within the last hours."""
    now = datetime.now(UTC)
    rows = [
        {
            "screen_id": screen_ids[n % len(screen_ids)],
            "record_id": f"stored-{n}",
            "artwork_sha256": "0" * 64,
            "started_at": PLAYS_FROM + timedelta(seconds=10 * (n // len(screen_ids))),
            "duration_s": 10.0,
            "received_at": now,
        }
        for n in range(count)
    ]
    with library.session() as session:
        session.connection().execute(insert(PLAYS), rows)


def _plan(conn: Connection, statement: object, params: dict[str, object]) -> str:
    """EXPLAIN of a statement with its values bound, as the planner sees a run of it."""
    sql = str(statement.compile(dialect=conn.dialect))  # type: ignore[attr-defined]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("EXPLAIN " + sql, params)
    return "\n".join(str(row[0]) for row in cursor.fetchall())


@pytest.mark.postgresql_only("which index PostgreSQL's planner picks")
def test_stored_plays_are_read_through_the_screen_and_time_index_on_a_new_table(
    library: Library, home: Path
) -> None:
    ids = list(build_fleet(library, home, 3).values())
    _store_plays(library, ids, 3000)  # a new hub's first minutes: never analyzed
    since = PLAYS_FROM - timedelta(days=1)
    params = {"screens": ids[:2], "records": [], "since": since, "until": datetime.now(UTC)}
    statement = _stored_pg()  # the writer's reads: tokens, stored ids, stored spans
    with library.engine.connect() as conn:
        plan = _plan(conn, statement, params)
        with run_planned(conn):
            rows = conn.execute(statement, params).all()
    assert "ix_plays_screen_id_started_at" in plan, plan
    assert "ix_plays_started_at " not in plan, plan  # not the day of every screen's plays
    spans = [row for row in rows if row[3] is not None]
    assert len(spans) == 2000 and {row[1] for row in spans} == set(ids[:2])


@pytest.mark.postgresql_only("psycopg's server-side prepared statements")
def test_a_statement_run_planned_is_never_kept_prepared(library: Library) -> None:
    statement = select(Play.id).where(Play.screen_id == bindparam("screen"))
    count_prepared = text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM plays%'"
    )
    with library.engine.connect() as conn:
        driver = conn.connection.driver_connection
        threshold = driver.prepare_threshold  # type: ignore[union-attr]
        for _ in range(10):
            with run_planned(conn):
                conn.execute(statement, {"screen": 1}).all()
        assert conn.execute(count_prepared).scalar_one() == 0
        assert driver.prepare_threshold == threshold  # type: ignore[union-attr]
        for _ in range(10):  # the same statement outside: psycopg prepares it
            conn.execute(statement, {"screen": 1}).all()
        assert conn.execute(count_prepared).scalar_one() == 1
