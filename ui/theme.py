"""Icons and colours drawn from the platform palette, so light and dark mode both look right.

Icons are our own line-art SVGs in ``assets/icons`` written with ``currentColor``; they are tinted
with the palette's text colour when loaded. Colours that carry meaning (review status, errors)
are picked per palette lightness instead of being hard-coded for a light window.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget


@cache
def assets_dir() -> Path:
    """assets/ beside the checkout, or ui/assets when installed from a wheel."""
    installed = Path(str(resources.files("ui"))) / "assets"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[1] / "assets"


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def svg_pixmap(name: str, size: int, color: QColor | None = None, ratio: float = 2.0) -> QPixmap:
    """Render assets/icons/<name>.svg at size (logical px), tinted with color."""
    text = (assets_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    tint = color or QApplication.palette().color(QPalette.ColorRole.WindowText)
    text = text.replace("currentColor", tint.name())
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str, size: int = 24) -> QIcon:
    """A tinted icon with a highlighted variant for selected sidebar rows."""
    palette = QApplication.palette()
    result = QIcon()
    result.addPixmap(svg_pixmap(name, size), QIcon.Mode.Normal)
    selected = palette.color(QPalette.ColorRole.HighlightedText)
    result.addPixmap(svg_pixmap(name, size, selected), QIcon.Mode.Selected)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    result.addPixmap(svg_pixmap(name, size, disabled), QIcon.Mode.Disabled)
    return result


def app_icon() -> QIcon:
    result = QIcon()
    for size in (16, 32, 64, 128, 256):
        result.addPixmap(svg_pixmap("app", size, ratio=1.0))
    return result


#: Review status → (light-mode colour, dark-mode colour); readable with white text on both.
_STATUS_COLORS = {
    "submitted": ("#b26a00", "#d99a2b"),
    "approved": ("#1e7d3a", "#3fa35f"),
    "rejected": ("#b3261e", "#e0605a"),
    "archived": ("#5f6368", "#8a8f95"),
}


def status_color(status: str, palette: QPalette | None = None) -> QColor:
    light, dark = _STATUS_COLORS.get(status, _STATUS_COLORS["archived"])
    return QColor(dark if is_dark(palette) else light)


def error_color(palette: QPalette | None = None) -> QColor:
    return QColor("#ff7b72" if is_dark(palette) else "#c5221f")


def muted_text(palette: QPalette) -> QColor:
    """Secondary text: the text colour, faded towards the background."""
    color = QColor(palette.color(QPalette.ColorRole.Text))
    color.setAlphaF(0.62)
    return color


def set_point_size(widget: QWidget, factor: float, *, bold: bool = False) -> None:
    """Scale a widget's font relative to the platform's, keeping the platform's family."""
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    widget.setFont(font)
