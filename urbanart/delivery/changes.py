"""What a publication does to each screen: one record for a live publish, a dry run and the log.

`publish` makes `ScreenChange`s, the delivery history reads them back from the summaries it
stored (`ScreenChange.from_json`, tolerant of rows written by older versions), and the studio
and the CLI show them one way. The statuses are StrEnums, so the stored JSON and the database
keep the same plain strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class ChangeStatus(StrEnum):
    """What a publication does to one screen's manifest."""

    NEW = "new"  # the screen's first manifest
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"  # the screen was deleted: its manifest leaves the tree


class PublicationStatus(StrEnum):
    """How a publication ended (the `publications.status` column)."""

    RUNNING = "running"  # or stopped before it could record its end
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class DroppedItem:
    """A playlist item left out of a manifest, and why (a curator can act on the reason)."""

    playlist_id: int
    playlist: str
    item_id: int
    artwork_id: int
    title: str
    reason: str


def stored_count(value: Any) -> int:
    """A stored count read defensively: anything but a whole number (or digits) reads 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


def stored_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dropped(value: Any) -> tuple[DroppedItem, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        DroppedItem(
            playlist_id=stored_count(d.get("playlist_id")),
            playlist=str(d.get("playlist") or ""),
            item_id=stored_count(d.get("item_id")),
            artwork_id=stored_count(d.get("artwork_id")),
            title=str(d.get("title") or ""),
            reason=str(d.get("reason") or ""),
        )
        for d in value
        if isinstance(d, dict)
    )


@dataclass(frozen=True)
class ScreenChange:
    """What one screen got from a publication (or would get, from a dry run).

    screen_id is None only when a summary stored by an old version did not record it.
    """

    screen_id: int | None
    screen: str
    status: ChangeStatus
    old_version: str | None
    new_version: str | None
    items_added: int
    items_removed: int
    dropped: tuple[DroppedItem, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def gets_manifest(self) -> bool:
        """A new manifest goes to the screen (so it is worth pushing)."""
        return self.status in (ChangeStatus.NEW, ChangeStatus.CHANGED)

    def to_json(self) -> dict[str, Any]:
        """The form stored in a publication's summary (and printed by `publish --json`); the
        fields spelled out, as dataclasses.asdict's deep copies cost a fleet's publish dearly."""
        return {
            "screen_id": self.screen_id,
            "screen": self.screen,
            "status": str(self.status),
            "old_version": self.old_version,
            "new_version": self.new_version,
            "items_added": self.items_added,
            "items_removed": self.items_removed,
            "dropped": [asdict(d) for d in self.dropped],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScreenChange:
        """Read back a stored summary entry; any field missing or damaged gets a safe value."""
        raw_id = data.get("screen_id")
        status = data.get("status")
        warnings = data.get("warnings")
        return cls(
            screen_id=raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None,
            screen=str(data.get("screen") or (raw_id if raw_id is not None else "?")),
            status=ChangeStatus(status)
            if status in tuple(ChangeStatus)
            else ChangeStatus.UNCHANGED,
            old_version=stored_text(data.get("old_version")),
            new_version=stored_text(data.get("new_version")),
            items_added=stored_count(data.get("items_added")),
            items_removed=stored_count(data.get("items_removed")),
            dropped=_dropped(data.get("dropped")),
            warnings=tuple(str(w) for w in warnings) if isinstance(warnings, list) else (),
        )


__all__ = [
    "ChangeStatus",
    "DroppedItem",
    "PublicationStatus",
    "ScreenChange",
    "stored_count",
    "stored_text",
]
