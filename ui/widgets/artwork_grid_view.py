"""The artwork grid: a QListView of cards that accepts dropped files and drags out artwork ids.

Cards are painted by ``ArtworkCardDelegate`` with palette colours only: a thumbnail fitted in a
square (a placeholder in the work's own aspect until it arrives), the title and the artist at
the card's full width, and a review-status pill on the picture, so the pill never cuts a name
short. The card size follows the curator's thumbnail size (``set_thumb_side``: from dense
``MIN_SIDE`` to large ``MAX_SIDE``). An empty grid paints a hint saying what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ui import theme
from ui.models.artwork_grid import ArtworkGridModel
from urbanart.library.browse import BrowseRow
from urbanart.library.vocabulary import ReviewStatus

AI_MADE = {
    "trainedAlgorithmicMedia",
    "compositeWithTrainedAlgorithmicMedia",
    "minorHumanEdits",
    "compositeSynthetic",
}

MIN_SIDE = 64  # dense: at least 30 works in a 1280×800 window
MAX_SIDE = 320  # large: stored thumbnails are 480 px, so this stays sharp
SIDE_STEP = 32  # Ctrl+= / Ctrl+− and the slider's page step


@dataclass(frozen=True)
class CardText:
    """Where a card's words go and what they read once fitted (kept out of paint for tests)."""

    title: str
    artist: str
    title_rect: QRect
    artist_rect: QRect


class ArtworkCardDelegate(QStyledItemDelegate):
    """Paints one artwork card; sizes come from the thumbnail side the curator chose."""

    def __init__(self, thumb_side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumb = thumb_side
        self.pad = 8
        self._broken: QPixmap | None = None

    def set_thumb_side(self, side: int) -> None:
        self.thumb = max(MIN_SIDE, min(MAX_SIDE, side))
        self.pad = 8 if self.thumb >= 120 else 4

    def card_size(self, font: QFont) -> QSize:
        line = QFontMetrics(font).height()
        return QSize(self.thumb + 2 * self.pad, self.thumb + 2 * self.pad + 2 * line + 6)

    def card_text(self, font: QFont, rect: QRect, row: BrowseRow) -> CardText:
        """The title and artist lines of a card at rect, elided only when they do not fit."""
        line = QFontMetrics(font).height()
        left = rect.left() + self.pad + 2
        width = self.thumb - 4
        title_rect = QRect(left, rect.top() + self.pad + self.thumb + 6, width, line)
        artist_rect = QRect(left, title_rect.bottom() + 1, width, line)
        title = QFontMetrics(_title_font(font)).elidedText(
            row.title, Qt.TextElideMode.ElideRight, width
        )
        artist = QFontMetrics(font).elidedText(row.artist, Qt.TextElideMode.ElideRight, width)
        return CardText(title, artist, title_rect, artist_rect)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        return self.card_size(option.font)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # Ask the model directly: QModelIndex.data() hands back None with one reference too few
        # on PySide6 6.12 / CPython 3.11 (None's refcount runs out after ~10^5 paints).
        model = index.model()
        if not isinstance(model, ArtworkGridModel) or not 0 <= index.row() < model.rowCount():
            return
        row = model.artwork(index.row())
        palette: QPalette = option.palette
        rect: QRect = option.rect
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(rect.adjusted(3, 3, -3, -3))
        if selected or hovered:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlphaF(0.85 if selected else 0.18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(card, 8, 8)

        box = QRect(rect.left() + self.pad, rect.top() + self.pad, self.thumb, self.thumb)
        pixmap = model.thumbnails.pixmap(row.sha256, row.thumbnail_key)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.size() / pixmap.devicePixelRatio()
            if size.width() > box.width() or size.height() > box.height():
                size = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            path = QPainterPath()
            path.addRoundedRect(QRectF(target), 4, 4)
            painter.setClipPath(path)
            painter.drawPixmap(target, pixmap)
            painter.setClipping(False)
        else:
            failed = model.thumbnails.failed(row.sha256)
            target = self._paint_placeholder(painter, palette, box, row, failed)

        text_color = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        text = self.card_text(option.font, rect, row)
        painter.setFont(_title_font(option.font))
        painter.setPen(text_color)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text.title_rect, align, text.title)
        painter.setFont(option.font)
        muted = QColor(text_color)
        muted.setAlphaF(0.85 if selected else 0.62)
        painter.setPen(muted)
        painter.drawText(text.artist_rect, align, text.artist)
        self._paint_status(painter, palette, row.status, target)
        if row.ai_involvement in AI_MADE:
            self._paint_ai_badge(painter, target)
        if row.kind == "video" and row.duration_s:
            self._paint_duration(painter, row.duration_s, target)
        painter.restore()

    def _paint_placeholder(
        self, painter: QPainter, palette: QPalette, box: QRect, row: BrowseRow, failed: bool
    ) -> QRect:
        """A soft box in the work's own proportions, so cells don't jump when pictures land."""
        w, h = max(row.width, 1), max(row.height, 1)
        scale = min(box.width() / w, box.height() / h)
        target = QRect(0, 0, max(8, round(w * scale)), max(8, round(h * scale)))
        target.moveCenter(box.center())
        fill = QColor(palette.color(QPalette.ColorRole.Text))
        fill.setAlphaF(0.08)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(target), 4, 4)
        if failed:
            if self._broken is None:
                self._broken = theme.svg_pixmap("broken-image", 32, theme.muted_text(palette))
            icon = QRect(0, 0, 32, 32)
            icon.moveCenter(target.center())
            painter.drawPixmap(icon, self._broken)
        return target

    def status_pill(self, font: QFont, status: str, image: QRect) -> QRectF | None:
        """Where the pill for a status goes: the picture's bottom-left corner, clear of the
        title and artist lines (approved is the quiet default and gets none)."""
        if status == ReviewStatus.APPROVED:
            return None
        metrics = QFontMetrics(_pill_font(font))
        width = min(metrics.horizontalAdvance(status) + 12, max(image.width() - 8, 24))
        height = metrics.height() + 2
        return QRectF(image.left() + 4, image.bottom() - 3 - height, width, height)

    def _paint_status(
        self, painter: QPainter, palette: QPalette, status: str, image: QRect
    ) -> None:
        pill = self.status_pill(painter.font(), status, image)
        if pill is None:
            return
        font = _pill_font(painter.font())
        fits = QFontMetrics(font).horizontalAdvance(status) + 12 <= pill.width()
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.status_color(status, palette))
        if not fits:  # a small card: a dot in the status colour, not a cut word
            dot = pill.height() * 0.7
            painter.drawEllipse(QRectF(pill.left(), pill.bottom() - dot, dot, dot))
            painter.restore()
            return
        text = status
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _paint_ai_badge(self, painter: QPainter, image: QRect) -> None:
        """ "AI" in the picture's top-right corner for works made with generative AI."""
        font = QFont(painter.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.75))
        font.setBold(True)
        pill = QRectF(image.right() - 29, image.top() + 5, 24, 16)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, "AI")
        painter.restore()

    def duration_badge(self, font: QFont, seconds: float, image: QRect) -> tuple[QRectF, str]:
        """Where a video's length ("0:30") goes: the picture's bottom-right corner, across
        from the status pill, as video sites show it."""
        text = duration_text(seconds)
        metrics = QFontMetrics(_pill_font(font))
        width = min(metrics.horizontalAdvance(text) + 10, max(image.width() - 8, 24))
        height = metrics.height() + 2
        return QRectF(image.right() - 3 - width, image.bottom() - 3 - height, width, height), text

    def _paint_duration(self, painter: QPainter, seconds: float, image: QRect) -> None:
        badge, text = self.duration_badge(painter.font(), seconds, image)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(QColor("white"))
        painter.setFont(_pill_font(painter.font()))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


def duration_text(seconds: float) -> str:
    """A length as a clock reads it: 0:30, 4:05, 1:02:03 (whole seconds, rounded)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _title_font(font: QFont) -> QFont:
    title = QFont(font)
    title.setWeight(QFont.Weight.DemiBold)
    return title


def _pill_font(font: QFont) -> QFont:
    pill = QFont(font)
    pill.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
    return pill


class ArtworkGridView(QListView):
    """Icon-mode list of artwork cards; emits ``files_dropped`` for files from a file manager."""

    files_dropped = Signal(list)  # list[str]

    def __init__(self, thumb_side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_title = "No artworks yet"
        self.empty_hint = "Drop image files or folders here to import them."
        self.delegate = ArtworkCardDelegate(thumb_side, self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setSpacing(0)
        self.setGridSize(self.delegate.card_size(self.font()) + QSize(8, 4))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setAccessibleName("Artworks")
        self._drop_highlight = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def thumb_side(self) -> int:
        return self.delegate.thumb

    def set_thumb_side(self, side: int) -> None:
        """Cards from dense to large; the work in view stays in view."""
        current = self.currentIndex()
        anchor = current if current.isValid() else self.indexAt(self.viewport().rect().center())
        self.delegate.set_thumb_side(side)
        self.fit_columns()
        self.scheduleDelayedItemsLayout()
        if anchor.isValid():
            self.scrollTo(anchor, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.viewport().update()

    def fully_visible_rows(self) -> list[int]:
        """The rows whose whole card is in view (what the curator can see without scrolling)."""
        self.executeDelayedItemsLayout()
        area = self.viewport().rect()
        model = self.model()
        rows = []
        first = self.indexAt(area.topLeft() + QPoint(1, 1))
        start = first.row() if first.isValid() else 0
        for row in range(start, model.rowCount() if model is not None else 0):
            rect = self.visualRect(model.index(row, 0))
            if rect.top() > area.bottom():
                break
            if area.contains(rect.adjusted(3, 3, -3, -3)):
                rows.append(row)
        return rows

    def fit_columns(self) -> None:
        """Share the row's spare width between the columns, so the grid fills the view."""
        card = self.delegate.card_size(self.font())
        if not self.isWrapping():
            self.setGridSize(card + QSize(8, 4))
            return
        available = max(self.viewport().width() - 2, card.width())
        columns = max(1, available // (card.width() + 8))
        size = QSize(available // columns, card.height() + 4)
        if size != self.gridSize():
            self.setGridSize(size)

    # Dropping files ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_paths(event.mimeData()):
            event.acceptProposedAction()
            self._drop_highlight = True
            self.viewport().update()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: object) -> None:
        self._drop_highlight = False
        self.viewport().update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_highlight = False
        self.viewport().update()
        paths = _local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(paths)

    # Empty state ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if (model is None or model.rowCount() == 0) or self._drop_highlight:
            painter = QPainter(self.viewport())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if self._drop_highlight:
                pen_color = self.palette().color(QPalette.ColorRole.Highlight)
                painter.setPen(pen_color)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(
                    QRectF(self.viewport().rect().adjusted(6, 6, -6, -6)), 12, 12
                )
            if model is None or model.rowCount() == 0:
                self._paint_empty(painter)
            painter.end()

    def _paint_empty(self, painter: QPainter) -> None:
        palette = self.palette()
        area = self.viewport().rect()
        icon = theme.svg_pixmap("empty-library", 64, theme.muted_text(palette))
        icon_rect = QRect(0, 0, 64, 64)
        icon_rect.moveCenter(area.center())
        icon_rect.moveTop(area.center().y() - 80)
        painter.drawPixmap(icon_rect, icon)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title_rect = QRect(area.left(), icon_rect.bottom() + 12, area.width(), 30)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignCenter, self.empty_title)
        painter.setFont(self.font())
        painter.setPen(theme.muted_text(palette))
        hint_rect = QRect(area.left() + 24, title_rect.bottom() + 4, area.width() - 48, 60)
        painter.drawText(
            hint_rect, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, self.empty_hint
        )


def _local_paths(mime: object) -> list[str]:
    urls = mime.urls() if mime is not None and mime.hasUrls() else []  # type: ignore[attr-defined]
    return [str(Path(u.toLocalFile())) for u in urls if u.isLocalFile()]
