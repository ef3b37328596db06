"""Starting the studio: the QApplication, settings, which library to open, and the main window.

Which library: ``--home`` on the command line, else URBANART_HOME, else the one opened last,
else the platform default. On the very first start the default library is empty, so the demo
collection is loaded in the background to give the curator something to look at.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QSocketNotifier, Qt, QThreadPool
from PySide6.QtWidgets import QApplication

from ui import theme
from ui.main_window import MainWindow
from ui.system_libraries import studio_display_problem
from urbanart import __version__
from urbanart.library.home import ENV_HOME, resolve_home

ORGANIZATION = "UrbanArtStudio"
APPLICATION = "Urban Art Studio"


MIN_WORKER_THREADS = 6


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists, as in tests), named for QSettings."""
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(list(argv or sys.argv[:1]))
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(theme.app_icon())
    # Engine operations mostly wait on SQLite, disk or the network, and a long one (a publish
    # check, an import) must not queue a quick one (a search, a status refresh) behind it: with
    # Qt's default of one thread per core a 2-core laptop would have only two.
    pool = QThreadPool.globalInstance()
    pool.setMaxThreadCount(max(MIN_WORKER_THREADS, pool.maxThreadCount()))
    return app


def choose_home(explicit: str | None, settings: QSettings) -> tuple[Path, bool]:
    """The library folder to open, and whether this is a first start (nothing chosen before)."""
    if explicit or os.environ.get(ENV_HOME):
        return resolve_home(explicit), False
    last = str(settings.value("library/home", ""))
    if last and Path(last).is_dir():
        return Path(last), False
    return resolve_home(None), not last


def create_window(
    home: Path,
    settings: QSettings,
    *,
    demo_if_empty: bool = False,
    show: bool = True,
    start_hub: bool = True,
) -> MainWindow:
    """A main window opening home in the background (used by main, tests and the bench)."""
    window = MainWindow(settings, start_hub=start_hub)
    if show:
        window.show()
    window.open_library(home, demo_if_empty=demo_if_empty)
    return window


def close_on_signals(window: MainWindow) -> QSocketNotifier:
    """Close the window (saving settings, stopping the hub) on SIGTERM or Ctrl+C in a terminal.

    Python runs signal handlers only when it gets control, and Qt's event loop keeps it in C++;
    the signal's wakeup byte on a socket Qt watches hands control back.
    """
    receive, send = socket.socketpair()
    send.setblocking(False)
    signal.set_wakeup_fd(send.fileno())
    notifier = QSocketNotifier(receive.fileno(), QSocketNotifier.Type.Read, window)
    # the slot holds both sockets, so they live (and stay open) as long as the connection
    notifier.activated.connect(lambda *_, keep=send: receive.recv(64))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: window.close())
    return notifier


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `urbanart-studio`, `python -m ui` and `urbanart studio`."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="urbanart-studio", description=APPLICATION)
    parser.add_argument("--home", help="library folder to open")
    options, qt_args = parser.parse_known_args(args)
    problem = studio_display_problem(os.environ)
    if problem is not None:  # said before Qt aborts with a plugin message naming one library
        print(problem, file=sys.stderr)
        return 1
    app = make_application([sys.argv[0], *qt_args])
    settings = QSettings()
    home, first_start = choose_home(options.home, settings)
    window = create_window(home, settings, demo_if_empty=first_start)
    window.raise_()
    notifier = close_on_signals(window)
    status = app.exec()
    signal.set_wakeup_fd(-1)
    notifier.setEnabled(False)
    return status
