"""Manifest payloads kept in the publish cache, in a form far quicker to read than their JSON.

Why: an unchanged screen's manifest is not rebuilt, but the publish still needs its payload (the
viewer pages are made from the payloads). Parsing a thousand signed manifests again cost more
than loading the schedules. Payloads are kept as marshal data, and since every screen of one
pixel size that plays a playlist carries the very same playlist entry (most of a payload), each
playlist entry is kept once, content-addressed, and read once per publish, shared by the
screens that play it (payloads are only read, never changed, once built).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from urbanart.memo import Recent
from urbanart.viewers.output_cache import OutputCache, digest

#: Part of every key, so another Python's marshal format never meets this one's.
FORM = f"marshal-{marshal.version}-shared-playlists"
#: Payloads read back or kept, by their skeleton's key, between publishes of one process (a
#: studio, the job runner): after an edit on ten screens a publish reads the other 990 again,
#: and the next one compares those ten's new manifests with the payloads this one made. A key
#: names its payload exactly (the digest of its manifest's inputs). Bounded.
_READ: Recent[str, dict[str, Any]] = Recent(4096)
#: A playlist entry's marshal data and content key, by the entry object (kept with it, so its
#: id is not reused while remembered): the entries of a payload are manifest._ENTRIES' own,
#: shared by every screen of a size that plays the playlist and by later publishes of this
#: process, and are never changed once made (manifest._entry). Bounded.
_DUMPED: Recent[int, tuple[dict[str, Any], bytes, str]] = Recent(4096)


def _load(data: bytes) -> Any:
    # The library's own private cache, trusted as its catalogue is; marshal runs no code.
    try:
        return marshal.loads(data)  # noqa: S302
    except (EOFError, ValueError, TypeError):
        return None


def keep(outputs: OutputCache, inputs_key: str, payload: dict[str, Any]) -> None:
    """Store payload under the digest of its manifest's inputs, its playlists by content."""
    refs: dict[str, str] = {}
    for pid, playlist in payload["playlists"].items():
        data, refs[pid] = _dumped(playlist)
        outputs.put(refs[pid], data, addressed=True)  # most are kept already
    skeleton = {k: (refs if k == "playlists" else v) for k, v in payload.items()}
    key = skeleton_key(inputs_key)
    outputs.put(key, marshal.dumps(skeleton))
    # Remembered as made (payloads are never changed once built, and marshal gives back the
    # same values): the next publish reads it from here, not from the cache file, when it
    # compares that screen's newer manifest with it or carries it.
    _READ.put(key, payload)


def _dumped(playlist: dict[str, Any]) -> tuple[bytes, str]:
    """A playlist entry's marshal data and the key naming it, made once per entry object: a
    change's rebuilt screens keep again the entries of their unchanged playlists, and
    marshalling and hashing those again was most of what keeping their payloads cost."""
    found = _DUMPED.get(id(playlist))
    if found is None or found[0] is not playlist:
        data = marshal.dumps(playlist)
        found = (playlist, data, digest("payload-playlist", FORM, data))
        _DUMPED.put(id(playlist), found)
    return found[1], found[2]


@lru_cache(maxsize=8192)
def skeleton_key(inputs_key: str) -> str:
    """The cache key of a payload's skeleton (the payload with its playlists as references).
    Remembered (a pure function of its argument): a publish asks it twice per carried screen
    (to prefetch, then to read), and every publish of a process asks it again for each."""
    return digest("payload", FORM, inputs_key)


class KeptPayloads:
    """Reads kept payloads back; each playlist entry once per publish."""

    def __init__(self, outputs: OutputCache) -> None:
        self.outputs = outputs
        self._playlists: dict[str, Any] = {}

    def prefetch(self, inputs_keys: Iterable[str]) -> None:
        """Fetch together the kept payloads that get() will read from the cache (those not
        already read by this process)."""
        self.outputs.prefetch(k for k in map(skeleton_key, inputs_keys) if k not in _READ)

    def get(self, inputs_key: str) -> dict[str, Any] | None:
        """The payload kept for these inputs, or None (never kept, or a part of it is lost)."""
        key = skeleton_key(inputs_key)
        read = _READ.get(key)
        if read is not None:
            return read
        payload = self._read(key)
        if payload is not None:
            _READ.put(key, payload)
        return payload

    def _read(self, key: str) -> dict[str, Any] | None:
        kept = self.outputs.get(key, count=False)
        skeleton = None if kept is None else _load(kept)
        if not isinstance(skeleton, dict) or not isinstance(skeleton.get("playlists"), dict):
            return None
        playlists: dict[str, Any] = {}
        for pid, ref in skeleton["playlists"].items():
            if not isinstance(ref, str):
                return None
            playlist = self._playlists.get(ref)
            if playlist is None:
                data = self.outputs.get(ref, count=False)
                playlist = None if data is None else _load(data)
                if not isinstance(playlist, dict):
                    return None
                self._playlists[ref] = playlist
            playlists[pid] = playlist
        skeleton["playlists"] = playlists
        return skeleton
