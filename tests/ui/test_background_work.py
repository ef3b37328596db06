"""How the studio runs background work: failures always come back, writes queue, latest wins."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from tests.ui.conftest import library_view, wait_idle
from tests.ui.gui_thread_guard import CheckoutGuard
from ui import operations
from ui.latest import Latest
from ui.operations import OpContext, run_op
from ui.views.screens.presenter import load_snapshot
from ui.views.screens.view import ScreensView
from ui.views.studio_view import ShowsHubAddress, StudioView
from urbanart.curation.screens import add_screen, list_screens
from urbanart.library.catalog import get_artwork
from urbanart.library.home import DATABASE_NAME
from urbanart.library.library import Library


@pytest.fixture
def parent(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _rename_table(home: Path, old: str, new: str) -> None:
    """A real fault the studio cannot expect: a table it reads is gone (for a moment)."""
    with sqlite3.connect(home / DATABASE_NAME) as db:
        db.execute(f"ALTER TABLE {old} RENAME TO {new}")


# Failures ----------------------------------------------------------------------------------------


def test_an_unexpected_error_reaches_on_failure_and_the_log(qtbot, parent, caplog) -> None:
    failures: list[BaseException] = []

    def broken(_ctx: OpContext) -> int:
        return {"size": 1}["width"]

    with caplog.at_level(logging.ERROR, logger="ui.operations"):
        run_op(parent, broken, on_success=lambda _: None, on_failure=failures.append, label="x1")
        qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], KeyError)
    assert "x1" in caplog.text and "Traceback" in caplog.text and "'width'" in caplog.text
    assert not parent.findChildren(QMessageBox)  # the handler decides what the curator sees


def test_without_a_handler_an_unexpected_error_shows_its_traceback_and_closes_the_progress(
    qtbot, parent
) -> None:
    parent.show()
    started = threading.Event()
    release = threading.Event()

    def broken(_ctx: OpContext) -> None:
        started.set()
        release.wait(5)
        raise ValueError("frame size 0x0")

    run_op(parent, broken, progress_label="Working…", show_after_ms=0)
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in parent.findChildren(QProgressDialog)), timeout=5000
    )
    release.set()
    qtbot.waitUntil(
        lambda: any(b.isVisible() for b in parent.findChildren(QMessageBox)), timeout=5000
    )
    box = next(b for b in parent.findChildren(QMessageBox) if b.isVisible())
    assert "ValueError: frame size 0x0" in box.informativeText()
    assert 'raise ValueError("frame size 0x0")' in box.detailedText()
    assert not any(d.isVisible() for d in parent.findChildren(QProgressDialog))
    box.close()


def test_screens_view_keeps_refreshing_after_an_unexpected_failure(
    qtbot, open_window, demo_home
) -> None:
    window = open_window(demo_home)
    window.show_view("screens")
    view = window.views["screens"]
    assert isinstance(view, ScreensView)
    qtbot.waitUntil(lambda: view.loaded_at is not None, timeout=10_000)
    first = view.loaded_at

    _rename_table(demo_home, "screen_states", "screen_states_away")
    view.refresh()
    qtbot.waitUntil(view.load_error.isVisible, timeout=10_000)
    assert "no such table: screen_states" in view.load_error.text()
    assert view.loaded_at == first

    _rename_table(demo_home, "screen_states_away", "screen_states")
    view.timer.setInterval(100)  # the 10 s timer, shortened: it must still be refreshing
    with qtbot.waitSignal(view.screens_loaded, timeout=10_000):
        pass
    assert view.loaded_at is not None and view.loaded_at > first
    assert not view.load_error.isVisible()


def test_an_unexpected_save_failure_leaves_the_editor_ready_to_save_again(
    qtbot, open_window, demo_home
) -> None:
    view = library_view(open_window(demo_home))
    view.grid.setCurrentIndex(view.model.index(0, 0))
    artwork_id = view.model.artwork(0).id
    qtbot.waitUntil(lambda: getattr(view.editor.record, "id", None) == artwork_id, timeout=5000)

    _rename_table(demo_home, "tags", "tags_away")
    view.editor.title.selectAll()
    qtbot.keyClicks(view.editor.title, "Harbour at Dusk")
    view.editor.save_button.click()
    qtbot.waitUntil(view.editor.general_error.isVisible, timeout=5000)
    assert view.editor.general_error.text().startswith("Something unexpected went wrong")
    assert view.editor.save_button.isEnabled() and view.editor.title.text() == "Harbour at Dusk"

    _rename_table(demo_home, "tags_away", "tags")
    view.editor.save_button.click()
    qtbot.waitUntil(
        lambda: get_artwork(view.studio.library, artwork_id).title == "Harbour at Dusk",
        timeout=5000,
    )


# Writes ------------------------------------------------------------------------------------------


def test_writes_run_one_at_a_time_in_order_while_reads_go_on(qtbot, parent) -> None:
    spans: list[tuple[int, float, float]] = []
    gate = threading.Event()

    def write(n: int):
        def fn(_ctx: OpContext) -> int:
            start = time.perf_counter()
            if n == 0:
                gate.wait(5)  # the first write holds the writer until the read has finished
            time.sleep(0.02)
            spans.append((n, start, time.perf_counter()))
            return n

        return fn

    for n in range(5):
        run_op(parent, write(n), writes=True, label=f"write {n}")
    reads: list[int] = []
    run_op(parent, lambda _ctx: len(spans), on_success=reads.append, label="read")
    qtbot.waitUntil(lambda: bool(reads), timeout=5000)
    assert reads == [0]  # it finished while the first write was still waiting
    gate.set()
    qtbot.waitUntil(lambda: len(spans) == 5, timeout=5000)
    wait_idle(qtbot)

    assert [n for n, _, _ in spans] == [0, 1, 2, 3, 4]
    for (_, _, end), (_, start, _) in itertools.pairwise(spans):
        assert end <= start, "two writes overlapped"
    on_writer = {r.label: r.on_writer for r in operations.history}
    assert on_writer["write 3"] is True and on_writer["read"] is False


def test_real_writes_from_the_studio_queue_on_the_writer(qtbot, parent, library) -> None:
    names = [f"Screen {n}" for n in range(6)]
    done: list[str] = []
    for name in names:
        run_op(
            parent,
            lambda _ctx, name=name: add_screen(library, name, tz="UTC", size="1920x1080").name,
            on_success=done.append,
            writes=True,
        )
    qtbot.waitUntil(lambda: len(done) == len(names), timeout=10_000)
    assert done == names  # applied in the order asked
    assert [s.name for s in list_screens(library)] == sorted(names)


def test_the_studios_own_writes_run_on_the_writer(qtbot, open_window, demo_home) -> None:
    operations.history.clear()
    open_window(demo_home)
    wait_idle(qtbot)
    by_label = {r.label: r.on_writer for r in operations.history}
    assert by_label["open library"] is True
    assert by_label["screen statuses"] is False


# Keeping only the latest result ------------------------------------------------------------------


def test_latest_drops_a_superseded_result(qtbot, parent) -> None:
    latest = Latest(parent, "test load")
    gate = threading.Event()
    shown: list[str] = []

    def slow(_ctx: OpContext) -> str:
        gate.wait(5)
        return "old"

    first = latest.run(slow, shown.append)
    latest.run(lambda _ctx: "new", shown.append)
    qtbot.waitUntil(lambda: shown == ["new"], timeout=5000)
    assert first.cancel.is_set()  # the superseded load was asked to stop
    assert not latest.running
    gate.set()
    wait_idle(qtbot)
    assert shown == ["new"]


def test_latest_drops_a_superseded_failure_but_reports_the_newest(qtbot, parent) -> None:
    latest = Latest(parent, "test load")
    gate = threading.Event()
    failures: list[BaseException] = []

    def slow_fault(_ctx: OpContext) -> str:
        gate.wait(5)
        raise RuntimeError("old fault")

    def new_fault(_ctx: OpContext) -> str:
        raise RuntimeError("new fault")

    latest.run(slow_fault, lambda _: None, failures.append)
    latest.run(new_fault, lambda _: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    gate.set()
    wait_idle(qtbot)
    assert [str(f) for f in failures] == ["new fault"]
    assert not latest.running


# The GUI-thread guard ----------------------------------------------------------------------------


@pytest.mark.allow_gui_thread_db
def test_the_guard_trips_when_studio_code_loads_on_the_gui_thread(demo_home: Path) -> None:
    guard = CheckoutGuard().start()
    try:
        with Library.open(demo_home) as library:
            load_snapshot(library, True)  # the Screens view's background load, on this thread
    finally:
        guard.stop()
    found = guard.violations()
    assert found and all(c.on_gui_thread for c in found)
    assert all("ui/views/screens/presenter.py" in (c.origin or "") for c in found)
    with pytest.raises(AssertionError, match=r"screens/presenter\.py:[0-9]+ in load_snapshot"):
        guard.check()


def test_the_guard_lets_workers_and_the_tests_own_reads_pass(demo_home: Path) -> None:
    guard = CheckoutGuard().start()
    try:
        with Library.open(demo_home) as library:
            list_screens(library)  # a test checking what the studio wrote
            worker = threading.Thread(target=load_snapshot, args=(library, True))
            worker.start()
            worker.join()
    finally:
        guard.stop()
    assert any(c.on_gui_thread for c in guard.checkouts)
    assert any(not c.on_gui_thread for c in guard.checkouts)
    assert guard.violations() == []
    guard.check()


# The views as the window sees them ---------------------------------------------------------------


def test_every_view_is_a_studio_view(open_window, demo_home) -> None:
    window = open_window(demo_home)
    assert window.views and all(isinstance(v, StudioView) for v in window.views.values())
    hub_views = [k for k, v in window.views.items() if isinstance(v, ShowsHubAddress)]
    assert hub_views == ["screens", "live"]  # live: the command the artist runs names the hub
