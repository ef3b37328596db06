"""What the detail panel shows for several selected works: a count and bulk actions."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from ui import theme
from ui.widgets.form_fields import hint_label
from ui.widgets.plain_text import PlainLabel
from urbanart.library.vocabulary import ReviewStatus

ACTION_LABELS = {
    ReviewStatus.APPROVED: "Approve",
    ReviewStatus.REJECTED: "Reject",
    ReviewStatus.ARCHIVED: "Archive",
    ReviewStatus.SUBMITTED: "Back to submitted",
}


class SelectionPanel(QWidget):
    """Bulk review: set one status on every selected work (undoable from the Edit menu)."""

    status_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count_label = PlainLabel()
        theme.set_point_size(self.count_label, 1.25, bold=True)
        self.summary = hint_label("")
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(8)
        self.buttons: dict[str, QPushButton] = {}
        for n, status in enumerate(ACTION_LABELS):
            button = QPushButton(ACTION_LABELS[status])
            button.clicked.connect(lambda _=False, s=status: self.status_requested.emit(s))
            grid.addWidget(button, n // 2, n % 2)
            self.buttons[status] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 24, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(self.count_label)
        layout.addWidget(self.summary)
        layout.addSpacing(6)
        layout.addWidget(PlainLabel("Set the review status of all of them:"))
        layout.addLayout(grid)
        layout.addWidget(
            hint_label(
                "Only approved works can go into playlists and onto screens. "
                "Undo with Ctrl+Z if you change your mind."
            )
        )
        layout.addStretch(1)
        self.setAccessibleName("Selected works")
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)

    def show_selection(self, count: int, by_status: dict[str, int]) -> None:
        self.count_label.setText(f"{count:,} works selected")
        parts = [f"{n:,} {status}" for status, n in sorted(by_status.items())]
        self.summary.setText(" · ".join(parts))
