"""The player window: full-screen works from the verified cache, crossfades, caption and QR.

Why this shape: the core (urbanart.player.core.Player) decides everything from the clock; this
window only draws its Frames. Ticks run on the GUI thread from a QTimer (tick is cheap and never
touches the network); polls, downloads and reports run on a plain worker thread, so a slow hub
never freezes the picture. Two stacked image layers with opacity effects make the crossfade.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
import shiboken6
from PySide6.QtCore import QEasingCurve, QPropertyAnimation, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QKeyEvent,
    QMovie,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ui.player.web_piece import make_web_piece
from ui.widgets.plain_text import PlainLabel
from ui.widgets.video_surface import VideoSurface
from urbanart.i18n import LANGUAGES, SOURCE_LANGUAGE, best_language, gettext
from urbanart.player.captions import CREDIT_TEXT_SHARE, qr_px, text_px
from urbanart.player.clock import Clock
from urbanart.player.core import Frame, Player
from urbanart.player.generative import GenerativePiece

TICK_MS = 200
POLL_CHECK_S = 0.5


class _Layer(QLabel):
    """One full-window picture, letterboxed on black (contain), still or animated."""

    #: a generative piece could not run (the reason); the layer shows its still
    piece_failed = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: black;")
        self.effect = QGraphicsOpacityEffect(self)
        self.effect.setOpacity(0.0)
        self.setGraphicsEffect(self.effect)
        self.source: QPixmap | None = None
        self.animation: QMovie | None = None  # not "movie": QLabel.movie() is a method
        self.path: Path | None = None
        # A video plays on a surface over the still (its poster shows until the first frame,
        # and again if the file fails); the layer's opacity effect fades both together.
        self.video = VideoSurface(self)
        self.video.hide()
        self.video.failed.connect(self._video_failed)
        self.video_failure: str | None = None
        #: a generative work running over its still (QtWebEngine), or None
        self.piece: QWidget | None = None

    def load(self, path: Path, animated: bool) -> bool:
        """Show the file; False when Qt cannot decode it (then the layer stays empty)."""
        self.clear_media()
        self.path = path
        if animated:
            movie = QMovie(str(path))
            if movie.isValid():
                self.animation = movie
                self.setMovie(movie)
                self._fit()
                movie.start()
                return True
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            return False
        self.source = pixmap
        self._fit()
        return True

    def play_video(self, video: Path, position_s: float, still: Path) -> None:
        """Play video from position_s over its still (the still stays if the video fails)."""
        self.load(still, animated=False)  # under the video; black if even the still fails
        self.path = video
        self.video_failure = None
        self.video.setGeometry(self.rect())
        self.video.show()
        self.video.raise_()
        self.video.play(video, position_s, catch_up=True)  # in step with the screen's clock

    def play_generative(self, piece: GenerativePiece, still: Path) -> bool:
        """Run a generative work over its still; False (the still alone) without QtWebEngine.
        Should its page fail to load, the piece goes and the still stays."""
        self.load(still, animated=False)
        self.piece = make_web_piece(self, piece, self._piece_failed)
        if self.piece is None:
            return False
        self.piece.setGeometry(self.rect())
        self.piece.show()
        self.piece.raise_()
        return True

    def close_piece(self) -> None:
        """End a running piece now (not deleteLater): QtWebEngine wants a page gone before its
        profile, which a process exiting with the page still queued for deletion breaks."""
        if self.piece is not None:
            piece, self.piece = self.piece, None
            shiboken6.delete(piece)

    def _piece_failed(self, reason: str) -> None:
        if self.piece is not None:
            self.piece.hide()
            self.piece.deleteLater()
            self.piece = None
            self.piece_failed.emit(reason)

    def _video_failed(self, reason: str) -> None:
        self.video_failure = reason
        self.video.hide()

    def clear_media(self) -> None:
        self.video.stop()
        self.video.hide()
        if self.piece is not None:
            self.piece.deleteLater()
            self.piece = None
        if self.animation is not None:
            self.animation.stop()
            self.animation = None
        self.source = None
        self.path = None
        self.clear()

    def _fit(self) -> None:
        area = self.size()
        if self.animation is not None:
            frame = self.animation.currentImage().size()
            if frame.isEmpty():
                self.animation.jumpToFrame(0)
                frame = self.animation.currentImage().size()
            if not frame.isEmpty():
                self.animation.setScaledSize(frame.scaled(area, Qt.AspectRatioMode.KeepAspectRatio))
        elif self.source is not None:
            self.setPixmap(
                self.source.scaled(
                    area,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.video.setGeometry(self.rect())
        if self.piece is not None:
            self.piece.setGeometry(self.rect())
        self._fit()


def qr_pixmap(url: str, size: int) -> QPixmap:
    """The QR code drawn in memory with segno: works offline, needs nothing from the tree."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)  # full quiet zone
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio)


class _Overlay(QFrame):
    """Caption (credit, AI disclosure) bottom left and the artwork's QR code bottom right.

    The disclosure is shown in the screen's language (the first of `languages` with a catalogue;
    the manifest carries the English sentence, urbanart.i18n translates it). Languages given
    here (the player's --language) win; otherwise those the manifest names (`screen.languages`,
    see follow_manifest), else English."""

    def __init__(self, parent: QWidget, languages: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.asked = tuple(languages)
        self.language = best_language(self.asked, LANGUAGES) or SOURCE_LANGUAGE
        self.caption = PlainLabel(self)
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)  # our <br><small>; texts escaped
        self.qr = PlainLabel(self)
        self.qr.setObjectName("qr")
        row = QHBoxLayout()
        row.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft)
        row.addStretch(1)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight)
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 24, 24, 24)
        column.addStretch(1)
        column.addLayout(row)
        self._url: str | None = None
        self._qr_size = 0
        self.fit(max(1, parent.width()), max(1, parent.height()))

    def follow_manifest(self, languages: Sequence[str]) -> bool:
        """Take the screen's languages from a newly adopted manifest (unless languages were
        given to the player); True when the caption's language changed."""
        if self.asked:
            return False
        language = best_language(languages, LANGUAGES) or SOURCE_LANGUAGE
        changed, self.language = language != self.language, language
        return changed

    def fit(self, width: int, height: int) -> None:
        """Size the caption and the QR code for the street (urbanart/player/captions.py)."""
        self.text_px = text_px(height)
        self.credit_px = text_px(height, CREDIT_TEXT_SHARE)
        pad = max(6, self.text_px // 3)
        self.setStyleSheet(
            "QFrame#overlay { background: transparent; border: none; }"
            "QLabel#caption { background: rgba(0,0,0,160); color: white;"
            f" padding: {pad}px {pad * 3 // 2}px; border-radius: {pad}px;"
            f" font-size: {self.credit_px}px; }}"
            f"QLabel#qr {{ background: white; padding: 0px; }}"
        )
        margin = max(12, min(width, height) // 50)
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(margin, margin, margin, margin)
        self.caption.setMaximumWidth(max(1, width - qr_px(width, height) - 3 * margin))
        self.qr_size = qr_px(width, height)

    def show_item(self, item: Mapping[str, Any]) -> None:
        disclosure = (
            gettext(self.language, str(item.get("ai_disclosure") or ""))
            if item.get("ai_involvement") != "undisclosed"
            else ""
        )
        # Credit and disclosure are artist/curator text: escaped, inside our own markup only.
        text = html.escape(str(item["credit"])) + (
            f'<br><span style="font-size: {self.text_px}px">{html.escape(str(disclosure))}</span>'
            if disclosure
            else ""
        )
        self.caption.setText(text)
        if item["mobile_url"] != self._url or self.qr_size != self._qr_size:
            self._url, self._qr_size = str(item["mobile_url"]), self.qr_size
            self.qr.setPixmap(qr_pixmap(self._url, self.qr_size))
        self.show()
        self.raise_()


class PlayerWindow(QWidget):
    """Draws the player's frames; `network=False` leaves polling to the caller (tests)."""

    def __init__(
        self,
        player: Player,
        *,
        clock: Clock | None = None,
        network: bool = True,
        tick_ms: int = TICK_MS,
        languages: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.player = player
        self.clock = clock or player.clock
        self.setWindowTitle("Urban Art player")
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.layers = (_Layer(self), _Layer(self))
        for layer in self.layers:
            layer.video.failed.connect(self._video_failed)
            layer.piece_failed.connect(self._piece_failed)
        self.front = 0
        self.overlay = _Overlay(self, languages)
        self.overlay.hide()
        self._key: tuple[Any, ...] | None = None
        self._manifest: str | None = None  # the version whose screen languages were read
        self._path: Path | None = None
        self._video: Path | None = None
        self._fade: QPropertyAnimation | None = None
        self.frame: Frame | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(tick_ms)
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        if network:
            self._worker = threading.Thread(target=self._network, name="player-net", daemon=True)
            self._worker.start()
        self.refresh()

    # The network worker ---------------------------------------------------------------------

    def _network(self) -> None:
        while not self._stop.is_set():
            if self.clock.now() >= self.player.next_poll_at:
                try:
                    self.player.poll_once()
                except Exception as exc:  # never let the worker die: the screen must go on
                    self.player.error(f"poll failed: {type(exc).__name__}")
            try:
                self.player.poll_live()  # a live item's feed, at its own interval
            except Exception as exc:
                self.player.error(f"live feed poll failed: {type(exc).__name__}")
            self._stop.wait(POLL_CHECK_S)

    def shutdown(self) -> None:
        self.timer.stop()
        for layer in self.layers:
            layer.close_piece()
        self._stop.set()
        if self._worker is not None:
            self._worker.join(15)
        self.player.flush_play()

    # Drawing --------------------------------------------------------------------------------

    @property
    def shown_item(self) -> Mapping[str, Any] | None:
        return self.frame.item if self.frame is not None else None

    @property
    def front_layer(self) -> _Layer:
        return self.layers[self.front]

    def refresh(self, now: datetime | None = None) -> Frame:
        """Tick the core and draw what it says (a new work, a crossfade, or nothing)."""
        frame = self.player.tick(now or self.clock.now())
        self.frame = frame
        languages = self._screen_languages(frame.manifest_version)
        if frame.manifest_version != self._manifest and languages is not None:
            self._manifest = frame.manifest_version
            changed = self.overlay.follow_manifest(languages)
            if changed and not self.overlay.isHidden() and frame.item is not None:
                self.overlay.show_item(frame.item)  # the same work, in the new language
        key = frame.showing.key if frame.path is not None else None
        # A live item shows its newest verified frame, else its still fallback (frame.path).
        picture = frame.live_path or frame.path
        if key == self._key and picture == self._path and frame.video_path == self._video:
            return frame  # the same work goes on (a video keeps playing on its own clock)
        new_frame_only = key == self._key and key is not None and frame.video_path is None
        self._key, self._path, self._video = key, picture, frame.video_path
        item = frame.item
        if item is None or frame.path is None:
            for layer in self.layers:
                layer.effect.setOpacity(0.0)
                layer.clear_media()
            self.overlay.hide()
            return frame
        back, old = self.layers[1 - self.front], self.layers[self.front]
        if frame.video_path is not None:
            back.play_video(frame.video_path, frame.video_position_s or 0.0, frame.path)
        elif frame.generative is not None:
            back.play_generative(frame.generative, frame.path)
        elif picture is not None and not back.load(
            picture, bool(item["media"].get("animated")) and frame.live_path is None
        ):
            self.player.error(f"cannot decode {picture.name}")
            return frame
        back.raise_()
        self.overlay.raise_()
        fade = frame.showing.fade
        seconds = float(item["transition"]["seconds"]) if fade is not None else 0.0
        remaining = seconds * (1.0 - (fade or 0.0))
        if self._fade is not None:
            self._fade.stop()
        if remaining > 0.05 and old.path is not None and not new_frame_only:
            back.effect.setOpacity(fade or 0.0)
            self._fade = QPropertyAnimation(back.effect, b"opacity", self)
            self._fade.setDuration(int(remaining * 1000))
            self._fade.setStartValue(fade or 0.0)
            self._fade.setEndValue(1.0)
            self._fade.setEasingCurve(QEasingCurve.Type.Linear)
            self._fade.finished.connect(old.clear_media)
            self._fade.start()
        else:
            back.effect.setOpacity(1.0)
            old.clear_media()
            old.effect.setOpacity(0.0)
        self.front = 1 - self.front
        if new_frame_only:
            return frame  # a live work's next frame: the caption stays as it is
        if item.get("overlay"):
            self.overlay.show_item(item)
        else:
            self.overlay.hide()
        return frame

    def _screen_languages(self, version: str | None) -> list[str] | None:
        """The languages the manifest of this version names (format 3; [] when it names none),
        or None when the player holds another manifest by now (the network thread just took
        one: the next tick reads it)."""
        manifest = self.player.current
        if manifest is None or version is None:
            return [] if manifest is None and version is None else None
        if manifest.version != version:
            return None
        screen = manifest.payload.get("screen")
        languages = screen.get("languages") if isinstance(screen, Mapping) else None
        return [str(code) for code in languages] if isinstance(languages, list) else []

    def _piece_failed(self, reason: str) -> None:
        title = self.shown_item["title"] if self.shown_item is not None else "the piece"
        self.player.error(f"cannot run {title!r}, showing its still: {reason}")

    def _video_failed(self, reason: str) -> None:
        name = self._video.name if self._video is not None else "video"
        self.player.error(f"cannot play {name}, showing its still: {reason}")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for layer in self.layers:
            layer.setGeometry(self.rect())
        self.overlay.setGeometry(self.rect())
        self.overlay.fit(self.width(), self.height())
        if not self.overlay.isHidden() and self.shown_item is not None:
            self.overlay.show_item(self.shown_item)  # a new size: a new QR pixmap

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Q):
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
