"""No cyclic garbage collection runs while a publish does (urbanart.memo.collections_paused):
its short-lived containers would be promoted and set off full collections over everything the
process keeps between publishes. Collections are back once the last overlapping publish ends."""

from __future__ import annotations

import gc
import threading

from tests.delivery.conftest import World
from urbanart.delivery.publisher import publish
from urbanart.library.library import Library
from urbanart.memo import collections_paused


def test_a_publish_runs_no_collection_and_turns_them_back_on(
    library: Library, world: World
) -> None:
    seen: list[bool] = []
    runs: list[int] = []
    counts: list[int] = []  # collections run so far, at each progress report

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    def progress(_done: int, _total: int, _what: str) -> None:
        seen.append(gc.isenabled())
        counts.append(len(runs))
        # Garbage in a reference cycle, as a publish leaves a little of: collected after it.
        cycle: list[object] = []
        cycle.append(cycle)

    assert gc.isenabled()
    gc.callbacks.append(counted)
    try:
        result = publish(library, progress=progress)
        assert gc.isenabled()
        assert gc.collect() >= len(seen)  # the cycles made during it were left, not leaked
    finally:
        gc.callbacks.remove(counted)
    assert result.release is not None and len(seen) > 2 and not any(seen)
    assert counts[0] == counts[-1]  # none from its first report to its last


def test_overlapping_pauses_end_with_the_last_and_keep_collections_off_if_they_were() -> None:
    assert gc.isenabled()
    first, second = collections_paused(), collections_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # another publish is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()

    gc.disable()  # a process that runs without the collector stays without it
    try:
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pause_in_another_thread_is_counted_with_this_ones() -> None:
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collections_paused():
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert entered.wait(10)
        with collections_paused():
            pass
        assert not gc.isenabled()
    finally:
        leave.set()
        thread.join(10)
    assert gc.isenabled()
