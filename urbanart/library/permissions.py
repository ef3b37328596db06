"""Owner-only permissions for a library: its folder 0700, its database and backups 0600.

Why: the catalogue holds push secrets and poll tokens (credentials), and curators' unpublished
work; on a shared machine every local user could read a library made with the default umask.
New libraries are created private, and an existing one is tightened when opened, with a log line
so an operator who relied on group access learns why it stopped.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: SQLite's companions of a database file (WAL mode); they hold the same data.
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")

#: Only POSIX permission bits mean anything here; Windows keeps a user's profile private itself.
ENFORCED = os.name == "posix"


def tighten(path: Path, mode: int) -> bool:
    """Drop every permission bit beyond mode (never adds any); True when something changed."""
    if not ENFORCED:
        return False
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if current & ~mode == 0:
        return False
    os.chmod(path, current & mode)
    log.warning(
        "tightened permissions of %s from %o to %o (owner only: it may hold credentials)",
        path,
        current,
        current & mode,
    )
    return True


def private_folder(path: Path) -> None:
    """Create path (and parents) with the new folder owner-only; tighten it if it existed."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    tighten(path, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """Make sure path exists owner-only before anyone (SQLite) opens it with the umask's mode.

    An empty file is a valid empty SQLite database, and SQLite gives its -wal and -shm files the
    database file's permissions, so creating it 0600 first keeps all three private.
    """
    if ENFORCED and not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE)
        os.close(fd)
    tighten(path, PRIVATE_FILE)


def tighten_database(db_path: Path) -> None:
    """The database and its SQLite companions, owner-only."""
    private_file(db_path)
    for suffix in SQLITE_SIDECARS:
        tighten(db_path.with_name(db_path.name + suffix), PRIVATE_FILE)


def tighten_backups(backup_dir: Path) -> None:
    """Backups are copies of the catalogue: the same protection as the database."""
    if not backup_dir.is_dir():
        return
    tighten(backup_dir, PRIVATE_DIR)
    for entry in backup_dir.iterdir():
        if entry.is_file():
            tighten(entry, PRIVATE_FILE)
