"""Create or edit a schedule: playlist, targets, dates, weekdays, daily window, priority.

The dialog does not save anything itself: OK emits ``save_requested`` with keyword arguments for
the engine's ``add_schedule`` / ``edit_schedule``; the view runs the save and either accepts the
dialog or hands the engine's error back (``save_failed``), which appears under the field at fault
while everything the curator typed stays where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import describe
from ui.widgets.form_fields import (
    ErrorLabel,
    FieldErrors,
    add_section_header,
    hint_label,
    with_error,
)
from ui.widgets.plain_text import PlainLabel
from urbanart.curation.records import (
    GroupRecord,
    PlaylistRecord,
    ScheduleRecord,
    ScreenRecord,
    TargetKind,
)
from urbanart.curation.rules import WEEKDAYS
from urbanart.curation.week import Target
from urbanart.errors import InvalidValue

#: Matches the engine's bound (schedules.PRIORITY_LIMIT); the spin box cannot go past it.
PRIORITY_LIMIT = 1000
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KIND = Qt.ItemDataRole.UserRole
_ID = Qt.ItemDataRole.UserRole + 1
_NAME = Qt.ItemDataRole.UserRole + 2
#: Weekday toggles must show "on" unmistakably in any style and palette.
_DAY_STYLE = (
    "QToolButton { padding: 4px 6px; border: 1px solid palette(mid); border-radius: 4px;"
    " background: palette(base); color: palette(text); }"
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border-color: palette(highlight); }"
)


@dataclass(frozen=True)
class ScheduleChoices:
    """What the dialog offers, loaded in the background before it opens."""

    playlists: list[PlaylistRecord]
    screens: list[ScreenRecord]
    groups: list[GroupRecord]
    zones: list[str]


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class ScheduleDialog(QDialog):
    """The schedule form; ``record`` None means a new schedule."""

    save_requested = Signal(object, dict)  # schedule id or None, engine keyword arguments

    def __init__(
        self,
        choices: ScheduleChoices,
        record: ScheduleRecord | None = None,
        *,
        target: Target | None = None,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.record = record
        self.errors = FieldErrors()
        self.setWindowTitle("Edit schedule" if record else "New schedule")
        self.setMinimumWidth(600)
        today = today or date.today()

        heading = PlainLabel(record.label if record else "New schedule")
        theme.set_point_size(heading, 1.3, bold=True)

        self.name = QLineEdit()
        self.name.setPlaceholderText("Optional: a name to recognise it by")
        self.playlist = QComboBox()
        self.playlist.setAccessibleName("Playlist")
        for playlist in choices.playlists:
            count = playlist.item_count
            suffix = "empty" if not count else f"{count} work{'s' if count != 1 else ''}"
            self.playlist.addItem(f"{playlist.name}  ({suffix})", playlist.id)

        self.targets = QListWidget()
        self.targets.setAccessibleName("Plays on")
        self.targets.setMinimumHeight(130)
        add_section_header(self.targets, "Screens")
        for screen in choices.screens:
            where = " · ".join(p for p in (screen.city, screen.timezone) if p)
            self._add_target(
                TargetKind.SCREEN, screen.id, screen.name, f"{screen.name}   —  {where}"
            )
        if choices.groups:
            add_section_header(self.targets, "Groups")
        for group in choices.groups:
            n = len(group.screens)
            self._add_target(
                TargetKind.GROUP,
                group.id,
                group.name,
                f"{group.name}   —  {n} screen{'s' if n != 1 else ''}",
            )

        self.has_start = QCheckBox("Starts on")
        self.start_date = QDateEdit(_qdate(today))
        self.has_end = QCheckBox("Ends on")
        self.end_date = QDateEdit(_qdate(today))
        for check, edit in ((self.has_start, self.start_date), (self.has_end, self.end_date)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)

        self.day_buttons: list[QToolButton] = []
        days_row = QHBoxLayout()
        days_row.setSpacing(3)
        days_row.setContentsMargins(0, 0, 0, 0)
        for label in _DAY_LABELS:
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setChecked(True)
            button.setMinimumWidth(46)
            button.setAccessibleName(label)
            button.setStyleSheet(_DAY_STYLE)
            self.day_buttons.append(button)
            days_row.addWidget(button)
        days_row.addStretch(1)
        presets = QHBoxLayout()
        presets.setContentsMargins(0, 0, 0, 0)
        presets.setSpacing(12)
        for text, days in (("Every day", range(7)), ("Weekdays", range(5)), ("Weekend", (5, 6))):
            quick = QPushButton(text)
            quick.setFlat(True)
            quick.setCursor(Qt.CursorShape.PointingHandCursor)
            quick.clicked.connect(lambda _=False, d=frozenset(days): self.set_days(d))
            presets.addWidget(quick)
        presets.addStretch(1)
        days_box = QWidget()
        days_layout = QVBoxLayout(days_box)
        days_layout.setContentsMargins(0, 0, 0, 0)
        days_layout.setSpacing(0)
        days_layout.addLayout(days_row)
        days_layout.addLayout(presets)

        self.has_window = QCheckBox("Only between")
        self.window_start = QTimeEdit(QTime(9, 0))
        self.window_end = QTimeEdit(QTime(17, 0))
        for time_edit in (self.window_start, self.window_end):
            time_edit.setDisplayFormat("HH:mm")
            time_edit.setEnabled(False)
            self.has_window.toggled.connect(time_edit.setEnabled)
            time_edit.timeChanged.connect(self._update_window_note)
        self.window_note = hint_label("")
        self.has_window.toggled.connect(self._update_window_note)
        window_row = QHBoxLayout()
        window_row.setContentsMargins(0, 0, 0, 0)
        window_row.addWidget(self.window_start)
        window_row.addWidget(PlainLabel("and"))
        window_row.addWidget(self.window_end)
        window_row.addWidget(self.window_note, 1)
        window_box = QWidget()
        window_box.setLayout(window_row)

        self.priority = QSpinBox()
        self.priority.setRange(-PRIORITY_LIMIT, PRIORITY_LIMIT)
        self.priority.setAccessibleName("Priority")
        priority_row = QHBoxLayout()
        priority_row.setContentsMargins(0, 0, 0, 0)
        priority_row.addWidget(self.priority)
        priority_row.addWidget(hint_label("Higher wins; on a tie the newest schedule wins."), 1)
        priority_box = QWidget()
        priority_box.setLayout(priority_row)

        self.enabled = QCheckBox("Enabled: plays when its time comes")
        self.enabled.setChecked(True)
        self.shared = QCheckBox("Same instant on every screen")
        self.reference_tz = QComboBox()
        self.reference_tz.setEditable(True)
        self.reference_tz.addItems(choices.zones)
        self.reference_tz.setCurrentText("UTC")
        self.reference_tz.setEnabled(False)
        self.shared.toggled.connect(self.reference_tz.setEnabled)
        shared_row = QHBoxLayout()
        shared_row.setContentsMargins(0, 0, 0, 0)
        shared_row.addWidget(self.shared)
        shared_row.addWidget(PlainLabel("read in"))
        shared_row.addWidget(self.reference_tz, 1)
        shared_box = QWidget()
        shared_box.setLayout(shared_row)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("Name", with_error(self.name, self.errors.add("name", self.name)))
        form.addRow(
            "Playlist", with_error(self.playlist, self.errors.add("playlist", self.playlist))
        )
        form.addRow("Plays on", with_error(self.targets, self.errors.add("targets", self.targets)))
        form.addRow(
            self.has_start,
            with_error(self.start_date, self.errors.add("start_date", self.start_date)),
        )
        form.addRow(
            self.has_end, with_error(self.end_date, self.errors.add("end_date", self.end_date))
        )
        form.addRow("", hint_label("Without a start or end date the schedule is open-ended."))
        form.addRow("Days", with_error(days_box, self.errors.add("days", days_box)))
        form.addRow(
            self.has_window, with_error(window_box, self.errors.add("window", self.window_start))
        )
        form.addRow(
            "Priority", with_error(priority_box, self.errors.add("priority", self.priority))
        )
        form.addRow("", self.enabled)
        form.addRow(
            "",
            with_error(shared_box, self.errors.add("reference_tz", self.reference_tz)),
        )
        form.addRow(
            "",
            hint_label(
                "Times are read on each screen's own clock, so 09:00 is nine in the morning "
                "wherever it hangs, unless the same instant is chosen above."
            ),
        )
        self.general_error = ErrorLabel()
        self.overlap_note = PlainLabel()
        self.overlap_note.setWordWrap(True)
        self.overlap_note.setAccessibleName("Overlaps")
        amber = theme.status_color("submitted", self.palette()).name()
        self.overlap_note.setStyleSheet(f"color: {amber};")
        self.overlap_note.setVisible(False)
        self._confirmed: dict[str, Any] | None = None
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save" if record else "Create schedule")
        self.buttons.accepted.connect(self.request_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.overlap_note)
        layout.addWidget(self.buttons)

        if record is not None:
            self._show_record(record)
        elif target is not None:
            self.set_targets({target})
        self._update_window_note()

    # Filling -------------------------------------------------------------------------------------

    def _add_target(self, kind: TargetKind, target_id: int, name: str, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setData(_KIND, kind)
        item.setData(_ID, target_id)
        item.setData(_NAME, name)
        self.targets.addItem(item)

    def _target_items(self) -> list[QListWidgetItem]:
        items = (self.targets.item(row) for row in range(self.targets.count()))
        return [item for item in items if item.data(_KIND)]

    def set_targets(self, wanted: set[Target]) -> None:
        """Tick exactly these (kind, id) targets."""
        for item in self._target_items():
            key = (item.data(_KIND), item.data(_ID))
            checked = Qt.CheckState.Checked if key in wanted else Qt.CheckState.Unchecked
            item.setCheckState(checked)

    def checked_targets(self) -> set[Target]:
        return {
            (TargetKind(item.data(_KIND)), int(item.data(_ID)))
            for item in self._target_items()
            if item.checkState() == Qt.CheckState.Checked
        }

    def set_days(self, days: frozenset[int] | set[int]) -> None:
        for index, button in enumerate(self.day_buttons):
            button.setChecked(index in days)

    def set_window(self, start: QTime | None, end: QTime | None = None) -> None:
        """A daily window (start > end runs past midnight), or None for all day."""
        self.has_window.setChecked(start is not None)
        if start is not None and end is not None:
            self.window_start.setTime(start)
            self.window_end.setTime(end)

    def _show_record(self, record: ScheduleRecord) -> None:
        self.name.setText(record.name)
        index = self.playlist.findData(record.playlist_id)
        if index >= 0:
            self.playlist.setCurrentIndex(index)
        names = {TargetKind.SCREEN: set(record.screens), TargetKind.GROUP: set(record.groups)}
        for item in self._target_items():
            if item.data(_NAME) in names[item.data(_KIND)]:
                item.setCheckState(Qt.CheckState.Checked)
        for check, edit, value in (
            (self.has_start, self.start_date, record.start_date),
            (self.has_end, self.end_date, record.end_date),
        ):
            check.setChecked(value is not None)
            if value is not None:
                edit.setDate(_qdate(value))
        self.set_days({WEEKDAYS.index(day) for day in record.weekdays})
        if record.window:
            start, _, end = record.window.partition("-")
            self.set_window(QTime.fromString(start, "HH:mm"), _end_time(end))
        else:
            self.set_window(None)
        self.priority.setValue(record.priority)
        self.enabled.setChecked(record.enabled)
        self.shared.setChecked(record.shared_instant)
        self.reference_tz.setCurrentText(record.reference_tz)

    def _update_window_note(self, *_: Any) -> None:
        if not self.has_window.isChecked():
            self.window_note.setText("Unticked: all day")
            return
        start, end = self.window_start.time(), self.window_end.time()
        if end == QTime(0, 0):
            self.window_note.setText("until midnight")
        elif start > end:
            self.window_note.setText("runs past midnight (belongs to the day it starts)")
        else:
            self.window_note.setText("")

    # Saving --------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Keyword arguments for add_schedule / edit_schedule ("" clears a date or the window)."""
        targets = self.checked_targets()
        window = ""
        if self.has_window.isChecked():
            window = (
                f"{self.window_start.time().toString('HH:mm')}-"
                f"{self.window_end.time().toString('HH:mm')}"
            )
        return {
            "name": self.name.text(),
            "playlist": self.playlist.currentData() if self.playlist.count() else "",
            "screens": sorted(i for kind, i in targets if kind is TargetKind.SCREEN),
            "groups": sorted(i for kind, i in targets if kind is TargetKind.GROUP),
            "start_date": self._date(self.has_start, self.start_date),
            "end_date": self._date(self.has_end, self.end_date),
            "days": ",".join(WEEKDAYS[i] for i, b in enumerate(self.day_buttons) if b.isChecked()),
            "window": window,
            "priority": self.priority.value(),
            "enabled": self.enabled.isChecked(),
            "shared_instant": self.shared.isChecked(),
            "reference_tz": self.reference_tz.currentText() if self.shared.isChecked() else None,
        }

    @staticmethod
    def _date(check: QCheckBox, edit: QDateEdit) -> str:
        return edit.date().toString("yyyy-MM-dd") if check.isChecked() else ""

    def request_save(self) -> None:
        self.errors.clear()
        self.general_error.clear_message()
        self.save_requested.emit(self.record.id if self.record else None, self.values())

    def overlaps_to_confirm(self, values: dict[str, Any], lines: list[str]) -> bool:
        """Show what saving `values` would overlap; True when there is something to confirm.

        The form stays open and the button says so: pressing it again with the same values
        saves anyway (overlaps are legal, only rarely meant). No overlaps: nothing is shown.
        """
        if not lines:
            self.overlap_note.setVisible(False)
            return False
        self.overlap_note.setText("\n".join(["⚠ " + line for line in lines]))
        self.overlap_note.setVisible(True)
        self._confirmed = dict(values)
        self.ok_button.setText("Save anyway" if self.record else "Create anyway")
        return True

    def overlaps_confirmed(self, values: dict[str, Any]) -> bool:
        """Whether the overlaps shown were for exactly these values (so saving is meant)."""
        return self._confirmed is not None and self._confirmed == values

    def overlap_message(self) -> str:
        """The overlap warning shown ("" when none)."""
        return self.overlap_note.text() if not self.overlap_note.isHidden() else ""

    def save_failed(self, exc: BaseException) -> None:
        """Show the engine's message under its field (or below the form); keep what was typed."""
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))

    def message(self, field: str) -> str:
        """The error shown under a field ("end_date", "window"…), or below the form ("")."""
        if not field:
            return self.general_error.text() if not self.general_error.isHidden() else ""
        return self.errors.message(field)


def _end_time(text: str) -> QTime:
    return QTime(0, 0) if text == "24:00" else QTime.fromString(text, "HH:mm")
