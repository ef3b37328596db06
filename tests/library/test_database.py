"""The library folder, its SQLite settings, and migrations that back up first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from urbanart.errors import LibraryError
from urbanart.library import catalog
from urbanart.library.database import MIGRATIONS_DIR, alembic_config, head_revision, make_engine
from urbanart.library.home import ENV_HOME, holds_library, resolve_home
from urbanart.library.library import Library


@pytest.mark.sqlite_only("the SQLite file and its pragmas")
def test_new_library_is_a_folder_with_a_wal_database_and_a_media_store(home: Path) -> None:
    with Library.open(home) as lib:
        assert (home / "library.sqlite3").is_file()
        assert (home / "media").is_dir()
        with lib.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_home_comes_from_flag_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "from-env"))
    assert resolve_home() == (tmp_path / "from-env").resolve()
    assert resolve_home(tmp_path / "flag") == (tmp_path / "flag").resolve()
    monkeypatch.delenv(ENV_HOME)
    assert "urbanart" in str(resolve_home()).lower()


def test_a_folder_holds_a_library_once_opened_or_always_when_the_catalogue_is_a_server(
    home: Path, tmp_path: Path, database: str
) -> None:
    """What the studio's New/Open library dialogs ask: a second curator joining an exhibition on
    PostgreSQL with an empty working folder is not asked to "create" a library."""
    empty = tmp_path / "empty"
    empty.mkdir()
    assert holds_library(empty) == (database == "postgresql")
    Library.open(home).close()
    assert holds_library(home)


@pytest.mark.sqlite_only("a missing SQLite file is a missing library; PostgreSQL's is the database")
def test_opening_without_create_refuses_a_missing_library(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="urbanart init"):
        Library.open(tmp_path / "nothing-here", create=False)
    assert not (tmp_path / "nothing-here").exists()


@pytest.mark.sqlite_only("SQLite's backup; pg_dump's: test_database_postgresql.py")
def test_older_library_is_backed_up_then_migrated(home: Path) -> None:
    revisions = [r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()]
    oldest = revisions[-1]
    assert len(revisions) >= 2, "needs an older schema to migrate from"
    home.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{home / 'library.sqlite3'}")
    command.upgrade(alembic_config(engine), oldest)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO artists (name, bio, website, location, contact, created_at,"
                " updated_at) VALUES ('Old Friend', '', '', '', '', '2024-01-01 00:00:00',"
                " '2024-01-01 00:00:00')"
            )
        )
    engine.dispose()

    with Library.open(home) as lib:
        assert lib.backup is not None and lib.backup.parent == home / "backups"
        assert [a.name for a in catalog.list_artists(lib)] == ["Old Friend"]
        with lib.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == head_revision()
            )
    backup = sqlite3.connect(lib.backup)
    try:
        assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] == oldest
        assert backup.execute("SELECT name FROM artists").fetchall() == [("Old Friend",)]
    finally:
        backup.close()


@pytest.mark.sqlite_only("edits the SQLite file; PostgreSQL's: test_database_postgresql.py")
def test_library_from_a_newer_app_is_refused_untouched(home: Path) -> None:
    Library.open(home).close()
    db = sqlite3.connect(home / "library.sqlite3")
    db.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    db.commit()
    db.close()
    with pytest.raises(LibraryError, match="newer Urban Art Studio"):
        Library.open(home)
    assert not (home / "backups").exists()


def test_current_library_opens_without_a_backup(home: Path) -> None:
    Library.open(home).close()
    with Library.open(home) as lib:
        assert lib.backup is None
