"""A real PostgreSQL server for the tests: one per test session (per xdist worker), on a
temporary data folder and a Unix socket, and a fresh database per test copied from a template.

Why our own ~100 lines rather than pytest-postgresql: the tests run as root, which PostgreSQL
refuses, so the server must run as the ``postgres`` system user (``runuser``) on a folder owned
by it; and the binaries live under /usr/lib/postgresql/*/bin on Debian, not on PATH. Those two
facts are the whole fixture, and pytest-postgresql would need both patched in anyway.

Durability is turned off (fsync, full-page writes, synchronous commit) for the tests: a test
server that loses data on a power cut loses nothing of value, and ``CREATE DATABASE … TEMPLATE``
becomes a few milliseconds. A benchmark asks for ``durable=True``: PostgreSQL's defaults, as an
operator runs it, so a commit it times waits for its WAL on the disk as in production.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
TEMPLATE = "urbanart_template"


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/N/bin, else PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the postgres system user when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SUPERUSER, "--", *args]
    return args


class PostgresServer:
    """A throwaway server: start(), database() per test, stop() at the session's end."""

    def __init__(self, bin_dir: Path, *, durable: bool = False) -> None:
        self.bin_dir = bin_dir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="urbanart-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self._names = itertools.count(1)
        #: The database the running test uses (its URBANART_DATABASE_URL names it).
        self.current: str | None = None

    def _run(self, *args: str) -> None:
        subprocess.run(_as_postgres(list(args)), check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        self.socket_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, SUPERUSER)
            shutil.chown(self.socket_dir, SUPERUSER)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.root / "server.log"), "-w", "start",
        )  # fmt: skip
        return self

    def url(self, database: str, *, driver: str = "postgresql+psycopg") -> str:
        """A SQLAlchemy URL for the database over the Unix socket."""
        return f"{driver}://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def make_template(self, migrate: object) -> None:
        """Create the template database and let migrate(url) bring it to the schema's head."""
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        assert callable(migrate)
        migrate(self.url(TEMPLATE))

    def create_database(self, template: str = TEMPLATE) -> str:
        """A fresh database copied from a template (by default: empty at the schema's head)."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name

    def replace_database(self, name: str, template: str) -> None:
        """Make database name a copy of template (nobody may be connected to either)."""
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
