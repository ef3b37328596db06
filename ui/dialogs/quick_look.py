"""Quick look: Space on a selected work shows it large over the Library; Space or Esc closes.

The picture is decoded off the GUI thread (``load_preview_image``); Left and Right step through
the works in the grid's order without closing. A video plays (muted, looping) over its poster
still; its frames are decoded on the frame source's own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QImage, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ui import theme
from ui.operations import OpContext, submit
from ui.thumbnails import load_preview_image
from ui.video_files import playable_path
from ui.widgets.artwork_grid_view import duration_text
from ui.widgets.fitted_picture import fitted_pixmap
from ui.widgets.plain_text import PlainLabel
from ui.widgets.video_surface import VideoSurface
from urbanart.library.browse import BrowseRow
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library


class QuickLook(QDialog):
    """One work, large, with its title, artist and status; ``step`` moves to a neighbour."""

    def __init__(
        self,
        library: Library,
        row: BrowseRow,
        step: Callable[[int], BrowseRow | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quick look")
        self.library = library
        self._step = step
        self._image: QImage | None = None
        self.row = row
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(320, 240)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.video = VideoSurface.over(self.picture)
        self.video.failed.connect(lambda _reason: self.video.hide())
        self.caption = PlainLabel()
        theme.set_point_size(self.caption, 1.15, bold=True)
        self.details = PlainLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.details)
        if parent is not None:
            window = parent.window()
            self.resize(int(window.width() * 0.8), int(window.height() * 0.85))
        self.show_row(row)

    def show_row(self, row: BrowseRow) -> None:
        self.row = row
        self._image = None
        self.video.stop()
        self.video.hide()
        self.picture.setText("Loading…")
        self.caption.setText(row.title)
        year = f", {row.year}" if row.year else ""
        length = f" · {duration_text(row.duration_s)}" if row.duration_s else ""
        self.details.setText(
            f"{row.artist}{year} · {row.status} · {row.width} × {row.height} px · {row.kind}"
            f"{length}"
        )
        library, artwork_id = self.library, row.id
        if row.kind == "video":
            self._load_video(row)

        def load(_ctx: OpContext) -> QImage:
            asset = get_artwork(library, artwork_id).asset
            # A video's still is its poster frame (its thumbnail); the video plays over it.
            key = asset.thumbnail_key if asset.kind == "video" else None
            return load_preview_image(library, key or asset.original_key)

        def loaded(image: QImage) -> None:
            if self.row.id == artwork_id:
                self._image = image
                self._fit()

        def failed(_exc: BaseException, _trace: str) -> None:
            if self.row.id == artwork_id:
                self.picture.setText("The picture cannot be shown.")

        submit(load, on_success=loaded, on_failure=failed, label="quick look", receiver=self)

    def _load_video(self, row: BrowseRow) -> None:
        library, artwork_id = self.library, row.id

        def find(_ctx: OpContext) -> Path:
            return playable_path(library, get_artwork(library, artwork_id).asset.original_key)

        def found(path: Path) -> None:
            if self.row.id == artwork_id:
                self.video.show()
                self.video.raise_()
                self.video.play(path)

        submit(find, on_success=found, label="quick look video", receiver=self)

    def hideEvent(self, event: QHideEvent) -> None:
        self.video.stop()  # closed or hidden: the decoder stops
        super().hideEvent(event)

    def has_image(self) -> bool:
        return self._image is not None

    def _fit(self) -> None:
        if self._image is None:
            return
        ratio = self.devicePixelRatioF()
        self.picture.setPixmap(fitted_pixmap(self._image, self.picture.size(), ratio))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
            self.close()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            row = self._step(-1 if key == Qt.Key.Key_Left else 1)
            if row is not None:
                self.show_row(row)
        else:
            super().keyPressEvent(event)
