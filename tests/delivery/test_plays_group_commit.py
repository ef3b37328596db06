"""Plays batches of several requests stored together (one insert of all new rows), each with its own
answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from tests.delivery.fleet_fixtures import PLAYS_FROM, build_fleet, token_of
from tests.delivery.hub_fixtures import sha
from urbanart.delivery.api import PlayIn, PlaysIn, record_plays_many
from urbanart.delivery.play_checks import PlaysRefused
from urbanart.library.library import Library
from urbanart.library.models import Artwork, Play, Rendition

ARTWORK_SHA = sha(b"\x89PNG fleet artwork bytes")


def plays(prefix: str, first_slot: int, count: int) -> list[PlayIn]:
    return [
        PlayIn(
            f"{prefix}-{slot}",
            ARTWORK_SHA,
            "Fleet",
            PLAYS_FROM + timedelta(seconds=15 * slot),
            10.0,
            "v1",
        )
        for slot in range(first_slot, first_slot + count)
    ]


def test_one_transaction_answers_each_request_and_stores_every_id_once(
    library: Library, home: Path
) -> None:
    ids = list(build_fleet(library, home, 3).values())
    now = datetime.now(UTC)
    # Screen 0 already has plays 0-4 stored (15 s apart); a later request's minute covers them.
    assert record_plays_many(library, [PlaysIn(ids[0], plays("a", 0, 5), now, token_of(0))]) == [
        (5, 0)
    ]
    overlapping = [
        PlayIn("clash", ARTWORK_SHA, "Fleet", PLAYS_FROM + timedelta(seconds=3), 60.0, None)
    ]
    statements: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(library.engine, "before_cursor_execute", count)
    try:
        results = record_plays_many(
            library,
            [
                PlaysIn(ids[0], plays("a", 3, 5), now, token_of(0)),  # 3, 4 stored already
                PlaysIn(ids[1], plays("b", 0, 4), now, token_of(1)),
                PlaysIn(ids[1], plays("b", 2, 4), now, token_of(1)),  # a retry racing: 2, 3 twice
                PlaysIn(ids[2], plays("c", 0, 2), now, "rotated-away-token"),
                PlaysIn(ids[0], overlapping, now, token_of(0)),
            ],
        )
    finally:
        event.remove(library.engine, "before_cursor_execute", count)
    assert results[:4] == [(3, 2), (4, 0), (2, 2), None]
    assert isinstance(results[4], PlaysRefused) and "records/0/started_at" in str(results[4])
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO PLAYS")]
    assert len(inserts) == 1  # every request's new plays in one statement
    with library.session() as s:
        stored = dict(
            s.execute(select(Play.screen_id, func.count()).group_by(Play.screen_id)).all()
        )
        ids_stored = s.scalar(select(func.count(func.distinct(Play.record_id))))
    assert stored == {ids[0]: 8, ids[1]: 6}
    assert ids_stored == 14  # nothing doubled


def test_each_play_names_the_artwork_of_its_original_or_rendition(
    library: Library, home: Path
) -> None:
    """The artwork a play is stored with: found by the original's sha256 or a rendition's
    (on PostgreSQL the insert looks it up itself), none for a sha256 the library lacks."""
    ids = list(build_fleet(library, home, 1).values())
    rendition_sha = sha(b"a webp rendition of the fleet artwork")
    with library.session() as session:
        work = session.scalars(select(Artwork)).one()
        session.add(
            Rendition(
                asset_id=work.asset_id, profile_key="screen-1080", store_key="r/1.webp",
                format="webp", width=10, height=10, byte_size=9, sha256=rendition_sha,
            )
        )  # fmt: skip
        work_id = work.id
    named = [ARTWORK_SHA, rendition_sha, sha(b"nothing the library holds")]
    batch = [
        PlayIn(f"n-{i}", shown, "Fleet", PLAYS_FROM + timedelta(seconds=15 * i), 10.0, "v1")
        for i, shown in enumerate(named)
    ]
    now = datetime.now(UTC)
    assert record_plays_many(library, [PlaysIn(ids[0], batch, now, token_of(0))]) == [(3, 0)]
    with library.session() as session:
        stored = dict(session.execute(select(Play.artwork_sha256, Play.artwork_id)).all())
        received = set(session.scalars(select(Play.received_at)))
    assert stored == {ARTWORK_SHA: work_id, rendition_sha: work_id, named[2]: None}
    assert received == {now}


@pytest.mark.postgresql_only("the round trips of the PostgreSQL writer")
def test_a_group_costs_two_statements_outside_any_transaction_on_postgresql(
    library: Library, home: Path
) -> None:
    """One read (tokens, stored ids, stored spans) and one insert, each committed on its own:
    no BEGIN and COMMIT round trips around them (record_plays_many says why that is safe)."""
    ids = list(build_fleet(library, home, 2).values())
    now = datetime.now(UTC)
    assert record_plays_many(library, [PlaysIn(ids[0], plays("a", 0, 3), now, token_of(0))]) == [
        (3, 0)
    ]
    executed: list[tuple[str, bool]] = []

    def note(conn, _cursor, statement: str, *_args: object) -> None:
        executed.append(
            (statement.split()[0].upper(), conn.connection.driver_connection.autocommit)
        )

    event.listen(library.engine, "before_cursor_execute", note)
    try:
        results = record_plays_many(
            library,
            [
                PlaysIn(ids[0], plays("a", 2, 3), now, token_of(0)),  # 2 stored already
                PlaysIn(ids[1], plays("b", 0, 2), now, token_of(1)),
            ],
        )
    finally:
        event.remove(library.engine, "before_cursor_execute", note)
    assert results == [(2, 1), (2, 0)]
    assert executed == [("SELECT", True), ("INSERT", True)]
    with library.engine.connect() as other:  # committed: another connection sees every row
        assert other.execute(select(func.count()).select_from(Play)).scalar_one() == 7
