"""The Library's list view: one row per work with sortable columns, beside the thumbnail grid.

It shows the grid's own model (``ArtworkGridModel``: every column of ``COLUMNS``) and shares
its selection model, so switching between grid and list keeps the selected works. A header
click sorts in memory by that column (a second click reverses it).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from ui.models.artwork_grid import COLUMNS, ArtworkGridModel

COLUMN_WIDTHS = (240, 160, 56, 90, 170, 140, 80, 100, 96)


class ArtworkListView(QTreeView):
    """Rows of works with a small thumbnail; the header sorts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setIconSize(QSize(32, 32))
        self.setDragEnabled(True)
        self.setAllColumnsShowFocus(True)
        self.setFrameShape(QTreeView.Shape.NoFrame)
        self.setAccessibleName("Artworks as a list")
        header = self.header()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(False)
        header.setStretchLastSection(False)
        header.sectionClicked.connect(self._header_clicked)

    def setModel(self, model: object) -> None:  # type: ignore[override]
        super().setModel(model)  # type: ignore[arg-type]
        for column, width in enumerate(COLUMN_WIDTHS[: len(COLUMNS)]):
            self.setColumnWidth(column, width)

    def sort_by(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.model()
        if not isinstance(model, ArtworkGridModel):
            return
        self.header().setSortIndicatorShown(True)
        self.header().setSortIndicator(column, order)
        model.sort(column, order)
        current = self.currentIndex()
        if current.isValid():
            self.scrollTo(current)

    def clear_sort_indicator(self) -> None:
        self.header().setSortIndicatorShown(False)

    def _header_clicked(self, column: int) -> None:
        model = self.model()
        if not isinstance(model, ArtworkGridModel):
            return
        order = Qt.SortOrder.AscendingOrder
        if model.sort_column == column and model.sort_order == Qt.SortOrder.AscendingOrder:
            order = Qt.SortOrder.DescendingOrder
        self.sort_by(column, order)
        self.header().resizeSections(QHeaderView.ResizeMode.Interactive)
