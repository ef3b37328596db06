"""What the main window needs from each of the studio's views, stated once as protocols.

The main window builds the views, stacks them, wires their undo stacks into Edit ▸ Undo, starts
their first loads once the window is up, and keeps their splitters in QSettings. Stating that
here (instead of probing each view with ``getattr``/``hasattr``) lets a type checker and a test
say when a view forgets a part, and shows a new view's author what to provide.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack


@runtime_checkable
class StudioView(Protocol):
    """One page of the studio (a QWidget): Library, Artists, Playlists, Schedules…"""

    #: The page's name, as in the sidebar.
    title: str

    @property
    def undo_stack(self) -> QUndoStack | None:
        """The view's own undo history, joined to the window's Edit menu; None if it has none.

        Read-only here, so a view may hold a plain QUndoStack (or None) attribute."""

    def start(self) -> None:
        """First load, once the window is up (loads run in the background)."""

    def save_state(self, settings: QSettings) -> None:
        """Keep splitters, columns and choices for the next start."""

    def restore_state(self, settings: QSettings) -> None:
        """Put back what ``save_state`` kept (called before ``start``)."""


@runtime_checkable
class ShowsHubAddress(Protocol):
    """A view that shows addresses on the studio's hub, so must know where the hub listens."""

    def set_hub_address(self, url: str | None) -> None:
        """The hub's base URL, or None once it stopped."""
