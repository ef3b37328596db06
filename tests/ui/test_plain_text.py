"""Names and titles are shown as text, never as Qt rich text (issue #14): an artist named like an
<img> tag must not make the studio or the player load a local file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QWidget

from ui.player.window import _Overlay
from ui.views.artists_view import ArtistEditor
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from urbanart.library.catalog import add_artist, get_artist
from urbanart.library.library import Library

EVIL = '<img src="file:///etc/hosts"><b>X</b>'


def rendered(markup: str) -> str:
    """What a rich-text widget shows for markup, as plain text."""
    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def test_a_plain_label_shows_markup_literally(qtbot) -> None:
    label = PlainLabel(EVIL)
    qtbot.addWidget(label)
    assert label.text() == EVIL and label.textFormat() == Qt.TextFormat.PlainText
    label.setText("<b>bold?</b>")
    assert label.textFormat() == Qt.TextFormat.PlainText


def test_a_tooltip_shows_markup_literally() -> None:
    tip = plain_tooltip(EVIL + "\nsecond line")
    assert "&lt;img" in tip and "<img" not in tip
    assert rendered(tip) == EVIL + "\nsecond line"
    assert plain_tooltip("") == ""


def test_the_artist_heading_shows_a_tag_like_name_as_text(qtbot, library: Library) -> None:
    record = add_artist(library, EVIL)
    editor = ArtistEditor()
    qtbot.addWidget(editor)
    editor.show_record(get_artist(library, record.id))
    assert editor.heading.text() == EVIL
    assert editor.heading.textFormat() == Qt.TextFormat.PlainText


def test_the_qt_players_caption_shows_a_tag_like_credit_as_text(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    overlay = _Overlay(parent)
    overlay.show_item(
        {
            "credit": EVIL,
            "ai_involvement": "assisted",
            "ai_disclosure": "<i>made with</i>",
            "mobile_url": "http://127.0.0.1/a/1/",
        }
    )
    assert "<img" not in overlay.caption.text()
    assert rendered(overlay.caption.text()) == EVIL + "\n<i>made with</i>"


@pytest.mark.parametrize(
    "module",
    [
        "ui.views.screens.view",
        "ui.views.publish.view",
        "ui.views.schedules.view",
        "ui.widgets.screen_detail",
    ],
)
def test_studio_modules_build_labels_that_never_guess_rich_text(module: str) -> None:
    import importlib

    source = importlib.import_module(module).__loader__.get_source(module)  # type: ignore[union-attr]
    assert "QLabel(" not in source.replace("PlainLabel(", "")
