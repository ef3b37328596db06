"""Curator- and artist-supplied text shown as text, never as Qt rich text (issue #14).

Why: QLabel, QMessageBox and tooltips guess "rich text" from anything that looks like a tag, so an
artist named ``<img src="file:///etc/hosts">`` would make the studio load and draw a local file.
PlainLabel is a QLabel that never guesses; plain_tooltip escapes text for tooltips, which Qt
treats as rich text when it looks like HTML.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


class PlainLabel(QLabel):
    """A QLabel (same constructor) whose text is always shown literally."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setTextFormat(Qt.TextFormat.PlainText)


def plain_tooltip(text: str) -> str:
    """Tooltip markup that shows text literally (line breaks kept); empty stays empty."""
    if not text:
        return ""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"
