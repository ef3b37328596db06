"""The Schedules view: what plays when on a screen or group, why, and the schedules behind it.

Left: the screens (with city and zone) and groups. Centre: the week in the target's local time,
drawn from the engine's agenda (the same resolver that publishes), and below it the schedules
reaching the target with New, Edit and Remove. Right: "what is on at…" for any moment (typed, or
clicked on the week), naming the winning schedule and every schedule it beat, and why, just as
`urbanart whatson` does. A group shows its own schedules on its first member's clock. A second
tab, "Today everywhere", puts every screen on one time axis around now.

This module is the layout and the Qt wiring: it renders and forwards input. ``presenter.py``
holds what the curator points at (target, week, moment) and runs the engine calls,
``formatting.py`` words what is shown.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.dialogs.history_dialog import open_history
from ui.dialogs.schedule_dialog import ScheduleChoices, ScheduleDialog
from ui.studio import Studio
from ui.views.schedules import formatting as fmt
from ui.views.schedules.presenter import SchedulesPresenter
from ui.widgets.column_fit import fit_widths
from ui.widgets.form_fields import add_section_header, hint_label
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from ui.widgets.today_timeline import TodayTimeline
from ui.widgets.week_view import WeekView, playlist_colors
from urbanart.curation.agenda_records import WhatsOn
from urbanart.curation.everywhere import Everywhere
from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord, TargetKind
from urbanart.curation.resolver import Source
from urbanart.curation.week import Target, Week

_TARGET = Qt.ItemDataRole.UserRole
_SCHEDULE = Qt.ItemDataRole.UserRole
_NAME_CAP = 280  # px: the widest the name column opens to by itself
_NAME_FLOOR = 80  # px: the narrowest it gets to fit the table's width (then: the tooltip)
_PLAYLIST_FLOOR = 86
_TARGETS_FLOOR = 80  # px: room for "14 screens…"
_CELL_PADDING = 8  # px a tree cell adds on each side of its text


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


class _ElideRight(QStyledItemDelegate):
    """Cuts a cell's text at its end (the table's own mode cuts names in the middle)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class SchedulesView(QWidget):
    """Target picker, week grid, schedule list and the what-is-on panel."""

    title = "Schedules"
    week_shown = Signal(object)  # agenda.Week
    whatson_shown = Signal(object)  # agenda.WhatsOn

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.records: list[ScheduleRecord] = []
        self.dialog: ScheduleDialog | None = None
        self.presenter = SchedulesPresenter(studio, self, self)

        # Left: screens and groups
        self.targets = QListWidget()
        self.targets.setAccessibleName("Screens and groups")
        self.targets.setSpacing(1)
        # A long screen name wraps onto another line instead of being cut at 1280 px.
        self.targets.setWordWrap(True)
        self.targets.setTextElideMode(Qt.TextElideMode.ElideNone)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 10, 6, 12)
        left_layout.addWidget(self.targets, 1)
        left_layout.addWidget(hint_label("Pick a screen or group to see its week."))

        # Centre: heading, week navigation, the week, the schedules
        self.heading = PlainLabel("Schedules")
        theme.set_point_size(self.heading, 1.35, bold=True)
        self.zone_label = hint_label("")
        self.zone_label.setAccessibleName("Time zone")
        self.zone_label.setWordWrap(False)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.heading)
        titles.addWidget(self.zone_label)
        self.previous_button = QToolButton()
        self.previous_button.setText("◀")
        self.previous_button.setToolTip("Previous week")
        self.this_week_button = QPushButton("This week")
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next week")
        self.week_date = QDateEdit(QDate.currentDate())
        self.week_date.setCalendarPopup(True)
        self.week_date.setDisplayFormat("ddd d MMM yyyy")
        self.week_date.setToolTip("Show the week of this day")
        self.week_label = PlainLabel()
        theme.set_point_size(self.week_label, 1.05, bold=True)
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.this_week_button)
        navigation.addWidget(self.next_button)
        navigation.addWidget(self.week_date)
        week_box = QVBoxLayout()
        week_box.setSpacing(2)
        week_box.addWidget(self.week_label, 0, Qt.AlignmentFlag.AlignRight)
        week_box.addLayout(navigation)
        header = QHBoxLayout()
        header.addLayout(titles, 1)
        header.addLayout(week_box)
        self.group_hint = hint_label(
            "These are the group's own schedules. Members' own schedules and other groups "
            "may override them: pick a screen to see what it really plays."
        )
        self.group_hint.setVisible(False)
        self.week = WeekView()
        self.legend = hint_label(
            "Click a moment to see what is on; double-click a block to edit its schedule. "
            "Hatched: the screen's default playlist. Empty: nothing plays."
        )
        week_tab = QWidget()
        week_layout = QVBoxLayout(week_tab)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.addWidget(self.week, 1)
        week_layout.addWidget(self.legend)
        self.everywhere = TodayTimeline()
        everywhere_scroll = QScrollArea()
        everywhere_scroll.setWidgetResizable(True)
        everywhere_scroll.setFrameShape(QFrame.Shape.NoFrame)
        everywhere_scroll.setWidget(self.everywhere)
        everywhere_tab = QWidget()
        everywhere_layout = QVBoxLayout(everywhere_tab)
        everywhere_layout.setContentsMargins(0, 0, 0, 0)
        everywhere_layout.addWidget(everywhere_scroll, 1)
        everywhere_layout.addWidget(
            hint_label(
                "Every screen around now: each row's clock is the screen's own; the red line "
                "is now. Hover a bar to see its times."
            )
        )
        self.week_tabs = QTabWidget()
        self.week_tabs.setDocumentMode(True)
        self.week_tabs.addTab(week_tab, "Week")
        self.week_tabs.addTab(everywhere_tab, "Today everywhere")
        week_pane = self.week_tabs

        self.list_heading = PlainLabel("Schedules")
        theme.set_point_size(self.list_heading, 1.1, bold=True)
        # A long screen name wraps rather than widening the pane (four buttons sit beside it):
        # unwrapped, it squeezed the screen list to a sliver at 1280×800.
        self.list_heading.setWordWrap(True)
        self.new_button = QPushButton("New schedule…")
        self.new_button.setToolTip("Create a schedule (Ctrl+N)")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Who changed this schedule, and when")
        list_header = QHBoxLayout()
        list_header.addWidget(self.list_heading, 1)
        list_header.addWidget(self.new_button)
        list_header.addWidget(self.edit_button)
        list_header.addWidget(self.remove_button)
        list_header.addWidget(self.history_button)
        self.schedule_list = QTreeWidget()
        self.schedule_list.setAccessibleName("Schedules")
        self.schedule_list.setRootIsDecorated(False)
        self.schedule_list.setUniformRowHeights(True)
        self.schedule_list.setAlternatingRowColors(True)
        self.schedule_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.schedule_list.setHeaderLabels(list(fmt.SCHEDULE_COLUMNS))
        head = self.schedule_list.header()
        # Every column but Targets is as wide as its content within the table's width
        # (fit_columns): a short window still reads "22:00-23:30", not "22:…". Targets takes
        # the rest, its names cut with the whole list in the tooltip; nothing scrolls sideways.
        # A stretched section, not the stretched last section: that one never gets narrower
        # than the default section size (100 px) and pushed a scrollbar in at 1280×800.
        head.setStretchLastSection(False)
        for column in range(len(fmt.SCHEDULE_COLUMNS) - 1):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(fmt.TARGETS, QHeaderView.ResizeMode.Stretch)
        head.setMinimumSectionSize(min(head.minimumSectionSize(), _TARGETS_FLOOR))
        self.schedule_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # A cut window keeps its times, a cut target list its count and first names.
        self._elide_right = _ElideRight(self.schedule_list)
        for column in (fmt.WINDOW, fmt.TARGETS):
            self.schedule_list.setItemDelegateForColumn(column, self._elide_right)
        self.schedule_list.viewport().installEventFilter(self)
        self.list_hint = hint_label("")
        list_pane = QWidget()
        list_layout = QVBoxLayout(list_pane)
        list_layout.setContentsMargins(0, 6, 0, 0)
        list_layout.addLayout(list_header)
        list_layout.addWidget(self.schedule_list, 1)
        list_layout.addWidget(self.list_hint)

        self.centre_splitter = QSplitter(Qt.Orientation.Vertical)
        self.centre_splitter.addWidget(week_pane)
        self.centre_splitter.addWidget(list_pane)
        self.centre_splitter.setStretchFactor(0, 3)
        self.centre_splitter.setStretchFactor(1, 1)
        self.centre_splitter.setChildrenCollapsible(False)
        self.centre_splitter.setSizes([600, 170])
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(12, 10, 6, 12)
        centre_layout.addLayout(header)
        centre_layout.addWidget(self.group_hint)
        centre_layout.addWidget(self.centre_splitter, 1)

        # Right: what is on at…
        whatson_heading = PlainLabel("What is on at…")
        theme.set_point_size(whatson_heading, 1.1, bold=True)
        self.moment = QDateTimeEdit()
        self.moment.setCalendarPopup(True)
        self.moment.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.moment.setAccessibleName("Moment")
        self.whatson_button = QPushButton("Show")
        moment_row = QHBoxLayout()
        moment_row.addWidget(self.moment, 1)
        moment_row.addWidget(self.whatson_button)
        self.moment_hint = hint_label("")
        self.whatson_text = PlainLabel()
        self.whatson_text.setWordWrap(True)
        self.whatson_text.setTextFormat(Qt.TextFormat.RichText)
        self.whatson_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.whatson_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.whatson_text.setAccessibleName("What is on")
        result = QWidget()
        result_layout = QVBoxLayout(result)
        result_layout.setContentsMargins(0, 4, 4, 0)
        result_layout.addWidget(self.whatson_text)
        result_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(result)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 10, 12, 12)
        right_layout.addWidget(whatson_heading)
        right_layout.addLayout(moment_row)
        right_layout.addWidget(self.moment_hint)
        right_layout.addSpacing(6)
        right_layout.addWidget(scroll, 1)

        self.empty = PlaceholderPage(
            "screens",
            "No screens yet",
            "Add screens in the <b>Screens</b> view (or with <code>urbanart screens add</code>),"
            " then schedule playlists onto them here.",
        )
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.addWidget(centre)
        self.body.addWidget(right)
        self.body.setStretchFactor(0, 1)
        self.body.setChildrenCollapsible(False)
        self.body.setSizes([830, 250])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.body)
        self.pages.addWidget(self.empty)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([190, 1000])  # the week and its table need the width most
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.targets.currentItemChanged.connect(self._target_chosen)
        self.previous_button.clicked.connect(lambda: self.presenter.step_week(-1))
        self.next_button.clicked.connect(lambda: self.presenter.step_week(1))
        self.this_week_button.clicked.connect(lambda: self.show_week(date.today()))
        self.week_tabs.currentChanged.connect(self._tab_changed)
        self.week_date.dateChanged.connect(lambda d: self.show_week(_to_date(d)))
        self.week.moment_clicked.connect(self.set_moment)
        self.week.schedule_activated.connect(self.edit_schedule)
        self.whatson_button.clicked.connect(self._moment_typed)
        self.moment.editingFinished.connect(self._moment_typed)
        self.new_button.clicked.connect(self.new_schedule)
        self.edit_button.clicked.connect(lambda: self.edit_schedule(self.current_schedule_id()))
        self.remove_button.clicked.connect(self.remove_current)
        self.history_button.clicked.connect(self.show_history)
        self.schedule_list.itemDoubleClicked.connect(
            lambda item, _col: self.edit_schedule(item.data(0, _SCHEDULE))
        )
        self.schedule_list.itemSelectionChanged.connect(self._schedule_selected)
        for keys, slot in (
            (QKeySequence.StandardKey.New, self.new_schedule),
            (QKeySequence.StandardKey.Delete, self.remove_current),
        ):
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
        self.week_label.setText(fmt.week_label(self.monday))
        self._update_buttons()

    # Targets -------------------------------------------------------------------------------------

    @property
    def data(self) -> Week | None:
        """The week on screen (None before the first load)."""
        return self.presenter.data

    @property
    def whatson_answer(self) -> WhatsOn | None:
        """The explanation on screen (None when there is none)."""
        return self.presenter.whatson_answer

    @property
    def target(self) -> Target | None:
        """The screen or group shown (the presenter holds it)."""
        return self.presenter.target

    @property
    def monday(self) -> date:
        """The Monday of the week shown (the presenter holds it)."""
        return self.presenter.monday

    def start(self) -> None:
        self.refresh_targets()

    def refresh_targets(self) -> None:
        self.presenter.refresh_targets()

    def show_targets(
        self,
        found_screens: list[ScreenRecord],
        found_groups: list[GroupRecord],
        chosen: Target | None,
    ) -> None:
        self.targets.blockSignals(True)
        self.targets.clear()
        if found_screens:
            add_section_header(self.targets, "Screens", 28)
        for screen in found_screens:
            self._add_item((TargetKind.SCREEN, screen.id), fmt.screen_entry(screen))
        if found_groups:
            add_section_header(self.targets, "Groups", 28)
        for group in found_groups:
            self._add_item((TargetKind.GROUP, group.id), fmt.group_entry(group))
        self.targets.blockSignals(False)
        if chosen is None:
            self.pages.setCurrentWidget(self.empty)
            self._update_buttons()
            return
        self.pages.setCurrentWidget(self.body)
        self._mark_target(chosen)

    def _add_item(self, target: Target, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(_TARGET, list(target))
        item.setToolTip(plain_tooltip(text))
        self.targets.addItem(item)

    @staticmethod
    def _item_target(item: QListWidgetItem | None) -> Target | None:
        data = item.data(_TARGET) if item is not None else None
        return (TargetKind(data[0]), int(data[1])) if data else None

    def _mark_target(self, target: Target) -> None:
        for row in range(self.targets.count()):
            item = self.targets.item(row)
            if self._item_target(item) == target:
                self.targets.blockSignals(True)
                self.targets.setCurrentItem(item)
                self.targets.blockSignals(False)
                return

    def select_target(self, target: Target, *, force: bool = False) -> None:
        """Show a screen (TargetKind.SCREEN, id) or group (TargetKind.GROUP, id)."""
        target = (TargetKind(target[0]), int(target[1]))
        self._mark_target(target)
        self.presenter.choose_target(target, force=force)

    def _target_chosen(self, item: QListWidgetItem | None, *_: Any) -> None:
        target = self._item_target(item)
        if target is not None:
            self.presenter.choose_target(target)

    # The week ------------------------------------------------------------------------------------

    def show_week(self, day: date) -> None:
        """Show the Monday-to-Sunday week holding day."""
        self.presenter.go_to_week(day)

    def show_week_of(self, day: date, monday: date) -> None:
        self.week_date.blockSignals(True)
        self.week_date.setDate(QDate(day.year, day.month, day.day))
        self.week_date.blockSignals(False)
        self.week_label.setText(fmt.week_label(monday))

    def load_week(self) -> None:
        self.presenter.load_week()

    def show_week_data(self, data: Week) -> None:
        kind = data.target[0]
        self.group_hint.setVisible(kind is TargetKind.GROUP)
        self.heading.setText(fmt.week_heading(data))
        self.zone_label.setText(fmt.zone_text(data, self.presenter.screens.get(data.target[1])))
        self.moment_hint.setText(fmt.moment_hint(data))
        now = data.now.replace(tzinfo=None)  # the grid reads the target's wall clock
        self.week.set_week(data.monday, list(data.blocks), now, fmt.empty_week_message(data))
        self._show_schedules(list(data.schedules))
        if not self.presenter.moment_chosen:
            self.moment.blockSignals(True)
            self.moment.setDateTime(_to_qdatetime(now))
            self.moment.blockSignals(False)
        self.week_shown.emit(data)
        self.show_whats_on()

    def _show_schedules(self, records: list[ScheduleRecord]) -> None:
        selected = self.presenter.select_after_load or self.current_schedule_id()
        self.presenter.select_after_load = None
        self.records = records
        self.schedule_list.clear()
        muted = theme.muted_text(self.palette())
        for record in records:
            item = QTreeWidgetItem(fmt.schedule_cells(record))
            item.setData(0, _SCHEDULE, record.id)
            item.setToolTip(fmt.NAME, fmt.schedule_tooltip(record))
            for column in (fmt.PLAYLIST, fmt.WINDOW):  # whole, should the column be cut
                item.setToolTip(column, plain_tooltip(item.text(column)))
            item.setToolTip(fmt.TARGETS, plain_tooltip(fmt.schedule_targets(record)))
            if not record.enabled:
                for column in range(8):
                    item.setForeground(column, muted)
            self.schedule_list.addTopLevelItem(item)
            if record.id == selected:
                item.setSelected(True)
                self.schedule_list.setCurrentItem(item)
        self.fit_columns()
        name = self.data.name if self.data else ""
        reaching = self.target is None or self.target[0] is TargetKind.SCREEN
        self.list_heading.setText(fmt.list_heading(name, reaching=reaching, count=len(records)))
        self.list_hint.setText(fmt.list_hint(bool(records)))
        self._update_buttons()

    def show_history(self) -> None:
        """Who changed the selected schedule, and when (read off the GUI thread)."""
        schedule_id = self.current_schedule_id()
        record = next((r for r in self.records if r.id == schedule_id), None)
        if record is not None:
            self.history = open_history(self, self.studio, "schedule", record.id, record.label)

    def current_schedule_id(self) -> int | None:
        item = self.schedule_list.currentItem()
        if item is None or not item.isSelected():
            return None
        return int(item.data(0, _SCHEDULE))

    def _schedule_selected(self) -> None:
        self.week.set_highlight(self.current_schedule_id())
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_schedule_id() is not None
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.history_button.setEnabled(has)
        self.new_button.setEnabled(self.target is not None)

    # What is on ----------------------------------------------------------------------------------

    def set_moment(self, moment: datetime) -> None:
        """Explain a moment (naive, the target's wall clock), as picked on the grid."""
        self.presenter.choose_moment()
        self.moment.blockSignals(True)
        self.moment.setDateTime(_to_qdatetime(moment))
        self.moment.blockSignals(False)
        self.show_whats_on()

    def _moment_typed(self) -> None:
        self.presenter.choose_moment()
        self.show_whats_on()

    def current_moment(self) -> datetime:
        value = self.moment.dateTime()
        day, clock = value.date(), value.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())

    def show_whats_on(self) -> None:
        if self.target is None:
            return
        at = self.current_moment()
        self.week.set_moment(at)
        self.presenter.whats_on(at)

    def show_answer(self, answer: WhatsOn | None, kind: TargetKind, error: str) -> None:
        if answer is None:
            self.whatson_text.setText(fmt.escape(error))
            return
        palette = self.palette()
        chip = None
        if answer.playlist:
            fill, _border, text = playlist_colors(
                answer.playlist_id, palette, default=answer.source is Source.DEFAULT
            )
            chip = (fill.name(), text.name())
        self.whatson_text.setText(
            fmt.whatson_html(answer, kind, theme.muted_text(palette).name(), chip)
        )
        self.whatson_shown.emit(answer)

    # Editing -------------------------------------------------------------------------------------

    def new_schedule(self) -> None:
        if self.target is not None:
            self._open_dialog(None)

    def edit_schedule(self, schedule_id: int | None) -> None:
        if schedule_id is not None:
            self._open_dialog(int(schedule_id))

    def _open_dialog(self, schedule_id: int | None) -> None:
        self.presenter.edit(schedule_id)

    def open_schedule_dialog(
        self, choices: ScheduleChoices, record: ScheduleRecord | None, target: Target | None
    ) -> None:
        if self.dialog is not None:
            self.dialog.close()
        today = self.data.now.date() if self.data else date.today()
        dialog = ScheduleDialog(choices, record, target=target, today=today, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.save_requested.connect(lambda sid, values, d=dialog: self._save(d, sid, values))
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        self.dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: ScheduleDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _save(
        self, dialog: ScheduleDialog, schedule_id: int | None, values: dict[str, Any]
    ) -> None:
        """Check for overlaps first; save when there are none or the curator saw them."""

        version = dialog.record.version if dialog.record is not None else None

        def saved(record: ScheduleRecord) -> None:
            dialog.accept()
            self.week.set_highlight(record.id)

        def checked(lines: list[str]) -> None:
            if dialog.overlaps_to_confirm(values, lines):
                return  # shown in the dialog; pressing again saves
            self.presenter.save(schedule_id, values, saved, dialog.save_failed, version)

        if dialog.overlaps_confirmed(values):
            self.presenter.save(schedule_id, values, saved, dialog.save_failed, version)
        else:
            self.presenter.check_overlaps(schedule_id, values, checked, dialog.save_failed)

    def remove_current(self) -> None:
        schedule_id = self.current_schedule_id()
        record = next((r for r in self.records if r.id == schedule_id), None)
        if record is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove schedule",
            fmt.remove_question(record),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.presenter.remove(record.id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The table's width follows the window and the splitters: fit the columns again.
        if watched is self.schedule_list.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()  # before the resized table paints: no frame with a scrollbar
        return super().eventFilter(watched, event)

    def fit_columns(self) -> None:
        """Size the schedule table's columns to their content within the table's width.

        Dates, days, priority and on/off are short facts shown whole; the name, playlist and
        window give way first (each keeps a floor, its tooltip holds it whole); Targets
        stretches into what is left and keeps at least a count and a name.
        """
        tree = self.schedule_list
        if not tree.topLevelItemCount():
            return
        head = tree.header()
        metrics = head.fontMetrics()
        columns = range(len(fmt.SCHEDULE_COLUMNS))
        floors = [head.sectionSizeHint(c) for c in columns]  # the header label, whole
        wanted = [max(tree.sizeHintForColumn(c), floors[c]) for c in columns]
        wanted[fmt.NAME] = min(wanted[fmt.NAME], _NAME_CAP)  # a described name can be long
        for column in (fmt.DATES, fmt.DAYS, fmt.PRIORITY, fmt.ON):
            floors[column] = wanted[column]
        for column, floor in ((fmt.NAME, _NAME_FLOOR), (fmt.PLAYLIST, _PLAYLIST_FLOOR)):
            floors[column] = min(wanted[column], max(floors[column], floor))
        # A window keeps its times ("22:00-23:30"); a long reference zone gives way.
        times = metrics.horizontalAdvance("00:00-00:00") + 2 * _CELL_PADDING
        floors[fmt.WINDOW] = min(wanted[fmt.WINDOW], max(floors[fmt.WINDOW], times))
        last = max(floors[fmt.TARGETS], _TARGETS_FLOOR)
        # The splitters may not squeeze the table below its floors (that is a sideways
        # scrollbar); the pane's heading wraps, so this is what bounds the centre's width.
        scroll = tree.verticalScrollBar().sizeHint().width()
        minimum = sum(floors[:-1]) + last + 2 * tree.frameWidth() + scroll
        if tree.minimumWidth() != minimum:
            tree.setMinimumWidth(minimum)
        available = tree.viewport().width() - last
        for column, width in enumerate(fit_widths(wanted[:-1], floors[:-1], available)):
            tree.setColumnWidth(column, width)

    # Changes and state ---------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("schedules/splitter", self.splitter.saveState())
        settings.setValue("schedules/body", self.body.saveState())
        settings.setValue("schedules/centre", self.centre_splitter.saveState())
        if self.target is not None:
            settings.setValue("schedules/target", f"{self.target[0]}:{self.target[1]}")

    def restore_state(self, settings: QSettings) -> None:
        for key, splitter in (
            ("schedules/splitter", self.splitter),
            ("schedules/body", self.body),
            ("schedules/centre", self.centre_splitter),
        ):
            if settings.contains(key):
                splitter.restoreState(settings.value(key))
        kind, _, number = str(settings.value("schedules/target", "")).partition(":")
        if kind in tuple(TargetKind) and number.isdigit():
            self.presenter.wanted_target = (TargetKind(kind), int(number))

    # Today everywhere ----------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if self.week_tabs.widget(index) is not self.week_tabs.widget(0):
            self.presenter.load_everywhere()

    def show_everywhere_tab(self) -> None:
        """Switch to the "Today everywhere" tab (it loads on showing)."""
        self.week_tabs.setCurrentIndex(1)

    def show_everywhere(self, data: Everywhere) -> None:
        self.everywhere.set_data(data)
