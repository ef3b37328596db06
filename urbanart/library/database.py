"""Opening the catalog database: engine, SQLite pragmas, and migrations that back up first.

This is the only module that knows which database it runs on (SQLite, or PostgreSQL via
URBANART_DATABASE_URL); everything else uses SQLAlchemy constructs. What differs lives here:
SQLite's pragmas, how a copy is made before migrating (SQLite's backup API, or ``pg_dump``),
and the lock that lets one process at a time do something (a PostgreSQL advisory lock; on
SQLite the library is one local folder, where a file lock already does it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import Pool

from urbanart.errors import LibraryError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: The PostgreSQL lock begin_write takes (see there).
WRITE_LOCK = "urbanart.write"
#: Set to 1 once you made your own copy of a PostgreSQL catalogue (no pg_dump on this machine).
ENV_SKIP_BACKUP = "URBANART_SKIP_BACKUP"


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, turn on WAL, foreign keys and a busy timeout per connection."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def observe_checkouts(observer: Callable[[threading.Thread], None]) -> Callable[[], None]:
    """Call observer with the current thread whenever any engine hands out a connection.

    Every session and every ``engine.connect()`` checks a connection out of its pool, so this
    sees all database work of the process, in every library opened before or after. The studio's
    tests use it to prove no database work runs on the GUI thread (a frozen window otherwise);
    the engine itself never needs it. Returns the function that stops observing.
    """

    def checked_out(_dbapi_conn: object, _record: object, _proxy: object) -> None:
        observer(threading.current_thread())

    event.listen(Pool, "checkout", checked_out)
    return lambda: event.remove(Pool, "checkout", checked_out)


def begin_write(conn: Connection) -> None:
    """Take the write lock now, so rows read next cannot change before this transaction writes.

    Why: SQLite's Python driver begins a transaction only at the first write, so rows read
    before it (an undo step's before-images, its staleness check) could be changed by another
    process in between. PostgreSQL (read committed) would let another transaction commit
    between those reads and the writes too: there the counterpart is a transaction-level
    advisory lock every recorded edit and every undo takes, released when the transaction
    ends, waited for as long as SQLite's busy timeout.
    """
    if is_postgresql(conn.engine):
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(WRITE_LOCK)})
        return
    if conn.dialect.name != "sqlite":
        return
    dbapi_conn = conn.connection.dbapi_connection
    if dbapi_conn is not None and not dbapi_conn.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def insert_new_only(dialect_name: str, table: Any) -> Any:
    """An INSERT into `table` that skips rows colliding with a unique constraint, for the
    dialect in use (PostgreSQL and SQLite both say ON CONFLICT DO NOTHING, each through its own
    SQLAlchemy construct).

    Why: two hub processes (or a retry racing its first attempt) may store the same play at
    once; the unique constraint decides which insert wins and the other adds nothing, where a
    look-then-insert would raise an integrity error for the loser.
    """
    return dialect_insert(dialect_name, table).on_conflict_do_nothing()


def dialect_insert(dialect_name: str, table: Any) -> Any:
    """The dialect's own INSERT construct for `table` (PostgreSQL's or SQLite's), which knows
    ON CONFLICT: insert-if-new above, and insert-or-update (``on_conflict_do_update`` with
    ``excluded``) where one statement must write rows that may or may not exist yet.
    """
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise LibraryError(f"No ON CONFLICT insert for the {dialect_name} database.")


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a readable name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Try to hold the database-wide lock `name` for the block; yields whether it was got.

    Why: on PostgreSQL several hosts share one catalogue, so a file lock in one library folder
    does not keep a second host's publish out; a session-level advisory lock does, and the
    server drops it when the holding connection ends (a killed process cannot leave it held).
    On SQLite the catalogue is a file in one folder, whose file locks already do this: yields
    True at once.
    """
    if not is_postgresql(engine):
        yield True
        return
    key = _lock_key(name)
    with engine.connect() as conn:
        got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(db_path: Path, backup_dir: Path, label: str) -> Path:
    """Copy a live SQLite database aside with the backup API (consistent even under WAL)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"library-{stamp}-{label}.sqlite3"
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def backup_postgresql(engine: Engine, backup_dir: Path, label: str) -> Path | None:
    """Dump a PostgreSQL catalogue aside with pg_dump (custom format: restore with pg_restore).

    Without pg_dump on this machine the migration is refused, naming the documented step
    (README "PostgreSQL"): a curator's catalogue is never changed without a copy to go back to.
    None when the curator said they made their own copy (URBANART_SKIP_BACKUP=1).
    """
    if os.environ.get(ENV_SKIP_BACKUP) == "1":
        return None
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise LibraryError(
            "The catalogue's schema needs an upgrade, and pg_dump (PostgreSQL's client tools) is "
            "not installed to copy it first. Install it, or back the database up yourself "
            f"(README: PostgreSQL) and run again with {ENV_SKIP_BACKUP}=1."
        )
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"library-{stamp}-{label}.pgdump"
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:  # by the environment, never on a command line others can read
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(password=None).render_as_string(hide_password=False)
    done = subprocess.run(
        [pg_dump, "--format=custom", f"--file={target}", f"--dbname={dsn}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise LibraryError(
            f"Could not back the catalogue up before upgrading it (pg_dump): "
            f"{done.stderr.strip() or done.returncode}"
        )
    return target


#: The revision that moved push secrets out of the catalogue into the secrets file.
SECRETS_MOVED_REVISION = "0005"


def migrate(
    engine: Engine,
    *,
    sqlite_path: Path | None,
    backup_dir: Path,
    secrets_path: Path | None = None,
) -> Path | None:
    """Bring the schema to head. An existing SQLite library is copied aside before any change.

    Returns the backup's path when one was made. A database from a newer version of the app is
    refused rather than touched. secrets_path is where the migration that moves push secrets out
    of the catalogue puts them; once they are there, the SQLite file and its backups are scrubbed
    of them (see forget_push_secrets).
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise LibraryError(
            f"This library was written by a newer Urban Art Studio (schema {current}); "
            "update the app to open it."
        )
    backup = None
    if current is not None and sqlite_path is not None and sqlite_path.exists():
        backup = backup_sqlite(sqlite_path, backup_dir, f"before-{head}")
    elif current is not None and is_postgresql(engine):
        backup = backup_postgresql(engine, backup_dir, f"before-{head}")
    config = alembic_config(engine)
    config.attributes["push_secrets_path"] = secrets_path
    command.upgrade(config, "head")
    moved = current is not None and current < SECRETS_MOVED_REVISION
    if moved and sqlite_path is not None:
        forget_push_secrets(engine, sqlite_path, backup_dir)
    return backup


def forget_push_secrets(engine: Engine, sqlite_path: Path, backup_dir: Path) -> None:
    """Scrub the push secrets an older schema kept in the catalogue from every SQLite copy.

    Why: dropping a column leaves its bytes in free pages and the WAL, and the backups made before
    migrating still hold the column. The secrets now live in the secrets file, so the copies lose
    nothing a restore needs: the backups' column is blanked and every file is vacuumed.
    """
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    copies = sorted(backup_dir.glob("*.sqlite3")) if backup_dir.is_dir() else []
    for copy in copies:
        db = sqlite3.connect(copy)
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(screens)")}
            if "push_secret" in columns:
                db.execute("UPDATE screens SET push_secret = NULL")
                db.commit()
                db.execute("VACUUM")
        finally:
            db.close()
