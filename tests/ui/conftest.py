"""Studio fixtures: a demo library built once and copied per test, and a real window.

Qt runs offscreen (tests/conftest.py). Every test gets its own library folder and QSettings
file, so tests never touch the curator's real library or preferences. Every studio test fails
when studio code checked out a database connection on the GUI thread (see gui_thread_guard.py),
unless it is marked ``allow_gui_thread_db``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from tests.conftest import DEMO, LibraryTemplates, demo_collection
from tests.ui.gui_thread_guard import CheckoutGuard
from ui import operations
from ui.app import create_window, make_application
from ui.main_window import MainWindow
from ui.views.library_view import LibraryView

DEMO_WORKS = 25
#: The demo works approved for screens (all but two submitted ones).
DEMO_APPROVED = 23


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_gui_thread_db: the test itself makes studio code use the database on the GUI "
        "thread (the guard's own test); the guard does not fail it",
    )


@pytest.fixture(autouse=True)
def gui_thread_guard(request: pytest.FixtureRequest) -> Iterator[CheckoutGuard]:
    """Watches every connection checkout of the test (window teardown included)."""
    guard = CheckoutGuard().start()
    try:
        yield guard
    finally:
        guard.stop()
    if request.node.get_closest_marker("allow_gui_thread_db") is None:
        guard.check()


@pytest.fixture(scope="session")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory, library_templates: LibraryTemplates
) -> Path:
    """A demo library built once per session (the DEMO template the other folders' tests
    copy too); tests work on copies of it."""
    home = tmp_path_factory.mktemp("demo-template") / "library"
    library_templates.copy(DEMO, demo_collection, home)
    return home


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path) -> Path:
    home = tmp_path / "library"
    shutil.copytree(demo_template, home)
    return home


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot, settings: QSettings) -> Iterator[Callable[..., MainWindow]]:
    """Open a studio window on a library folder and wait until its grid shows its works."""
    make_application()
    windows: list[MainWindow] = []
    operations.history.clear()

    def open_(home: Path, *, rows: int | None = DEMO_WORKS, **options: object) -> MainWindow:
        options.setdefault("start_hub", False)
        window = create_window(home, settings, **options)  # type: ignore[arg-type]
        windows.append(window)  # closed below, after background work ends (not by qtbot)
        window.resize(1280, 800)
        window.activateWindow()
        qtbot.waitActive(window)  # shortcuts (Ctrl+S, Ctrl+Z) only reach an active window
        qtbot.waitUntil(
            lambda: isinstance(window.views.get("library"), LibraryView), timeout=10_000
        )
        if rows is not None:
            view = library_view(window)
            qtbot.waitUntil(lambda: view.model.rowCount() == rows, timeout=10_000)
        return window

    yield open_
    qtbot.waitUntil(lambda: not operations.busy(), timeout=10_000)
    for window in windows:
        if shiboken6.isValid(window):
            window.close()
            window.deleteLater()
    wait_idle(qtbot)


def library_view(window: MainWindow) -> LibraryView:
    view = window.views["library"]
    assert isinstance(view, LibraryView)
    return view


def wait_idle(qtbot) -> None:
    qtbot.waitUntil(lambda: not operations.busy(), timeout=10_000)
