"""Python's cyclic garbage collection, run by the studio on the GUI thread when it suits.

Left automatic, a full collection of a 10,000-work session pauses the GUI for 80–200 ms
(a visible hitch mid-scroll), and a collection may start on a worker thread and finalise Qt
objects there. So automatic collection is switched off; a timer collects the young
generations every half second, and the old generation only after the curator has stopped
scrolling or typing for a moment.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

IDLE_BEFORE_FULL_S = 2.0


class GarbageCollector(QObject):
    """Owns the collector's schedule while it exists; automatic collection is restored after."""

    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.last_activity = time.monotonic()
        self.full_collections = 0
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.destroyed.connect(gc.enable)

    def note_activity(self, *_: object) -> None:
        """Called on scrolls and keystrokes: postpones full collections until things calm down."""
        self.last_activity = time.monotonic()

    def check(self) -> None:
        young, middle, old = gc.get_count()
        if old > self.threshold[2] and time.monotonic() - self.last_activity > IDLE_BEFORE_FULL_S:
            gc.collect(2)
            self.full_collections += 1
        elif middle > self.threshold[1]:
            gc.collect(1)
        elif young > self.threshold[0]:
            gc.collect(0)
