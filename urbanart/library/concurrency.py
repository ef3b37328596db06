"""Optimistic concurrency: an edit based on data another curator changed since is refused.

Every row curators edit carries a version (models.Edited). An editor passes the version it
read (``expected_version``) and the engine compares it before changing anything
(``expect_version``); SQLAlchemy's ``version_id_col`` then makes the UPDATE itself conditional on
that version, so even two writes racing between the check and the write cannot both win. Either
way the edit's transaction rolls back whole and the curator gets ``StaleEdit``: who changed the
row, and when, so they can reload and redo their change on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from urbanart.errors import UrbanArtError
from urbanart.library.models import (
    Artist,
    Artwork,
    Edited,
    Playlist,
    Schedule,
    Screen,
    ScreenGroup,
)

#: How messages and the audit log name each kind of edited row.
KINDS: dict[type[Edited], str] = {
    Artist: "artist",
    Artwork: "artwork",
    Playlist: "playlist",
    Schedule: "schedule",
    Screen: "screen",
    ScreenGroup: "group",
}


def kind_of(obj: Edited) -> str:
    return KINDS.get(type(obj), type(obj).__name__.lower())


def name_of(obj: Any) -> str:
    """The row as a curator knows it: its name or title, else its kind and id."""
    name = getattr(obj, "name", None) or getattr(obj, "title", None)
    return str(name) if name else f"{kind_of(obj)} {obj.id}"


class StaleEdit(UrbanArtError):
    """The row changed since the editor read it; nothing was saved. Reload and edit again."""

    def __init__(
        self, kind: str, entity_id: int, name: str, by: str, at: datetime | None, version: int
    ) -> None:
        self.kind = kind
        self.entity_id = entity_id
        self.name = name
        #: The curator whose change made this edit stale, and when they saved it (UTC).
        self.by = by or "another curator"
        self.at = at
        #: The row's version now: what a reloaded editor passes next time.
        self.version = version
        when = f" at {at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if at is not None else ""
        super().__init__(
            f"The {kind} {name!r} was changed by {self.by}{when} since you opened it; reload "
            "to see that change, then make yours again. Nothing was saved."
        )

    @classmethod
    def of(cls, obj: Edited) -> StaleEdit:
        return cls(
            kind_of(obj),
            obj.id,  # type: ignore[attr-defined]
            name_of(obj),
            obj.updated_by,
            getattr(obj, "updated_at", None),
            obj.version,
        )


def expect_version(obj: Edited, expected: int | None) -> None:
    """Refuse the edit when the editor read another version of obj (None: the caller read it in
    this very transaction, as the CLI does, so the ORM's conditional UPDATE is the check)."""
    if expected is not None and obj.version != int(expected):
        raise StaleEdit.of(obj)


#: session.info key: (class, id, version) of the edited rows a flush writes, for the message.
WRITING = "urbanart.versioned"


def note_writes(session: Session, objects: Iterable[Any]) -> None:
    """Remember the versions a flush is about to write over (see ``stale_after``)."""
    noted: list[tuple[type[Edited], int, int]] = session.info.setdefault(WRITING, [])
    for obj in objects:
        if isinstance(obj, Edited) and getattr(obj, "id", None) is not None:
            noted.append((type(obj), obj.id, obj.version))  # type: ignore[attr-defined]


def stale_after(
    sessions: sessionmaker[Session], noted: list[tuple[type[Edited], int, int]]
) -> StaleEdit:
    """The StaleEdit for a flush whose conditional UPDATE matched no row: the first noted row
    whose version moved on names who moved it (a deleted row: "deleted by another curator")."""
    with sessions() as session:
        for cls, ident, version in noted:
            row = session.get(cls, ident)
            if row is None:  # deleted meanwhile
                kind = KINDS.get(cls, cls.__name__)
                return StaleEdit(
                    kind, ident, f"{kind} {ident}", "another curator (deleted)", None, 0
                )
            if row.version != version:
                return StaleEdit.of(row)
    return StaleEdit("row", 0, "?", "", None, 0)
