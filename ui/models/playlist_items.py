"""The list model of one playlist's items; accepts dropped artworks and reorders by drag.

Drops never change the model directly: they emit ``artworks_dropped`` or ``item_moved`` with
1-based positions, the view runs the engine call (undoably), and the model is refilled from the
playlist record the engine returns. So what the list shows is always what the engine holds.
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
    Signal,
)

from ui.models.artwork_grid import ARTWORK_IDS_MIME, decode_artwork_ids
from ui.thumbnails import ThumbnailLoader
from urbanart.curation.records import ItemRecord

POSITIONS_MIME = "application/x-urbanart-playlist-positions"
ItemRole = Qt.ItemDataRole.UserRole + 11
Index = QModelIndex | QPersistentModelIndex


def format_seconds(seconds: float) -> str:
    """Running time as a curator reads it: 45 s, 3:05, 1:02:09."""
    total = round(seconds)
    if total < 60:
        return f"{seconds:g} s" if seconds != total else f"{total} s"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class PlaylistItemsModel(QAbstractListModel):
    """Rows are ItemRecords in playlist order."""

    artworks_dropped = Signal(list, int)  # artwork ids, 1-based position to insert at
    item_moved = Signal(int, int)  # from position, to position (1-based)

    def __init__(self, thumbnails: ThumbnailLoader, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.thumbnails = thumbnails
        self._items: list[ItemRecord] = []
        thumbnails.ready.connect(self._thumbnails_arrived)

    def set_items(self, items: Sequence[ItemRecord]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[ItemRecord]:
        return list(self._items)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            transition = (
                f"crossfade {item.transition_s:g} s" if item.transition == "crossfade" else "cut"
            )
            caption = " · caption" if item.overlay else ""
            return (
                f"{item.position}. {item.title}\n{item.artist} · "
                f"{format_seconds(item.duration)} · {transition}{caption}"
            )
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.pixmap(item.sha256, None)
        if role == ItemRole:
            return item
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [ARTWORK_IDS_MIME, POSITIONS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        positions = sorted({self._items[i.row()].position for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(POSITIONS_MIME, QByteArray(json.dumps(positions).encode("utf-8")))
        return mime

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, *args: object) -> bool:
        return data.hasFormat(ARTWORK_IDS_MIME) or data.hasFormat(POSITIONS_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Translate a drop into a request; False so the view never removes rows itself."""
        insert_at = row if row >= 0 else (parent.row() if parent.isValid() else len(self._items))
        if data.hasFormat(ARTWORK_IDS_MIME):
            ids = decode_artwork_ids(data)
            if ids:
                self.artworks_dropped.emit(ids, insert_at + 1)
            return False
        if data.hasFormat(POSITIONS_MIME):
            positions = json.loads(bytes(data.data(POSITIONS_MIME).data()).decode("utf-8"))
            if len(positions) == 1:
                source = int(positions[0])
                # Dropping above the item lands at the drop row; below it, one row up (it left).
                target = insert_at + 1 if insert_at < source else insert_at
                target = max(1, min(len(self._items), target))
                if target != source:
                    self.item_moved.emit(source, target)
        return False

    def _thumbnails_arrived(self, shas: set[str]) -> None:
        rows = [i for i, item in enumerate(self._items) if item.sha256 in shas]
        if rows:
            roles = [Qt.ItemDataRole.DecorationRole]
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), roles)
