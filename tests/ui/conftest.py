"""Studio fixtures: a demo library built once and copied per test, and a real window.

Qt runs offscreen (tests/conftest.py). Every test gets its own library folder and QSettings
file, so tests never touch the curator's real library or preferences. After each test we check
that no engine call ran on the GUI thread.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from ui import operations
from ui.app import create_window, make_application
from ui.main_window import MainWindow
from ui.views.library_view import LibraryView
from urbanart.library.demo import load_demo
from urbanart.library.library import Library

DEMO_WORKS = 24


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo library built once per session; tests work on copies of it."""
    home = tmp_path_factory.mktemp("demo-template") / "library"
    with Library.open(home) as library:
        load_demo(library)
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
    on_gui = [r.label for r in operations.history if r.ran_on_gui_thread]
    assert on_gui == [], f"engine work ran on the GUI thread: {on_gui}"


def library_view(window: MainWindow) -> LibraryView:
    view = window.views["library"]
    assert isinstance(view, LibraryView)
    return view


def wait_idle(qtbot) -> None:
    qtbot.waitUntil(lambda: not operations.busy(), timeout=10_000)
