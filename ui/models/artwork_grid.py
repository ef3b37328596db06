"""The model behind artwork grids and the list view: browse rows in, cells and columns out.

Rows come from ``urbanart.library.browse`` (light, already filtered in the database). The model
asks the thumbnail loader for a picture only when a cell's decoration is requested, which a
view does only for cells it paints; arrivals repaint just the affected cells. A grid shows
column 0; the list view shows every column of ``COLUMNS`` and sorts by any of them in memory
(the same rows, so grid and list share one selection). Rows that arrive while an import runs
are inserted, not reset, so the grid keeps its scroll position and selection.
Drags carry artwork ids in our own MIME type so playlists can accept them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from ui.thumbnails import ThumbnailLoader
from urbanart.library.browse import BrowseRow
from urbanart.library.vocabulary import SOURCE_TYPES, UNDISCLOSED

ARTWORK_IDS_MIME = "application/x-urbanart-artwork-ids"

RowRole = Qt.ItemDataRole.UserRole + 1
ArtworkIdRole = Qt.ItemDataRole.UserRole + 2
ThumbnailFailedRole = Qt.ItemDataRole.UserRole + 3

#: The list view's columns: (header, sort key). Column 0 is also what a grid shows.
COLUMNS: tuple[tuple[str, Callable[[BrowseRow], Any]], ...] = (
    ("Title", lambda r: (r.title.casefold(), r.id)),
    ("Artist", lambda r: (r.artist.casefold(), r.title.casefold(), r.id)),
    ("Year", lambda r: (r.year is None, r.year or 0, r.id)),
    ("Status", lambda r: (r.status, r.id)),
    ("AI involvement", lambda r: (_ai_label(r.ai_involvement).casefold(), r.id)),
    ("License", lambda r: (r.license.casefold(), r.id)),
    ("Kind", lambda r: (r.kind, r.id)),
    ("Size", lambda r: (r.width * r.height, r.id)),
    ("Added", lambda r: (r.added, r.id)),
)

Index = QModelIndex | QPersistentModelIndex


def encode_artwork_ids(ids: Sequence[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(ARTWORK_IDS_MIME, QByteArray(json.dumps(list(ids)).encode("utf-8")))
    mime.setText("\n".join(f"artwork {i}" for i in ids))
    return mime


def decode_artwork_ids(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(ARTWORK_IDS_MIME):
        return []
    try:
        data = json.loads(bytes(mime.data(ARTWORK_IDS_MIME).data()).decode("utf-8"))
    except ValueError:
        return []
    return [int(i) for i in data if isinstance(i, int)]


class ArtworkGridModel(QAbstractTableModel):
    """Artwork cells over a list of BrowseRow, with the list view's columns."""

    def __init__(self, thumbnails: ThumbnailLoader, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[BrowseRow] = []
        self._row_of_sha: dict[str, int] = {}
        self._row_of_id: dict[int, int] = {}
        self.sort_column: int | None = None  # None: the order the rows came in (the database's)
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.thumbnails = thumbnails
        thumbnails.ready.connect(self._thumbnails_arrived)

    # Data in --------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[BrowseRow]) -> None:
        """Replace the rows; the same works update in place and new works at either end are
        inserted (an import adding works), which keeps the scroll position and the selection."""
        rows = self._sorted(list(rows))
        old = [r.id for r in self._rows]
        new = [r.id for r in rows]
        if new == old and rows:
            self._rows = rows
            self._index_rows()
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        added = len(new) - len(old)
        if old and added > 0 and (new[added:] == old or new[:-added] == old):
            at = 0 if new[added:] == old else len(old)
            self.beginInsertRows(QModelIndex(), at, at + added - 1)
            self._rows = rows
            self._index_rows()
            self.endInsertRows()
            kept = slice(added, None) if at == 0 else slice(0, len(old))
            if rows[kept]:
                first, last = (added, len(rows) - 1) if at == 0 else (0, len(old) - 1)
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self._index_rows()
        self.endResetModel()

    def _sorted(self, rows: list[BrowseRow]) -> list[BrowseRow]:
        if self.sort_column is None:
            return rows
        key = COLUMNS[self.sort_column][1]
        return sorted(rows, key=key, reverse=self.sort_order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by a column (the list view's header); the selection follows its works."""
        if not 0 <= column < len(COLUMNS):
            return
        self.sort_column, self.sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._rows[i.row()].id for i in before]
        self._rows = self._sorted(self._rows)
        self._index_rows()
        pairs = zip(ids, before, strict=True)
        after = [self.index(self._row_of_id[i], old.column()) for i, old in pairs]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def clear_sort(self) -> None:
        """Back to the database's order (the filter bar's order menu): takes effect on the
        next ``set_rows``."""
        self.sort_column = None

    def _index_rows(self) -> None:
        self._row_of_sha = {r.sha256: i for i, r in enumerate(self._rows)}
        self._row_of_id = {r.id: i for i, r in enumerate(self._rows)}

    def rows(self) -> list[BrowseRow]:
        return list(self._rows)

    def row_for_id(self, artwork_id: int) -> int | None:
        return self._row_of_id.get(artwork_id)

    def artwork(self, row: int) -> BrowseRow:
        return self._rows[row]

    # Qt model API ----------------------------------------------------------------------------

    # No index() override: Qt's views call it for every row while laying out, and a Python
    # override cost 0.4 s per 10,000 works before the first paint. Callers pass column 0.

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column_text(row, index.column())
        if role == Qt.ItemDataRole.DecorationRole:
            if index.column() != 0:
                return None
            return self.thumbnails.pixmap(row.sha256, row.thumbnail_key)
        if role == RowRole:
            return row
        if role == ArtworkIdRole:
            return row.id
        if role == ThumbnailFailedRole:
            return self.thumbnails.failed(row.sha256)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.title} by {row.artist}, {row.status}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [ARTWORK_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return encode_artwork_ids([self._rows[r].id for r in rows])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # Thumbnails ------------------------------------------------------------------------------

    def _thumbnails_arrived(self, shas: set[str]) -> None:
        rows = [self._row_of_sha[s] for s in shas if s in self._row_of_sha]
        if rows:
            roles = [Qt.ItemDataRole.DecorationRole]
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0), roles)


def column_text(row: BrowseRow, column: int) -> str:
    """What the list view shows in a column (column 0, the title, is what a grid cell names)."""
    if column == 0:
        return row.title
    if column == 1:
        return row.artist
    if column == 2:
        return str(row.year) if row.year is not None else ""
    if column == 3:
        return row.status
    if column == 4:
        return _ai_label(row.ai_involvement)
    if column == 5:
        return row.license
    if column == 6:
        return row.kind
    if column == 7:
        return f"{row.width} × {row.height}"
    if column == 8:
        return row.added[:10]
    return ""


def _ai_label(code: str) -> str:
    if code == UNDISCLOSED:
        return "Not disclosed"
    return SOURCE_TYPES[code].label if code in SOURCE_TYPES else code


def _tooltip(row: BrowseRow) -> str:
    ai = SOURCE_TYPES[row.ai_involvement].label if row.ai_involvement in SOURCE_TYPES else None
    lines = [
        f"<b>{_escape(row.title)}</b>",
        _escape(row.artist),
        f"{row.width} × {row.height} px · {row.status}",
    ]
    if ai:
        lines.append(_escape(ai))
    if row.tags:
        lines.append(_escape(", ".join(row.tags)))
    return "<br>".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
