"""A picture scaled to fit a label, sharp on high-density screens (artwork detail, quick look,
the Review view's preview all show a work this way)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap


def fitted_pixmap(image: QImage, size: QSize, ratio: float) -> QPixmap:
    """image scaled smoothly, aspect kept, to size logical pixels at device pixel ratio."""
    scaled = image.scaled(
        size * ratio, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    pixmap = QPixmap.fromImage(scaled)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap
