"""Today everywhere, painted: a row per screen on one real-time axis, a line at now.

The rows come from the engine (``everywhere.today_everywhere``); this module only draws them.
Each row's label names the screen, its city and its clock now, so "now" reads as evening in
Tokyo and morning in New York; the hour ticks are on this computer's clock. Colours are the
week view's (stable per playlist), so a playlist looks the same in both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui import theme
from ui.widgets.week_view import playlist_colors
from urbanart.curation.everywhere import Everywhere, ScreenNow, Stretch
from urbanart.curation.resolver import Source


def row_label(row: ScreenNow) -> tuple[str, str]:
    """(screen name, "Tokyo · 21:30 Thu") for a row's label column; the zone stands in for
    a missing city (the tooltip names both)."""
    where = row.city or row.timezone
    return row.name, f"{where} · {row.local_now:%H:%M %a}"


def now_text(row: ScreenNow) -> str:
    """What a row says plays now."""
    if row.playing is None:
        return "nothing plays now"
    suffix = " (default playlist)" if row.source is Source.DEFAULT else ""
    return f"now: {row.playing}{suffix}"


class TodayTimeline(QWidget):
    """Every screen's next hours side by side on one axis, a line at now."""

    LABEL = 230
    HEADER = 26
    ROW = 46

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: Everywhere | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(self.LABEL + 360, self.HEADER + self.ROW)
        self.setAccessibleName("Today everywhere")

    def set_data(self, data: Everywhere) -> None:
        self.data = data
        self.setMinimumHeight(self.HEADER + self.ROW * max(1, len(data.screens)) + 4)
        self.update()

    def rows(self) -> list[tuple[str, str | None]]:
        """(screen name, playlist playing now) per row, top to bottom."""
        return [(r.name, r.playing) for r in self.data.screens] if self.data else []

    # Geometry ------------------------------------------------------------------------------------

    def _x(self, when: datetime) -> float:
        assert self.data is not None
        span = (self.data.end - self.data.start).total_seconds()
        part = (when - self.data.start).total_seconds() / span
        return self.LABEL + part * (self.width() - self.LABEL - 8)

    def _bar(self, index: int, stretch: Stretch) -> QRectF:
        top = self.HEADER + index * self.ROW
        left, right = self._x(stretch.start), self._x(stretch.end)
        return QRectF(left + 1, top + 6, max(2.0, right - left - 2), self.ROW - 12)

    def stretch_at(self, pos: QPointF) -> tuple[ScreenNow, Stretch] | None:
        if self.data is None:
            return None
        index = int((pos.y() - self.HEADER) // self.ROW)
        if not 0 <= index < len(self.data.screens) or pos.y() < self.HEADER:
            return None
        row = self.data.screens[index]
        for stretch in row.stretches:
            if self._bar(index, stretch).contains(pos):
                return row, stretch
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            found = self.stretch_at(QPointF(event.pos()))
            if found is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip(*found), self)
            return True
        return super().event(event)

    @staticmethod
    def tooltip(row: ScreenNow, stretch: Stretch) -> str:
        zone = row.local_now.tzinfo
        start, end = stretch.start.astimezone(zone), stretch.end.astimezone(zone)
        what = stretch.playlist or "Nothing plays"
        if stretch.source is Source.DEFAULT:
            what += " (default playlist)"
        return (
            f"{row.name}: {what}\n{start:%a %H:%M} – {end:%a %H:%M} on the screen's clock "
            f"({row.timezone})"
        )

    # Painting ------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self.data is None or not self.data.screens:
            painter.setPen(theme.muted_text(palette))
            painter.drawText(
                QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, "No screens to show yet."
            )
            painter.end()
            return
        self._paint_axis(painter, palette)
        for index, row in enumerate(self.data.screens):
            self._paint_row(painter, palette, index, row)
        x = self._x(self.data.now)
        bottom = self.HEADER + self.ROW * len(self.data.screens)
        painter.setPen(QPen(theme.error_color(palette), 2))
        painter.drawLine(QPointF(x, self.HEADER - 6), QPointF(x, bottom))
        painter.end()

    def _paint_axis(self, painter: QPainter, palette: QPalette) -> None:
        assert self.data is not None
        text = palette.color(QPalette.ColorRole.Text)
        line = QColor(text)
        line.setAlphaF(0.12)
        muted = theme.muted_text(palette)
        metrics = QFontMetrics(painter.font())
        local = self.data.start.astimezone()  # this computer's clock
        tick = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        bottom = self.HEADER + self.ROW * len(self.data.screens)
        step = 1 if (self.width() - self.LABEL) / 24 >= metrics.horizontalAdvance("00:00 ") else 3
        while tick < self.data.end:
            x = self._x(tick)
            painter.setPen(QPen(line, 1))
            painter.drawLine(QPointF(x, self.HEADER), QPointF(x, bottom))
            if tick.hour % step == 0:
                painter.setPen(muted)
                painter.drawText(
                    QRectF(x - 30, 2, 60, self.HEADER - 4),
                    Qt.AlignmentFlag.AlignCenter,
                    f"{tick:%H:%M}",
                )
            tick += timedelta(hours=1)
        painter.setPen(muted)
        painter.drawText(
            QRectF(4, 2, self.LABEL - 8, self.HEADER - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "Times on this computer's clock",
        )

    def _paint_row(self, painter: QPainter, palette: QPalette, index: int, row: ScreenNow) -> None:
        top = self.HEADER + index * self.ROW
        text = palette.color(QPalette.ColorRole.Text)
        name, where = row_label(row)
        bold = painter.font()
        bold.setBold(True)
        metrics = QFontMetrics(painter.font())
        painter.save()
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(
            QRectF(6, top + 4, self.LABEL - 12, self.ROW / 2 - 2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(bold).elidedText(name, Qt.TextElideMode.ElideRight, self.LABEL - 12),
        )
        painter.restore()
        painter.setPen(theme.muted_text(palette))
        painter.drawText(
            QRectF(6, top + self.ROW / 2, self.LABEL - 12, self.ROW / 2 - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(where, Qt.TextElideMode.ElideRight, self.LABEL - 12),
        )
        for stretch in row.stretches:
            if stretch.source is Source.NOTHING:
                continue
            rect = self._bar(index, stretch)
            default = stretch.source is Source.DEFAULT
            fill, border, ink = playlist_colors(stretch.playlist_id, palette, default=default)
            painter.setPen(QPen(border, 1))
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 4, 4)
            if default:
                hatch = QColor(border)
                hatch.setAlphaF(0.35)
                painter.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawRoundedRect(rect, 4, 4)
            inner = rect.adjusted(5, 0, -4, 0)
            label = stretch.playlist or ""
            if metrics.horizontalAdvance(label) <= inner.width():
                painter.setPen(ink)
                painter.drawText(
                    inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label
                )
        line = QColor(text)
        line.setAlphaF(0.10)
        painter.setPen(QPen(line, 1))
        painter.drawLine(QPointF(0, top + self.ROW), QPointF(self.width(), top + self.ROW))
