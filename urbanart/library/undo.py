"""Undo and redo of curation edits: each edit's rows before and after, put back by the engine.

Every face undoes the same way (as Anki's ``col.undo()``): a mutating engine function marked
``@undoable`` records one step, the rows it changed as they were before and after, read inside
the edit's own write transaction. Only the rows its statements touch are read (``_Recorder``),
so a step costs what the edit touched, whatever the size of the catalogue. ``Library.undo()``
writes the "before" rows back, ``Library.redo()`` the "after" rows, with the same ids, so a
removed screen returns with its poll token, push secret, group memberships and schedule
targets exactly.

Why data rather than an inverse function per call: one restore routine serves every edit, it
cannot drift from what the edit really wrote (cascades included), and it can check first that
nothing changed since.

- Undoable: curation edits (artworks' fields and status, artists, playlists and their items,
  schedules, screens, screen groups). Not undoable: imports (files and thumbnails stay, and the
  demo loaders run unrecorded), removing an artwork (its media files are deleted), publishing,
  delivery, hub reports and settings.
- A step records rows of the tables of the kinds of data it declares (``TABLES``). Rows
  elsewhere that the database deletes along with a removed row (a screen's heartbeats, plays,
  status and pushes) are kept with the step and put back with their parent.
- History lives in memory, per ``Library`` object, at most ``HISTORY_LIMIT`` steps; it is not
  kept across restarts nor shared between processes (the CLI has no undo). A new edit clears
  the redo list.
- A step that no longer applies, because a row it would restore was changed since (by another
  window, the CLI or another process), is refused with ``UndoRefused`` and dropped from the
  history; nothing is written. A step the database refuses (say, a screen restored under a
  name another screen took meanwhile) is refused too but kept, to try again after fixing that.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from sqlalchemy import (
    Connection,
    Delete,
    Insert,
    Table,
    Update,
    and_,
    delete,
    event,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ColumnClause,
)

from urbanart.errors import UrbanArtError
from urbanart.library import audit
from urbanart.library.database import begin_write
from urbanart.library.models import Base, utcnow

if TYPE_CHECKING:
    from urbanart.library.library import Library
    from urbanart.library.secrets_store import PushSecretStore

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100


class DataKind(StrEnum):
    """What an undo step changed, so the studio refreshes the views that show it."""

    ARTWORKS = "artworks"
    ARTISTS = "artists"
    PLAYLISTS = "playlists"
    SCHEDULES = "schedules"
    SCREENS = "screens"  # screen groups too


#: The tables an edit of each kind may write; a step records rows of those it declares.
TABLES: dict[DataKind, tuple[str, ...]] = {
    DataKind.ARTWORKS: ("artists", "artworks", "tags", "artwork_tags", "artwork_texts"),
    DataKind.ARTISTS: ("artists", "artist_texts"),
    DataKind.PLAYLISTS: ("playlists", "playlist_items"),
    DataKind.SCHEDULES: ("schedules", "schedule_screens", "schedule_groups"),
    DataKind.SCREENS: ("screens", "screen_groups", "screen_group_members"),
}
_KIND_OF_TABLE = {
    table: kind
    for kind in DataKind  # later wins: "artists" belongs to ARTISTS, not ARTWORKS
    for table in TABLES[kind]
}

Side = Literal["before", "after"]
Key = tuple[Any, ...]
Row = dict[str, Any]
Rows = dict[str, dict[Key, Row]]  # table name → primary key → row


class NothingToUndo(UrbanArtError):
    """Undo or redo was asked for with an empty history."""


class UndoRefused(UrbanArtError):
    """An undo or redo step cannot apply any more; nothing was written."""


@dataclass
class Step:
    """One engine operation: its label and the rows it changed, before and after.

    ``before`` and ``after`` hold the same keys' rows per table; a key missing on one side is a
    row that did not exist there. ``kept`` holds, per side, rows outside the step's tables that
    the database removed with a deleted parent, to put back when that side is restored.
    """

    label: str
    before: Rows
    after: Rows
    kinds: frozenset[DataKind]
    kept: dict[Side, Rows] = field(default_factory=lambda: {"before": {}, "after": {}})
    #: Push secrets (kept outside the database, secrets_store.py) per side, by screen id;
    #: None for a screen that had none.
    secrets: dict[Side, dict[int, str | None]] = field(
        default_factory=lambda: {"before": {}, "after": {}}
    )

    def tables(self) -> list[Table]:
        names = self.before.keys() | self.after.keys()
        return [t for t in Base.metadata.sorted_tables if t.name in names]

    def side(self, side: Side) -> Rows:
        return self.before if side == "before" else self.after

    def row_count(self) -> int:
        """How many row images the step holds (both sides and kept rows).

        Why: a step must cost what the edit touched, not what the catalogue holds; tests and
        the undo bench read this.
        """
        sides = [self.before, self.after, *self.kept.values()]
        return sum(len(rows) for side in sides for rows in side.values())


@dataclass(frozen=True)
class UndoResult:
    """What an undo or redo did: the step's label and the kinds of data it changed."""

    label: str
    kinds: frozenset[DataKind]
    redone: bool = False


# Reading rows -----------------------------------------------------------------------------------


def _key(table: Table, row: Mapping[Any, Any]) -> Key:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _by_key(table: Table, keys: Iterable[Key]) -> Any:
    """WHERE the primary key is one of keys.

    Why not ``tuple_(...).in_(...)`` for composite keys: SQLite scans the whole table for a
    row-value IN, so it is grouped instead (``a = 1 AND b IN (…) OR a = 2 AND …``), which
    every database answers from the primary key's index.
    """
    columns = list(table.primary_key.columns)
    keys = list(keys)
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    groups: dict[Key, list[Any]] = {}
    for key in keys:
        groups.setdefault(tuple(key[:-1]), []).append(key[-1])
    return or_(
        *(
            and_(*(c == v for c, v in zip(columns, head, strict=False)), columns[-1].in_(lasts))
            for head, lasts in groups.items()
        )
    )


def _rows(conn: Connection, table: Table, keys: Iterable[Key]) -> dict[Key, Row]:
    keys = list(keys)
    found: dict[Key, Row] = {}
    for start in range(0, len(keys), 500):
        stmt = select(table).where(_by_key(table, keys[start : start + 500]))
        found.update((_key(table, r), dict(r)) for r in conn.execute(stmt).mappings())
    return found


def _cascaded(conn: Connection, table: Table, rows: list[Row], skip: set[str], into: Rows) -> None:
    """Rows the database deletes along with rows of table (ON DELETE CASCADE), recursively.

    Tables named in skip are the step's own (their rows are recorded as changes); rows of the
    others are gathered into ``into``.
    """
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() != "CASCADE":
                continue
            values = {r[fk.column.name] for r in rows}
            if not values:
                continue
            stmt = select(child).where(fk.parent.in_(values))
            found = [dict(r) for r in conn.execute(stmt).mappings()]
            if not found:
                continue
            if child.name not in skip:
                bucket = into.setdefault(child.name, {})
                bucket.update((_key(child, r), r) for r in found)
            _cascaded(conn, child, found, skip, into)


# Recording --------------------------------------------------------------------------------------


class _Recorder:
    """The rows an undoable operation's statements touched, as they were first and last.

    Why statements and not table snapshots: a step's cost must follow the size of the edit,
    not of the catalogue (snapshotting whole tables made one artwork edit take over a second
    with 5,000 works). Every INSERT, UPDATE and DELETE the operation runs on one of its tables,
    by the ORM's flush (association rows and ORM cascades included) or as a Core statement,
    passes the connection's ``before_execute``/``after_execute`` events: the rows an UPDATE or
    DELETE will touch are read first with the statement's own WHERE clause, an INSERT's keys
    come from its parameters or the result. Rows the database itself deletes or clears with a
    deleted row (ON DELETE CASCADE / SET NULL) are read before the DELETE runs. Each row's
    "after" image is read once, when the unit of work ends. All of it is plain Core SQL.

    Not seen: raw SQL text and an UPDATE that changes a primary key; no undoable operation
    does either. An INSERT whose keys cannot be known (INSERT … SELECT) makes the step
    unrecordable: it is dropped with a warning rather than recorded wrong.
    """

    def __init__(self, library: Library, tables: Iterable[str]) -> None:
        self.library = library
        self.own = frozenset(tables)
        self.first: dict[str, dict[Key, Row | None]] = {}
        self.last: dict[str, dict[Key, Row | None]] = {}
        self.removed: Rows = {}
        self.incomplete: str | None = None
        #: Screens' push secrets live outside the database; a screens step records them too.
        self.with_secrets = "screens" in self.own
        self.secrets_first: dict[int, str | None] = {}
        self.secrets_last: dict[int, str | None] = {}

    @contextmanager
    def recording(self, session: Session) -> Iterator[None]:
        """Record the statements of one unit of work; kept only if the unit gets to its end."""
        conn = session.connection()
        begin_write(conn)
        unit = _Unit(self, conn)
        secrets = self.library.secrets.all() if self.with_secrets else {}
        event.listen(conn, "before_execute", unit.before_execute)
        event.listen(conn, "after_execute", unit.after_execute)
        try:
            yield
            session.flush()
        finally:
            event.remove(conn, "before_execute", unit.before_execute)
            event.remove(conn, "after_execute", unit.after_execute)
        unit.close()
        if self.with_secrets:
            self._secrets_changed(secrets, self.library.secrets.all())

    def _secrets_changed(self, start: Mapping[int, str], end: Mapping[int, str]) -> None:
        """Note the push secrets a unit changed (a handful: one per screen, in one file)."""
        for screen_id in start.keys() | end.keys():
            old_secret, new_secret = start.get(screen_id), end.get(screen_id)
            if old_secret != new_secret:
                self.secrets_first.setdefault(screen_id, old_secret)
                self.secrets_last[screen_id] = new_secret

    def step(self, label: str) -> Step | None:
        if self.incomplete is not None:
            log.warning("no undo step for %r: %s", label, self.incomplete)
            return None
        before: Rows = {}
        after: Rows = {}
        kinds: set[DataKind] = set()
        for name, first in self.first.items():
            for key, old in first.items():
                new = self.last[name][key]
                if old == new:
                    continue
                kinds.add(_KIND_OF_TABLE[name])
                before.setdefault(name, {})
                after.setdefault(name, {})
                if old is not None:
                    before[name][key] = old
                if new is not None:
                    after[name][key] = new
        changed = {i: old for i, old in self.secrets_first.items() if old != self.secrets_last[i]}
        if changed:
            kinds.add(DataKind.SCREENS)
        if not kinds:
            return None
        step = Step(label, before, after, frozenset(kinds))
        step.kept["before"] = self.removed
        step.secrets = {"before": changed, "after": {i: self.secrets_last[i] for i in changed}}
        return step


#: Per table, the tables whose rows the database deletes (CASCADE) or clears (SET NULL) with it.
_DEPENDENTS: dict[str, list[tuple[Table, Any, str]]] = {}
for _child in Base.metadata.sorted_tables:
    for _fk in _child.foreign_keys:
        _action = (_fk.ondelete or "").upper()
        if _action in ("CASCADE", "SET NULL"):
            _DEPENDENTS.setdefault(_fk.column.table.name, []).append((_child, _fk, _action))


def _key_row(table: Table, key: Key) -> Row:
    return dict(zip((c.name for c in table.primary_key.columns), key, strict=True))


def _known_rows(conn: Connection, table: Table, keys: list[Key]) -> bool:
    """Whether rows with these keys are known from the keys alone, without reading them.

    True for a table made of its key (an association table such as artwork_tags) when the
    values are plain integers, as the database gives them back, and the driver counts the rows
    a statement run for several keys changed (so a DELETE can be checked to have hit them all).
    Why: an edit's association rows are most of what it writes; not reading them keeps
    recording an edit close to the cost of the edit.
    """
    if len(table.primary_key.columns) != len(table.columns):
        return False
    if len(keys) > 1 and not conn.dialect.supports_sane_multi_rowcount:
        return False
    return all(type(v) is int for key in keys for v in key)


def _parameter_sets(multiparams: Any, params: Any, *_: Any) -> list[Mapping[str, Any]]:
    """A statement's parameter sets as the execute events pass them: one per row it runs for."""
    return list(multiparams or [params or {}])


def _keys_named(table: Table, where: Any, sets: list[Mapping[str, Any]]) -> list[Key] | None:
    """The primary keys a statement touches, when its WHERE is ``pk = :bind AND col = :bind…``.

    That is the shape of every UPDATE and DELETE the ORM's flush emits, often run once per
    row (executemany), with the version column added for rows that carry one (optimistic
    concurrency: ``… AND version = :v``). Reading their rows by key alone in one query, instead
    of one query per row, keeps recording cheap; a row whose other terms do not match is read
    but unchanged, so it adds nothing to the step (and the ORM refuses the stale write
    anyway). None for any other WHERE, which is then run as it is.
    """
    terms = (
        list(where.clauses)
        if isinstance(where, BooleanClauseList) and where.operator is operators.and_
        else [where]
    )
    binds: dict[str, BindParameter[Any]] = {}
    for term in terms:
        if not (
            isinstance(term, BinaryExpression)
            and term.operator is operators.eq
            and isinstance(term.left, ColumnClause)
            and isinstance(term.right, BindParameter)
            and getattr(term.left.table, "name", None) == table.name
        ):
            return None
        binds[term.left.name] = term.right
    columns = [c.name for c in table.primary_key.columns]
    if not set(columns) <= binds.keys():
        return None
    keys: list[Key] = []
    for values in sets:
        key = []
        for name in columns:
            bind = binds[name]
            if bind.key in values:
                key.append(values[bind.key])
            elif bind.callable is None and bind.value is not None:
                key.append(bind.value)
            else:
                return None
        keys.append(tuple(key))
    return keys


class _Unit:
    """What one unit of work (one ``Library.session``) of a recorded operation touched."""

    def __init__(self, recorder: _Recorder, conn: Connection) -> None:
        self.recorder = recorder
        self.conn = conn
        self.before: dict[str, dict[Key, Row | None]] = {}
        #: Rows of key-only tables whose state after the unit the statements tell already.
        self.known: dict[str, dict[Key, Row | None]] = {}
        self.kept: Rows = {}
        self.incomplete: str | None = None
        self._deleting: tuple[Any, int] | None = None

    def _own(self, stmt: Insert | Update | Delete) -> Table | None:
        table = Base.metadata.tables.get(getattr(stmt.table, "name", ""))
        return table if table is not None and table.name in self.recorder.own else None

    def _saw(self, table: Table, rows: Iterable[Row | None], keys: Iterable[Key] = ()) -> None:
        seen = self.before.setdefault(table.name, {})
        for row in rows:
            if row is not None:
                seen.setdefault(_key(table, row), row)
        for key in keys:  # inserted: no row had that key before
            seen.setdefault(key, None)

    def _seen_all(self, table: Table, keys: list[Key]) -> bool:
        seen = self.before.get(table.name, {})
        return all(key in seen for key in keys)

    def before_execute(self, conn: Connection, clause: Any, *args: Any) -> None:
        """(ConnectionEvents.before_execute) Read the rows an UPDATE or DELETE will change."""
        if not isinstance(clause, Update | Delete):
            return
        table = self._own(clause)
        if table is None:
            return
        sets = _parameter_sets(*args)
        keys = _keys_named(table, clause.whereclause, sets)
        if isinstance(clause, Update):
            self.known.pop(table.name, None)
        if isinstance(clause, Delete) and keys is not None and _known_rows(conn, table, keys):
            # An association row is its key: no read, the row count confirms they all were.
            rows = [_key_row(table, key) for key in keys]
            self.known.setdefault(table.name, {}).update((key, None) for key in keys)
            self._deleting = (clause, len(set(keys)))
        elif keys is not None and isinstance(clause, Update) and self._seen_all(table, keys):
            rows = []  # a second flush of rows this unit already read: their first image stands
        elif keys is not None:  # the ORM's own statements: one read for all their rows
            rows = list(_rows(conn, table, keys).values())
        else:
            query = select(table)
            if clause.whereclause is not None:
                query = query.where(clause.whereclause)
            rows = [dict(r) for values in sets for r in conn.execute(query, values).mappings()]
        self._saw(table, rows)
        if isinstance(clause, Delete) and rows:
            self._dependents(table, rows)

    def after_execute(self, conn: Connection, clause: Any, *args: Any) -> None:
        """(ConnectionEvents.after_execute) Note the keys of the rows an INSERT added."""
        result = args[3]
        if self._deleting is not None and self._deleting[0] is clause:
            if result.rowcount != self._deleting[1]:
                self.incomplete = "a DELETE of association rows missed some it named"
            self._deleting = None
        if not isinstance(clause, Insert):
            return
        table = self._own(clause)
        if table is None:
            return
        names = [c.key for c in table.primary_key.columns]
        sets = _parameter_sets(*args)
        if clause.select is None and all(all(n in v for n in names) for v in sets):
            keys = [tuple(v[n] for n in names) for v in sets]
            self._saw(table, (), keys)
            if _known_rows(conn, table, keys):
                self.known.setdefault(table.name, {}).update((k, _key_row(table, k)) for k in keys)
            return
        try:
            keys = [tuple(k) for k in result.inserted_primary_key_rows]
        except Exception:  # an INSERT … SELECT or a driver without the keys
            keys = []
        if clause.select is not None or not keys or any(None in k for k in keys):
            self.incomplete = f"the keys of rows inserted into {table.name} are unknown"
            return
        self._saw(table, (), keys)

    def _dependents(self, table: Table, rows: list[Row]) -> None:
        """Rows the database deletes (CASCADE) or clears (SET NULL) with rows of table.

        Rows of the step's own tables are recorded as its changes; rows of other tables that
        go with them (a screen's heartbeats, plays, pushes) are kept to come back with them.
        """
        for child, fk, action in _DEPENDENTS.get(table.name, ()):
            own = child.name in self.recorder.own
            if action == "SET NULL" and not own:
                continue
            values = sorted({r[fk.column.name] for r in rows} - {None})
            found: list[Row] = []
            for start in range(0, len(values), 500):
                query = select(child).where(fk.parent.in_(values[start : start + 500]))
                found += [dict(r) for r in self.conn.execute(query).mappings()]
            if not found:
                continue
            if own:
                self._saw(child, found)
                for row in found:  # gone or changed: read again at the end
                    self.known.get(child.name, {}).pop(_key(child, row), None)
            else:
                self.kept.setdefault(child.name, {}).update((_key(child, r), r) for r in found)
            if action == "CASCADE":
                self._dependents(child, found)

    def close(self) -> None:
        """The unit's edits are flushed: read each touched row's after-image, hand all over."""
        recorder = self.recorder
        for name, seen in self.before.items():
            table = Base.metadata.tables[name]
            known = self.known.get(name, {})
            unknown = [key for key in seen if key not in known]
            now = {**(_rows(self.conn, table, unknown) if unknown else {}), **known}
            first = recorder.first.setdefault(name, {})
            last = recorder.last.setdefault(name, {})
            for key, old in seen.items():
                first.setdefault(key, old)
                last[key] = now.get(key)
        for name, rows in self.kept.items():
            kept = recorder.removed.setdefault(name, {})
            for key, row in rows.items():
                kept.setdefault(key, row)
        if self.incomplete is not None:
            recorder.incomplete = self.incomplete


_recording: ContextVar[_Recorder | None] = ContextVar("undo_recording", default=None)
_paused: ContextVar[bool] = ContextVar("undo_paused", default=False)


def recorder_for(library: Library) -> _Recorder | None:
    """The recorder of the undoable operation running on this thread for library, if any."""
    recorder = _recording.get()
    return recorder if recorder is not None and recorder.library is library else None


@contextmanager
def unrecorded() -> Iterator[None]:
    """Run engine edits without undo steps (imports and the demo loaders are not curation)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


P = ParamSpec("P")
R = TypeVar("R")
Label = str | Callable[[Any, Mapping[str, Any]], str]


def undoable(label: Label, *kinds: DataKind) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark an engine function (first argument: the Library) as one undoable step.

    label names the step for a menu: a format string over the function's arguments by name
    and its ``result`` ("Remove screen '{result.name}'"), or a function (result, arguments).
    kinds say which tables' rows the step records (``TABLES``). Calls made inside another
    undoable call belong to the outer step.
    """
    tables = tuple(dict.fromkeys(t for kind in kinds for t in TABLES[kind]))

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            library = args[0]
            if _paused.get() or _recording.get() is not None:
                return fn(*args, **kwargs)
            recorder = _Recorder(library, tables)  # type: ignore[arg-type]
            token = _recording.set(recorder)
            result: R | None = None
            try:
                result = fn(*args, **kwargs)
                return result
            finally:
                _recording.reset(token)
                arguments = signature.bind_partial(*args, **kwargs).arguments
                step = recorder.step(_describe(label, fn, result, arguments))
                if step is not None:
                    library.history.push(step)  # type: ignore[attr-defined]

        return wrapper

    return decorate


def _describe(
    label: Label, fn: Callable[..., Any], result: Any, arguments: Mapping[str, Any]
) -> str:
    try:
        if callable(label):
            return label(result, arguments)
        return label.format(result=result, **arguments)
    except Exception:  # a label must never turn a done edit into a reported failure
        log.warning("undo label %r failed for %s", label, fn.__name__, exc_info=True)
        return fn.__name__.replace("_", " ").capitalize()


def quoted(text: object) -> str:
    """A name as labels show it: 'Tokyo Shibuya'."""
    return f"'{text}'"


# Restoring --------------------------------------------------------------------------------------


def _what(table: Table, key: Key, row: Row | None) -> str:
    noun = table.name.replace("_", " ")
    name = (row or {}).get("name") or (row or {}).get("title")
    ident = ", ".join(str(k) for k in key)
    return f"{noun} {quoted(name)} (id {ident})" if name else f"{noun} row {ident}"


#: Who and when, not what: an undo of a newer step moved them on without changing the content.
_BOOKKEEPING = frozenset({"version", "updated_by", "updated_at"})


def _content(row: Row | None) -> Row | None:
    """A row without its bookkeeping: what the staleness check of undo and redo compares."""
    return None if row is None else {k: v for k, v in row.items() if k not in _BOOKKEEPING}


def _stamp(table: Table, rows: Rows, current: dict[Key, Row], curator: str) -> None:
    """Undo is an edit too: rows written back get a newer version and the curator's name.

    The step's own images are updated, so that a later redo (or undo) finds the rows exactly as
    this one left them, and an editor holding the old version is refused (concurrency.py).
    """
    if "version" not in table.c:
        return
    now = utcnow()
    for key, row in rows.get(table.name, {}).items():
        was = current.get(key)
        row["version"] = max(row.get("version") or 0, (was or {}).get("version") or 0) + 1
        row["updated_by"] = curator
        if "updated_at" in table.c:
            row["updated_at"] = now


def _restore(
    conn: Connection,
    step: Step,
    side: Side,
    verb: str,
    secrets: PushSecretStore,
    curator: str = "",
) -> None:
    """Write one side of a step back, after checking the other side is what the rows hold now."""
    begin_write(conn)
    now_side: Side = "after" if side == "before" else "before"
    expected, wanted = step.side(now_side), step.side(side)
    tables = step.tables()
    for table in tables:
        keys = expected.get(table.name, {}).keys() | wanted.get(table.name, {}).keys()
        current = _rows(conn, table, keys)
        for key in keys:
            if _content(current.get(key)) != _content(expected.get(table.name, {}).get(key)):
                row = current.get(key) or expected.get(table.name, {}).get(key)
                raise UndoRefused(
                    f"Cannot {verb} “{step.label}”: {_what(table, key, row)} has changed since "
                    "(in another window, the command line or another program). Nothing was "
                    f"changed; this step was dropped from the {verb} history."
                )
        _stamp(table, wanted, current, curator)
        have, want = expected.get(table.name, {}), wanted.get(table.name, {})
        audit.record_rows(
            conn, curator, verb, step.label, table.name,
            [(current.get(k), row) for k, row in want.items()]
            + [(row, None) for k, row in have.items() if k not in want],
        )  # fmt: skip
    own = {t.name for t in tables}
    kept = step.kept[side]
    for table in Base.metadata.sorted_tables:  # parents first
        have, want = expected.get(table.name, {}), wanted.get(table.name, {})
        rows = [row for key, row in want.items() if key not in have]
        rows += list(kept.get(table.name, {}).values())
        if rows:
            conn.execute(insert(table), rows)
    for table in tables:
        have, want = expected.get(table.name, {}), wanted.get(table.name, {})
        for key, row in want.items():
            if key in have:
                conn.execute(update(table).where(_by_key(table, [key])).values(row))
    leaving: Rows = {}
    for table in reversed(tables):  # children first
        have, want = expected.get(table.name, {}), wanted.get(table.name, {})
        gone = [row for key, row in have.items() if key not in want]
        if gone:
            _cascaded(conn, table, gone, own, leaving)
            conn.execute(delete(table).where(_by_key(table, [_key(table, r) for r in gone])))
    step.kept[now_side] = leaving
    secrets.write(step.secrets[side])  # last, inside the transaction's write lock


class UndoHistory:
    """A library's undo and redo stacks, newest last; safe to use from several threads."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._undo: deque[Step] = deque(maxlen=limit)
        self._redo: list[Step] = []
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []

    def listen(self, callback: Callable[[], None]) -> None:
        """Call back (on the thread that made the change) whenever the stacks change.

        Why: the studio's Undo and Redo actions show the newest labels and must not poll.
        """
        self._listeners.append(callback)

    def unlisten(self, callback: Callable[[], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback()

    def push(self, step: Step) -> None:
        """Record a new edit; whatever could be redone is forgotten (the edit took its place)."""
        with self._lock:
            self._undo.append(step)
            self._redo.clear()
        self._changed()

    def undo_label(self) -> str | None:
        with self._lock:
            return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        with self._lock:
            return self._redo[-1].label if self._redo else None

    def __len__(self) -> int:
        return len(self._undo)

    def newest(self) -> Step | None:
        """The step Undo would revert now, if any."""
        with self._lock:
            return self._undo[-1] if self._undo else None

    def clear(self) -> None:
        with self._lock:
            self._undo.clear()
            self._redo.clear()
        self._changed()

    def undo(self, library: Library) -> UndoResult:
        return self._apply(library, redo=False)

    def redo(self, library: Library) -> UndoResult:
        return self._apply(library, redo=True)

    def _apply(self, library: Library, *, redo: bool) -> UndoResult:
        try:
            return self._apply_newest(library, redo=redo)
        finally:
            self._changed()

    def _apply_newest(self, library: Library, *, redo: bool) -> UndoResult:
        verb = "redo" if redo else "undo"
        source: deque[Step] | list[Step] = self._redo if redo else self._undo
        with self._lock:
            if not source:
                raise NothingToUndo(f"Nothing to {verb}.")
            step = source[-1]
            try:
                with library.session() as session:
                    side: Side = "after" if redo else "before"
                    _restore(
                        session.connection(), step, side, verb, library.secrets, library.curator
                    )
            except UndoRefused:
                source.pop()
                raise
            except IntegrityError as exc:
                raise UndoRefused(
                    f"Cannot {verb} “{step.label}”: the library refused it "
                    f"({exc.orig}). Nothing was changed; fix that and try again."
                ) from None
            source.pop()
            (self._undo if redo else self._redo).append(step)
            return UndoResult(step.label, step.kinds, redone=redo)
