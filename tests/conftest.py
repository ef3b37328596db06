"""Shared fixtures: a real library in a temporary folder and a real CLI runner.

The library, curation and delivery tests run twice, on SQLite and on a real PostgreSQL server
(``--db`` chooses; tests/postgres_server.py starts the server). The autouse ``database`` fixture
points URBANART_DATABASE_URL at a fresh PostgreSQL database for the second run, so every way a
test opens its library (``Library.open``, the CLI, a child process) lands on the same database.
A test that is about SQLite itself (its file, its backups) says so with ``sqlite_only``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.browsers import stop_shared_playwright
from tests.postgres_server import PostgresServer, find_bin_dir
from urbanart.cli.main import cli
from urbanart.library.demo import load_demo
from urbanart.library.home import ENV_DATABASE_URL
from urbanart.library.importer import ImportRun
from urbanart.library.library import Library

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The test folders whose tests run on both databases.
BOTH_DATABASES = ("library", "curation", "delivery")
DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=(*DATABASES, "both"),
        default="both",
        help="which databases the library, curation and delivery tests run on (default: both)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test is about SQLite itself; it does not run on PostgreSQL",
    )
    config.addinivalue_line(
        "markers",
        "no_database: the test touches no catalogue (pure functions, files); it runs once, not "
        "once per database",
    )
    config.addinivalue_line(
        "markers",
        "postgresql_only(reason): the test is about a PostgreSQL feature; it does not run on "
        "SQLite",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" not in metafunc.fixturenames:
        return
    parts = Path(str(metafunc.definition.path)).parts
    if "tests" not in parts or parts[parts.index("tests") + 1] not in BOTH_DATABASES:
        return
    if metafunc.definition.get_closest_marker("no_database") is not None:
        return
    chosen = metafunc.config.getoption("--db")
    kinds = list(DATABASES) if chosen == "both" else [chosen]
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        kinds = [k for k in kinds if k == "sqlite"]
    if metafunc.definition.get_closest_marker("postgresql_only") is not None:
        kinds = [k for k in kinds if k == "postgresql"]
    metafunc.parametrize("database", kinds, indirect=True)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One PostgreSQL server per test session (per xdist worker), with a migrated template."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries are missing (Debian: apt install postgresql)")
    server = PostgresServer(bin_dir).start()
    try:

        def migrate(url: str) -> None:
            Library.open(tmp_path_factory.mktemp("pg-template"), database_url=url).close()

        server.make_template(migrate)
        yield server
    finally:
        server.stop()


class LibraryTemplates:
    """Libraries built once per session and database kind, copied for each test that wants one.

    Why: building the demo collection takes seconds; a copy takes milliseconds. On SQLite a copy
    is the library folder; on PostgreSQL it is the folder (media, secrets) plus the test's
    database made anew from the template's (CREATE DATABASE … TEMPLATE).
    """

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request
        self._built: dict[tuple[str, str], tuple[Path, str | None, object]] = {}

    def copy(self, key: str, build: Callable[[Library], object], dest: Path) -> object:
        """Copy template `key` (made by build(library) the first time) to dest; returns what
        build returned. Call it from a test's fixture: the copy lands on the test's database."""
        url = os.environ.get(ENV_DATABASE_URL)
        kind = "sqlite" if url is None else "postgresql"
        if (key, kind) not in self._built:
            factory: pytest.TempPathFactory = self._request.getfixturevalue("tmp_path_factory")
            home = factory.mktemp(f"template-{key}") / "library"
            db_name = None
            template_url = None
            if kind == "postgresql":
                server: PostgresServer = self._request.getfixturevalue("postgres_server")
                db_name = server.create_database()
                template_url = server.url(db_name)
            with Library.open(home, database_url=template_url) as library:
                result = build(library)
            self._built[key, kind] = (home, db_name, result)
        home, db_name, result = self._built[key, kind]
        shutil.copytree(home, dest, dirs_exist_ok=True)
        if db_name is not None:
            server = self._request.getfixturevalue("postgres_server")
            assert server.current is not None, "copy() runs inside a PostgreSQL test"
            server.replace_database(server.current, db_name)
        return result

    def fill(self, key: str, build: Callable[[Library], object], library: Library) -> object:
        """Make the open, still empty `library` a copy of template `key`, as copy() does.

        For helpers handed an open library (build_demo_screen): its connections are closed
        first and reopen on the copy at the next use, the same Library object."""
        library.engine.dispose()
        if library.engine.url.get_backend_name() == "sqlite":
            database = Path(str(library.engine.url.database))
            for leftover in (database, *database.parent.glob(database.name + "-*")):
                leftover.unlink(missing_ok=True)  # a stale -wal must not replay onto the copy
        return self.copy(key, build, library.home)


#: The session's LibraryTemplates, for helpers that are plain functions (fill_from_template).
_templates: LibraryTemplates | None = None


def fill_from_template(key: str, build: Callable[[Library], object], library: Library) -> object:
    """LibraryTemplates.fill for helpers without a fixture request (tests/player's builders)."""
    assert _templates is not None, "the session's library_templates fixture sets it up"
    return _templates.fill(key, build, library)


def copy_from_template(key: str, build: Callable[[Library], object], dest: Path) -> object:
    """LibraryTemplates.copy for helpers without a fixture request (tests/viewers' gallery)."""
    assert _templates is not None, "the session's library_templates fixture sets it up"
    return _templates.copy(key, build, dest)


@pytest.fixture(scope="session", autouse=True)
def _shared_playwright_stops() -> Iterator[None]:
    """Stops the Playwright driver tests/browsers.py shares, if a test started it."""
    yield
    stop_shared_playwright()


@pytest.fixture(scope="session", autouse=True)
def library_templates(request: pytest.FixtureRequest) -> Iterator[LibraryTemplates]:
    global _templates
    _templates = LibraryTemplates(request)
    yield _templates
    _templates = None


@pytest.fixture(autouse=True)
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Which database this test's libraries use: "sqlite" (a file in the library folder), or
    "postgresql" (a fresh database on the session's server, named by URBANART_DATABASE_URL)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
        yield kind
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    monkeypatch.setenv(ENV_DATABASE_URL, server.url(name))
    server.current = name
    try:
        yield kind
    finally:
        server.current = None
        server.drop_database(name)


@pytest.fixture(autouse=True)
def _own_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-user settings (curator name, shared signing key) of each test, never the tester's."""
    monkeypatch.setenv("URBANART_USER_CONFIG", str(tmp_path / "user-config.json"))
    monkeypatch.delenv("URBANART_CURATOR", raising=False)
    monkeypatch.delenv("URBANART_SIGNING_KEY_FILE", raising=False)


@pytest.fixture
def home(tmp_path: Path, database: str) -> Path:
    return tmp_path / "library"


def _nothing(_library: Library) -> None:
    """Builds the "empty" template: a library just created and migrated."""


#: The template key of the demo collection, shared by every folder's demo fixtures.
DEMO = "demo"


def demo_collection(library: Library) -> None:
    """Builds the DEMO template: the demo collection (load_demo), imported in this process.

    Why one process: the same works, artists and tags as `urbanart demo`, but numbered in
    file order every time, and without the spawned import pool, whose workers cost ~4 s of CPU
    to start for each template (the pool itself is tested in tests/library)."""
    load_demo(library, run=ImportRun(workers=1))


@pytest.fixture
def library(home: Path, database: str, library_templates: LibraryTemplates) -> Iterator[Library]:
    """An open, empty library at home. On SQLite it is a copy of one migrated once per session:
    running every migration costs a fresh library ~0.3 s of CPU, a copy ~10 ms. (PostgreSQL
    tests get their database from a migrated template already, see `database`.)"""
    if database == "sqlite" and not home.exists():
        library_templates.copy("empty", _nothing, home)
    lib = Library.open(home)
    yield lib
    lib.close()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture
def run_cli(home: Path, library_templates: LibraryTemplates):
    """Run `urbanart --home HOME ARGS…` in process, as a user would type it. A SQLite home not
    made yet starts as a copy of the migrated empty library, as the `library` fixture's does."""

    def run(*args: str) -> CliResult:
        if os.environ.get(ENV_DATABASE_URL) is None and not home.exists():
            library_templates.copy("empty", _nothing, home)
        runner = CliRunner()
        result = runner.invoke(cli, ["--home", str(home), *args], catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
