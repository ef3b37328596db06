"""A catalogue on PostgreSQL: pg_dump before migrating, refusals, and the database-wide lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from urbanart.errors import LibraryError
from urbanart.library import catalog
from urbanart.library.database import (
    ENV_SKIP_BACKUP,
    MIGRATIONS_DIR,
    alembic_config,
    begin_write,
    current_revision,
    exclusive,
    head_revision,
    make_engine,
)
from urbanart.library.home import ENV_DATABASE_URL
from urbanart.library.library import Library

pytestmark = pytest.mark.postgresql_only("about the PostgreSQL catalogue")

OLDEST = [r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()][-1]


def _older_catalogue() -> None:
    """Turn the test's database into one an older app wrote: oldest schema, one artist."""
    engine = make_engine(os.environ[ENV_DATABASE_URL])
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(engine), OLDEST)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO artists (name, bio, website, location, contact, created_at,"
                " updated_at) VALUES ('Old Friend', '', '', '', '', '2024-01-01 00:00:00',"
                " '2024-01-01 00:00:00')"
            )
        )
    engine.dispose()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="PostgreSQL's client tools missing")
def test_an_older_catalogue_is_dumped_with_pg_dump_then_migrated(home: Path) -> None:
    _older_catalogue()
    with Library.open(home) as lib:
        assert lib.backup is not None and lib.backup.parent == home / "backups"
        assert lib.backup.suffix == ".pgdump"
        assert [a.name for a in catalog.list_artists(lib)] == ["Old Friend"]
        assert current_revision(lib.engine) == head_revision()
    script = subprocess.run(
        ["pg_restore", "--data-only", "--file=-", str(lib.backup)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Old Friend" in script
    assert OLDEST in script  # the copy holds the schema as it was before migrating


def test_without_pg_dump_the_migration_is_refused_naming_the_documented_step(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _older_catalogue()
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(LibraryError, match=rf"pg_dump.*README: PostgreSQL.*{ENV_SKIP_BACKUP}=1"):
        Library.open(home)
    engine = make_engine(os.environ[ENV_DATABASE_URL])
    assert current_revision(engine) == OLDEST  # untouched
    engine.dispose()
    monkeypatch.setenv(ENV_SKIP_BACKUP, "1")  # the curator made their own copy
    with Library.open(home) as lib:
        assert lib.backup is None
        assert current_revision(lib.engine) == head_revision()
        assert [a.name for a in catalog.list_artists(lib)] == ["Old Friend"]


def test_a_catalogue_from_a_newer_app_is_refused_untouched(home: Path) -> None:
    with Library.open(home) as lib, lib.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(LibraryError, match="newer Urban Art Studio"):
        Library.open(home)
    assert not (home / "backups").exists()


def test_the_database_wide_lock_admits_one_holder_across_engines(library: Library) -> None:
    other = make_engine(os.environ[ENV_DATABASE_URL])
    try:
        with exclusive(library.engine, "urbanart.test") as first:
            assert first
            with exclusive(other, "urbanart.test") as second:
                assert not second
            with exclusive(other, "urbanart.other-duty") as unrelated:
                assert unrelated
        with exclusive(other, "urbanart.test") as after_release:
            assert after_release
    finally:
        other.dispose()


def test_a_lock_whose_holder_dies_is_free_again(library: Library) -> None:
    other = make_engine(os.environ[ENV_DATABASE_URL])
    holding = exclusive(other, "urbanart.test")
    try:
        assert holding.__enter__()
        with library.engine.connect() as conn:  # the holder's connection ends (a crash)
            ended = conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                )
            )
        assert ended == 1
        with exclusive(library.engine, "urbanart.test") as taken_over:
            assert taken_over
        with pytest.raises(OperationalError):  # the dead holder cannot even release it
            holding.__exit__(None, None, None)
    finally:
        other.dispose()


def test_recorded_edits_take_turns_as_sqlite_writers_do(library: Library) -> None:
    """begin_write: a second writer waits until the first one's transaction ends."""
    other = make_engine(os.environ[ENV_DATABASE_URL])
    second_in = threading.Event()

    def second_writer() -> None:
        with other.connect() as conn, conn.begin():
            begin_write(conn)
            second_in.set()

    try:
        with library.engine.connect() as first:
            first.begin()
            begin_write(first)
            thread = threading.Thread(target=second_writer)
            thread.start()
            assert not second_in.wait(0.5)  # held off while the first transaction is open
            first.commit()
            assert second_in.wait(5)
            thread.join(5)
    finally:
        other.dispose()
