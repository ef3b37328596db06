"""Undoable playlist edits: add works, move, remove, and change an item's timing or overlay.

The first run of each edit happens before the command is pushed (so a refusal, such as a work
that is not approved yet, never leaves a command behind); undo and redo then replay the
engine calls on one serial pool, so they apply in the order the curator pressed the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QWidget

from ui.operations import PLAYLISTS, ChangeBus, OpContext, run_op
from urbanart.curation import playlists
from urbanart.curation.records import ItemRecord, PlaylistRecord
from urbanart.library.library import Library

Step = Callable[[Library], PlaylistRecord]


class PlaylistEdits:
    """Runs playlist engine calls in order and hands every resulting record to on_record."""

    def __init__(
        self,
        library: Library,
        parent: QWidget,
        pool: QThreadPool,
        bus: ChangeBus,
        on_record: Callable[[PlaylistRecord], None],
    ) -> None:
        self.library, self.parent, self.pool, self.bus = library, parent, pool, bus
        self.on_record = on_record

    def run(
        self,
        steps: list[Step],
        label: str,
        on_done: Callable[[PlaylistRecord], None] | None = None,
    ) -> None:
        library = self.library

        def work(_ctx: OpContext) -> PlaylistRecord:
            record: PlaylistRecord | None = None
            for step in steps:
                record = step(library)
            assert record is not None
            return record

        def done(record: PlaylistRecord) -> None:
            self.on_record(record)
            if on_done is not None:
                on_done(record)

        run_op(
            self.parent,
            work,
            on_success=done,
            changes={PLAYLISTS},
            bus=self.bus,
            label=label,
            pool=self.pool,
        )


class PlaylistCommand(QUndoCommand):
    """redo/undo are lists of engine steps; the first redo already ran when pushed."""

    def __init__(self, edits: PlaylistEdits, text: str, redo: list[Step], undo: list[Step]) -> None:
        super().__init__(text)
        self.edits, self._redo, self._undo = edits, redo, undo
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.edits.run(self._redo, f"redo {self.text()}")

    def undo(self) -> None:
        self.edits.run(self._undo, f"undo {self.text()}")


def add_works(playlist_id: int, ids: list[int], position: int) -> tuple[list[Step], list[Step]]:
    """Insert works at a 1-based position; undo removes the same positions again."""

    def redo(library: Library) -> PlaylistRecord:
        return playlists.add_items(library, playlist_id, ids, position=position)

    def undo(library: Library) -> PlaylistRecord:
        record = None
        for _ in ids:
            record = playlists.remove_item(library, playlist_id, position)
        assert record is not None
        return record

    return [redo], [undo]


def move(playlist_id: int, source: int, target: int) -> tuple[list[Step], list[Step]]:
    return (
        [lambda library: playlists.move_item(library, playlist_id, source, target)],
        [lambda library: playlists.move_item(library, playlist_id, target, source)],
    )


def remove(playlist_id: int, item: ItemRecord) -> tuple[list[Step], list[Step]]:
    """Remove the item at its position; undo puts the same work back with the same settings."""

    def undo(library: Library) -> PlaylistRecord:
        playlists.add_items(library, playlist_id, [item.artwork_id], position=item.position)
        return playlists.set_item(library, playlist_id, item.position, **item_settings(item))

    return [lambda library: playlists.remove_item(library, playlist_id, item.position)], [undo]


def change(
    playlist_id: int, position: int, before: dict[str, Any], after: dict[str, Any]
) -> tuple[list[Step], list[Step]]:
    return (
        [lambda library: playlists.set_item(library, playlist_id, position, **after)],
        [lambda library: playlists.set_item(library, playlist_id, position, **before)],
    )


def item_settings(item: ItemRecord) -> dict[str, Any]:
    """An item's settings in the keywords set_item takes."""
    return {
        "duration": item.duration,
        "transition": item.transition,
        "transition_seconds": item.transition_s,
        "overlay": item.overlay,
    }
