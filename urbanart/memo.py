"""Recently used values kept in process by key, a bounded number of them (least recently used out).

Why one class: a long-running process (the studio, the job runner) publishes again and again,
and several steps keep what the previous publish read (release indexes, kept manifest payloads,
what each manifest plays), each bounded so a fleet cannot grow it without limit. Unlike
functools.lru_cache, the caller decides what a key is and whether a found value still holds
(a release index is kept with its file's stamp and checked against it).
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """At most `size` values by key; reading or storing one makes it the most recent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)

    def pop(self, key: K) -> None:
        self._values.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)


_PAUSE_LOCK = threading.Lock()
_PAUSED = [0, False]  # [how many pauses are open, whether collections ran before the first]


@contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic garbage collection while a publish runs (they may overlap: the last to end
    turns collections back on, if they were on).

    Why: the values kept here are hundreds of thousands of containers (parsed manifests, what
    each screen plays), and a publish allocates many short-lived ones. Each object that lives
    through two young collections is promoted to the oldest generation, and once promotions
    pass a quarter of it, the collector scans all of it: 80-150 ms each, up to four times in a
    fleet's one-change publish and once in most unchanged ones, for no garbage (what a publish
    makes is freed by reference counting). Paused, its short-lived objects die young, never
    promoted; the few reference cycles a publish leaves are collected after it, by the young
    collections that follow.
    """
    with _PAUSE_LOCK:
        if _PAUSED[0] == 0:
            _PAUSED[1] = gc.isenabled()
            gc.disable()
        _PAUSED[0] += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSED[0] -= 1
            if _PAUSED[0] == 0 and _PAUSED[1]:
                gc.enable()
