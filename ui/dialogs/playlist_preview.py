"""A preview window shaped like a chosen screen, playing a playlist's items for their durations.

Pictures are loaded off the GUI thread just before they are due; the caption overlay is drawn
when the item asks for it. A speed control lets the curator check a long playlist quickly.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.models.playlist_items import format_seconds
from ui.operations import OpContext, submit
from ui.thumbnails import load_preview_image
from urbanart.curation.records import PlaylistRecord
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library

#: Screen profiles a curator previews against: label → (width, height).
SCREEN_PROFILES = {
    "Landscape 1920 × 1080": (1920, 1080),
    "Portrait 1080 × 1920": (1080, 1920),
    "4K landscape 3840 × 2160": (3840, 2160),
    "Square 1080 × 1080": (1080, 1080),
}


class ScreenCanvas(QWidget):
    """Draws the current picture fitted into the screen's proportions, black around it."""

    def __init__(self, size: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen_size = size
        self.image = QImage()
        self.caption = ""
        self.setMinimumSize(self.preview_size())

    def preview_size(self) -> QSize:
        width, height = self.screen_size
        scale = min(720 / width, 640 / height)
        return QSize(round(width * scale), round(height * scale))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor("black"))  # a screen is black where there is no art
        if not self.image.isNull():
            size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            painter.drawImage(target, self.image)
        if self.caption:
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 0.95)
            painter.setFont(font)
            band = QRect(0, self.height() - 44, self.width(), 44)
            painter.fillRect(band, QColor(0, 0, 0, 150))
            painter.setPen(QColor("white"))
            painter.drawText(
                band.adjusted(14, 0, -14, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                self.caption,
            )
        painter.end()


class PlaylistPreview(QDialog):
    """Plays a playlist record in a window with the proportions of the chosen screen."""

    def __init__(
        self,
        library: Library,
        record: PlaylistRecord,
        profile: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library, self.record = library, record
        self.setWindowTitle(f"Preview — {record.name} on {profile}")
        self.canvas = ScreenCanvas(SCREEN_PROFILES[profile])
        self.status = QLabel()
        self.speed = QComboBox()
        for factor in (1, 2, 4, 10):
            self.speed.addItem(f"{factor}× speed", factor)
        controls = QHBoxLayout()
        controls.addWidget(self.status, 1)
        controls.addWidget(self.speed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(controls)
        self.index = -1
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.advance)
        self.advance()

    def advance(self) -> None:
        if not self.record.items:
            self.status.setText("This playlist is empty.")
            return
        self.index = (self.index + 1) % len(self.record.items)
        item = self.record.items[self.index]
        library, artwork_id = self.library, item.artwork_id

        def load(_ctx: OpContext) -> QImage:
            key = get_artwork(library, artwork_id).asset.original_key
            return load_preview_image(library, key, max_side=1280)

        def show(image: QImage, index: int = self.index) -> None:
            if index == self.index:
                self.canvas.image = image
                self.canvas.update()

        submit(load, on_success=show, label="preview picture", receiver=self)
        self.canvas.caption = f"{item.title} — {item.artist}" if item.overlay else ""
        self.canvas.update()
        self.status.setText(
            f"{item.position} of {len(self.record.items)} · {item.title} · "
            f"{format_seconds(item.duration)} (total {format_seconds(self.record.total_seconds)})"
        )
        self.timer.start(round(item.duration * 1000 / (self.speed.currentData() or 1)))

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)
