"""The history of one artwork, playlist, schedule or screen: who changed what, when.

It reads the engine's audit log (urbanart.library.audit) off the GUI thread; the list shows one
line per change, newest first, and the selected change's fields before and after beneath it.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.operations import OpContext, run_op
from ui.studio import Studio
from ui.widgets.plain_text import PlainLabel
from urbanart.library.audit import AuditRecord, read_log

COLUMNS = ("When", "Curator", "Action", "Change")


def _local(record: AuditRecord) -> str:
    return record.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class HistoryDialog(QDialog):
    """Non-modal; ``entries`` holds what was loaded (tests read it)."""

    def __init__(
        self, studio: Studio, kind: str, entity_id: int, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.studio, self.kind, self.entity_id = studio, kind, entity_id
        self.entries: list[AuditRecord] | None = None
        self.setWindowTitle(f"History of {kind} {name}")
        self.resize(720, 460)
        self.status = PlainLabel("Loading…")
        self.list = QTreeWidget()
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setAccessibleName("Changes")
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Fields before and after")
        self.details.setMaximumHeight(160)
        self.list.currentItemChanged.connect(self._chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        library, kind, entity_id = self.studio.library, self.kind, self.entity_id

        def read(_ctx: OpContext) -> list[AuditRecord]:
            return read_log(library, kind, entity_id)

        run_op(self, read, on_success=self._show, label="read history")

    def _show(self, entries: list[AuditRecord]) -> None:
        self.entries = entries
        self.list.clear()
        for entry in entries:
            item = QTreeWidgetItem([_local(entry), entry.curator, entry.action, entry.summary])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.id)
            self.list.addTopLevelItem(item)
        for column in range(len(COLUMNS) - 1):
            self.list.resizeColumnToContents(column)
        self.status.setText(
            f"{len(entries)} change{'s' if len(entries) != 1 else ''}, newest first"
            if entries
            else "No recorded changes yet."
        )
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)

    def _chosen(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        entry = next(
            (
                e
                for e in self.entries or []
                if item is not None and e.id == item.data(0, Qt.ItemDataRole.UserRole)
            ),
            None,
        )
        if entry is None:
            self.details.setPlainText("")
            return
        lines = [
            f"{field}: {json.dumps(before, ensure_ascii=False)} → "
            f"{json.dumps(after, ensure_ascii=False)}"
            for field, (before, after) in entry.changes.items()
        ]
        self.details.setPlainText("\n".join(lines) or entry.summary)


def open_history(
    parent: QWidget, studio: Studio, kind: str, entity_id: int, name: str
) -> HistoryDialog:
    """Open (non-modal, deleted on close) the history of one thing."""
    dialog = HistoryDialog(studio, kind, entity_id, name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
