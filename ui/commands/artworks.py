"""Undoable artwork edits: metadata saved in the detail panel and bulk review-status changes.

Each command keeps the values before and after, per artwork id, and applies either side with
``catalog.edit_artwork`` in the background. A save that already happened (the detail panel saves
first, so a refused value can be shown next to its field) is pushed with ``done=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QWidget

from ui.operations import ARTISTS, ARTWORKS, OpContext, run_op
from ui.studio import Studio
from urbanart.library.catalog import edit_artwork
from urbanart.library.records import ArtworkRecord

Values = Mapping[int, Mapping[str, Any]]


def record_values(record: ArtworkRecord, fields: list[str]) -> dict[str, Any]:
    """A record's fields in the form edit_artwork accepts back (so undo can restore them)."""
    every = {
        "title": record.title,
        "artist": record.artist_name,
        "year": "" if record.year is None else str(record.year),
        "description": record.description,
        "alt_text": record.alt_text,
        "tags": ", ".join(record.tags),
        "license": record.license,
        "ai_involvement": record.ai_involvement,
        "status": record.status,
    }
    return {name: every[name] for name in fields}


def apply_values(
    studio: Studio,
    parent: QWidget,
    values: Values,
    on_success: Callable[[list[ArtworkRecord]], None] | None = None,
    label: str = "edit artworks",
) -> None:
    """Write values (id → fields) in one background operation, then refresh the views."""
    library = studio.library
    plan = {artwork_id: dict(fields) for artwork_id, fields in values.items()}

    def work(ctx: OpContext) -> list[ArtworkRecord]:
        done = []
        for n, (artwork_id, fields) in enumerate(plan.items(), start=1):
            done.append(edit_artwork(library, artwork_id, **fields))
            ctx.progress(n, len(plan), "")
        return done

    run_op(
        parent,
        work,
        on_success=on_success,
        progress_label="Updating artworks…" if len(plan) > 50 else None,
        changes={ARTWORKS, ARTISTS},
        bus=studio.bus,
        label=label,
        writes=True,
    )


class EditArtworksCommand(QUndoCommand):
    """Fields of one or more artworks, from before to after."""

    def __init__(
        self,
        studio: Studio,
        parent_widget: QWidget,
        text: str,
        before: Values,
        after: Values,
        *,
        done: bool = False,
    ) -> None:
        super().__init__(text)
        self.studio, self.parent_widget = studio, parent_widget
        self.before, self.after = before, after
        self._skip_first_redo = done

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        apply_values(self.studio, self.parent_widget, self.after, label=f"redo {self.text()}")

    def undo(self) -> None:
        apply_values(self.studio, self.parent_widget, self.before, label=f"undo {self.text()}")
