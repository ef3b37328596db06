"""A friendly page for a part of the studio that is not built yet, or for an empty state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ui import theme
from ui.widgets.plain_text import PlainLabel


class PlaceholderPage(QWidget):
    """Icon, title and a few lines saying what will be here and what to do meanwhile."""

    def __init__(self, icon: str, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        picture = PlainLabel()
        picture.setPixmap(theme.svg_pixmap(icon, 56, theme.muted_text(self.palette())))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading = PlainLabel(title)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setWordWrap(True)
        theme.set_point_size(heading, 1.5, bold=True)
        body = PlainLabel(text)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        palette = body.palette()
        palette.setColor(body.foregroundRole(), theme.muted_text(palette))
        body.setPalette(palette)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.addStretch(2)
        layout.addWidget(picture)
        layout.addSpacing(8)
        layout.addWidget(heading)
        layout.addSpacing(4)
        body.setMaximumWidth(560)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(body, 100)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(3)
        self.heading, self.body = heading, body
