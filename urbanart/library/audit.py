"""The audit log: who changed what, when, written in the same transaction as the change.

One place records every curation edit: session events on the library's sessions
(``install``). Before each flush the rows curators edit are stamped with the curator's name and
the time (so their version moves on); after it, the changed fields are collected per row, and
just before the commit one ``audit_log`` row per changed row is written. A refused or failed
edit rolls back with its entries. Undo and redo write rows directly and record their own entries
(``record_rows``). Secrets (a screen's poll token) never enter the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, inspect, select
from sqlalchemy.orm import ColumnProperty, RelationshipProperty, Session, sessionmaker
from sqlalchemy.orm.interfaces import MANYTOONE

from urbanart.errors import InvalidValue
from urbanart.library.concurrency import KINDS, WRITING, kind_of, name_of, note_writes
from urbanart.library.lookup import find
from urbanart.library.models import (
    Artist,
    Artwork,
    AuditEntry,
    Edited,
    Playlist,
    PlaylistItem,
    Schedule,
    Screen,
    ScreenGroup,
    utcnow,
)

if TYPE_CHECKING:
    from urbanart.library.library import Library

#: Columns that say who/when rather than what; never reported as changes.
BOOKKEEPING = frozenset({"version", "updated_by", "updated_at", "created_at", "id"})
#: Never written to the log, whatever the row.
SECRET_FIELDS = frozenset({"poll_token", "push_secret"})
#: Collections that are part of a row's own content (membership, tags, targets, items).
OWN_COLLECTIONS: dict[type[Edited], frozenset[str]] = {
    Artist: frozenset({"texts"}),
    Artwork: frozenset({"tags", "texts"}),
    Playlist: frozenset({"items"}),
    Schedule: frozenset({"screens", "groups"}),
    Screen: frozenset({"groups"}),
    ScreenGroup: frozenset({"screens"}),
}
#: Fields of a playlist item worth naming when it changes.
ITEM_FIELDS = ("position", "artwork_id", "duration_s", "transition", "transition_s", "overlay")
#: session.info keys.
CURATOR = "urbanart.curator"
PENDING = "urbanart.audit"


def _plain(value: Any) -> Any:
    """A value as JSON holds it; related rows by their name (or id)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Edited):
        return name_of(value)
    if hasattr(value, "__table__"):  # a tag, an item
        return getattr(value, "name", None) or getattr(value, "id", None)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class Entry:
    """What one flush-or-more did to one row, merged over the transaction."""

    kind: str
    entity_id: int
    name: str
    action: str
    changes: dict[str, list[Any]] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def merge(self, action: str, changes: Mapping[str, list[Any]], name: str) -> None:
        if action == "delete" or self.action != "create":
            self.action = action
        self.name = name
        for key, (before, after) in changes.items():
            if key in self.changes:
                self.changes[key][1] = after
            else:
                self.changes[key] = [before, after]

    def summary(self) -> str:
        noun = f"{self.kind} {self.name!r}"
        if self.action == "create":
            return f"Created {noun}"
        if self.action == "delete":
            return f"Deleted {noun}"
        parts = []
        fields = [k for k in self.changes if k != "items"]
        if fields:
            parts.append("changed " + ", ".join(f.replace("_", " ") for f in fields))
        for verb in ("added", "removed", "changed"):
            count = self.items.get(verb, 0)
            if count:
                parts.append(f"{verb} {count} item{'s' if count != 1 else ''}")
        what = "; ".join(parts) or "saved without changes"
        return f"Edited {noun}: {what}"


def _field_changes(obj: Edited) -> dict[str, list[Any]]:
    """{field: [before, after]} of obj's pending changes that count as an edit of it."""
    state = inspect(obj)
    own = OWN_COLLECTIONS.get(type(obj), frozenset())
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.attrs:
        key = attr.key
        if key in BOOKKEEPING or key in SECRET_FIELDS:
            continue
        is_column = isinstance(attr, ColumnProperty)
        if isinstance(attr, RelationshipProperty):
            if attr.direction is not MANYTOONE and key not in own:
                continue
        elif not is_column:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if is_column or attr.direction is MANYTOONE:
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            if is_column and before is None and not history.deleted and not state.pending:
                before = "(unloaded)"
            changes[key] = [_plain(before), _plain(after)]
        else:
            unchanged = list(history.unchanged)
            before = unchanged + list(history.deleted)
            after = unchanged + list(history.added)
            changes[key] = [_plain(before), _plain(after)]
    return changes


def _counts(obj: Edited) -> bool:
    return bool(_field_changes(obj))


def _item_playlist(session: Session, item: PlaylistItem) -> Playlist | None:
    playlist = item.playlist
    if playlist is None and item.playlist_id is not None:
        playlist = session.get(Playlist, item.playlist_id)
    return playlist


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    """Stamp the rows this flush edits with who and when (their versions move on with it)."""
    curator = session.info.get(CURATOR)
    now = utcnow()
    edited: dict[int, Edited] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Edited) and (obj in session.new or _counts(obj)):
            edited[id(obj)] = obj
        elif isinstance(obj, PlaylistItem):
            playlist = _item_playlist(session, obj)
            if playlist is not None:
                edited[id(playlist)] = playlist
    for obj in session.deleted:
        if isinstance(obj, Edited):
            edited.pop(id(obj), None)
    note_writes(session, [*edited.values(), *(o for o in session.deleted)])
    for obj in edited.values():
        if curator is not None:
            obj.updated_by = curator
        if hasattr(obj, "updated_at"):
            obj.updated_at = now  # also for a row whose only change is its items


def _pending(session: Session) -> dict[tuple[str, int], Entry]:
    pending: dict[tuple[str, int], Entry] = session.info.setdefault(PENDING, {})
    return pending


def _entry(session: Session, obj: Edited, action: str) -> Entry:
    key = (kind_of(obj), obj.id)  # type: ignore[attr-defined]
    pending = _pending(session)
    entry = pending.get(key)
    if entry is None:
        entry = pending[key] = Entry(key[0], key[1], name_of(obj), action)
    return entry


def _after_flush(session: Session, _context: object) -> None:
    """Collect what the flush changed, per row, until the commit writes it down."""
    for obj in session.new:
        if isinstance(obj, Edited):
            changes = {k: v for k, v in _field_changes(obj).items() if v[1] not in (None, "", [])}
            _entry(session, obj, "create").merge("create", changes, name_of(obj))
    for obj in session.dirty:
        if isinstance(obj, Edited):
            changes = _field_changes(obj)
            if not changes:
                continue
            entry = _entry(session, obj, "edit")
            if isinstance(obj, Playlist) and "items" in changes:
                history = inspect(obj).attrs["items"].history
                entry.items["added"] = entry.items.get("added", 0) + len(history.added)
                entry.items["removed"] = entry.items.get("removed", 0) + len(history.deleted)
                changes["items"] = [
                    [_item_text(i) for i in [*history.unchanged, *history.deleted]],
                    [_item_text(i) for i in [*history.unchanged, *history.added]],
                ]
            entry.merge("edit", changes, name_of(obj))
        elif isinstance(obj, PlaylistItem) and obj not in session.deleted:
            playlist = _item_playlist(session, obj)
            state = inspect(obj)
            changed = {
                k: [_plain(h.deleted[0]) if h.deleted else None, _plain(h.added[0])]
                for k in ITEM_FIELDS
                if (h := state.attrs[k].history).has_changes() and h.added
            }
            if playlist is None or not changed:
                continue
            entry = _entry(session, playlist, "edit")
            if set(changed) - {"position"}:
                entry.items["changed"] = entry.items.get("changed", 0) + 1
            entry.merge(
                "edit", {f"item {obj.id} {k}": v for k, v in changed.items()}, playlist.name
            )
    for obj in session.deleted:
        if isinstance(obj, Edited):
            _entry(session, obj, "delete").merge("delete", {}, name_of(obj))


def _item_text(item: PlaylistItem) -> str:
    title = item.artwork.title if item.artwork is not None else f"artwork {item.artwork_id}"
    return f"{title} ({item.duration_s:g} s)"


def _before_commit(session: Session) -> None:
    """Write the transaction's entries, last, in the transaction itself."""
    session.flush()
    pending = session.info.pop(PENDING, None)
    session.info.pop(WRITING, None)
    if not pending:
        return
    curator = session.info.get(CURATOR) or ""
    now = utcnow()
    rows = [
        {
            "at": now,
            "curator": curator,
            "action": entry.action,
            "kind": entry.kind,
            "entity_id": entry.entity_id,
            "summary": entry.summary(),
            "changes": json.dumps(entry.changes, ensure_ascii=False, default=str),
        }
        for entry in pending.values()
    ]
    session.execute(insert(AuditEntry), rows)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)  # the noted versions stay: Library.session names the row


def install(sessions: sessionmaker[Session]) -> None:
    """Record every edit made through sessions of this factory (Library does it once)."""
    from sqlalchemy import event

    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_soft_rollback", lambda s, _t: _after_rollback(s))


# Undo and redo ----------------------------------------------------------------------------------

#: Table name → audit kind, for undo's row-level restore.
TABLE_KINDS = {cls.__tablename__: kind for cls, kind in KINDS.items()}  # type: ignore[attr-defined]


def record_rows(
    conn: Connection,
    curator: str,
    action: str,
    label: str,
    table_name: str,
    rows: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> None:
    """Entries for rows undo or redo wrote back: (row now, row restored) pairs of one table."""
    kind = TABLE_KINDS.get(table_name)
    if kind is None:
        return
    now = utcnow()
    out = []
    for current, restored in rows:
        row = restored or current or {}
        changes = {
            k: [_plain((current or {}).get(k)), _plain((restored or {}).get(k))]
            for k in {*(current or {}), *(restored or {})}
            if k not in BOOKKEEPING
            and k not in SECRET_FIELDS
            and (current or {}).get(k) != (restored or {}).get(k)
        }
        name = row.get("name") or row.get("title") or f"{kind} {row.get('id')}"
        out.append(
            {
                "at": now,
                "curator": curator,
                "action": action,
                "kind": kind,
                "entity_id": row["id"],
                "summary": f"{action.capitalize()} “{label}” ({kind} {name!r})",
                "changes": json.dumps(changes, ensure_ascii=False, default=str),
            }
        )
    if out:
        conn.execute(insert(AuditEntry), out)


# Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRecord:
    """One entry of the log, as the CLI and the studio show it."""

    id: int
    at: datetime
    curator: str
    action: str
    kind: str
    entity_id: int
    summary: str
    changes: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.astimezone(UTC).isoformat(),
            "curator": self.curator,
            "action": self.action,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "summary": self.summary,
            "changes": self.changes,
        }


AUDITED_KINDS = tuple(sorted(set(KINDS.values())))


def read_log(
    library: Library,
    kind: str | None = None,
    entity_id: int | None = None,
    *,
    limit: int = 500,
) -> list[AuditRecord]:
    """The newest entries first, of one row (kind and id) or of everything."""
    if kind is not None and kind not in AUDITED_KINDS:
        raise InvalidValue("kind", kind, f"must be one of {', '.join(AUDITED_KINDS)}", key="kind")
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if kind is not None:
        stmt = stmt.where(AuditEntry.kind == kind)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    with library.session() as session:
        return [
            AuditRecord(
                e.id,
                e.at,
                e.curator,
                e.action,
                e.kind,
                e.entity_id,
                e.summary,
                json.loads(e.changes or "{}"),
            )
            for e in session.scalars(stmt)
        ]


def entity_history(
    library: Library, kind: str | None, ref: str | int | None, *, limit: int = 500
) -> list[AuditRecord]:
    """The log of one thing named as a curator names it (an id, or a name or title), or all.

    An id is taken as it is, so the history of a deleted row can still be read.
    """
    if kind is None or ref is None:
        return read_log(library, kind, limit=limit)
    if kind not in AUDITED_KINDS:
        raise InvalidValue("kind", kind, f"must be one of {', '.join(AUDITED_KINDS)}", key="kind")
    text = str(ref).strip()
    if text.isdigit():
        return read_log(library, kind, int(text), limit=limit)
    model = next(cls for cls, name in KINDS.items() if name == kind)
    name_attr = "title" if kind == "artwork" else "name"
    with library.session() as session:
        ident: int = find(session, model, text, kind=kind, name_attr=name_attr).id  # type: ignore[attr-defined]
    return read_log(library, kind, ident, limit=limit)
