"""The strip under the Library: grid or list, and the thumbnail size from dense to large."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QSlider, QToolButton, QWidget

from ui.widgets.artwork_grid_view import MAX_SIDE, MIN_SIDE, SIDE_STEP

GRID, LIST = "grid", "list"


class LibraryViewControls(QWidget):
    """Emits ``mode_changed`` ("grid" or "list") and ``size_changed`` (thumbnail side, px)."""

    mode_changed = Signal(str)
    size_changed = Signal(int)

    def __init__(self, side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid_button = _toggle("Grid", "Show the works as thumbnails")
        self.list_button = _toggle("List", "Show the works as a list with sortable columns")
        self.grid_button.setChecked(True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        group.addButton(self.grid_button)
        group.addButton(self.list_button)
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_SIDE, MAX_SIDE)
        self.size_slider.setSingleStep(SIDE_STEP // 2)
        self.size_slider.setPageStep(SIDE_STEP)
        self.size_slider.setValue(side)
        self.size_slider.setFixedWidth(160)
        self.size_slider.setToolTip("Thumbnail size (Ctrl+= larger, Ctrl+− smaller)")
        self.size_slider.setAccessibleName("Thumbnail size")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 2, 12, 4)
        layout.setSpacing(4)
        layout.addWidget(self.grid_button)
        layout.addWidget(self.list_button)
        layout.addStretch(1)
        self._trailing_at = layout.count()
        layout.addWidget(self.size_slider)
        self._layout = layout
        self.size_slider.valueChanged.connect(self.size_changed.emit)
        self.grid_button.toggled.connect(lambda on: self._toggled(GRID, on))
        self.list_button.toggled.connect(lambda on: self._toggled(LIST, on))

    def add_beside(self, widgets: tuple[QWidget, ...]) -> None:
        """Widgets shown between the mode buttons and the size slider (the order and count)."""
        for widget in widgets:
            self._layout.insertWidget(self._trailing_at, widget)
            self._trailing_at += 1

    def mode(self) -> str:
        return LIST if self.list_button.isChecked() else GRID

    def set_mode(self, mode: str) -> None:
        (self.list_button if mode == LIST else self.grid_button).setChecked(True)

    def step_size(self, steps: int) -> None:
        """Ctrl+= / Ctrl+−: one page of the slider per press, clamped to its ends."""
        self.size_slider.setValue(self.size_slider.value() + steps * SIDE_STEP)

    def _toggled(self, mode: str, on: bool) -> None:
        if on:
            self._mode(mode)

    def _mode(self, mode: str) -> None:
        self.size_slider.setEnabled(mode == GRID)
        self.mode_changed.emit(mode)


def _toggle(text: str, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tooltip)
    button.setCheckable(True)
    button.setAutoRaise(True)
    return button
