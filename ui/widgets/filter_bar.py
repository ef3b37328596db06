"""The grid's filter bar: search as you type, artist, tag, review status, AI involvement, order.

It only collects what the curator chose and emits ``changed`` (debounced for typing); the
library view turns that into a ``BrowseQuery`` that runs in the database, off the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from ui import theme
from ui.operations import Debouncer
from ui.widgets.plain_text import PlainLabel
from urbanart.library.browse import BrowseQuery, FilterChoices
from urbanart.library.vocabulary import REVIEW_STATUSES, SOURCE_TYPES, UNDISCLOSED

SEARCH_DELAY_MS = 200
#: The data of "All …" entries. Not None: QComboBox.currentData() returns None short of a
#: reference on PySide6 6.12 / CPython 3.11, so None must never come back from Qt.
ANY = ""
SORT_LABELS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title",
    "artist": "Artist",
}


class FilterBar(QWidget):
    """Search field and filter menus above the grid."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search works")
        self.search.setToolTip("Search titles, artists, descriptions and tags (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search", 16), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(220)
        self.search.setAccessibleName("Search")
        self.artist = _combo("All artists", "Filter by artist")
        self.tag = _combo("All tags", "Filter by tag")
        self.status = _combo("Any status", "Filter by review status")
        for status in REVIEW_STATUSES:
            self.status.addItem(status.capitalize(), status)
        self.ai = _combo("Any AI use", "Filter by AI involvement")
        self.ai.addItem("Not disclosed", UNDISCLOSED)
        for code, source in SOURCE_TYPES.items():
            self.ai.addItem(source.label, code)
        self.sort = QComboBox()
        self.sort.setToolTip("Order of the grid")
        for key, label in SORT_LABELS.items():
            self.sort.addItem(label, key)
        self.count = PlainLabel()
        self.count.setMinimumWidth(90)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        palette = self.count.palette()
        palette.setColor(self.count.foregroundRole(), theme.muted_text(palette))
        self.count.setPalette(palette)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search, 3)
        for combo in (self.artist, self.tag, self.status, self.ai):
            layout.addWidget(combo, 1)
        #: The order menu and the count: the library shows them in its bottom strip, so the
        #: search keeps a usable width beside four filter menus in a 1280-pixel window.
        self.trailing: tuple[QWidget, ...] = (self.sort, self.count)

        self._debounce = Debouncer(SEARCH_DELAY_MS, self.changed.emit, self)
        self.search.textChanged.connect(self._debounce.poke)
        self.search.returnPressed.connect(self._debounce.flush)
        for combo in (self.artist, self.tag, self.status, self.ai, self.sort):
            combo.currentIndexChanged.connect(self._combo_changed)
        self._updating = False

    def _combo_changed(self) -> None:
        if not self._updating:
            self.changed.emit()

    def set_choices(self, choices: FilterChoices) -> None:
        """Refill the artist and tag menus, keeping what was chosen when it still exists."""
        self._updating = True
        artist, tag = _data(self.artist), _data(self.tag)
        _refill(self.artist, "All artists", [(f"{n} ({c})", i) for i, n, c in choices.artists])
        _refill(self.tag, "All tags", [(f"{t} ({c})", t) for t, c in choices.tags])
        _restore(self.artist, artist)
        _restore(self.tag, tag)
        self._updating = False
        if _data(self.artist) != artist or _data(self.tag) != tag:
            self.changed.emit()

    def query(self) -> BrowseQuery:
        return BrowseQuery(
            text=self.search.text().strip() or None,
            artist_id=_data(self.artist),
            tag=_data(self.tag),
            status=_data(self.status),
            ai_involvement=_data(self.ai),
            sort=_data(self.sort) or "newest",
        )

    def is_filtered(self) -> bool:
        q = self.query()
        return any((q.text, q.artist_id, q.tag, q.status, q.ai_involvement))

    def show_artist(self, artist_id: int) -> None:
        """Clear other filters and show one artist's works.

        The artist menu is filled in the background after the first rows paint; asked before
        that, the artist gets a placeholder entry (which set_choices then keeps by its id), or
        the request would fall back to "All artists".
        """
        self.reset(emit=False)
        self._updating = True
        if self.artist.findData(artist_id) < 0:
            self.artist.addItem("Loading…", artist_id)
        _restore(self.artist, artist_id)
        self._updating = False
        self.changed.emit()

    def reset(self, *, emit: bool = True) -> None:
        self._updating = True
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        for combo in (self.artist, self.tag, self.status, self.ai):
            combo.setCurrentIndex(0)
        self._updating = False
        if emit:
            self.changed.emit()

    def set_count(self, shown: int, total: int) -> None:
        if shown == total:
            self.count.setText(f"{total:,} work{'s' if total != 1 else ''}")
        else:
            self.count.setText(f"{shown:,} of {total:,}")


def _combo(any_label: str, tooltip: str) -> QComboBox:
    combo = QComboBox()
    combo.addItem(any_label, ANY)
    combo.setToolTip(tooltip)
    combo.setAccessibleName(tooltip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(5)  # the bar fits beside the detail panel at 1280 px
    return combo


def _refill(combo: QComboBox, any_label: str, items: list[tuple[str, object]]) -> None:
    combo.clear()
    combo.addItem(any_label, ANY)
    for label, data in items:
        combo.addItem(label, data)


def _restore(combo: QComboBox, data: object) -> None:
    index = combo.findData(data) if data is not None else 0
    combo.setCurrentIndex(max(index, 0))


def _data(combo: QComboBox) -> Any:
    """The chosen entry's data, None for "All …"."""
    data = combo.currentData()
    return None if data == ANY else data
