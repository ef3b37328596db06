"""The message a curator writes when declining or asking for a change (read by the artist).

Opened with ``open()`` (never a blocking ``exec``): the Review view stays responsive and a test
can type into it like a curator. An empty message is refused next to the field, as the engine
would refuse it, before anything is decided.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from ui.widgets.form_fields import ErrorLabel
from ui.widgets.plain_text import PlainLabel


class MessageDialog(QDialog):
    """A prompt, a text box and OK / Cancel; ``done_with(text)`` runs once OK had a message."""

    def __init__(
        self, title: str, prompt: str, on_message: Callable[[str], None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.on_message = on_message
        self.prompt = PlainLabel(prompt)
        self.prompt.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Message to the artist")
        self.text.setTabChangesFocus(True)
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(460, 260)

    def accept(self) -> None:
        message = self.text.toPlainText().strip()
        if not message:
            self.error.show_message("message: write what the artist should read (it is required)")
            self.text.setFocus()
            return
        super().accept()
        self.on_message(message)
