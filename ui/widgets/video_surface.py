"""A widget that plays a video file by painting decoded frames (no QtMultimedia needed).

Why this shape: PySide6-Essentials carries no QtMultimedia, so frames come from PyAV through
urbanart.player.video_frames.VideoFrames, which decodes on its own thread, a few frames ahead,
already scaled to this widget's size. The GUI thread only wakes when the next frame is due
(a precise single-shot timer aimed at its due time), takes the newest due frame (late ones are
dropped, so the picture never drifts behind the clock) and paints it, fitted ("contain") or
covering ("cover") like the still layers. `opacity` is a Qt property, so a QPropertyAnimation
can crossfade it; nothing behind the picture is painted, so what lies under the widget shows
through where the video does not cover it and while no frame has arrived yet (a poster still,
for instance).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Property, QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QHideEvent,
    QImage,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
    QTransform,
)
from PySide6.QtWidgets import QWidget

from urbanart.player.video_frames import (
    DEFAULT_AHEAD,
    NATIVE_32,
    DecodedFrame,
    Fit,
    VideoFrames,
)

#: How often to look again when no frame is buffered yet (the decoder is behind or starting).
IDLE_POLL_MS = 5
#: The longest the timer sleeps even when the next frame is far off (a resize, a stop).
MAX_SLEEP_MS = 50

#: Video has no transparency, so the 32-bit layouts are read as opaque (RGB32, RGBX8888): Qt
#: then copies them onto the screen as they are instead of converting every pixel per paint.
_FORMATS = {
    "bgra": QImage.Format.Format_RGB32 if NATIVE_32 == "bgra" else QImage.Format.Format_RGBX8888,
    "rgba": QImage.Format.Format_RGBX8888,
    "rgb24": QImage.Format.Format_RGB888,
}


def frame_image(frame: DecodedFrame) -> QImage:
    """A QImage over the frame's bytes (no copy: keep the frame while the image is used)."""
    return QImage(frame.data, frame.width, frame.height, frame.stride, _FORMATS[frame.pixel_format])


def upright_image(frame: DecodedFrame) -> QImage:
    """The frame as an upright QImage (a copy turned by its rotation; the view when unturned)."""
    image = frame_image(frame)
    if not frame.rotation:
        return image
    return image.transformed(QTransform().rotate(-frame.rotation))


class VideoPlayback(QObject):
    """The clock side of playing a file: takes each frame from VideoFrames when it is due.

    Painting is the owner's: VideoSurface draws the frames; a canvas that composes its own
    picture (the playlist preview) listens to `frame` and draws the image itself.
    """

    #: A new frame is due now.
    frame = Signal(object)  # DecodedFrame
    #: The file cannot be played (missing, undecodable): the reason.
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, fit: Fit = "contain") -> None:
        super().__init__(parent)
        self.fit: Fit = fit
        self.frames: VideoFrames | None = None
        self.path: Path | None = None
        self.current: DecodedFrame | None = None
        self.box: tuple[int, int] | None = None
        self._single = False
        self.loop = True
        self._clock_start: float | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def play(
        self, path: Path, start_s: float = 0.0, *, loop: bool = True, catch_up: bool = False
    ) -> None:
        """Start playing path from start_s seconds (wrapped into the video's length).

        catch_up: start_s is where the video stands *now* (a screen following the clock), so
        the time spent opening and seeking is skipped, not shown late; else the first frame
        is due when it is ready (previews)."""
        self._start(path, start_s, loop=loop, single=False)
        if catch_up:
            self._clock_start = time.monotonic()

    def show_frame(self, path: Path, at_s: float) -> None:
        """Show the one frame at at_s and stop there (a poster-frame preview)."""
        self._start(path, at_s, loop=False, single=True)

    def _start(self, path: Path, start_s: float, *, loop: bool, single: bool) -> None:
        self.stop()
        self.path = path
        self.loop = loop
        self._single = single
        self.frames = VideoFrames(
            path,
            start_s=start_s,
            loop=loop,
            ahead=1 if single else DEFAULT_AHEAD,
            box=self.box,
            fit=self.fit,
            pixel_format="bgra" if NATIVE_32 == "bgra" else "rgba",
        )
        self.timer.start(0)

    def stop(self) -> None:
        """Stop and forget the file; the decoding thread ends by itself (never joined here, so
        the GUI thread never waits on the file)."""
        self.timer.stop()
        if self.frames is not None:
            self.frames.close(timeout=0)
        self.frames = None
        self.path = None
        self.current = None
        self._clock_start = None

    def set_box(self, box: tuple[int, int] | None) -> None:
        self.box = box
        if self.frames is not None:
            self.frames.set_box(box)

    @property
    def playing(self) -> bool:
        return self.frames is not None

    @property
    def single(self) -> bool:
        """Showing one still frame (show_frame), not playing."""
        return self._single

    def _tick(self) -> None:
        frames = self.frames
        if frames is None:
            return
        if self._clock_start is None:
            if frames.next_due() is None:
                if frames.finished.is_set():
                    self._fail(frames.failed or "the video holds no frame")
                    return
                self.timer.start(IDLE_POLL_MS)
                return
            self._clock_start = time.monotonic()  # frame 0 is due now: startup is not lateness
        elapsed = time.monotonic() - self._clock_start
        frame = frames.take(elapsed)
        if frame is not None:
            self.current = frame
            self.frame.emit(frame)
            if self._single:
                frames.close(timeout=0)  # one frame was asked for: the decoder may go
                self.frames = None
                return
        due = frames.next_due()
        if due is None:
            if frames.finished.is_set():
                if frames.failed is not None:
                    self._fail(frames.failed)
                return  # played out (loop=False): the last frame stays
            wait_ms = IDLE_POLL_MS
        else:
            wait_ms = int(max(0.0, min(due - elapsed, MAX_SLEEP_MS / 1000)) * 1000)
        self.timer.start(wait_ms)

    def _fail(self, reason: str) -> None:
        self.stop()
        self.failed.emit(reason)


class VideoSurface(QWidget):
    """Plays one file at a time from a position, looping, muted (this player has no sound)."""

    #: The file cannot be played (missing, undecodable): the reason, for a fallback to a still.
    failed = Signal(str)
    #: A new frame reached the screen: its position in the file, in seconds.
    frame_shown = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, fit: Fit = "contain") -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.playback = VideoPlayback(self, fit=fit)
        self.playback.frame.connect(self._frame)
        self.playback.failed.connect(self._failed)
        self._image: QImage | None = None
        self._new_frame = False
        self._opacity = 1.0
        self._resume: tuple[Path, float, bool] | None = None  # what to play on when shown
        self.shown = 0  # frames painted since play()

    @property
    def fit(self) -> Fit:
        return self.playback.fit

    @classmethod
    def over(cls, widget: QWidget, *, fit: Fit = "contain") -> VideoSurface:
        """A hidden surface laid over widget (a picture label), following its size: show it
        to play over the still the label shows, hide it to give the label back."""
        surface = cls(widget, fit=fit)
        surface.setGeometry(widget.rect())
        surface.hide()
        widget.installEventFilter(surface)
        return surface

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return False

    # Playing ----------------------------------------------------------------------------------

    def play(
        self, path: Path, start_s: float = 0.0, *, loop: bool = True, catch_up: bool = False
    ) -> None:
        """Start playing path from start_s seconds (see VideoPlayback.play for catch_up)."""
        self.shown = 0
        self._image = None
        self.playback.set_box(self._box())
        self.playback.play(path, start_s, loop=loop, catch_up=catch_up)
        self.update()

    def show_frame(self, path: Path, at_s: float) -> None:
        """Show the frame at at_s, still (the previous picture stays until it arrives)."""
        self.playback.set_box(self._box())
        self.playback.show_frame(path, at_s)

    def stop(self) -> None:
        self._resume = None
        self.playback.stop()
        self._image = None
        self.update()

    @property
    def frames(self) -> VideoFrames | None:
        return self.playback.frames

    @property
    def path(self) -> Path | None:
        return self.playback.path

    @property
    def playing(self) -> bool:
        return self.playback.playing

    @property
    def position_s(self) -> float | None:
        """Where in the file the picture on screen is (None: no frame yet)."""
        current = self.playback.current
        return current.position_s if current is not None else None

    def _frame(self, frame: DecodedFrame) -> None:
        self._image = frame_image(frame)
        self._new_frame = True
        self.update()

    def _failed(self, reason: str) -> None:
        self._image = None
        self.update()
        self.failed.emit(reason)

    # Opacity (for crossfades) -----------------------------------------------------------------

    def _get_opacity(self) -> float:
        return self._opacity

    def _set_opacity(self, value: float) -> None:
        self._opacity = max(0.0, min(1.0, float(value)))
        self.update()

    opacity = Property(float, _get_opacity, _set_opacity)

    # Drawing ----------------------------------------------------------------------------------

    def _box(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.playback.set_box(self._box())

    def target_rect(self) -> QRectF | None:
        """Where the upright picture goes in this widget (contain or cover, centred)."""
        frame = self.playback.current
        if frame is None:
            return None
        turned = frame.rotation % 180 != 0
        shown = QSize(frame.height, frame.width) if turned else QSize(frame.width, frame.height)
        mode = (
            Qt.AspectRatioMode.KeepAspectRatio
            if self.fit == "contain"
            else Qt.AspectRatioMode.KeepAspectRatioByExpanding
        )
        size = shown.scaled(self.size(), mode)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        return QRectF(x, y, size.width(), size.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        image, frame, target = self._image, self.playback.current, self.target_rect()
        if image is None or frame is None or target is None or self._opacity <= 0.0:
            return
        painter = QPainter(self)
        painter.setOpacity(self._opacity)
        if self.fit == "cover":
            painter.setClipRect(self.rect())
        if frame.rotation:
            centre = target.center()
            painter.translate(centre)
            painter.rotate(-frame.rotation)  # Qt turns clockwise; the matrix counts the other way
            if frame.rotation % 180:
                target = QRectF(0, 0, target.height(), target.width())
            target.moveCenter(QPointF(0, 0))
        painter.drawImage(target, image)
        painter.end()
        if self._new_frame:
            self._new_frame = False
            self.shown += 1
            self.frame_shown.emit(frame.position_s)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        """Hidden (another view, a closed panel): stop decoding what nobody sees, and play on
        from the same moment when shown again."""
        playback = self.playback
        if playback.playing and playback.path is not None and not playback.single:
            self._resume = (playback.path, self.position_s or 0.0, playback.loop)
            playback.stop()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._resume is not None:
            path, position, loop = self._resume
            self._resume = None
            self.play(path, position, loop=loop)
