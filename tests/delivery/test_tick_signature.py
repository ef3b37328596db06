"""The screen API reads the published tree's `current` link once per event-loop tick, and a
swap of the link is seen from the next tick on (a rotated token is refused at once)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.delivery.hub_fixtures import point_current, write_release
from tests.own_loop import run_in_own_loop
from urbanart.delivery.api import ScreenApi
from urbanart.delivery.tree_cache import TreeCache
from urbanart.library.library import Library


def test_the_link_is_read_once_a_tick_and_a_swap_is_seen_the_next_tick(
    library: Library, tmp_path: Path
) -> None:
    published = tmp_path / "published"
    for release in (1, 2):
        write_release(published, release, {"index.html": b"<p>hi</p>"})
    point_current(published, 1)
    cache = TreeCache(published)
    reads: list[object] = []

    def signature() -> object:
        reads.append(found := cache.current_signature())
        return found

    db = ThreadPoolExecutor(1)
    api = ScreenApi(library, db, lambda _token: None, tree_signature=signature)

    async def ticks() -> tuple[object, object, object, object]:
        first = api.tick_signature()
        point_current(published, 2)  # a publish or rotation swaps the link mid-tick
        same_tick = api.tick_signature()
        await asyncio.sleep(0)  # the next tick: what a request arriving now would see
        next_tick = api.tick_signature()
        again = api.tick_signature()
        return first, same_tick, next_tick, again

    try:
        first, same_tick, next_tick, again = run_in_own_loop(ticks())
    finally:
        api.close()
        db.shutdown(wait=True)
    assert first == same_tick  # one read serves the tick's requests
    assert next_tick != first  # the swap is seen by the very next tick
    assert next_tick == cache.current_signature() == again
    assert len(reads) == 2  # one lstat per tick, not one per request
