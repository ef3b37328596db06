"""Recently used values kept in process by key, a bounded number of them (least recently used out).

Why one class: a long-running process (the studio, the job runner) publishes again and again,
and several steps keep what the previous publish read (release indexes, kept manifest payloads,
what each manifest plays), each bounded so a fleet cannot grow it without limit. Unlike
functools.lru_cache, the caller decides what a key is and whether a found value still holds
(a release index is kept with its file's stamp and checked against it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
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
