"""Telling other processes on the same PostgreSQL catalogue what changed (LISTEN/NOTIFY).

Several studios (and the CLI, and `urbanart serve`) may share one PostgreSQL catalogue. A
studio refreshes its views from its own change bus, which only hears the studio's own edits; so
every committed unit of work that wrote catalogue tables also sends a NOTIFY naming those
tables, and a ``ChangeListener`` in each studio turns the notifications back into "these tables
changed". NOTIFY is transactional: it is delivered only when (and if) the transaction commits,
so a listener never hears of a change it cannot read yet. A channel is scoped to its database,
and a library is one database, so the one channel name is per library.

SQLite has no such feature (and a SQLite library is one folder used by one studio): there
nothing is sent and ``listen`` returns None.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Delete, Insert, Update

log = logging.getLogger(__name__)

CHANNEL = "urbanart_changes"
#: Tables written so often that announcing them would flood every studio, and that no view
#: refreshes from (leases are renewed every few seconds; screens report plays and heartbeats).
#: The audit log is written beside every edit, whose own table already names what changed.
QUIET_TABLES = frozenset(
    {"leases", "heartbeats", "plays", "screen_states", "alembic_version", "audit_log"}
)
#: How long a listener waits for notifications before looking whether it should stop.
POLL_SECONDS = 0.25
#: After losing its connection, a listener connects again this often.
RECONNECT_SECONDS = 1.0

_WRITTEN = "urbanart_written_tables"


def new_sender_id() -> str:
    """Names one open library in the notifications it sends, so it can ignore its own."""
    return secrets.token_hex(8)


def announce_commits(engine: Engine, sessions: sessionmaker[Session], sender: str) -> None:
    """Make every commit of `sessions` that wrote catalogue tables NOTIFY them (PostgreSQL).

    Why at the connection level: edits reach the database both as ORM flushes and as Core
    statements on the session's connection (undo restores rows that way); both are executed
    INSERT/UPDATE/DELETE constructs that name their table.
    """
    if engine.dialect.name != "postgresql":
        return

    def written(conn: Connection, clause: Any, *_args: Any) -> None:
        if isinstance(clause, Insert | Update | Delete):
            name = getattr(clause.table, "name", None)
            if isinstance(name, str) and name not in QUIET_TABLES:
                conn.info.setdefault(_WRITTEN, set()).add(name)

    def forget(conn: Connection) -> None:
        conn.info.pop(_WRITTEN, None)

    def notify(session: Session) -> None:
        session.flush()  # what the commit would flush is written (and recorded) first
        conn = session.connection()
        tables = conn.info.pop(_WRITTEN, None)
        if tables:
            payload = json.dumps({"sender": sender, "tables": sorted(tables)})
            conn.execute(text("SELECT pg_notify(:channel, :payload)"), {
                "channel": CHANNEL, "payload": payload,
            })  # fmt: skip

    event.listen(engine, "after_execute", written)
    event.listen(engine, "rollback", forget)
    event.listen(engine, "commit", forget)
    event.listen(sessions, "before_commit", notify)


def parse(payload: str) -> tuple[str, frozenset[str]] | None:
    """(sender, tables) from a notification; None for one this version cannot read."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
        return None
    tables = frozenset(t for t in data["tables"] if isinstance(t, str))
    return str(data.get("sender", "")), tables


class ChangeListener:
    """Listens on its own connection and calls on_change(tables) from its own thread.

    Changes sent by `ignore_sender` (the library this listener belongs to, whose own edits its
    studio announces already) are skipped. A lost connection is re-made; changes committed
    while it was lost are not replayed, so on reconnecting the listener reports every table
    once (views reload rather than miss an edit).
    """

    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[frozenset[str]], None],
        *,
        ignore_sender: str | None = None,
    ) -> None:
        self._engine = engine
        self._on_change = on_change
        self._ignore = ignore_sender
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="urbanart-change-feed", daemon=True)

    def start(self) -> ChangeListener:
        self._thread.start()
        return self

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Whether the listener is LISTENing (changes committed after this are heard)."""
        return self._ready.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end (within one poll); wait for it up to timeout seconds."""
        self._stop.set()
        alive = self._thread.is_alive() and self._thread is not threading.current_thread()
        if alive and timeout > 0:
            self._thread.join(timeout)

    def _connect(self) -> Any:
        import psycopg  # only PostgreSQL libraries listen; SQLite users need not install it

        args, params = self._engine.dialect.create_connect_args(self._engine.url)
        return psycopg.connect(*args, **params, autocommit=True)

    def _run(self) -> None:
        reconnected = False
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    if reconnected:
                        self._deliver(frozenset({"*"}))
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_SECONDS):
                            self._handle(note.payload)
            except Exception:
                if self._stop.is_set():
                    return
                log.warning("change feed: connection lost; reconnecting", exc_info=True)
                reconnected = True
                self._stop.wait(RECONNECT_SECONDS)

    def _handle(self, payload: str) -> None:
        parsed = parse(payload)
        if parsed is None:
            log.info("change feed: ignored a notification it cannot read: %.80r", payload)
            return
        sender, tables = parsed
        if sender != self._ignore and tables:
            self._deliver(tables)

    def _deliver(self, tables: frozenset[str]) -> None:
        try:
            self._on_change(tables)
        except Exception:
            log.exception("change feed: the change handler failed")


def listen(
    engine: Engine,
    on_change: Callable[[frozenset[str]], None],
    *,
    ignore_sender: str | None = None,
) -> ChangeListener | None:
    """A started listener for a PostgreSQL catalogue; None for SQLite (nothing to hear)."""
    if engine.dialect.name != "postgresql":
        return None
    return ChangeListener(engine, on_change, ignore_sender=ignore_sender).start()
