"""The hub looks a call up once for all the requests that ask for it at the same moment."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import event

from tests.intake.conftest import make_call
from tests.own_loop import run_in_own_loop
from urbanart.delivery.intake_routes import IntakeRoutes
from urbanart.library.library import Library


def test_simultaneous_requests_share_one_call_look_up(library: Library) -> None:
    call = make_call(library)
    token = call.path.rstrip("/").rsplit("/", 1)[1]
    queries: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM calls" in statement:
            queries.append(statement)

    event.listen(library.engine, "before_cursor_execute", count)
    db = ThreadPoolExecutor(1)
    routes = IntakeRoutes(library, db)
    try:

        async def rush() -> list[Any]:
            first = await asyncio.gather(*(routes.call(token) for _ in range(20)))
            again = await routes.call(token)  # within the second: from the cache
            return [*first, again]

        records = run_in_own_loop(rush())
    finally:
        routes.close()
        db.shutdown()
        event.remove(library.engine, "before_cursor_execute", count)
    assert [r.id for r in records] == [call.id] * 21
    assert len(queries) == 1, queries
