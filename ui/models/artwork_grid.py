"""The list model behind artwork grids: browse rows in, cells with lazily loaded thumbnails out.

Rows come from ``urbanart.library.browse`` (light, already filtered in the database). The model
asks the thumbnail loader for a picture only when a cell's decoration is requested, which a
QListView does only for cells it paints; arrivals repaint just the affected cells.
Drags carry artwork ids in our own MIME type so playlists can accept them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from ui.thumbnails import ThumbnailLoader
from urbanart.library.browse import BrowseRow
from urbanart.library.vocabulary import SOURCE_TYPES

ARTWORK_IDS_MIME = "application/x-urbanart-artwork-ids"

RowRole = Qt.ItemDataRole.UserRole + 1
ArtworkIdRole = Qt.ItemDataRole.UserRole + 2
ThumbnailFailedRole = Qt.ItemDataRole.UserRole + 3

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


class ArtworkGridModel(QAbstractListModel):
    """Artwork cells over a list of BrowseRow."""

    def __init__(self, thumbnails: ThumbnailLoader, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[BrowseRow] = []
        self._row_of_sha: dict[str, int] = {}
        self._row_of_id: dict[int, int] = {}
        self.thumbnails = thumbnails
        thumbnails.ready.connect(self._thumbnails_arrived)

    # Data in --------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[BrowseRow]) -> None:
        """Replace the rows; the same works in the same order update in place (keeps selection)."""
        rows = list(rows)
        if [r.id for r in rows] == [r.id for r in self._rows] and rows:
            self._rows = rows
            self._index_rows()
            self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self._index_rows()
        self.endResetModel()

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

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == Qt.ItemDataRole.DecorationRole:
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
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), roles)


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
