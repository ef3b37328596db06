"""The library folder, its SQLite settings, and migrations that back up first."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
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


@pytest.mark.no_database
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


def _row_for(table: sa.Table, **given: object) -> dict[str, object]:
    """Values for every required column of a reflected table (the schema of an old revision)."""
    row: dict[str, object] = {}
    for column in table.columns:
        if column.name in given or column.primary_key or column.nullable:
            continue
        if column.server_default is not None:
            continue
        python = column.type.python_type
        row[column.name] = {
            int: 1,
            float: 1.0,
            bool: False,
            str: "x",
            datetime: datetime(2024, 1, 1),
        }.get(python, "x")
    return row | given


@pytest.mark.sqlite_only("SQLite rebuilds a table to alter it; PostgreSQL alters in place")
def test_a_library_with_works_in_it_migrates_from_0007_keeping_every_row(home: Path) -> None:
    """A batch migration rebuilds a table that other rows point at (artworks → media_assets):
    with foreign keys enforced, dropping the old table failed on a real library (not on an
    empty one), so each step must run with them off and be checked after."""
    home.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{home / 'library.sqlite3'}")
    command.upgrade(alembic_config(engine), "0007")
    meta = sa.MetaData()
    meta.reflect(engine, only=["artists", "media_assets", "artworks"])
    with engine.begin() as conn:
        artist = conn.execute(
            meta.tables["artists"].insert().values(_row_for(meta.tables["artists"], name="Old"))
        ).inserted_primary_key[0]
        asset = conn.execute(
            meta.tables["media_assets"]
            .insert()
            .values(_row_for(meta.tables["media_assets"], sha256="ab" * 32))
        ).inserted_primary_key[0]
        conn.execute(
            meta.tables["artworks"]
            .insert()
            .values(
                _row_for(meta.tables["artworks"], title="Kept", artist_id=artist, asset_id=asset)
            )
        )
    engine.dispose()

    with Library.open(home) as lib:
        [work] = catalog.list_artworks(lib)
        assert (work.title, work.artist_name, work.kind) == ("Kept", "Old", "image")
        with lib.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on again after
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []


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
