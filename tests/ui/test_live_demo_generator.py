"""`make studio` on the demo: the studio runs the bundled live generator beside its own hub, the
frames reach the live work through the hub's signed route, and quitting ends the generator."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from pytestqt.exceptions import TimeoutError

from tests.ui.conftest import DEMO_WORKS, wait_idle
from urbanart.library.library import Library
from urbanart.live.demo import demo_live_work, load_demo_live
from urbanart.live.works import live_works


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_studio_feeds_the_demo_live_work_and_stops_the_generator_on_quit(
    qtbot, open_window, demo_home: Path
) -> None:
    with Library.open(demo_home) as library:
        load_demo_live(library)
        found = demo_live_work(library)
    assert found is not None
    window = open_window(demo_home, rows=DEMO_WORKS + 1, start_hub=True)
    qtbot.waitUntil(lambda: window.live_demo.process is not None, timeout=30_000)
    process = window.live_demo.process
    assert process is not None
    assert found[2] in process.args  # the demo work's token, read from the library

    def received() -> int:
        [state] = live_works(window.studio.library)
        return state.frames_received

    try:  # generator → live run → hub
        qtbot.waitUntil(lambda: received() >= 1, timeout=90_000)
    except TimeoutError:
        [state] = live_works(window.studio.library)
        pytest.fail(
            f"no frame reached the hub at {window.hub.address}: generator exit status "
            f"{process.poll()}, runner says {window.live_demo.status!r}, refused "
            f"{state.frames_refused} ({state.last_refusal!r}); its stderr is in the log above"
        )
    [state] = live_works(window.studio.library)
    assert state.frames_refused == 0, state.last_refusal
    assert _group_alive(process.pid)

    window.close()
    assert process.poll() is not None
    qtbot.waitUntil(lambda: not _group_alive(process.pid), timeout=10_000)  # the generator too


def test_a_library_without_the_demo_live_work_starts_no_generator(
    qtbot, open_window, demo_home: Path
) -> None:
    window = open_window(demo_home, start_hub=True)
    qtbot.waitUntil(lambda: window.hub.address is not None, timeout=30_000)
    qtbot.waitUntil(lambda: window._live_demo_for is not None, timeout=10_000)
    wait_idle(qtbot)  # the look-up ran in the background and found nothing to run
    assert window.live_demo.process is None


def test_a_generator_that_stops_on_its_own_says_why_in_the_status_bar(
    qtbot, open_window, demo_home: Path
) -> None:
    """The hub it posts to is gone: `live run` ends with the reason, and the studio shows it."""
    with Library.open(demo_home) as library:
        load_demo_live(library)
    window = open_window(demo_home, rows=DEMO_WORKS + 1)
    with socket.socket() as closed:  # a port nobody listens on once this block ends
        closed.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{closed.getsockname()[1]}"
    window.live_demo.start(window.studio.library, gone)
    qtbot.waitUntil(lambda: "stopped" in window.live_demo.status, timeout=60_000)
    assert "cannot be reached" in window.live_demo.status, window.live_demo.status
    assert window.live_demo.process is None
    assert window.live_demo.status in window.statusBar().currentMessage()
