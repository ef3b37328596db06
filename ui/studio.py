"""What every view of one open library shares: the library, its change bus and thumbnail loader.

Switching libraries builds a new ``Studio`` and new views over it, so no view can keep reading
a library that was closed. On a PostgreSQL catalogue shared with other studios, the changes
they commit reach this studio's bus too (urbanart.library.change_feed), so its views refresh.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ui.garbage_collector import GarbageCollector
from ui.operations import (
    ARTISTS,
    ARTWORKS,
    PLAYLISTS,
    PUBLICATIONS,
    SCHEDULES,
    SCREENS,
    SETTINGS,
    SUBMISSIONS,
    ChangeBus,
    DataKind,
)
from ui.thumbnails import ThumbnailLoader
from urbanart.intake import events as intake_events
from urbanart.library.library import Library

#: What a view shows of each catalogue table another studio changed (tables not named here,
#: such as the job store's, change nothing a view shows).
KINDS_OF_TABLE: dict[str, frozenset[DataKind]] = {
    "artists": frozenset({ARTISTS, ARTWORKS}),  # works show their artist's name
    "artworks": frozenset({ARTWORKS}),
    "media_assets": frozenset({ARTWORKS}),
    "renditions": frozenset({ARTWORKS}),
    "tags": frozenset({ARTWORKS}),
    "playlists": frozenset({PLAYLISTS}),
    "playlist_items": frozenset({PLAYLISTS}),
    "screens": frozenset({SCREENS}),
    "screen_groups": frozenset({SCREENS}),
    "schedules": frozenset({SCHEDULES}),
    "publications": frozenset({PUBLICATIONS}),
    "published_manifests": frozenset({PUBLICATIONS}),
    "push_deliveries": frozenset({PUBLICATIONS}),
    "settings": frozenset({SETTINGS}),
    "calls": frozenset({SUBMISSIONS}),
    "call_submitters": frozenset({SUBMISSIONS}),
    "call_submissions": frozenset({SUBMISSIONS}),
}
#: "*": the feed lost its connection for a while; anything may have changed.
EVERYTHING = frozenset().union(*KINDS_OF_TABLE.values())


def kinds_of_tables(tables: frozenset[str]) -> frozenset[DataKind]:
    """The kinds of data the change bus announces for tables another process changed."""
    if "*" in tables:
        return EVERYTHING
    return frozenset().union(*(KINDS_OF_TABLE.get(t, frozenset()) for t in tables))


class Studio(QObject):
    """One open library as the views see it."""

    #: The library's undo history changed (emitted from whichever thread changed it).
    history_changed = Signal()
    #: Another process committed changes to these tables (emitted from the feed's thread,
    #: delivered on the GUI thread, where the bus announces them).
    tables_changed = Signal(object)  # frozenset[str]
    #: The hub in this process stored or withdrew a hand-in to this call (emitted from the
    #: hub's database thread, delivered on the GUI thread).
    submissions_changed = Signal(int)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        library.history.listen(self.history_changed.emit)
        self.bus = ChangeBus(self)
        self.thumbnails = ThumbnailLoader(library, parent=self)
        self.collector = GarbageCollector(self)
        self.tables_changed.connect(self._announce_tables)
        self.submissions_changed.connect(lambda _call: self.bus.announce({SUBMISSIONS}))
        self._hand_in_listener = self.submissions_changed.emit  # the same one to unlisten
        intake_events.listen(library.home, self._hand_in_listener)
        # Connecting happens on the feed's own thread: the GUI thread never waits for it.
        self.change_feed = library.listen_for_changes(self.tables_changed.emit)

    def _announce_tables(self, tables: frozenset[str]) -> None:
        self.bus.announce(kinds_of_tables(tables))

    def close(self) -> None:
        """Stop the change feed and thumbnail work, then close the library's connections."""
        if self.change_feed is not None:
            self.change_feed.stop(timeout=0)  # it ends within a poll; the GUI does not wait
        self.library.history.unlisten(self.history_changed.emit)
        intake_events.unlisten(self.library.home, self._hand_in_listener)
        self.thumbnails.shutdown()
        self.library.close()
