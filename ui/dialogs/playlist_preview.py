"""A preview window shaped like a chosen screen, playing a playlist's items as a screen would.

Each item stays for its duration and arrives with its transition (a cut, or a crossfade over
the previous picture for its seconds); the caption overlay is drawn when the item asks for it.
Pictures are loaded off the GUI thread just before they are due. A video item shows its poster
still at once, then plays (muted, looping, frames decoded on the frame source's own thread) for
its time on screen. A speed control lets the curator check a long playlist quickly (transitions
speed up with it; videos play at their own pace).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, QTimer, QVariantAnimation
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QVBoxLayout, QWidget

from ui.models.playlist_items import format_seconds
from ui.operations import OpContext, submit
from ui.thumbnails import load_preview_image
from ui.video_files import playable_path
from ui.widgets.plain_text import PlainLabel
from ui.widgets.video_surface import VideoPlayback, upright_image
from urbanart.curation.records import PlaylistRecord
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library
from urbanart.player.video_frames import DecodedFrame

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
        self.previous = QImage()  # the picture being faded out, during a crossfade
        self.fade = 1.0  # how far the current picture has faded in
        self.caption = ""
        self.animation = QVariantAnimation(self)
        self.animation.setStartValue(0.0)
        self.animation.setEndValue(1.0)
        self.animation.valueChanged.connect(self._faded)
        self.setMinimumSize(self.preview_size())
        self.video = VideoPlayback(self)
        self.video.frame.connect(self._video_frame)
        self.video.failed.connect(lambda _reason: None)  # the poster still stays
        self.frames_shown = 0

    def show_video(self, still: QImage, path: Path, crossfade_ms: int = 0) -> None:
        """Show a video's poster still (crossfading like a picture), then play the video."""
        self.show_image(still, crossfade_ms)
        self.frames_shown = 0
        ratio = self.devicePixelRatioF()
        self.video.set_box((round(self.width() * ratio), round(self.height() * ratio)))
        self.video.play(path)

    def _video_frame(self, frame: DecodedFrame) -> None:
        self.image = upright_image(frame)
        self.frames_shown += 1
        self.update()

    def show_image(self, image: QImage, crossfade_ms: int = 0) -> None:
        """Show image, crossfading from the current picture over crossfade_ms (0: a cut)."""
        self.video.stop()
        self.animation.stop()
        self.previous = self.image if crossfade_ms > 0 else QImage()
        self.image = image
        if crossfade_ms > 0 and not self.previous.isNull():
            self.fade = 0.0
            self.animation.setDuration(crossfade_ms)
            self.animation.start()
        else:
            self.fade = 1.0
        self.update()

    def _faded(self, value: object) -> None:
        self.fade = float(value)  # type: ignore[arg-type]
        if self.fade >= 1.0:
            self.previous = QImage()
        self.update()

    def preview_size(self) -> QSize:
        width, height = self.screen_size
        scale = min(720 / width, 640 / height)
        return QSize(round(width * scale), round(height * scale))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor("black"))  # a screen is black where there is no art
        if not self.previous.isNull() and self.fade < 1.0:
            self._draw_fitted(painter, self.previous)
        if not self.image.isNull():
            painter.setOpacity(self.fade)
            self._draw_fitted(painter, self.image)
            painter.setOpacity(1.0)
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

    def _draw_fitted(self, painter: QPainter, image: QImage) -> None:
        size = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(self.rect().center())
        painter.drawImage(target, image)


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
        self.status = PlainLabel()
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

        def load(_ctx: OpContext) -> tuple[QImage, Path | None]:
            asset = get_artwork(library, artwork_id).asset
            if asset.kind == "video":  # its poster still first, the video over it
                still = QImage(asset.width, asset.height, QImage.Format.Format_RGB32)
                still.fill(QColor("black"))
                if asset.thumbnail_key:
                    still = load_preview_image(library, asset.thumbnail_key, max_side=1280)
                return still, playable_path(library, asset.original_key)
            return load_preview_image(library, asset.original_key, max_side=1280), None

        speed = self.speed.currentData() or 1
        fade_ms = round(item.transition_s * 1000 / speed) if item.transition == "crossfade" else 0

        def show(loaded: tuple[QImage, Path | None], index: int = self.index) -> None:
            if index != self.index:
                return
            image, video = loaded
            if video is not None:
                self.canvas.show_video(image, video, fade_ms)
            else:
                self.canvas.show_image(image, fade_ms)

        submit(load, on_success=show, label="preview picture", receiver=self)
        self.canvas.caption = f"{item.title} — {item.artist}" if item.overlay else ""
        self.canvas.update()
        self.status.setText(
            f"{item.position} of {len(self.record.items)} · {item.title} · "
            f"{format_seconds(item.duration)} (total {format_seconds(self.record.total_seconds)})"
        )
        self.timer.start(round(item.duration * 1000 / speed))

    def done(self, result: int) -> None:
        self.timer.stop()
        self.canvas.video.stop()
        super().done(result)
