"""A value made from one playlist entry of the manifests, kept by the entry object itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from urbanart.memo import Recent

T = TypeVar("T")


class PerEntry(Generic[T]):
    """A value made from one playlist entry of the payloads, kept across the publishes of a
    process by the entry object itself (held here, so its id names no other object while
    kept; payloads are only read, never changed, once built: kept_payloads.py).

    Why: a publish after one edit keys every published playlist and the changed screens'
    entries, and the payloads of the publish before share their entry objects with this one's
    (kept_payloads keeps the unchanged screens', manifest.py a rebuilt screen's unchanged
    playlists): a value made from an entry's whole text is then made again only for the
    entries the edit made. Bounded; only ever a speed-up."""

    def __init__(self, make: Callable[[Mapping[str, Any]], T], size: int = 4096) -> None:
        self._make = make
        self._kept: Recent[int, tuple[Mapping[str, Any], T]] = Recent(size)

    def __call__(self, entry: Mapping[str, Any]) -> T:
        kept = self._kept.get(id(entry))
        if kept is not None and kept[0] is entry:
            return kept[1]
        value = self._make(entry)
        self._kept.put(id(entry), (entry, value))
        return value
