"""The Schedules view: what plays when on a screen or group, why, and the schedules behind it.

Left: the screens (with city and zone) and groups. Centre: the week in the target's local time,
drawn from the engine's agenda (the same resolver that publishes), and below it the schedules
reaching the target with New, Edit and Remove. Right: "what is on at…" for any moment (typed, or
clicked on the week), naming the winning schedule and every schedule it beat, and why, just as
`urbanart whatson` does. A group shows its own schedules on its first member's clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QDate, QDateTime, QSettings, QSize, Qt, QTime, Signal
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
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.dialogs.schedule_dialog import ScheduleChoices, ScheduleDialog
from ui.latest import Latest
from ui.operations import LIBRARY, PLAYLISTS, SCHEDULES, SCREENS, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import add_section_header, hint_label
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from ui.widgets.week_view import WeekView, playlist_colors
from urbanart.curation import agenda, playlists, schedules, screens
from urbanart.curation.agenda_records import WhatsOn
from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord, TargetKind
from urbanart.curation.resolver import Source
from urbanart.curation.week import Target, Week

_TARGET = Qt.ItemDataRole.UserRole
_SCHEDULE = Qt.ItemDataRole.UserRole


def _zone_names() -> list[str]:
    """IANA zones a curator may pick as a shared instant's reference (read from disk)."""
    return sorted(
        name
        for name in available_timezones()
        if ("/" in name or name == "UTC") and not name.startswith(("posix/", "right/", "Etc/"))
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SchedulesView(QWidget):
    """Target picker, week grid, schedule list and the what-is-on panel."""

    title = "Schedules"
    week_shown = Signal(object)  # agenda.Week
    whatson_shown = Signal(object)  # agenda.WhatsOn

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.undo_stack = None
        self.screens: dict[int, ScreenRecord] = {}
        self.groups: dict[int, GroupRecord] = {}
        self.target: Target | None = None
        self.monday = _monday(date.today())
        self.data: Week | None = None
        self.records: list[ScheduleRecord] = []
        self.whatson_answer: WhatsOn | None = None
        self.dialog: ScheduleDialog | None = None
        self._wanted_target: Target | None = None
        self._select_after_load: int | None = None
        self._moment_chosen = False
        self._week_load = Latest(self, "load schedule week")
        self._whatson_load = Latest(self, "whats on")

        # Left: screens and groups
        self.targets = QListWidget()
        self.targets.setAccessibleName("Screens and groups")
        self.targets.setSpacing(1)
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
        week_pane = QWidget()
        week_layout = QVBoxLayout(week_pane)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.addWidget(self.week, 1)
        week_layout.addWidget(self.legend)

        self.list_heading = PlainLabel("Schedules")
        theme.set_point_size(self.list_heading, 1.1, bold=True)
        self.new_button = QPushButton("New schedule…")
        self.new_button.setToolTip("Create a schedule (Ctrl+N)")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        list_header = QHBoxLayout()
        list_header.addWidget(self.list_heading, 1)
        list_header.addWidget(self.new_button)
        list_header.addWidget(self.edit_button)
        list_header.addWidget(self.remove_button)
        self.schedule_list = QTreeWidget()
        self.schedule_list.setAccessibleName("Schedules")
        self.schedule_list.setRootIsDecorated(False)
        self.schedule_list.setUniformRowHeights(True)
        self.schedule_list.setAlternatingRowColors(True)
        self.schedule_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.schedule_list.setHeaderLabels(
            ["Name", "Playlist", "Dates", "Days", "Window", "Priority", "On", "Targets"]
        )
        head = self.schedule_list.header()
        head.setStretchLastSection(False)
        modes = (
            QHeaderView.ResizeMode.Stretch,  # name
            QHeaderView.ResizeMode.Interactive,  # playlist
            *(QHeaderView.ResizeMode.ResizeToContents,) * 5,  # dates … on
            QHeaderView.ResizeMode.Stretch,  # targets
        )
        for column, mode in enumerate(modes):
            head.setSectionResizeMode(column, mode)
        self.schedule_list.setColumnWidth(1, 130)
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
        self.body.setSizes([800, 300])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.body)
        self.pages.addWidget(self.empty)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([240, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.targets.currentItemChanged.connect(self._target_chosen)
        self.previous_button.clicked.connect(lambda: self.show_week(self.monday - timedelta(7)))
        self.next_button.clicked.connect(lambda: self.show_week(self.monday + timedelta(7)))
        self.this_week_button.clicked.connect(lambda: self.show_week(date.today()))
        self.week_date.dateChanged.connect(lambda d: self.show_week(_to_date(d)))
        self.week.moment_clicked.connect(self.set_moment)
        self.week.schedule_activated.connect(self.edit_schedule)
        self.whatson_button.clicked.connect(self._moment_typed)
        self.moment.editingFinished.connect(self._moment_typed)
        self.new_button.clicked.connect(self.new_schedule)
        self.edit_button.clicked.connect(lambda: self.edit_schedule(self.current_schedule_id()))
        self.remove_button.clicked.connect(self.remove_current)
        self.schedule_list.itemDoubleClicked.connect(
            lambda item, _col: self.edit_schedule(item.data(0, _SCHEDULE))
        )
        self.schedule_list.itemSelectionChanged.connect(self._schedule_selected)
        studio.bus.changed.connect(self._data_changed)
        for keys, slot in (
            (QKeySequence.StandardKey.New, self.new_schedule),
            (QKeySequence.StandardKey.Delete, self.remove_current),
        ):
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
        self._update_week_label()
        self._update_buttons()

    # Targets -------------------------------------------------------------------------------------

    def start(self) -> None:
        self.refresh_targets()

    def refresh_targets(self) -> None:
        library = self.studio.library

        def load(_ctx: OpContext) -> tuple[list[ScreenRecord], list[GroupRecord]]:
            return screens.list_screens(library), screens.list_groups(library)

        run_op(self, load, on_success=self._targets_arrived, label="load schedule targets")

    def _targets_arrived(self, result: tuple[list[ScreenRecord], list[GroupRecord]]) -> None:
        found_screens, found_groups = result
        self.screens = {s.id: s for s in found_screens}
        self.groups = {g.id: g for g in found_groups}
        wanted = self._wanted_target or self.target
        self._wanted_target = None
        self.targets.blockSignals(True)
        self.targets.clear()
        if found_screens:
            add_section_header(self.targets, "Screens", 28)
        for screen in found_screens:
            where = " · ".join(p for p in (screen.city, screen.timezone) if p)
            self._add_item((TargetKind.SCREEN, screen.id), f"{screen.name}\n{where}")
        if found_groups:
            add_section_header(self.targets, "Groups", 28)
        for group in found_groups:
            n = len(group.screens)
            label = f"{group.name}\n{n} screen{'s' if n != 1 else ''}"
            self._add_item((TargetKind.GROUP, group.id), label)
        self.targets.blockSignals(False)
        if not found_screens and not found_groups:
            self.target = None
            self.pages.setCurrentWidget(self.empty)
            self._update_buttons()
            return
        self.pages.setCurrentWidget(self.body)
        found = (self._item_target(self.targets.item(r)) for r in range(self.targets.count()))
        valid = [t for t in found if t is not None]
        choice = wanted if wanted in valid else valid[0]
        self.select_target(choice, force=True)

    def _add_item(self, target: Target, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(_TARGET, list(target))
        item.setSizeHint(QSize(0, 44))
        self.targets.addItem(item)

    @staticmethod
    def _item_target(item: QListWidgetItem | None) -> Target | None:
        data = item.data(_TARGET) if item is not None else None
        return (TargetKind(data[0]), int(data[1])) if data else None

    def select_target(self, target: Target, *, force: bool = False) -> None:
        """Show a screen (TargetKind.SCREEN, id) or group (TargetKind.GROUP, id)."""
        target = (TargetKind(target[0]), int(target[1]))
        for row in range(self.targets.count()):
            item = self.targets.item(row)
            if self._item_target(item) == target:
                self.targets.blockSignals(True)
                self.targets.setCurrentItem(item)
                self.targets.blockSignals(False)
                if force or target != self.target:
                    self._set_target(target)
                return

    def _target_chosen(self, item: QListWidgetItem | None, *_: Any) -> None:
        target = self._item_target(item)
        if target is not None and target != self.target:
            self._set_target(target)

    def _set_target(self, target: Target) -> None:
        changed = target != self.target
        self.target = target
        if changed and not self._moment_chosen:
            self.whatson_answer = None
        self.load_week()

    # The week ------------------------------------------------------------------------------------

    def show_week(self, day: date) -> None:
        """Show the Monday-to-Sunday week holding day."""
        monday = _monday(day)
        self.week_date.blockSignals(True)
        self.week_date.setDate(QDate(day.year, day.month, day.day))
        self.week_date.blockSignals(False)
        if monday != self.monday:
            self.monday = monday
            self._update_week_label()
            self.load_week()

    def _update_week_label(self) -> None:
        sunday = self.monday + timedelta(days=6)
        if sunday.month == self.monday.month:
            text = f"{self.monday.day} – {sunday.day} {sunday:%B %Y}"
        else:
            text = f"{self.monday:%d %b} – {sunday:%d %b %Y}"
        self.week_label.setText(text)

    def load_week(self) -> None:
        if self.target is None:
            return
        library, target, monday = self.studio.library, self.target, self.monday
        self._week_load.run(lambda _ctx: agenda.week(library, target, monday), self._show_week_data)

    def _show_week_data(self, data: Week) -> None:
        self.data = data
        kind = data.target[0]
        self.group_hint.setVisible(kind is TargetKind.GROUP)
        self.heading.setText(data.name if kind is TargetKind.SCREEN else f"Group {data.name}")
        if kind is TargetKind.GROUP:
            seen = f"{data.member} ({data.timezone})" if data.member else "UTC (no members yet)"
            self.zone_label.setText(f"as seen on {seen}")
        else:
            screen = self.screens.get(data.target[1])
            city = f"{screen.city} · " if screen and screen.city else ""
            self.zone_label.setText(f"{city}times in {data.timezone}")
        self.moment_hint.setText(
            f"On the {kind}'s clock ({data.timezone}). Click the week to pick a moment."
        )
        message = ""
        if not data.blocks:
            message = (
                "Nothing plays this week: no schedule applies and there is no default playlist."
                if kind is TargetKind.SCREEN
                else "None of this group's schedules play this week."
            )
        now = data.now.replace(tzinfo=None)  # the grid reads the target's wall clock
        self.week.set_week(data.monday, list(data.blocks), now, message)
        self._show_schedules(list(data.schedules))
        if not self._moment_chosen:
            self.moment.blockSignals(True)
            self.moment.setDateTime(_to_qdatetime(now))
            self.moment.blockSignals(False)
        self.week_shown.emit(data)
        self.show_whats_on()

    def _show_schedules(self, records: list[ScheduleRecord]) -> None:
        selected = self._select_after_load or self.current_schedule_id()
        self._select_after_load = None
        self.records = records
        self.schedule_list.clear()
        muted = theme.muted_text(self.palette())
        for record in records:
            dates = (
                f"{record.start_date or '…'} → {record.end_date or '…'}"
                if record.start_date or record.end_date
                else "always"
            )
            window = record.window or "all day"
            if record.shared_instant:
                window += f" ({record.reference_tz})"
            targets = ", ".join([*record.screens, *(f"group {g}" for g in record.groups)])
            item = QTreeWidgetItem(
                [
                    record.name or f"#{record.id}",
                    record.playlist_name,
                    dates,
                    record.days,
                    window,
                    str(record.priority),
                    "yes" if record.enabled else "no",
                    targets,
                ]
            )
            item.setData(0, _SCHEDULE, record.id)
            item.setToolTip(0, f"Schedule #{record.id}, created {record.created_at:%Y-%m-%d %H:%M}")
            item.setToolTip(7, plain_tooltip(targets))
            if not record.enabled:
                for column in range(8):
                    item.setForeground(column, muted)
            self.schedule_list.addTopLevelItem(item)
            if record.id == selected:
                item.setSelected(True)
                self.schedule_list.setCurrentItem(item)
        name = self.data.name if self.data else ""
        reaching = self.target is None or self.target[0] is TargetKind.SCREEN
        self.list_heading.setText(
            f"Schedules {'reaching' if reaching else 'of'} {name}  ({len(records)})"
        )
        self.list_hint.setText(
            "Strongest first. Schedules reach a screen directly or through its groups."
            if records
            else "No schedules yet: create one with New schedule…"
        )
        self._update_buttons()

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
        self.new_button.setEnabled(self.target is not None)

    # What is on ----------------------------------------------------------------------------------

    def set_moment(self, moment: datetime) -> None:
        """Explain a moment (naive, the target's wall clock), as picked on the grid."""
        self._moment_chosen = True
        self.moment.blockSignals(True)
        self.moment.setDateTime(_to_qdatetime(moment))
        self.moment.blockSignals(False)
        self.show_whats_on()

    def _moment_typed(self) -> None:
        self._moment_chosen = True
        self.show_whats_on()

    def current_moment(self) -> datetime:
        value = self.moment.dateTime()
        day, clock = value.date(), value.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())

    def show_whats_on(self) -> None:
        if self.target is None:
            return
        library, (kind, target_id), at = self.studio.library, self.target, self.current_moment()
        self.week.set_moment(at)

        def explain(_ctx: OpContext) -> WhatsOn:
            if kind is TargetKind.GROUP:
                return agenda.group_whats_on(library, target_id, at)
            return agenda.whats_on(library, target_id, at)

        def arrived(answer: WhatsOn) -> None:
            self.whatson_answer = answer
            self.whatson_text.setText(self._whatson_html(answer, kind))
            self.whatson_shown.emit(answer)

        def failed(exc: BaseException) -> None:
            self.whatson_answer = None
            self.whatson_text.setText(_escape(describe(exc)))

        self._whatson_load.run(explain, arrived, failed)

    def _whatson_html(self, answer: WhatsOn, kind: TargetKind) -> str:
        parts = [
            f"<p>{answer.at:%a %d %b %Y, %H:%M} "
            f"<span style='color:{theme.muted_text(self.palette()).name()}'>"
            f"({_escape(answer.timezone)})</span></p>"
        ]
        if answer.playlist:
            fill, _border, text = playlist_colors(
                answer.playlist_id, self.palette(), default=answer.source is Source.DEFAULT
            )
            parts.append(
                f"<p style='font-size:large'><span style='background:{fill.name()};"
                f"color:{text.name()}'>&nbsp;{_escape(answer.playlist)}&nbsp;</span></p>"
            )
        else:
            parts.append("<p style='font-size:large'><b>Nothing</b></p>")
        winner = answer.schedule
        if winner:
            created = winner.created_at.astimezone()
            name = _escape(winner.name) or "unnamed"
            parts.append(
                f"<p><b>Wins:</b> {name} (#{winner.id})<br>"
                f"priority {winner.priority} · created {created:%Y-%m-%d %H:%M}<br>"
                f"{_escape(winner.days)} · {_escape(winner.window or 'all day')}</p>"
            )
        elif answer.source is Source.DEFAULT:
            parts.append("<p>No schedule applies: the screen's default playlist plays.</p>")
        elif kind is TargetKind.GROUP:
            parts.append(
                "<p>None of the group's schedules applies: each member plays its own "
                "schedules or default.</p>"
            )
        else:
            parts.append("<p>No schedule applies and the screen has no default playlist.</p>")
        if answer.overridden:
            rows = "".join(
                f"<li><b>{_escape(o.name) or 'unnamed'}</b> (#{o.id}, priority "
                f"{o.priority})<br>plays {_escape(o.playlist)}<br>"
                f"<i>{_escape(o.why)}</i></li>"
                for o in answer.overridden
            )
            parts.append(f"<p><b>Overridden:</b></p><ul style='margin-left:-20px'>{rows}</ul>")
        elif winner:
            parts.append("<p>No other schedule applies at this moment.</p>")
        return "".join(parts)

    # Editing -------------------------------------------------------------------------------------

    def new_schedule(self) -> None:
        if self.target is not None:
            self._open_dialog(None)

    def edit_schedule(self, schedule_id: int | None) -> None:
        if schedule_id is not None:
            self._open_dialog(int(schedule_id))

    def _open_dialog(self, schedule_id: int | None) -> None:
        library, target = self.studio.library, self.target

        def load(_ctx: OpContext) -> tuple[ScheduleChoices, ScheduleRecord | None]:
            choices = ScheduleChoices(
                playlists=playlists.list_playlists(library),
                screens=screens.list_screens(library),
                groups=screens.list_groups(library),
                zones=_zone_names(),
            )
            record = schedules.get_schedule(library, schedule_id) if schedule_id else None
            return choices, record

        def loaded(result: tuple[ScheduleChoices, ScheduleRecord | None]) -> None:
            choices, record = result
            if self.dialog is not None:
                self.dialog.close()
            today = self.data.now.date() if self.data else date.today()
            dialog = ScheduleDialog(choices, record, target=target, today=today, parent=self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.save_requested.connect(lambda sid, values, d=dialog: self._save(d, sid, values))
            dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
            self.dialog = dialog
            dialog.open()

        run_op(self, load, on_success=loaded, label="load schedule choices")

    def _dialog_closed(self, dialog: ScheduleDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _save(
        self, dialog: ScheduleDialog, schedule_id: int | None, values: dict[str, Any]
    ) -> None:
        library = self.studio.library

        def save(_ctx: OpContext) -> ScheduleRecord:
            fields = dict(values)
            if schedule_id is None:
                playlist = fields.pop("playlist")
                return schedules.add_schedule(library, playlist, **fields)
            return schedules.edit_schedule(library, schedule_id, **fields)

        def saved(record: ScheduleRecord) -> None:
            dialog.accept()
            self._select_after_load = record.id
            self.week.set_highlight(record.id)

        run_op(
            self,
            save,
            on_success=saved,
            on_failure=dialog.save_failed,
            changes={SCHEDULES},
            bus=self.studio.bus,
            label="save schedule",
            writes=True,
        )

    def remove_current(self) -> None:
        schedule_id = self.current_schedule_id()
        record = next((r for r in self.records if r.id == schedule_id), None)
        if record is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove schedule",
            f"Remove {record.label} ({record.playlist_name})? "
            "Screens stop playing it after the next publication.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        library = self.studio.library
        run_op(
            self,
            lambda _ctx: schedules.remove_schedule(library, record.id),
            changes={SCHEDULES},
            bus=self.studio.bus,
            label="remove schedule",
            writes=True,
        )

    # Changes and state ---------------------------------------------------------------------------

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {SCREENS, LIBRARY}:
            self.refresh_targets()
        elif kinds & {SCHEDULES, PLAYLISTS}:
            self.load_week()

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
            self._wanted_target = (TargetKind(kind), int(number))
