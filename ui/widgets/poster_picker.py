"""The poster-frame picker: a slider over a video's length, the frame at that moment, and
"Use this frame".

The poster frame is what stands for a video as a still (thumbnail, every screen's still
fallback, the page's poster), so the curator picks it by looking, not by typing a time. The
frame is decoded on the frame source's own thread (VideoSurface.show_frame); dragging the
slider asks for a frame only once the hand rests (a short debounce), so a drag does not queue
a decode per pixel. The owner saves the choice (set_poster through run_op(writes=True)).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSlider, QVBoxLayout, QWidget

from ui.widgets.form_fields import hint_label
from ui.widgets.plain_text import PlainLabel
from ui.widgets.video_surface import VideoSurface

#: Slider steps per second: a tenth of a second is finer than a curator picks by eye.
STEPS_PER_S = 10
#: How long the slider must rest before its frame is decoded.
SETTLE_MS = 120


def seconds_text(seconds: float) -> str:
    """0:01.2 — minutes, seconds and a tenth."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


class PosterPicker(QWidget):
    """Pick a moment of a video; `chosen` says which when the curator confirms."""

    chosen = Signal(float)  # seconds into the video

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.duration_s = 0.0
        self.poster_s: float | None = None
        self.frame = VideoSurface(self)
        self.frame.setFixedSize(192, 108)
        self.frame.setAccessibleName("Poster frame preview")
        self.frame.setStyleSheet("background: black;")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Poster frame time")
        self.time = PlainLabel("")
        self.use_button = QPushButton("Use this frame")
        self.use_button.setToolTip(
            "Make this moment the work's poster: its thumbnail, its still on screens that "
            "show stills, and its page's poster"
        )
        self.note = hint_label("")
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.time)
        side = QVBoxLayout()
        side.addWidget(PlainLabel("Poster frame"))
        side.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.use_button)
        side.addLayout(buttons)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame)
        layout.addLayout(side, 1)
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self._show_frame)
        self.slider.valueChanged.connect(self._moved)
        self.use_button.clicked.connect(lambda: self.chosen.emit(self.seconds()))
        self.frame.failed.connect(lambda reason: self.note.setText("No frame decodes there."))

    def show_video(self, path: Path | None, duration_s: float, poster_s: float | None) -> None:
        """Offer the moments of the video at path (None: not loaded yet, nothing to pick)."""
        self.path, self.duration_s, self.poster_s = path, duration_s, poster_s
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, int(duration_s * STEPS_PER_S) - 1))
        self.slider.setValue(round((poster_s or 0.0) * STEPS_PER_S))
        self.slider.blockSignals(False)
        self.note.setText("" if poster_s is None else f"Poster now at {seconds_text(poster_s)}")
        self.time.setText(seconds_text(self.seconds()))
        self.use_button.setEnabled(False)
        self.slider.setEnabled(path is not None)
        if path is None:
            self.frame.stop()
        else:
            self._show_frame()

    def seconds(self) -> float:
        return self.slider.value() / STEPS_PER_S

    def stop(self) -> None:
        self.settle.stop()
        self.frame.stop()

    def _moved(self, _value: int) -> None:
        self.time.setText(seconds_text(self.seconds()))
        self.use_button.setEnabled(
            self.path is not None
            and (self.poster_s is None or abs(self.seconds() - self.poster_s) >= 0.05)
        )
        self.settle.start()

    def _show_frame(self) -> None:
        if self.path is not None:
            self.frame.show_frame(self.path, self.seconds())
