"""Thumbnails for grids: read through the engine and decoded off the GUI thread, cached as pixmaps.

The grid asks for a thumbnail only when it paints a cell, so only visible works are requested.
Requests are served newest first (a fast scroll wants what is on screen now, not what flew by),
the queue is capped, decoding and scaling to the cell size happen on a small thread pool, and
decoded pixmaps live in an LRU cache bounded by bytes. Arrivals are batched into one signal per
frame so a scroll never repaints the grid once per picture.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from ui.operations import OpContext, submit
from urbanart.errors import UrbanArtError
from urbanart.library.library import Library
from urbanart.library.package_import import picture_key
from urbanart.library.renditions import ensure_thumbnail

MAX_QUEUED = 240  # requests beyond this many are forgotten, oldest first


def load_thumbnail_image(library: Library, sha256: str, key: str | None, side: int) -> QImage:
    """Worker side: bytes from the store (derived again if missing), decoded and scaled."""
    data: bytes | None = None
    if key:
        try:
            data = library.store.get(key)
        except OSError:
            data = None
    if data is None:
        data = library.store.get(ensure_thumbnail(library, sha256))
    image = QImage.fromData(data)
    if image.isNull():
        raise UrbanArtError(f"The thumbnail of {sha256[:12]}… cannot be decoded.")
    if image.width() > side or image.height() > side:
        image = image.scaled(
            side,
            side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class ThumbnailLoader(QObject):
    """Serves pixmaps by content hash; emits ``ready`` with the hashes that just arrived."""

    ready = Signal(object)  # set[str] of sha256

    def __init__(
        self,
        library: Library,
        *,
        side: int = 176,
        cache_mb: int = 96,
        workers: int = 2,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.side = side
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._cache_bytes = 0
        self._cache_limit = cache_mb * 1024 * 1024
        self._wanted: OrderedDict[str, str | None] = OrderedDict()
        self._in_flight: set[str] = set()
        self._failed: set[str] = set()
        self._arrived: set[str] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(workers)
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(16)
        self._flush.timeout.connect(self._emit_ready)

    # The GUI side ---------------------------------------------------------------------------

    def pixmap(self, sha256: str, key: str | None) -> QPixmap | None:
        """The cached pixmap, or None after queueing a load (the cell shows a placeholder)."""
        cached = self._cache.get(sha256)
        if cached is not None:
            self._cache.move_to_end(sha256)
            return cached
        if sha256 not in self._failed:
            self.request(sha256, key)
        return None

    def failed(self, sha256: str) -> bool:
        return sha256 in self._failed

    def request(self, sha256: str, key: str | None) -> None:
        if sha256 in self._in_flight:
            return
        self._wanted[sha256] = key
        self._wanted.move_to_end(sha256)
        while len(self._wanted) > MAX_QUEUED:
            self._wanted.popitem(last=False)
        self._pump()

    def ensure_side(self, side: int) -> None:
        """Decode at least this large from now on (a grid's cards grew): cached pictures are
        dropped so they come back sharp. Smaller cards scale the cached pictures down."""
        if side <= self.side:
            return
        self.side = side
        self._cache.clear()
        self._cache_bytes = 0
        self._wanted.clear()

    def pending(self) -> int:
        return len(self._wanted) + len(self._in_flight)

    def forget(self, sha256: str) -> None:
        """Drop one work's cached thumbnail (a video's new poster frame): the next paint loads
        the new picture."""
        cached = self._cache.pop(sha256, None)
        if cached is not None:
            self._cache_bytes -= _size(cached)
        self._failed.discard(sha256)

    def clear(self) -> None:
        self._cache.clear()
        self._cache_bytes = 0
        self._wanted.clear()
        self._failed.clear()

    def shutdown(self) -> None:
        """Forget queued work and wait for pictures being decoded (when the library closes)."""
        self._wanted.clear()
        self._pool.waitForDone(5000)

    # Pool plumbing ---------------------------------------------------------------------------

    def _pump(self) -> None:
        while self._wanted and len(self._in_flight) < self._pool.maxThreadCount():
            sha, key = self._wanted.popitem(last=True)  # newest first
            self._in_flight.add(sha)

            def load(
                _ctx: OpContext,
                sha: str = sha,
                key: str | None = key,
                library: Library = self.library,
                side: int = self.side,
            ) -> QImage:
                return load_thumbnail_image(library, sha, key, side)

            def loaded(image: QImage, sha: str = sha, side: int = self.side) -> None:
                if side == self.side:
                    self._loaded(sha, image)
                else:  # decoded for smaller cards: ask again at the new size
                    self._in_flight.discard(sha)
                    self._arrived.add(sha)
                    if not self._flush.isActive():
                        self._flush.start()
                    self._pump()

            def failed(_exc: BaseException, _trace: str, sha: str = sha) -> None:
                self._load_failed(sha)

            submit(
                load,
                on_success=loaded,
                on_failure=failed,
                pool=self._pool,
                label="thumbnail",
                receiver=self,
            )

    def _loaded(self, sha: str, image: QImage) -> None:
        self._in_flight.discard(sha)
        pixmap = QPixmap.fromImage(image)
        self._cache[sha] = pixmap
        self._cache_bytes += _size(pixmap)
        while self._cache_bytes > self._cache_limit and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_bytes -= _size(old)
        self._arrived.add(sha)
        if not self._flush.isActive():
            self._flush.start()
        self._pump()

    def _load_failed(self, sha: str) -> None:
        self._in_flight.discard(sha)
        self._failed.add(sha)
        self._arrived.add(sha)
        if not self._flush.isActive():
            self._flush.start()
        self._pump()

    def _emit_ready(self) -> None:
        arrived, self._arrived = self._arrived, set()
        if arrived:
            self.ready.emit(arrived)


def _size(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4


def load_preview_image(library: Library, key: str, max_side: int = 1600) -> QImage:
    """Worker side: an original decoded at no more than max_side (JPEG decodes scaled, fast)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(library.store.get(picture_key(library.store, key))))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > max_side:
        reader.setScaledSize(size.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise UrbanArtError(f"The picture cannot be shown: {reader.errorString()}")
    return image
