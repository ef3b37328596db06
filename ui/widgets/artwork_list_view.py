"""The Library's list view: one row per work with sortable columns, beside the thumbnail grid.

It shows the grid's own model (``ArtworkGridModel``: every column of ``COLUMNS``) and shares
its selection model, so switching between grid and list keeps the selected works. A header
click sorts in memory by that column (a second click reverses it).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from ui.models.artwork_grid import COLUMNS, ArtworkGridModel

COLUMN_WIDTHS = (240, 150, 50, 84, 160, 120, 76, 96, 90)
ICON = QSize(32, 32)


class _RowDelegate(QStyledItemDelegate):
    """Fits the grid's thumbnail pixmaps (up to 320 px) into the list's small icon square."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if option.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:
            option.decorationSize = ICON


class ArtworkListView(QTreeView):
    """Rows of works with a small thumbnail; the header sorts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setIconSize(ICON)
        self.setItemDelegate(_RowDelegate(self))
        self.setDragEnabled(True)
        self.setAllColumnsShowFocus(True)
        self.setFrameShape(QTreeView.Shape.NoFrame)
        self.setAccessibleName("Artworks as a list")
        header = self.header()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(False)
        header.setStretchLastSection(False)
        header.sectionClicked.connect(self._header_clicked)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
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
