"""A library is owner-only: folder 0700, database and backups 0600; old ones are tightened."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from urbanart.library import home as homes
from urbanart.library.library import Library

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only("the SQLite file's permission bits")
def test_a_new_library_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual default: files world-readable
    try:
        with Library.open(tmp_path / "lib") as library:
            with library.session():
                pass
            home = library.home
    finally:
        os.umask(old_umask)
    assert mode(home) == 0o700
    database = home / homes.DATABASE_NAME
    assert mode(database) == 0o600
    for sidecar in ("-wal", "-shm"):
        companion = database.with_name(database.name + sidecar)
        if companion.exists():
            assert mode(companion) & 0o077 == 0


@pytest.mark.sqlite_only("the SQLite file's permission bits")
def test_an_existing_open_library_is_tightened_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Library.open(tmp_path / "lib") as library:
        home = library.home
    backups = home / homes.BACKUP_DIR
    backups.mkdir()
    (backups / "library-old.sqlite3").write_bytes(b"copy")
    os.chmod(home, 0o755)  # noqa: S103 - the loose mode under test
    os.chmod(home / homes.DATABASE_NAME, 0o644)
    os.chmod(backups, 0o755)  # noqa: S103 - the loose mode under test
    os.chmod(backups / "library-old.sqlite3", 0o644)

    with caplog.at_level(logging.WARNING), Library.open(home):
        pass

    assert mode(home) == 0o700
    assert mode(home / homes.DATABASE_NAME) == 0o600
    assert mode(backups) == 0o700 and mode(backups / "library-old.sqlite3") == 0o600
    assert any(
        "tightened permissions" in r.message and str(home) in r.message for r in caplog.records
    )


@pytest.mark.sqlite_only("the SQLite file's permission bits")
def test_tightening_never_adds_permissions(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        home = library.home
    os.chmod(home / homes.DATABASE_NAME, 0o400)  # the owner chose read-only
    with Library.open(home):
        pass
    assert mode(home / homes.DATABASE_NAME) == 0o400
