"""The manifests the served release gives each screen, read only when a publish needs one.

Why lazily: a publish compares what it makes with what is served. Reading and parsing a
thousand signed manifests (each a JSON payload inside a JSON envelope) cost more than loading
the whole library's schedules, and when a screen's new manifest has the very bytes being served
(the release index holds every file's sha256) there is nothing to compare. A screen's file is
found by its poll token; only files no current screen's token names (removed screens, rotated
tokens) are read up front, to learn whose they were. A screen the served release recorded
(screen_inputs.ScreenRecord) has its payload kept in the publish cache under the record's
inputs key: that marshal copy is read instead of its file (parsing a signed manifest's two JSON
layers cost about as much as building it), when the cache still holds it with the record's
manifest version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from urbanart.delivery.kept_payloads import KeptPayloads
from urbanart.delivery.screen_inputs import ScreenRecord
from urbanart.delivery.tree import ReleaseIndex, Tree

SCREENS_PREFIX = "screens/"
MANIFEST_SUFFIX = "/manifest.json"


class ServedManifests(Mapping[int, dict[str, Any]]):
    """screen id -> the payload served to it (read without verifying: these are only compared
    with, never trusted for anything a screen sees). A file that cannot be read is as absent."""

    def __init__(
        self,
        tree: Tree,
        index: ReleaseIndex | None,
        tokens: Mapping[str, int],
        *,
        records: Mapping[int, ScreenRecord] | None = None,
        kept: KeptPayloads | None = None,
    ) -> None:
        self._tree = tree
        self._index = index
        #: The served release's screen records (screen_inputs.previous_records), by screen id.
        self.records: Mapping[int, ScreenRecord] = records if records is not None else {}
        self._kept = kept
        self._paths: dict[int, str] = {}
        self._payloads: dict[int, dict[str, Any] | None] = {}
        self._files_read = 0
        if index is None:
            return
        for relpath in index.files:
            if not (relpath.startswith(SCREENS_PREFIX) and relpath.endswith(MANIFEST_SUFFIX)):
                continue
            screen_id = tokens.get(relpath[len(SCREENS_PREFIX) : -len(MANIFEST_SUFFIX)])
            if screen_id is not None:
                self._paths[screen_id] = relpath
                continue
            payload = self._read(relpath)
            if payload is not None:
                try:
                    screen_id = int(payload["screen"]["id"])
                except (KeyError, TypeError, ValueError):
                    continue
                self._paths[screen_id] = relpath
                self._payloads[screen_id] = payload

    def _read(self, relpath: str) -> dict[str, Any] | None:
        assert self._index is not None
        self._files_read += 1
        try:
            data = self._tree.release_file(self._index.release, relpath).read_bytes()
            payload = json.loads(json.loads(data)["payload"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return payload if isinstance(payload, dict) else None

    def path(self, screen_id: int) -> str | None:
        """The served manifest's path in the tree."""
        return self._paths.get(screen_id)

    def sha256(self, screen_id: int) -> str | None:
        """The served manifest file's sha256, from the release index (no file is read)."""
        relpath = self._paths.get(screen_id)
        if relpath is None or self._index is None:
            return None
        return self._index.files.get(relpath)

    def etag(self, screen_id: int) -> str | None:
        """The served file's ETag (manifest.etag_for of its bytes), from the release index."""
        digest = self.sha256(screen_id)
        return None if digest is None else f'"{digest[:32]}"'

    def __getitem__(self, screen_id: int) -> dict[str, Any]:
        if screen_id not in self._payloads:
            relpath = self._paths.get(screen_id)
            if relpath is None:
                raise KeyError(screen_id)
            self._payloads[screen_id] = self._kept_payload(screen_id) or self._read(relpath)
        payload = self._payloads[screen_id]
        if payload is None:
            raise KeyError(screen_id)
        return payload

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._paths))

    def __len__(self) -> int:
        return len(self._paths)

    def _kept_payload(self, screen_id: int) -> dict[str, Any] | None:
        """The payload the publish cache keeps for the screen's recorded manifest, or None."""
        record = self.records.get(screen_id)
        if record is None or self._kept is None:
            return None
        payload = self._kept.get(record.inputs_key)
        if payload is None or payload.get("manifest_version") != record.version:
            return None
        return payload

    def read(self) -> int:
        """How many files were read so far (tests check that unchanged screens cost none)."""
        return self._files_read
