"""Telling a curator that someone else saved first: "changed by NAME at TIME", and Reload.

Why not the usual error box: the edit is not wrong, it is late. The curator needs one click to
see the other change (and then make theirs again on top), which is what Reload does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.operations import show_error
from urbanart.library.concurrency import StaleEdit

TITLE = "Changed by another curator"


def show_stale(parent: QWidget, exc: StaleEdit, reload: Callable[[], None]) -> QMessageBox:
    """A window-modal box with the engine's message; its Reload button calls reload."""
    box = QMessageBox(QMessageBox.Icon.Warning, TITLE, str(exc), parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # a curator's name is not markup
    reload_button = box.addButton("Reload", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(reload_button)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: reload() if button is reload_button else None)
    box.open()
    return box


def failure_handler(parent: QWidget, reload: Callable[[], None]) -> Callable[[BaseException], None]:
    """An ``on_failure`` for run_op: StaleEdit offers Reload, anything else shows as usual."""

    def failed(exc: BaseException) -> None:
        if isinstance(exc, StaleEdit):
            show_stale(parent, exc, reload)
        else:
            show_error(parent, exc, "")

    return failed
