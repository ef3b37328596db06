"""Push secrets live in an owner-only file beside the catalogue, never in the database."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from urbanart.curation import screens
from urbanart.library.database import alembic_config, make_engine
from urbanart.library.home import ENV_DATABASE_URL
from urbanart.library.library import Library
from urbanart.library.secrets_store import SECRETS_NAME

URL = "https://screens.example/push"


def database_bytes(home: Path) -> bytes:
    """The catalogue as a copy or a dump would carry it: the file, its WAL and every backup
    (on PostgreSQL: what pg_dump writes of it)."""
    url = os.environ.get(ENV_DATABASE_URL)
    if url is not None:
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return subprocess.run(
            ["pg_dump", f"--dbname={dsn}"], capture_output=True, check=True
        ).stdout
    files = [home / "library.sqlite3", home / "library.sqlite3-wal"]
    files += sorted((home / "backups").glob("*")) if (home / "backups").is_dir() else []
    return b"".join(f.read_bytes() for f in files if f.is_file())


def test_a_secret_is_kept_in_an_owner_only_file_and_never_in_the_database(home: Path) -> None:
    secret = "never-in-the-catalogue-" + "k" * 20
    with Library.open(home) as lib:
        record = screens.add_screen(
            lib, "Kiosk", tz="Europe/Berlin", size="640x360", push_url=URL, push_secret=secret
        )
        screens.edit_screen(lib, record.id, notes="touched after the secret was set")
        assert screens.reveal_push_secret(lib, record.id) == secret
        assert secret.encode() not in database_bytes(home)
    assert secret.encode() in (home / SECRETS_NAME).read_bytes()
    assert stat.S_IMODE((home / SECRETS_NAME).stat().st_mode) == 0o600


def test_removing_a_screen_removes_its_secret_and_undo_brings_it_back(library: Library) -> None:
    record = screens.add_screen(library, "Gone", tz="Europe/Berlin", size="640x360", push_url=URL)
    secret = library.secrets.get(record.id)
    assert secret
    screens.remove_screen(library, record.id)
    assert library.secrets.get(record.id) is None
    assert secret.encode() not in (library.home / SECRETS_NAME).read_bytes()
    library.undo()
    assert screens.reveal_push_secret(library, record.id) == secret
    library.redo()
    assert library.secrets.get(record.id) is None


def test_clearing_the_push_url_forgets_the_secret(library: Library) -> None:
    record = screens.add_screen(library, "Quiet", tz="Europe/Berlin", size="640x360", push_url=URL)
    screens.edit_screen(library, record.id, push_url="")
    assert library.secrets.all() == {}
    library.undo()
    assert library.secrets.get(record.id) and screens.get_screen(library, record.id).push_url


@pytest.mark.sqlite_only("scrubs the SQLite file, its WAL and its backups")
def test_migration_moves_secrets_out_of_the_catalogue_and_its_backups(home: Path) -> None:
    secret = "an-old-secret-from-the-column-" + "z" * 12
    home.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{home / 'library.sqlite3'}")
    command.upgrade(alembic_config(engine), "0004")  # the schema that kept the column
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO screens (name, city, address, timezone, width, height,"
                " poll_interval, poll_token, push_url, push_secret, notes, created_at,"
                " updated_at) VALUES ('Old', '', '', 'UTC', 640, 360, 60, 'tok-old', :url,"
                " :secret, '', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            ),
            {"url": URL, "secret": secret},
        )
        old_id = conn.execute(text("SELECT id FROM screens")).scalar_one()
    engine.dispose()
    assert secret.encode() in database_bytes(home)

    with Library.open(home) as lib:
        assert lib.backup is not None and lib.backup.is_file()
        assert screens.reveal_push_secret(lib, old_id) == secret
        with lib.engine.connect() as conn:
            columns = {row[1] for row in conn.execute(text("PRAGMA table_info(screens)"))}
        assert "push_secret" not in columns
    assert secret.encode() not in database_bytes(home)
    assert stat.S_IMODE((home / SECRETS_NAME).stat().st_mode) == 0o600
