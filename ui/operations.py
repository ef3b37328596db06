"""The one way the studio runs slow engine work: off the GUI thread, with progress and errors shown.

Modelled on Anki's CollectionOp/QueryOp. ``run_op`` hands a function to a thread pool, shows a
progress dialog when the work takes a while (its Cancel sets the ``threading.Event`` the engine
call receives), calls ``on_success`` back on the GUI thread, hands *any* exception to
``on_failure`` (or shows it in the window), and announces which kinds of data changed so every
view showing them refreshes itself. An unexpected error (not an ``UrbanArtError``) is logged with
its traceback and still reaches the failure path, so no view is left waiting for a result that
never comes. Operations that change the database (``writes=True``) run one at a time, in the
order asked, on one writer thread (as Anki runs all collection work on one thread); reads share
the general pool. Widgets never call the engine's slow functions directly.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from urbanart.errors import UrbanArtError

T = TypeVar("T")
log = logging.getLogger(__name__)


class DataKind(StrEnum):
    """Kinds of data an operation can change; views listen for the kinds they show."""

    ARTWORKS = "artworks"
    ARTISTS = "artists"
    PLAYLISTS = "playlists"
    LIBRARY = "library"  # another library was opened: everything changed
    SCREENS = "screens"
    SCHEDULES = "schedules"
    PUBLICATIONS = "publications"
    SETTINGS = "settings"  # the library's settings (public address, look-ahead…)
    SUBMISSIONS = "submissions"  # open calls and the works handed in to them


#: The kinds by their short names, as views import them.
ARTWORKS, ARTISTS, PLAYLISTS, LIBRARY = (
    DataKind.ARTWORKS,
    DataKind.ARTISTS,
    DataKind.PLAYLISTS,
    DataKind.LIBRARY,
)
SCREENS, SCHEDULES, PUBLICATIONS = DataKind.SCREENS, DataKind.SCHEDULES, DataKind.PUBLICATIONS
SETTINGS, SUBMISSIONS = DataKind.SETTINGS, DataKind.SUBMISSIONS


@dataclass
class OpContext:
    """What a background function receives: a cancel flag and a way to report progress."""

    cancel: threading.Event = field(default_factory=threading.Event)
    _report: Callable[[int, int, str], None] | None = None

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Report progress; safe to call from the worker thread as often as you like."""
        if self._report is not None:
            self._report(done, total, text)


@dataclass(frozen=True)
class OpRecord:
    """One finished operation, kept so tests and diagnostics can see where work ran."""

    label: str
    ran_on_gui_thread: bool
    seconds: float
    failed: bool
    on_writer: bool = False  # ran on the one database-writer thread (``writes=True``)


#: The last operations run, newest last (a small ring, for tests and the About box).
history: deque[OpRecord] = deque(maxlen=200)


class ChangeBus(QObject):
    """Tells views which kinds of data an operation changed (see ARTWORKS, ARTISTS…)."""

    changed = Signal(object)  # frozenset[DataKind]

    def announce(self, kinds: Iterable[DataKind]) -> None:
        kinds = frozenset(kinds)
        if kinds:
            self.changed.emit(kinds)


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)
    progressed = Signal(int, int, str)


class _Job(QRunnable):
    """Runs fn(ctx) on a pool thread and posts the outcome back through queued signals."""

    def __init__(
        self, fn: Callable[[OpContext], Any], ctx: OpContext, label: str, on_writer: bool
    ) -> None:
        super().__init__()
        self.fn, self.ctx, self.label, self.on_writer = fn, ctx, label, on_writer
        self.signals = _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:
        start = time.perf_counter()
        gui = threading.current_thread() is threading.main_thread()
        try:
            result = self.fn(self.ctx)
        except BaseException as exc:  # every failure goes back to the window, none to stderr
            seconds = time.perf_counter() - start
            history.append(OpRecord(self.label, gui, seconds, True, self.on_writer))
            self.signals.failed.emit(exc, "".join(traceback.format_exception(exc)))
            return
        seconds = time.perf_counter() - start
        history.append(OpRecord(self.label, gui, seconds, False, self.on_writer))
        self.signals.succeeded.emit(result)


_running: set[_Job] = set()  # keeps jobs (and their signal objects) alive until they report


def busy() -> bool:
    """Whether any background operation is still running (tests wait on this)."""
    return bool(_running)


def submit(
    fn: Callable[[OpContext], T],
    *,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[BaseException, str], None] | None = None,
    pool: QThreadPool | None = None,
    ctx: OpContext | None = None,
    label: str = "",
    receiver: QObject | None = None,
) -> OpContext:
    """Low-level: run fn(ctx) on a pool, call back on the GUI thread; no dialogs, no messages.

    Callbacks are dropped when ``receiver`` (a widget) was deleted meanwhile, so a closed
    window never gets called back. Used by ``run_op`` and the thumbnail loader.
    """
    ctx = ctx or OpContext()
    pool = pool if pool is not None else QThreadPool.globalInstance()
    on_writer = _writer is not None and shiboken6.isValid(_writer) and pool is _writer
    job = _Job(fn, ctx, label or getattr(fn, "__name__", "operation"), on_writer)
    _running.add(job)

    def alive() -> bool:
        return receiver is None or shiboken6.isValid(receiver)

    def succeeded(result: Any) -> None:
        _running.discard(job)
        if on_success is not None and alive():
            on_success(result)

    def failed(exc: BaseException, trace: str) -> None:
        _running.discard(job)
        expected = isinstance(exc, UrbanArtError)
        if not expected:
            log.error("background operation %r failed unexpectedly:\n%s", job.label, trace)
        if on_failure is not None and alive():
            on_failure(exc, trace)
        elif expected:
            log.warning("background operation %r failed: %s", job.label, exc)

    job.signals.succeeded.connect(succeeded, Qt.ConnectionType.QueuedConnection)
    job.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    pool.start(job)
    ctx._job_signals = job.signals  # type: ignore[attr-defined]
    return ctx


def describe(exc: BaseException) -> str:
    """One line for a curator: an engine error's own words, else what kind of fault it was.

    Failure handlers that show a message next to a field or in a status line use this, so an
    unexpected fault reads as one (its traceback is in the log) instead of a bare ``KeyError``.
    """
    if isinstance(exc, UrbanArtError):
        return str(exc)
    return f"Something unexpected went wrong ({type(exc).__name__}: {exc})."


def show_error(parent: QWidget | None, exc: BaseException, trace: str = "") -> None:
    """An engine error's own words in a message box; anything else as "unexpected", with details.

    The traceback (given, or taken from the exception) goes in the box's details, so a curator
    can copy it into a bug report; background failures were already logged by ``submit``.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote names curators typed
    box.setWindowTitle("Urban Art Studio")
    if isinstance(exc, UrbanArtError):
        box.setText(str(exc))
    else:
        box.setText("Something unexpected went wrong; nothing you typed was lost.")
        box.setInformativeText(f"{type(exc).__name__}: {exc}")
        trace = trace or "".join(traceback.format_exception(exc))
        box.setDetailedText(trace)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def run_op(
    parent: QWidget,
    fn: Callable[[OpContext], T],
    *,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    progress_label: str | None = None,
    cancellable: bool = False,
    changes: Iterable[DataKind] = (),
    bus: ChangeBus | None = None,
    label: str = "",
    show_after_ms: int = 400,
    pool: QThreadPool | None = None,
    writes: bool = False,
) -> OpContext:
    """Run an engine call in the background; the studio's only way to do slow work.

    fn receives an ``OpContext`` (``ctx.cancel`` for the engine's cancel Event,
    ``ctx.progress(done, total, text)`` to move the bar). A progress dialog appears when
    ``progress_label`` is given and the work lasts longer than ``show_after_ms``; it is closed
    before any callback runs, whatever the outcome. Every exception fn raises goes to
    ``on_failure`` when given (say, to show an engine error next to a field, and to leave a
    busy state), else to a message box over parent; unexpected ones are logged with their
    traceback either way. After success, ``changes`` are announced on ``bus``.
    ``writes=True`` runs fn on the studio's one writer thread (see ``writer_pool``), after
    every write asked for before it: pass it for anything that changes the database.
    """
    ctx = OpContext()
    dialog: QProgressDialog | None = None
    if progress_label is not None:
        dialog = QProgressDialog(progress_label, "Cancel" if cancellable else "", 0, 0, parent)
        dialog.setWindowTitle("Urban Art Studio")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumWidth(420)
        dialog.setAutoReset(False)
        dialog.setAutoClose(False)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(ctx.cancel.set)
        dialog.reset()  # reset() hides it and stops Qt's own "show after" timer
        QTimer.singleShot(show_after_ms, dialog, lambda: _show_if_running(dialog, ctx))

        signals = _Signals()
        signals.progressed.connect(
            lambda done, total, text: _progress(dialog, done, total, text, progress_label),
            Qt.ConnectionType.QueuedConnection,
        )
        ctx._report = signals.progressed.emit
        ctx._signals = signals  # type: ignore[attr-defined]

    def finish() -> None:
        ctx.finished = True  # type: ignore[attr-defined]
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.reset()
            dialog.hide()
            dialog.deleteLater()

    def succeeded(result: T) -> None:
        finish()
        if on_success is not None:
            on_success(result)
        if bus is not None:
            bus.announce(changes)

    def failed(exc: BaseException, trace: str) -> None:
        finish()
        if on_failure is not None:
            on_failure(exc)
        else:
            show_error(parent, exc, trace)

    return submit(
        fn,
        on_success=succeeded,
        on_failure=failed,
        ctx=ctx,
        label=label or progress_label or str(getattr(fn, "__name__", "operation")),
        receiver=parent,
        pool=pool if pool is not None else (writer_pool() if writes else None),
    )


def _show_if_running(dialog: QProgressDialog, ctx: OpContext) -> None:
    if not getattr(ctx, "finished", False) and shiboken6.isValid(dialog):
        dialog.show()


def _progress(dialog: QProgressDialog, done: int, total: int, text: str, label: str) -> None:
    if not shiboken6.isValid(dialog):
        return
    dialog.setMaximum(max(total, 0))
    dialog.setValue(min(done, total) if total else 0)
    counter = f"{done:,} of {total:,}" if total else ""
    lines = [label, counter, _elide_middle(text, 60)]
    dialog.setLabelText("\n".join(line for line in lines if line))


def _elide_middle(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    half = (width - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def serial_pool(parent: QObject | None) -> QThreadPool:
    """A one-thread pool: operations submitted to it run one after another, in order."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return pool


_writer: QThreadPool | None = None


def writer_pool() -> QThreadPool:
    """The studio's one database-writer thread, shared by every view, dialog and command.

    Writes queued here never overlap, so two edits cannot race for SQLite's write lock (or
    apply out of order on PostgreSQL); reads stay on the general pool and never wait for a
    long import or publish. Owned by the QApplication, made again if that was replaced.
    """
    global _writer
    if _writer is None or not shiboken6.isValid(_writer):
        _writer = serial_pool(QCoreApplication.instance())
    return _writer


class Debouncer(QObject):
    """Calls back once input has paused (search as you type without a query per key)."""

    def __init__(self, delay_ms: int, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(callback)

    def poke(self) -> None:
        self._timer.start()

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._timer.timeout.emit()
