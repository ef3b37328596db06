"""Form helpers shared by editors: inline error labels by field key, and a "private" note.

Engine validation errors (``InvalidValue``) carry the key of the field at fault (the engine
parameter the value came in through: "tz", "push_url"); editors register one ``ErrorLabel`` per
key so the message appears right under what the curator has to fix, whatever the field's label.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ui import theme
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue


class ErrorLabel(QLabel):
    """Hidden until a message is set; coloured from the palette's lightness."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        palette = self.palette()
        palette.setColor(self.foregroundRole(), theme.error_color(palette))
        self.setPalette(palette)
        self.setAccessibleName("Error")

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.setVisible(False)


def stacked(*widgets: QWidget, spacing: int = 2) -> QWidget:
    """Widgets one beneath the other with no margins, as one form row widget: a field, its
    error label and its hint read as one row of the form."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def with_error(field: QWidget, error: ErrorLabel) -> QWidget:
    """A field with its error label right beneath it, as one form row widget."""
    return stacked(field, error)


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """Small, muted explanatory text under a field."""
    label = PlainLabel(text, parent)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted_text(palette))
    label.setPalette(palette)
    theme.set_point_size(label, 0.9)
    return label


class FieldErrors:
    """Maps engine field keys (InvalidValue.key) to error labels and the widgets to focus."""

    def __init__(self) -> None:
        self._labels: dict[str, ErrorLabel] = {}
        self._widgets: dict[str, QWidget] = {}

    def add(self, key: str, widget: QWidget) -> ErrorLabel:
        """An error label for the field whose values the engine takes as `key`."""
        label = ErrorLabel()
        self._labels[key] = label
        self._widgets[key] = widget
        return label

    def clear(self) -> None:
        for label in self._labels.values():
            label.clear_message()

    def show(self, exc: InvalidValue) -> bool:
        """Show exc under its field and focus the field; False when no field has its key."""
        label = self._labels.get(exc.key)
        if label is None:
            return False
        reason = exc.reason[:1].upper() + exc.reason[1:]
        label.show_message(reason)
        widget = self._widgets[exc.key]
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def message(self, key: str) -> str:
        label = self._labels.get(key)
        return label.text() if label is not None and not label.isHidden() else ""


def add_section_header(target: QListWidget, text: str, height: int = 0) -> None:
    """A small bold, unselectable heading row ("SCREENS", "GROUPS") inside a list."""
    item = QListWidgetItem(text.upper())
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    font = item.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.85)
    item.setFont(font)
    if height:
        item.setSizeHint(QSize(0, height))
    target.addItem(item)
