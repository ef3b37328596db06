"""The live table of screens: each screen's record joined with its status from the hub.

Rows are refilled every few seconds; when the same screens come back in the same order only
``dataChanged`` is emitted, so selection, scroll position and sorting survive a refresh. The
proxy filters by typed text and by group and sorts on raw values (last seen by time, state by
severity), not on the text shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from ui import theme
from urbanart.curation.records import ScreenRecord
from urbanart.delivery.status import LatestManifest, OnlineState, ScreenStatus
from urbanart.library.vocabulary import ReviewStatus

Index = QModelIndex | QPersistentModelIndex
ScreenIdRole = Qt.ItemDataRole.UserRole + 21
SortRole = Qt.ItemDataRole.UserRole + 22

COLUMNS = (
    "Name",
    "City",
    "Time zone",
    "Size",
    "State",
    "Last seen",
    "Now playing",
    "Manifest",  # whether the screen runs the latest one; short, so the table fits 1280 px
    "Errors",
)
(NAME, CITY, ZONE, SIZE, STATE, LAST_SEEN, PLAYING, LATEST, ERRORS) = range(len(COLUMNS))

#: Screen state → the review-status colour of theme.status_color that reads the same way.
STATE_COLORS = {
    OnlineState.ONLINE: ReviewStatus.APPROVED,
    OnlineState.OFFLINE: ReviewStatus.REJECTED,
    OnlineState.NEVER_SEEN: ReviewStatus.ARCHIVED,
}
#: Latest manifest → colour: "no" needs a publish or a look at the screen.
LATEST_COLORS = {
    LatestManifest.YES: ReviewStatus.APPROVED,
    LatestManifest.NO: ReviewStatus.SUBMITTED,
    LatestManifest.UNKNOWN: ReviewStatus.ARCHIVED,
}
_STATE_ORDER = {state: n for n, state in enumerate(OnlineState)}


@dataclass(frozen=True)
class ScreenRow:
    """One screen as the table shows it; status is None until the first status load."""

    record: ScreenRecord
    status: ScreenStatus | None

    @property
    def state(self) -> OnlineState:
        return self.status.state if self.status is not None else OnlineState.NEVER_SEEN


def ago(moment: datetime | None, now: datetime) -> str:
    """How long ago, as people say it: just now, 3 min ago, 2 h ago, 5 days ago."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86_400
    return f"{days} day{'s' if days != 1 else ''} ago"


def exact_time(moment: datetime) -> str:
    """Local time of the studio's machine with its offset, for tooltips."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")


def state_label(state: str) -> str:
    return state[:1].upper() + state[1:]


@cache
def _dot(color_name: str) -> QIcon:
    pixmap = QPixmap(24, 24)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color_name))
    painter.drawEllipse(5, 5, 14, 14)
    painter.end()
    pixmap.setDevicePixelRatio(2.0)
    return QIcon(pixmap)


def status_dot(key: str) -> QIcon:
    """A filled circle in theme.status_color(key) for the current palette."""
    return _dot(theme.status_color(key).name())


class ScreenStatusModel(QAbstractTableModel):
    """Screens with their live status, one per row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScreenRow] = []
        self.now = datetime.now(UTC)

    # Data in ------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[ScreenRow], now: datetime | None = None) -> None:
        """Replace the rows; the same screens in the same order only update in place."""
        self.now = now or datetime.now(UTC)
        rows = list(rows)
        if [r.record.id for r in rows] == [r.record.id for r in self._rows] and rows:
            self._rows = rows
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rows(self) -> list[ScreenRow]:
        return list(self._rows)

    def row_of(self, screen_id: int) -> int:
        for n, row in enumerate(self._rows):
            if row.record.id == screen_id:
                return n
        return -1

    def screen_row(self, row: int) -> ScreenRow:
        return self._rows[row]

    # Qt model -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == SortRole:
            return self._sort_key(row, column)
        if role == ScreenIdRole:
            return row.record.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole:
            if column == STATE:
                return status_dot(STATE_COLORS.get(row.state, ReviewStatus.ARCHIVED))
            if column == LATEST and row.status is not None:
                return status_dot(
                    LATEST_COLORS.get(row.status.latest_manifest, ReviewStatus.ARCHIVED)
                )
        errors = row.status is not None and bool(row.status.errors)
        if role == Qt.ItemDataRole.ForegroundRole and column == ERRORS and errors:
            return theme.error_color()
        return None

    def _text(self, row: ScreenRow, column: int) -> str:
        record, status = row.record, row.status
        if column == NAME:
            return record.name
        if column == CITY:
            return record.city
        if column == ZONE:
            return record.timezone
        if column == SIZE:
            return f"{record.width}×{record.height} {record.orientation}"
        if column == STATE:
            return state_label(row.state)
        if column == LAST_SEEN:
            return ago(status.last_seen_at if status else None, self.now)
        if column == PLAYING:
            if status is None or not status.now_playing:
                return "—"
            if status.state is OnlineState.OFFLINE:
                return f"{status.now_playing} (last known)"
            return status.now_playing
        if column == LATEST:
            return str(status.latest_manifest if status else LatestManifest.UNKNOWN)
        if column == ERRORS:
            errors = status.errors if status else ()
            if not errors:
                return ""
            return errors[-1] if len(errors) == 1 else f"{len(errors)}: {errors[-1]}"
        return ""

    def _sort_key(self, row: ScreenRow, column: int) -> Any:
        status = row.status
        if column == STATE:
            return _STATE_ORDER.get(row.state, 3)
        if column == LAST_SEEN:
            seen = status.last_seen_at if status else None
            return seen.timestamp() if seen else 0.0
        if column == SIZE:
            return row.record.width * row.record.height
        if column == ERRORS:
            return len(status.errors) if status else 0
        return self._text(row, column).casefold()

    def _tooltip(self, row: ScreenRow, column: int) -> str | None:
        status = row.status
        if column == LAST_SEEN:
            if status is None or status.last_seen_at is None:
                return "Nothing heard from this screen yet"
            text = f"Last seen {exact_time(status.last_seen_at)}"
            if status.last_poll_at is not None:
                text += f"\nLast manifest poll {exact_time(status.last_poll_at)}"
            return text
        if column == STATE:
            if status is None:
                return None
            minutes = status.offline_after_s // 60
            return f"Offline after {minutes} min without a heartbeat or poll"
        if column == LATEST and status is not None:
            return (
                f"Screen runs {status.manifest_version or '—'}; "
                f"published {status.published_version or '—'}"
            )
        if column == ERRORS and status is not None and status.errors:
            return "\n".join(status.errors)
        if column == ZONE:
            return f"Schedules run on this screen's wall clock ({row.record.timezone})"
        return None


class ScreenFilterProxy(QSortFilterProxyModel):
    """Typed text over every column, and optionally only the screens of one group."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._members: frozenset[int] | None = None
        self.setSortRole(SortRole)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", text.strip().casefold()))

    def set_members(self, screen_ids: frozenset[int] | None) -> None:
        """Only these screens (a group's members); None shows every screen."""
        self._refilter(lambda: setattr(self, "_members", screen_ids))

    def _refilter(self, change: Callable[[], None]) -> None:
        """Apply a filter change the way this Qt wants it (invalidateFilter is deprecated)."""
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, ScreenStatusModel):
            return True
        row = model.screen_row(source_row)
        if self._members is not None and row.record.id not in self._members:
            return False
        if not self._text:
            return True
        words = [model._text(row, c) for c in range(len(COLUMNS))]
        words += [row.record.address, *row.record.groups]
        haystack = " ".join(words).casefold()
        return all(part in haystack for part in self._text.split())
