"""A painted week grid: seven local days side by side, 24 hour rows, a block per playlist played.

The blocks come from the engine's week query (``agenda.week``: resolved segments in the target's
local time, already split at midnight); this module only draws them. Colours are stable per
playlist id, so one playlist looks the same on every screen and every week; a screen's default
playlist is drawn lighter and hatched, and "nothing" is left empty.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui import theme
from urbanart.curation.week import MINUTES_PER_DAY, WeekBlock

_MINUTE = timedelta(minutes=1)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hhmm(minutes: int) -> str:
    """Minutes after midnight as a clock time; 1440 reads "24:00" (the end of the day)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def playlist_colors(
    playlist_id: int | None, palette: QPalette, *, default: bool = False
) -> tuple[QColor, QColor, QColor]:
    """(fill, border, text) for a playlist: the hue follows its id (golden-angle spacing, so
    playlists made one after another differ), lightness follows the palette; the text is black
    or white, whichever reads better on the fill."""
    hue = ((playlist_id or 0) * 0.381966 + 0.58) % 1.0
    dark = theme.is_dark(palette)
    if default:
        fill = QColor.fromHslF(hue, 0.30, 0.26 if dark else 0.90)
    else:
        fill = QColor.fromHslF(hue, 0.50 if dark else 0.62, 0.36 if dark else 0.78)
    border = fill.lighter(150) if dark else fill.darker(140)
    luminance = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()
    text = QColor("#17171a") if luminance > 0.55 else QColor("#f5f5f7")
    return fill, border, text


class WeekView(QWidget):
    """Mon–Sun columns of a week in a target's local time; click a moment, double-click a block."""

    moment_clicked = Signal(object)  # naive datetime on the target's wall clock
    schedule_activated = Signal(int)  # a block's winning schedule was double-clicked

    GUTTER = 48
    HEADER = 40
    MIN_HOUR = 14

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monday = date.today() - timedelta(days=date.today().weekday())
        self._blocks: list[WeekBlock] = []
        self._now: datetime | None = None
        self._moment: datetime | None = None
        self._highlight: int | None = None
        self.message = ""
        #: The lines last painted in each block (keyed by id of its WeekBlock), for checks.
        self.painted: dict[int, list[str]] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(self.GUTTER + 7 * 60, self.HEADER + 24 * self.MIN_HOUR)
        self.setAccessibleName("Week")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    # Data ----------------------------------------------------------------------------------------

    def set_week(
        self, monday: date, blocks: list[WeekBlock], now: datetime | None, message: str = ""
    ) -> None:
        """Show a week; `now` (naive local) draws the now line when it falls inside the week."""
        self.monday = monday
        self._blocks = list(blocks)
        self._now = now
        self.message = message
        self.update()

    def painted_labels(self) -> list[tuple[WeekBlock, list[str]]]:
        """Each block with the text lines last painted in it ([] when it was too small)."""
        return [(b, self.painted.get(id(b), [])) for b in self._blocks]

    def blocks(self) -> list[tuple[int, str, str, str]]:
        """(day 0=Mon, "HH:MM" start, "HH:MM" end, playlist) of every drawn block, in order."""
        return [(b.day, hhmm(b.start), hhmm(b.end), b.playlist) for b in self._blocks]

    def block_items(self) -> list[WeekBlock]:
        return list(self._blocks)

    def set_highlight(self, schedule_id: int | None) -> None:
        """Outline the blocks a schedule wins (the one selected in the schedule list)."""
        self._highlight = schedule_id
        self.update()

    def set_moment(self, moment: datetime | None) -> None:
        """Mark the moment the what-is-on panel explains."""
        self._moment = moment
        self.update()

    # Geometry ------------------------------------------------------------------------------------

    def _hour_height(self) -> float:
        return max(float(self.MIN_HOUR), (self.height() - self.HEADER - 1) / 24)

    def _column_width(self) -> float:
        return (self.width() - self.GUTTER - 1) / 7

    def _block_rect(self, block: WeekBlock) -> QRectF:
        col, hour = self._column_width(), self._hour_height()
        x = self.GUTTER + block.day * col
        top = self.HEADER + block.start / 60 * hour
        bottom = self.HEADER + block.end / 60 * hour
        return QRectF(x + 2, top + 1, col - 4, max(3.0, bottom - top - 2))

    def moment_at(self, pos: QPointF) -> datetime | None:
        """The wall-clock moment under a point of the grid, to five minutes."""
        x, y = pos.x() - self.GUTTER, pos.y() - self.HEADER
        if x < 0 or y < 0:
            return None
        day = int(x // self._column_width())
        minutes = int(y / self._hour_height() * 60) // 5 * 5
        if not 0 <= day < 7 or not 0 <= minutes < MINUTES_PER_DAY:
            return None
        return datetime.combine(self.monday + timedelta(days=day), time()) + minutes * _MINUTE

    def block_at(self, pos: QPointF) -> WeekBlock | None:
        for block in reversed(self._blocks):
            if self._block_rect(block).contains(pos):
                return block
        return None

    # Events --------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            moment = self.moment_at(event.position())
            if moment is not None:
                self.moment_clicked.emit(moment)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        block = self.block_at(event.position())
        if block is not None and block.schedule_id is not None:
            self.schedule_activated.emit(block.schedule_id)
        super().mouseDoubleClickEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            block = self.block_at(QPointF(event.pos()))
            if block is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip(block), self)
            return True
        return super().event(event)

    @staticmethod
    def tooltip(block: WeekBlock) -> str:
        span = (
            f"{block.segment_start:%a %d %b %H:%M} – "
            + (
                f"{block.segment_end:%H:%M}"
                if block.segment_end.date() == block.segment_start.date()
                else f"{block.segment_end:%a %d %b %H:%M}"
            )
            + " (local time)"
        )
        lines = [f"<b>{_escape(block.playlist)}</b>", span]
        if block.schedule is None:
            lines.append("The screen's default playlist: no schedule applies")
        else:
            lines.append(f"Schedule {_escape(block.schedule.label)} · priority {block.priority}")
        beats = dict.fromkeys(f"{o.label} ({o.playlist}): {o.why}" for o in block.overridden)
        if beats:
            lines.append("Beats: " + "<br>&nbsp;&nbsp;".join(_escape(o) for o in beats))
        lines.append("<i>Double-click to edit the schedule</i>" if block.schedule_id else "")
        return "<br>".join(line for line in lines if line)

    # Painting ------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        self.painted = {}
        self._paint_grid(painter, palette)
        for block in self._blocks:
            self._paint_block(painter, palette, block)
        self._paint_markers(painter, palette)
        if self.message:
            painter.setPen(theme.muted_text(palette))
            area = QRectF(self.GUTTER, self.HEADER, self.width() - self.GUTTER, 80)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.message)
        painter.end()

    def _paint_grid(self, painter: QPainter, palette: QPalette) -> None:
        col, hour = self._column_width(), self._hour_height()
        bottom = self.HEADER + 24 * hour
        text = palette.color(QPalette.ColorRole.Text)
        muted = theme.muted_text(palette)
        line = QColor(text)
        line.setAlphaF(0.10)
        strong = QColor(text)
        strong.setAlphaF(0.22)
        today = self._now.date() if self._now else None
        font = painter.font()
        bold = painter.font()
        bold.setBold(True)
        for day in range(7):
            x = self.GUTTER + day * col
            when = self.monday + timedelta(days=day)
            if when == today:
                tint = QColor(palette.color(QPalette.ColorRole.Highlight))
                tint.setAlphaF(0.08)
                painter.fillRect(QRectF(x, 0, col, bottom), tint)
            elif day >= 5:
                shade = QColor(text)
                shade.setAlphaF(0.025)
                painter.fillRect(QRectF(x, self.HEADER, col, bottom - self.HEADER), shade)
            painter.setFont(bold if when == today else font)
            painter.setPen(palette.color(QPalette.ColorRole.Highlight) if when == today else text)
            painter.drawText(
                QRectF(x, 2, col, self.HEADER - 4),
                Qt.AlignmentFlag.AlignCenter,
                f"{_DAY_NAMES[day]}\n{when.day} {when:%b}",
            )
        painter.setFont(font)
        step = 1 if hour >= 20 else 2 if hour >= 12 else 3
        metrics = QFontMetrics(font)
        for h in range(25):
            y = self.HEADER + h * hour
            painter.setPen(QPen(strong if h % 6 == 0 else line, 1))
            painter.drawLine(QPointF(self.GUTTER, y), QPointF(self.width(), y))
            if h < 24 and h % step == 0:
                painter.setPen(muted)
                painter.drawText(
                    QRectF(0, y - metrics.height() / 2, self.GUTTER - 6, metrics.height()),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    f"{h:02d}:00",
                )
        for day in range(8):
            x = self.GUTTER + day * col
            painter.setPen(QPen(strong if day in (0, 7) else line, 1))
            painter.drawLine(QPointF(x, self.HEADER), QPointF(x, bottom))

    def _paint_block(self, painter: QPainter, palette: QPalette, block: WeekBlock) -> None:
        rect = self._block_rect(block)
        fill, border, text = playlist_colors(block.playlist_id, palette, default=block.default)
        painter.setPen(
            QPen(border, 1, Qt.PenStyle.DashLine if block.default else Qt.PenStyle.SolidLine)
        )
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 4, 4)
        if block.default:
            hatch = QColor(border)
            hatch.setAlphaF(0.35)
            painter.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(rect, 4, 4)
        if self._highlight is not None and block.schedule_id == self._highlight:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2.5))
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
        inner = rect.adjusted(5, 2, -4, -2)
        bold = painter.font()
        bold.setBold(True)
        lines = block_lines(
            block.playlist,
            f"{hhmm(block.start)}–{hhmm(block.end)}",
            inner,
            QFontMetrics(bold),
            QFontMetrics(painter.font()),
        )
        self.painted[id(block)] = lines
        painter.setPen(text)
        top = inner.top()
        for index, line in enumerate(lines):
            is_title = index < len(lines) - 1 or not _is_times(line)
            painter.save()
            if is_title:
                painter.setFont(bold)
            height = QFontMetrics(painter.font()).height()
            painter.drawText(
                QRectF(inner.left(), top, inner.width(), height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )
            painter.restore()
            top += height

    def _paint_markers(self, painter: QPainter, palette: QPalette) -> None:
        col, hour = self._column_width(), self._hour_height()
        for moment, color, dashed in (
            (self._moment, palette.color(QPalette.ColorRole.Highlight), True),
            (self._now, theme.error_color(palette), False),
        ):
            if moment is None:
                continue
            day = (moment.date() - self.monday).days
            if not 0 <= day < 7:
                continue
            x = self.GUTTER + day * col
            y = self.HEADER + (moment.hour * 60 + moment.minute) / 60 * hour
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            painter.setPen(QPen(color, 2, style))
            painter.drawLine(QPointF(x, y), QPointF(x + col, y))
            if not dashed:
                painter.setBrush(color)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawEllipse(QPointF(x + 1, y), 4, 4)


#: An elided label keeps at least this many characters; fewer is a stub that says nothing.
MIN_VISIBLE = 4


def _is_times(line: str) -> bool:
    return len(line) == 11 and line[2] == ":" and line[5] == "–"


def _wrap(text: str, width: float, metrics: QFontMetrics) -> list[str]:
    """Greedy word wrap; a word wider than the line stays whole (it is elided later)."""
    lines: list[str] = []
    for word in text.split():
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit(line: str, width: float, metrics: QFontMetrics) -> str | None:
    """The line, or its elided form when that keeps MIN_VISIBLE characters; else None."""
    if metrics.horizontalAdvance(line) <= width:
        return line
    elided = metrics.elidedText(line, Qt.TextElideMode.ElideRight, int(width))
    return elided if len(elided.rstrip("…")) >= MIN_VISIBLE else None


def initials(name: str) -> str:
    """ "Night Shift" → "NS": what a block too narrow for any word still says."""
    words = [w for w in name.split() if w[:1].isalnum()]
    return "".join(w[0].upper() for w in words[:3]) or name[:2]


def block_lines(
    name: str, times: str, area: QRectF, title: QFontMetrics, small: QFontMetrics
) -> list[str]:
    """The lines a block of `area` shows: the name wrapped over the lines that fit, then the
    times when a line is left; never a stub ("Mo…"): a name that cannot keep MIN_VISIBLE
    characters shortens to its initials, and a block too small for those shows nothing (the
    tooltip and the schedule table still say what it is)."""
    rows = int(area.height() // title.height())
    if rows < 1 or area.width() < 8:
        return []
    wrapped = _wrap(name, area.width(), title)
    if len(wrapped) > rows:  # fold what does not fit into the last line, elided
        wrapped = [*wrapped[: rows - 1], " ".join(wrapped[rows - 1 :])]
    fitted = [_fit(line, area.width(), title) for line in wrapped]
    for index, (line, fit) in enumerate(zip(wrapped, fitted, strict=True)):
        if fit is not None and fit != line:  # shortened: the name ends here ("Morn…", not
            wrapped, fitted = wrapped[: index + 1], fitted[: index + 1]  # "Morn… Light")
            break
    shown = [line for line in fitted if line is not None]
    if len(shown) < len(fitted) and not (shown and shown[0] == wrapped[0]):
        short = initials(name)  # not even the first word fits whole
        shown = [short] if _fit(short, area.width(), title) == short else []
    used = len(shown) * title.height()
    if shown and area.height() - used >= small.height():
        timed = _fit(times, area.width(), small)
        if timed == times:
            shown.append(times)
    return shown


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
