"""The Screens view: every screen in every city, whether it is alive, and how to pair it.

Left: screen groups (choose one to see only its screens; New, Rename, Delete). Top right: a live
table of screens with their state, last sign of life, what they play and whether they run the
latest manifest; it refreshes every few seconds in the background and whenever screens,
publications or the library change. Bottom right: the chosen screen's details, its poll address,
its web-player address with a pairing QR code, and Edit / New poll token / Remove.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.dialogs.group_dialog import GroupDialog
from ui.dialogs.screen_dialog import ScreenDialog
from ui.latest import Latest
from ui.models.screen_status_model import (
    ScreenFilterProxy,
    ScreenIdRole,
    ScreenRow,
    ScreenStatusModel,
)
from ui.operations import LIBRARY, PLAYLISTS, PUBLICATIONS, SCREENS, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, hint_label
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from ui.widgets.screen_detail import ScreenDetail, heading
from urbanart.curation.playlists import list_playlists
from urbanart.curation.records import GroupRecord, ScheduleRecord, ScreenRecord
from urbanart.curation.screens import (
    add_to_group,
    delete_group,
    list_groups,
    list_screens,
    remove_from_group,
    remove_screen,
    timezone_choices,
    untargeted_warning,
)
from urbanart.delivery.addresses import screen_addresses
from urbanart.delivery.rotation import rotate_poll_token
from urbanart.delivery.status import OnlineState, screen_statuses

#: How often the table asks for fresh statuses while the view is on screen.
REFRESH_MS = 10_000
ALL_SCREENS = 0  # the group list's "All screens" entry
COLUMN_WIDTHS = (160, 85, 120, 150, 95, 78, 130, 105, 70)


@dataclass(frozen=True)
class Snapshot:
    """One background load: screens, their statuses, groups (and playlists when asked)."""

    rows: list[ScreenRow]
    groups: list[GroupRecord]
    playlists: list[tuple[int, str]] | None
    now: datetime


def load_snapshot(library: Any, with_playlists: bool) -> Snapshot:
    """Everything the view shows, read in one go (runs in the background)."""
    records = list_screens(library)
    statuses = {s.screen_id: s for s in screen_statuses(library)}
    groups = list_groups(library)
    playlists = [(p.id, p.name) for p in list_playlists(library)] if with_playlists else None
    rows = [ScreenRow(r, statuses.get(r.id)) for r in records]
    return Snapshot(rows, groups, playlists, datetime.now(UTC))


class ScreensView(QWidget):
    """Groups, the live screen table and the chosen screen's details."""

    title = "Screens"
    screens_loaded = Signal(int)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.undo_stack = None
        self.hub_address: str | None = None
        self.zones: list[str] = []
        self.playlists: list[tuple[int, str]] = []
        self.groups: list[GroupRecord] = []
        self.dialog: ScreenDialog | GroupDialog | None = None
        self.now = datetime.now(UTC)
        self.loaded_at: datetime | None = None
        self._snapshots = Latest(self, "screen statuses")
        self._addresses = Latest(self, "screen addresses")
        self._playlists_due = False  # a refresh asked for the playlists; none has brought them
        self._wanted: int | None = None  # screen to select after the next load
        self._address_key: tuple[str, str | None] | None = None

        # Left: groups
        self.group_list = QListWidget()
        self.group_list.setAccessibleName("Screen groups")
        self.group_list.setSpacing(1)
        self.new_group_button = QToolButton()
        self.new_group_button.setText("New…")
        self.new_group_button.setToolTip("Create a group of screens")
        self.rename_group_button = QToolButton()
        self.rename_group_button.setText("Rename…")
        self.rename_group_button.setToolTip("Rename the chosen group")
        self.delete_group_button = QToolButton()
        self.delete_group_button.setText("Delete…")
        self.delete_group_button.setToolTip("Delete the chosen group (its screens stay)")
        group_buttons = QHBoxLayout()
        group_buttons.setSpacing(4)
        for button in (self.new_group_button, self.rename_group_button, self.delete_group_button):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            group_buttons.addWidget(button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 10, 6, 12)
        left_layout.addWidget(heading("Groups"))
        left_layout.addWidget(self.group_list, 1)
        left_layout.addLayout(group_buttons)
        left_layout.addWidget(
            hint_label(
                "Choose a group to see only its screens. A schedule for a group plays on "
                "every screen in it."
            )
        )

        # Top right: the table
        self.heading = PlainLabel("Screens")
        theme.set_point_size(self.heading, 1.35, bold=True)
        self.summary = hint_label("")
        self.register_button = QPushButton(theme.icon("screens", 18), "Register screen")
        self.register_button.setToolTip("Register a new screen (Ctrl+N)")
        self.register_button.setDefault(True)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.heading)
        titles.addWidget(self.summary)
        header.addLayout(titles, 1)
        header.addWidget(self.register_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter screens by name, city, zone, state…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search", 16), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setAccessibleName("Filter screens")
        self.add_to_group_button = QToolButton()
        self.add_to_group_button.setText("Add to group")
        self.add_to_group_button.setToolTip("Add the selected screens to a group")
        self.add_to_group_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_to_group_menu = QMenu(self)
        self.add_to_group_button.setMenu(self.add_to_group_menu)
        self.remove_from_group_button = QPushButton("Remove from group")
        self.remove_from_group_button.setToolTip(
            "Take the selected screens out of the chosen group (the screens stay)"
        )
        tools = QHBoxLayout()
        tools.addWidget(self.search, 1)
        tools.addWidget(self.add_to_group_button)
        tools.addWidget(self.remove_from_group_button)

        self.model = ScreenStatusModel(self)
        self.proxy = ScreenFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Screens")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setIconSize(QSize(12, 12))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        columns = self.table.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setHighlightSections(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.empty = PlaceholderPage(
            "screens",
            "No screens yet",
            "Register a screen with <b>Register screen</b>: its name, time zone and size. "
            "Then pair it with the poll address or the QR code shown here.",
        )
        self.table_stack = QStackedWidget()
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty)
        self.updated = hint_label("")
        self.load_error = ErrorLabel()
        self.notice = PlainLabel()  # what a removal left behind: schedules reaching no screen
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setAccessibleName("Notice")
        self.notice.setVisible(False)
        notice_palette = self.notice.palette()
        notice_palette.setColor(
            self.notice.foregroundRole(), theme.status_color("submitted", notice_palette)
        )
        self.notice.setPalette(notice_palette)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(6, 10, 12, 6)
        top_layout.addLayout(header)
        top_layout.addLayout(tools)
        top_layout.addWidget(self.table_stack, 1)
        top_layout.addWidget(self.notice)
        top_layout.addWidget(self.load_error)
        top_layout.addWidget(self.updated)

        # Bottom right: details
        self.detail = ScreenDetail()
        detail_scroll = QScrollArea()
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_scroll.setWidget(self.detail)
        self.no_detail = PlaceholderPage(
            "screens",
            "Choose a screen",
            "Its details, its poll address and a QR code to pair it appear here.",
        )
        self.detail_stack = QStackedWidget()
        self.detail_stack.addWidget(self.no_detail)
        self.detail_stack.addWidget(detail_scroll)

        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(top)
        self.right.addWidget(self.detail_stack)
        self.right.setChildrenCollapsible(False)
        self.right.setStretchFactor(0, 1)
        self.right.setSizes([420, 400])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([180, 1080])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)

        self.register_button.clicked.connect(self.register_screen)
        self.search.textChanged.connect(self._filter_changed)
        self.group_list.currentItemChanged.connect(self._group_chosen)
        self.new_group_button.clicked.connect(lambda: self.new_group(with_selection=False))
        self.rename_group_button.clicked.connect(self.rename_group)
        self.delete_group_button.clicked.connect(self.delete_group)
        self.add_to_group_menu.aboutToShow.connect(
            lambda: self._fill_group_menu(self.add_to_group_menu)
        )
        self.remove_from_group_button.clicked.connect(self.remove_selected_from_group)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_screen())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.detail.edit_requested.connect(self.edit_screen)
        self.detail.new_token_requested.connect(self.new_poll_token)
        self.detail.remove_requested.connect(self.remove_screen)
        studio.bus.changed.connect(self._data_changed)
        for keys, slot, widget in (
            (QKeySequence.StandardKey.New, self.register_screen, self),
            (QKeySequence.StandardKey.Find, self.search.setFocus, self),
            (QKeySequence(Qt.Key.Key_Return), self.edit_screen, self.table),
            (QKeySequence.StandardKey.Delete, self.remove_screen, self.table),
        ):
            act = QAction(widget)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(
                Qt.ShortcutContext.WidgetWithChildrenShortcut
                if widget is self
                else Qt.ShortcutContext.WidgetShortcut
            )
            act.triggered.connect(slot)
            widget.addAction(act)
        self._update_actions()

    # Loading ------------------------------------------------------------------------------------

    def start(self) -> None:
        """First load (screens, statuses, groups, playlists), the zone list, then the timer."""
        self.refresh(with_playlists=True)
        run_op(self, lambda _ctx: timezone_choices(), on_success=self._zones_arrived)
        self.timer.start()

    def refresh(self, *, with_playlists: bool = False) -> None:
        """Reload in the background; a newer refresh supersedes one still running."""
        self._playlists_due = self._playlists_due or with_playlists
        library, playlists = self.studio.library, self._playlists_due
        self._snapshots.run(
            lambda _ctx: load_snapshot(library, playlists),
            self._snapshot_arrived,
            self._load_failed,
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.load_error.show_message(f"Could not read the screens: {describe(exc)}")

    def _tick(self) -> None:
        """The timer's refresh; skipped while a load runs, so a slow one still gets to finish."""
        if self.isVisible() and not self._snapshots.running:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        stale = self.loaded_at is None or (
            (datetime.now(UTC) - self.loaded_at).total_seconds() * 1000 > REFRESH_MS
        )
        if stale and self.loaded_at is not None:
            self.refresh()

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {SCREENS, PUBLICATIONS, LIBRARY, PLAYLISTS}:
            self.refresh(with_playlists=bool(kinds & {PLAYLISTS, LIBRARY}))

    def _zones_arrived(self, zones: list[str]) -> None:
        self.zones = zones

    def _snapshot_arrived(self, snapshot: Snapshot) -> None:
        self.load_error.clear_message()
        self.now = self.loaded_at = snapshot.now
        if snapshot.playlists is not None:
            self.playlists = snapshot.playlists
            self._playlists_due = False
        keep = self._wanted if self._wanted is not None else self.current_id()
        selected = self.selected_ids()
        if any(row.record.id == self._wanted for row in snapshot.rows):
            self._wanted = None  # else keep it: this load may predate the screen it names
        self.groups = snapshot.groups
        self.model.set_rows(snapshot.rows, snapshot.now)
        self._fill_groups()
        self._restore_selection(keep, selected)
        self._summarise()
        self.table_stack.setCurrentWidget(self.table if snapshot.rows else self.empty)
        self.detail_stack.setVisible(bool(snapshot.rows))  # one empty-state page is enough
        self.updated.setText(
            f"Updated {snapshot.now.astimezone().strftime('%H:%M:%S')} · "
            f"refreshes every {REFRESH_MS // 1000} s"
        )
        self._show_current()
        self.screens_loaded.emit(len(snapshot.rows))

    def _summarise(self) -> None:
        """Counts by state of the screens in the chosen group (or all of them)."""
        rows = self.model.rows()
        group = self.current_group()
        if group is not None:
            rows = [r for r in rows if r.record.id in group.screen_ids]
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.state] = counts.get(row.state, 0) + 1
        total = len(rows)
        parts = [f"{total} screen{'s' if total != 1 else ''}"]
        parts += [f"{counts[s]} {s}" for s in OnlineState if counts.get(s)]
        if total:
            self.summary.setText(" · ".join(parts))
        elif group is not None:
            self.summary.setText("No screens in this group yet: select screens, Add to group")
        else:
            self.summary.setText("No screens registered yet")

    # Groups -------------------------------------------------------------------------------------

    def _fill_groups(self) -> None:
        current = self.current_group_id()
        self.group_list.blockSignals(True)
        self.group_list.clear()
        every = QListWidgetItem(f"All screens\n{self.model.rowCount()} screens")
        every.setData(Qt.ItemDataRole.UserRole, ALL_SCREENS)
        every.setSizeHint(QSize(0, 42))
        self.group_list.addItem(every)
        chosen = every
        for group in self.groups:
            count = len(group.screen_ids)
            item = QListWidgetItem(f"{group.name}\n{count} screen{'s' if count != 1 else ''}")
            item.setData(Qt.ItemDataRole.UserRole, group.id)
            item.setSizeHint(QSize(0, 42))
            item.setToolTip(
                plain_tooltip(group.description or ", ".join(group.screens) or "No screens yet")
            )
            self.group_list.addItem(item)
            if group.id == current:
                chosen = item
        self.group_list.setCurrentItem(chosen)
        self.group_list.blockSignals(False)
        self._apply_group_filter()

    def current_group_id(self) -> int:
        item = self.group_list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ALL_SCREENS

    def current_group(self) -> GroupRecord | None:
        gid = self.current_group_id()
        return next((g for g in self.groups if g.id == gid), None)

    def _group_chosen(self, *_: Any) -> None:
        self._apply_group_filter()
        self._show_current()

    def _apply_group_filter(self) -> None:
        group = self.current_group()
        self.proxy.set_members(frozenset(group.screen_ids) if group is not None else None)
        self.heading.setText(group.name if group is not None else "Screens")
        self._summarise()
        self._update_actions()

    def _fill_group_menu(self, menu: QMenu) -> None:
        menu.clear()
        ids = self.selected_ids()
        for group in self.groups:
            act = menu.addAction(group.name)
            act.setEnabled(bool(ids) and not set(ids) <= set(group.screen_ids))
            act.triggered.connect(lambda _=False, g=group.id: self.add_selected_to_group(g))
        if self.groups:
            menu.addSeparator()
        new = menu.addAction("New group with these screens…")
        new.setEnabled(bool(ids))
        new.triggered.connect(lambda: self.new_group(with_selection=True))

    def new_group(self, *, with_selection: bool = False) -> None:
        screens = self._selected_names() if with_selection else []
        self._open_dialog(GroupDialog(self.studio, None, screens, self))

    def rename_group(self) -> None:
        group = self.current_group()
        if group is not None:
            self._open_dialog(GroupDialog(self.studio, group, (), self))

    def delete_group(self) -> None:
        group = self.current_group()
        if group is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete group",
            f"Delete the group “{group.name}”? Its screens stay; schedules stop reaching "
            "them through this group.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        library, gid = self.studio.library, group.id
        self._engine(
            lambda _ctx: delete_group(library, gid),
            "delete group",
            on_success=lambda deletion: self._removed(
                f"Deleted the group “{deletion.group.name}”.", deletion.untargeted
            ),
        )

    def add_selected_to_group(self, group_id: int) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        library = self.studio.library
        self._engine(lambda _ctx: add_to_group(library, group_id, ids), "add to group")

    def remove_selected_from_group(self) -> None:
        group = self.current_group()
        ids = [i for i in self.selected_ids() if group is not None and i in group.screen_ids]
        if group is None or not ids:
            return
        library, gid = self.studio.library, group.id
        self._engine(lambda _ctx: remove_from_group(library, gid, ids), "remove from group")

    # Selection and details ----------------------------------------------------------------------

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(
            index.row(), index.parent()
        ):
            return None
        return int(index.data(ScreenIdRole))

    def selected_ids(self) -> list[int]:
        rows = self.table.selectionModel().selectedRows()
        return [int(index.data(ScreenIdRole)) for index in rows]

    def _selected_names(self) -> list[tuple[int, str]]:
        rows = {r.record.id: r.record.name for r in self.model.rows()}
        return [(i, rows[i]) for i in self.selected_ids() if i in rows]

    def select_screen(self, screen_id: int) -> bool:
        """Select a screen's row (when the current filter shows it); False when not shown."""
        source = self.model.row_of(screen_id)
        if source < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(source, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _restore_selection(self, keep: int | None, selected: list[int]) -> None:
        if keep is None or (self.selected_ids() == selected and self.current_id() == keep):
            return
        if not self.select_screen(keep):
            self.table.clearSelection()

    def _current_row(self) -> ScreenRow | None:
        screen_id = self.current_id()
        if screen_id is None:
            return None
        source = self.model.row_of(screen_id)
        return self.model.screen_row(source) if source >= 0 else None

    def _selection_changed(self, *_: Any) -> None:
        self._update_actions()
        self._show_current()

    def _show_current(self) -> None:
        row = self._current_row()
        if row is None:
            self.detail_stack.setCurrentWidget(self.no_detail)
            return
        self.detail_stack.setCurrentIndex(1)
        self.detail.show_row(row, self.now)
        self._load_addresses(row.record)

    def _load_addresses(self, record: ScreenRecord) -> None:
        key = (record.poll_token, self.hub_address)
        if key == self._address_key:
            return
        self._address_key = key
        self.detail.clear_addresses("Preparing the addresses…")
        library, token, hub = self.studio.library, record.poll_token, self.hub_address

        def failed(exc: BaseException) -> None:
            self.detail.clear_addresses("")
            self.detail.address_error.show_message(
                f"{describe(exc)} Start the hub, or set the library's public address "
                "(urbanart settings set public_base_url …)."
            )

        self._addresses.run(
            lambda _ctx: screen_addresses(library, token, hub), self.detail.show_addresses, failed
        )

    def set_hub_address(self, url: str | None) -> None:
        """Where the studio's hub answers (None once it stopped); the main window calls this."""
        self.hub_address = url or None
        self._address_key = None
        self._addresses.supersede()  # an answer for the old address must not show
        row = self._current_row()
        if row is not None:
            self._load_addresses(row.record)

    def _update_actions(self) -> None:
        ids = self.selected_ids()
        one = self.current_id() is not None
        group = self.current_group()
        self.rename_group_button.setEnabled(group is not None)
        self.delete_group_button.setEnabled(group is not None)
        self.add_to_group_button.setEnabled(bool(ids))
        members = [i for i in ids if group is not None and i in group.screen_ids]
        self.remove_from_group_button.setEnabled(bool(members))
        self.remove_from_group_button.setText(
            f"Remove from {group.name}" if group is not None else "Remove from group"
        )
        self.remove_from_group_button.setVisible(group is not None)
        for button in (self.detail.edit_button, self.detail.token_button):
            button.setEnabled(one)
        self.detail.remove_button.setEnabled(one)

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_actions()
        self._show_current()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        ids = self.selected_ids()
        menu = QMenu(self)
        if not ids:
            menu.addAction("Register screen…", self.register_screen)
            menu.exec(self.table.viewport().mapToGlobal(pos))
            return
        if len(ids) == 1:
            menu.addAction("Edit…", self.edit_screen)
        groups = menu.addMenu("Add to group")
        self._fill_group_menu(groups)
        group = self.current_group()
        if group is not None and set(ids) & set(group.screen_ids):
            menu.addAction(f"Remove from {group.name}", self.remove_selected_from_group)
        if len(ids) == 1:
            menu.addSeparator()
            menu.addAction("New poll token…", self.new_poll_token)
            menu.addAction("Remove screen…", self.remove_screen)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # Screens ------------------------------------------------------------------------------------

    def _with_choices(self, then: Any) -> None:
        """Open a form once the zone list is known (loaded at start; quick when not yet)."""
        if self.zones:
            then()
            return

        def arrived(zones: list[str]) -> None:
            self.zones = zones
            then()

        run_op(self, lambda _ctx: timezone_choices(), on_success=arrived, label="time zones")

    def register_screen(self) -> None:
        self._with_choices(lambda: self._open_screen_dialog(None))

    def edit_screen(self) -> None:
        row = self._current_row()
        if row is not None:
            record = row.record
            self._with_choices(lambda: self._open_screen_dialog(record))

    def _open_screen_dialog(self, record: ScreenRecord | None) -> None:
        dialog = ScreenDialog(self.studio, self.zones, self.playlists, record, self)
        dialog.saved.connect(lambda saved: setattr(self, "_wanted", saved.id))
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: ScreenDialog | GroupDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = dialog
        dialog.open()

    def new_poll_token(self) -> None:
        row = self._current_row()
        if row is None:
            return
        answer = QMessageBox.question(
            self,
            "New poll token",
            f"Give “{row.record.name}” a new poll token?\n\nIts current address stops working "
            "at once: the screen (and any web player or QR code made for it) must be paired "
            "again with the new address, which works at once too.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        library, screen_id = self.studio.library, row.record.id
        self._wanted = screen_id
        self._engine(lambda _ctx: rotate_poll_token(library, screen_id), "new poll token")

    def remove_screen(self) -> None:
        row = self._current_row()
        if row is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove screen",
            f"Remove the screen “{row.record.name}”?\n\nIts group memberships and schedule "
            "targets go with it, and it stops getting manifests after the next publication.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        library, screen_id = self.studio.library, row.record.id
        self._engine(
            lambda _ctx: remove_screen(library, screen_id),
            "remove screen",
            on_success=lambda removal: self._removed(
                f"Removed the screen “{removal.screen.name}”.", removal.untargeted
            ),
        )

    def _removed(self, done: str, untargeted: tuple[ScheduleRecord, ...]) -> None:
        """Say what a removal left behind: the schedules now reaching no screen (kept, idle)."""
        lines = [untargeted_warning(s) for s in untargeted]
        if lines:
            lines.append("Give them a screen or group in Schedules, or remove them there.")
        self.notice.setText("\n".join([done, *lines]))
        self.notice.setVisible(True)

    def _engine(self, fn: Any, label: str, on_success: Any = None) -> None:
        run_op(
            self,
            fn,
            on_success=on_success,
            changes={SCREENS},
            bus=self.studio.bus,
            label=label,
            writes=True,
        )

    # State --------------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("screens/splitter", self.splitter.saveState())
        settings.setValue("screens/right", self.right.saveState())
        settings.setValue("screens/columns", self.table.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        if settings.contains("screens/splitter"):
            self.splitter.restoreState(settings.value("screens/splitter"))
        if settings.contains("screens/right"):
            self.right.restoreState(settings.value("screens/right"))
        if settings.contains("screens/columns"):
            self.table.horizontalHeader().restoreState(settings.value("screens/columns"))
