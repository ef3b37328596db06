"""The studio tests' guard "no database work on the GUI thread", built on real checkouts.

Every connection checkout in the process is recorded with its thread (through the engine's
``observe_checkouts``). A checkout on the GUI (main) thread counts against the studio when studio
code (a frame under ``ui/``) led to it; a test's own reads (checking what the studio wrote) have
no studio frame on their stack and are allowed. A database call on the GUI thread freezes the
window for as long as SQLite waits, so any such checkout fails the test.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import ui
from urbanart.library.database import observe_checkouts

UI_DIR = str(Path(ui.__file__).resolve().parent)


@dataclass(frozen=True)
class Checkout:
    """One connection handed out: on which thread, and which studio code asked for it."""

    thread: str
    on_gui_thread: bool
    origin: str | None  # "ui/views/screens/presenter.py:58 in load_snapshot", or None


def studio_origin(frame: FrameType | None) -> str | None:
    """The innermost studio frame on a stack, as "path:line in function"."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(UI_DIR):
            relative = Path(filename).relative_to(Path(UI_DIR).parent)
            return f"{relative}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return None


class CheckoutGuard:
    """Records checkouts while started; ``check`` fails when the studio used the GUI thread."""

    def __init__(self) -> None:
        self.checkouts: list[Checkout] = []
        self._lock = threading.Lock()
        self._stop: Callable[[], None] | None = None

    def start(self) -> CheckoutGuard:
        self._stop = observe_checkouts(self._record)
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    def _record(self, thread: threading.Thread) -> None:
        gui = thread is threading.main_thread()
        # Only the GUI thread's stack matters; walking every worker's stack would cost for nothing.
        origin = studio_origin(sys._getframe(1)) if gui else None
        with self._lock:
            self.checkouts.append(Checkout(thread.name, gui, origin))

    def violations(self) -> list[Checkout]:
        """Checkouts the studio made on the GUI thread."""
        with self._lock:
            return [c for c in self.checkouts if c.on_gui_thread and c.origin is not None]

    def check(self) -> None:
        """Raise AssertionError naming the studio code that used the database on the GUI thread."""
        found = self.violations()
        if found:
            places = sorted({c.origin for c in found if c.origin})
            raise AssertionError(
                f"database work ran on the GUI thread ({len(found)} checkouts) from: "
                + "; ".join(places)
            )
