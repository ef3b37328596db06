"""What every view of one open library shares: the library, its change bus and thumbnail loader.

Switching libraries builds a new ``Studio`` and new views over it, so no view can keep reading
a library that was closed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ui.garbage_collector import GarbageCollector
from ui.operations import ChangeBus
from ui.thumbnails import ThumbnailLoader
from urbanart.library.library import Library


class Studio(QObject):
    """One open library as the views see it."""

    #: The library's undo history changed (emitted from whichever thread changed it).
    history_changed = Signal()

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        library.history.listen(self.history_changed.emit)
        self.bus = ChangeBus(self)
        self.thumbnails = ThumbnailLoader(library, parent=self)
        self.collector = GarbageCollector(self)

    def close(self) -> None:
        """Stop thumbnail work, then close the library's database connections."""
        self.library.history.unlisten(self.history_changed.emit)
        self.thumbnails.shutdown()
        self.library.close()
