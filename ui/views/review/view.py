"""The Review view: pick a call, go through its hand-ins, accept / decline / ask for a change.

Left: the call's submissions (artist, title, state, received); several rows may be selected
and decided in one operation. Right: the current one's preview, what the artist typed (as plain
text, always: it comes from a public page), the private contact on a curator-only line, the
curator's message if any, and the three actions. Keyboard: J / Down next, K / Up previous,
A accept, D decline, C ask for a change (each asks for a message first).

This module is the layout and the Qt wiring; ``presenter.py`` runs the engine calls and
``formatting.py`` words what is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.studio import Studio
from ui.views.review import formatting as fmt
from ui.views.review.message_dialog import MessageDialog
from ui.views.review.presenter import ReviewPresenter
from ui.widgets.fitted_picture import fitted_pixmap
from ui.widgets.plain_text import PlainLabel
from urbanart.intake.calls import CallRecord
from urbanart.intake.submissions import SubmissionRecord

COLUMNS = ("Artist", "Title", "State", "Received")
ARTIST, TITLE, STATE, RECEIVED = range(4)
IdRole = Qt.ItemDataRole.UserRole


class ReviewView(QWidget):
    """A call's submissions beside the current one's preview, details and actions."""

    title = "Review"
    #: The list was (re)filled: its number of rows.
    submissions_shown = Signal(int)
    #: A preview arrived (or failed) for the current submission: its id.
    preview_shown = Signal(int)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.presenter = ReviewPresenter(studio, self, self)
        self.message_dialog: MessageDialog | None = None
        self._image: QImage | None = None
        self._shown_id: int | None = None
        self._started = False

        self.calls = QComboBox()
        self.calls.setAccessibleName("Call")
        self.calls.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.calls.currentIndexChanged.connect(self._call_picked)
        refresh = QPushButton("Refresh")
        refresh.setToolTip("Load the call's hand-ins again (F5)")
        refresh.clicked.connect(self.refresh)
        self.outcome = PlainLabel("")
        self.outcome.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Call:"))
        top.addWidget(self.calls)
        top.addWidget(refresh)
        top.addWidget(self.outcome, 1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAccessibleName("Submissions")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((ARTIST, 150), (STATE, 100), (RECEIVED, 130)):
            self.table.setColumnWidth(column, width)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.table)
        self.split.addWidget(self._detail_pane())
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([520, 560])

        self.empty = PlainLabel(
            "No open call yet. Create one with “urbanart calls create …” (see docs/open-calls.md)."
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.empty, 1)
        self._make_shortcuts()
        self._update_actions()

    def _detail_pane(self) -> QWidget:
        self.preview = QLabel("No submission chosen")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(280, 200)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setAccessibleName("Preview")
        self.heading = PlainLabel("")
        self.heading.setWordWrap(True)
        theme.set_point_size(self.heading, 1.15, bold=True)
        self.fields: dict[str, PlainLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label in fmt.DETAIL_LABELS:
            value = PlainLabel("")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[label] = value
            form.addRow(f"{label}:", value)
        self.contact = PlainLabel("")
        self.contact.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.contact.palette()
        palette.setColor(self.contact.foregroundRole(), theme.muted_text(palette))
        self.contact.setPalette(palette)
        self.message = PlainLabel("")
        self.message.setWordWrap(True)
        self.refusal = PlainLabel("")
        self.refusal.setWordWrap(True)
        self.refusal.setAccessibleName("Refusal")
        self.selection_note = PlainLabel("")

        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Put the selected works in the library, approved (A)")
        self.accept_button.clicked.connect(self.accept_selected)
        self.decline_button = QPushButton("Decline…")
        self.decline_button.setToolTip("Decline the selected works with a message (D)")
        self.decline_button.clicked.connect(self.decline_selected)
        self.change_button = QPushButton("Ask for a change…")
        self.change_button.setToolTip("Ask the artist for a change, with a message (C)")
        self.change_button.clicked.connect(self.ask_change_selected)
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.decline_button, self.change_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self.preview, 3)
        column.addWidget(self.heading)
        column.addLayout(form)
        column.addWidget(self.contact)
        column.addWidget(self.message)
        column.addWidget(self.refusal)
        column.addWidget(self.selection_note)
        column.addLayout(buttons)
        column.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        return scroll

    def _make_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("J", lambda: self.step(1)),
            ("K", lambda: self.step(-1)),
            ("A", self.accept_selected),
            ("D", self.decline_selected),
            ("C", self.ask_change_selected),
            ("F5", self.refresh),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    # StudioView ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._started = True
        self.presenter.load_calls()

    def showEvent(self, event: QShowEvent) -> None:
        """Hand-ins arrive through the hub while the curator is elsewhere: coming back to the
        view lists them (a read in the background; the selection stays where it was)."""
        super().showEvent(event)
        if self._started and not event.spontaneous():
            self.presenter.reload(self.selected_ids())

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("review/splitter", self.split.saveState())
        if self.presenter.call_id is not None:
            settings.setValue("review/call", self.presenter.call_id)

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("review/splitter")
        if state is not None:
            self.split.restoreState(state)
        call = settings.value("review/call")
        if call is not None and str(call).isdigit():
            self.presenter.wanted_call = int(str(call))

    def refresh(self) -> None:
        self.presenter.load_calls()

    # What the presenter shows -------------------------------------------------------------------

    def show_calls(self, calls: list[CallRecord], chosen: int | None) -> None:
        self.calls.blockSignals(True)
        self.calls.clear()
        for call in calls:
            self.calls.addItem(fmt.call_label(call), call.id)
        if chosen is not None:
            self.calls.setCurrentIndex(self.calls.findData(chosen))
        self.calls.blockSignals(False)
        self.split.setVisible(bool(calls))
        self.empty.setVisible(not calls)

    def show_submissions(self, records: list[SubmissionRecord], select: Sequence[int]) -> None:
        table = self.table
        table.blockSignals(True)
        table.clearSelection()
        table.setRowCount(len(records))
        for row, record in enumerate(records):
            texts = (
                record.artist,
                record.title,
                fmt.state_label(record.state),
                fmt.received_text(record.created_at),
            )
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)  # item text is never rich text
                item.setData(IdRole, record.id)
                table.setItem(row, column, item)
        wanted = [r for r, rec in enumerate(records) if rec.id in set(select)] or (
            [0] if records else []
        )
        table.blockSignals(False)
        mode = table.selectionModel()
        for n, row in enumerate(wanted):
            index = table.model().index(row, 0)
            flags = mode.SelectionFlag.Rows | mode.SelectionFlag.Select
            if n == 0:
                mode.setCurrentIndex(index, flags)
            else:
                mode.select(index, flags)
        self._selection_changed()
        self.submissions_shown.emit(len(records))

    def show_preview(self, submission_id: int, image: QImage | None, note: str) -> None:
        if submission_id != self._shown_id:
            return
        self._image = image
        if image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(note)
        else:
            self._fit()
        self.preview_shown.emit(submission_id)

    def show_outcome(self, text: str, *, failed: bool) -> None:
        palette = self.palette()
        color = theme.error_color(palette) if failed else palette.color(palette.ColorRole.Text)
        own = self.outcome.palette()
        own.setColor(self.outcome.foregroundRole(), color)
        self.outcome.setPalette(own)
        self.outcome.setText(text)

    # Selection and details ----------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [i for i in (self._row_id(row) for row in rows) if i is not None]

    def current_id(self) -> int | None:
        return self._row_id(self.table.currentRow())

    def _row_id(self, row: int) -> int | None:
        item = self.table.item(row, 0) if row >= 0 else None
        return int(item.data(IdRole)) if item is not None else None

    def step(self, by: int) -> None:
        """J/K: the next or previous submission (alone selected)."""
        if self.table.rowCount() == 0:
            return
        row = min(max(self.table.currentRow() + by, 0), self.table.rowCount() - 1)
        self.table.selectRow(row)
        self.table.setFocus()

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        current = self.current_id()
        if current not in ids:
            current = ids[0] if ids else None
        record = self.presenter.records.get(current) if current is not None else None
        self._show_record(record)
        self.selection_note.setText(
            f"{len(ids)} selected: Accept and Decline act on all of them." if len(ids) > 1 else ""
        )
        self.selection_note.setVisible(len(ids) > 1)
        self._update_actions()

    def _show_record(self, record: SubmissionRecord | None) -> None:
        if record is None:
            self._shown_id = None
            self._image = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No submission chosen")
            self.heading.setText("")
            for value in self.fields.values():
                value.setText("")
            self.contact.setText("")
            self.message.setText("")
            self.refusal.setText("")
            return
        self.heading.setText(f"{record.title} — {record.artist}")
        for label, text in fmt.detail_fields(record):
            self.fields[label].setText(text)
        self.contact.setText(fmt.curator_line(record))
        self.message.setText(fmt.message_line(record))
        self.message.setVisible(bool(self.message.text()))
        self.refusal.setText(fmt.refusal_line(record))
        self.refusal.setVisible(bool(self.refusal.text()))
        if record.id != self._shown_id:
            self._shown_id = record.id
            self._image = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText("Loading the preview…")
            self.presenter.load_preview(record.id)

    def _update_actions(self) -> None:
        records = [self.presenter.records.get(i) for i in self.selected_ids()]
        waiting = any(r is not None and r.state in fmt.WAITING for r in records)
        for button in (self.accept_button, self.decline_button):
            button.setEnabled(waiting)
        self.change_button.setEnabled(waiting)

    def _fit(self) -> None:
        if self._image is None:
            return
        ratio = self.devicePixelRatioF()
        self.preview.setPixmap(fitted_pixmap(self._image, self.preview.size(), ratio))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    # Decisions ----------------------------------------------------------------------------------

    def _waiting_selected(self) -> list[int]:
        records = self.presenter.records
        return [i for i in self.selected_ids() if i in records and records[i].state in fmt.WAITING]

    def _after(self, ids: Sequence[int]) -> list[int]:
        """The submission to select after deciding ids: the row below the last one decided."""
        chosen = [r for r in range(self.table.rowCount()) if self._row_id(r) in set(ids)]
        if not chosen:
            return []
        below = max(chosen) + 1
        next_id = self._row_id(below if below < self.table.rowCount() else min(chosen))
        return [next_id] if next_id is not None else []

    def accept_selected(self) -> None:
        ids = self._waiting_selected()
        if ids and not self.presenter.busy:
            self.presenter.accept(ids, self._after(ids))

    def decline_selected(self) -> None:
        ids = self._waiting_selected()
        if not ids or self.presenter.busy:
            return
        after = self._after(ids)
        self._ask_message(
            "Decline",
            f"Decline {_works(len(ids))}. The artist reads this message on their status page:",
            lambda text: self.presenter.decline(ids, text, after),
        )

    def ask_change_selected(self) -> None:
        ids = self._waiting_selected()
        if not ids or self.presenter.busy:
            return
        after = self._after(ids)
        self._ask_message(
            "Ask for a change",
            f"Ask for a change on {_works(len(ids))}. What should the artist change?",
            lambda text: self.presenter.ask_change(ids, text, after),
        )

    def _ask_message(self, title: str, prompt: str, then: Callable[[str], None]) -> None:
        dialog = MessageDialog(title, prompt, then, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_dialog = dialog
        dialog.finished.connect(lambda *_: setattr(self, "message_dialog", None))
        dialog.open()
        dialog.text.setFocus()

    def _call_picked(self, index: int) -> None:
        data = self.calls.itemData(index) if index >= 0 else None
        self.presenter.choose_call(int(data) if data is not None else None)


def _works(n: int) -> str:
    return "this work" if n == 1 else f"these {n} works"
