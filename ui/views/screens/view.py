"""The Screens view: every screen in every city, whether it is alive, and how to pair it.

Left: screen groups (choose one to see only its screens; New, Rename, Delete). Top right: a live
table of screens with their state, last sign of life, what they play and whether they run the
latest manifest; it refreshes every few seconds in the background and whenever screens,
publications or the library change. Bottom right: the chosen screen's details, its poll address,
its web-player address with a pairing QR code, and Edit / New poll token / Remove.

This module is the layout and the Qt wiring; ``presenter.py`` holds the state and runs the engine
calls, ``formatting.py`` words what is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, QSize, Qt, QTimer, Signal
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
from ui.dialogs.history_dialog import open_history
from ui.dialogs.screen_dialog import ScreenDialog
from ui.models.screen_status_model import (
    NAME,
    SIZE,
    STATE,
    ZONE,
    ScreenFilterProxy,
    ScreenIdRole,
    ScreenRow,
    ScreenStatusModel,
)
from ui.studio import Studio
from ui.views.screens import formatting as fmt
from ui.views.screens.presenter import ScreensPresenter, Snapshot
from ui.widgets.column_fit import fit_widths
from ui.widgets.form_fields import ErrorLabel, hint_label
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel, plain_tooltip
from ui.widgets.screen_detail import ScreenDetail, heading
from urbanart.curation.records import GroupRecord, ScreenRecord
from urbanart.delivery.addresses import ScreenAddresses

ALL_SCREENS = 0  # the group list's "All screens" entry
COLUMN_WIDTHS = (160, 85, 120, 150, 95, 78, 130, 105, 70)
#: Columns fit_columns always shows whole: a cut zone or size misleads; a long name has a tooltip.
WHOLE_COLUMNS = (ZONE, SIZE, STATE)
NAME_FLOOR = 130  # px: most screen names whole in the default font (the rest: tooltip)


class ScreensView(QWidget):
    """Groups, the live screen table and the chosen screen's details."""

    title = "Screens"
    screens_loaded = Signal(int)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.dialog: ScreenDialog | GroupDialog | None = None
        self._columns_fitted = False
        self.presenter = ScreensPresenter(studio, self, self)

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
        self.table.viewport().installEventFilter(self)
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

        self.timer: QTimer = self.presenter.timer

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
        self.detail.history_requested.connect(self.show_history)
        self.detail.new_token_requested.connect(self.new_poll_token)
        self.detail.remove_requested.connect(self.remove_screen)
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

    @property
    def groups(self) -> list[GroupRecord]:
        return self.presenter.groups

    @property
    def loaded_at(self) -> datetime | None:
        """When the table was last read (None before the first load)."""
        return self.presenter.loaded_at

    def start(self) -> None:
        """First load (screens, statuses, groups, playlists), the zone list, then the timer."""
        self.presenter.start()

    def refresh(self, *, with_playlists: bool = False) -> None:
        """Reload in the background; a newer refresh supersedes one still running."""
        self.presenter.refresh(with_playlists=with_playlists)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The table's width changes with the window and the splitters: fit the columns again.
        if (
            watched is self.table.viewport()
            and event.type() == QEvent.Type.Resize
            and self._columns_fitted
        ):
            QTimer.singleShot(0, self, self.fit_columns)
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.presenter.shown()
        # Rows loaded while the view was hidden (the studio loads every view at start) are
        # fitted now that the table has its real width.
        self._fit_columns_once()

    def show_load_error(self, text: str) -> None:
        self.load_error.show_message(text)

    def show_snapshot(self, snapshot: Snapshot, wanted: int | None, updated: str) -> None:
        """Show a load; select ``wanted`` if given, else keep the current selection."""
        self.load_error.clear_message()
        keep = wanted if wanted is not None else self.current_id()
        selected = self.selected_ids()
        self.model.set_rows(snapshot.rows, snapshot.now)
        self._fill_groups()
        self._restore_selection(keep, selected)
        self._summarise()
        self.table_stack.setCurrentWidget(self.table if snapshot.rows else self.empty)
        self._fit_columns_once()
        self.detail_stack.setVisible(bool(snapshot.rows))  # one empty-state page is enough
        self.updated.setText(updated)
        self._show_current()
        self.screens_loaded.emit(len(snapshot.rows))

    def _fit_columns_once(self) -> None:
        """Fit the columns the first time the table shows rows; after that only on resizes
        (eventFilter), so a curator's own widths stand between them."""
        if not self._columns_fitted and self.model.rowCount() and self.table.isVisible():
            self._columns_fitted = True
            QTimer.singleShot(0, self, self.fit_columns)  # once the layout has settled

    def fit_columns(self) -> None:
        """Size the status table's columns to their content within the table's width."""
        header = self.table.horizontalHeader()
        count = self.model.columnCount()
        metrics = header.fontMetrics()
        floors = [
            metrics.horizontalAdvance(str(self.model.headerData(c, Qt.Orientation.Horizontal))) + 16
            for c in range(count)
        ]
        wanted = [max(self.table.sizeHintForColumn(c), f) for c, f in enumerate(floors)]
        for column in WHOLE_COLUMNS:  # short facts: never shortened
            floors[column] = wanted[column]
        floors[NAME] = min(wanted[NAME], NAME_FLOOR)  # the name says which screen a row is
        # The last column stretches into what is left; it keeps at least its header's width.
        last = max(floors[-1], header.sectionSizeHint(count - 1), header.minimumSectionSize())
        available = self.table.viewport().width() - last - 8
        for column, width in enumerate(fit_widths(wanted[:-1], floors[:-1], available)):
            self.table.setColumnWidth(column, width)

    def _summarise(self) -> None:
        """Counts by state of the screens in the chosen group (or all of them)."""
        rows = self.model.rows()
        group = self.current_group()
        if group is not None:
            rows = [r for r in rows if r.record.id in group.screen_ids]
        self.summary.setText(fmt.state_summary((r.state for r in rows), in_group=group is not None))

    # Groups -------------------------------------------------------------------------------------

    def _fill_groups(self) -> None:
        current = self.current_group_id()
        self.group_list.blockSignals(True)
        self.group_list.clear()
        every = QListWidgetItem(fmt.all_screens_entry(self.model.rowCount()))
        every.setData(Qt.ItemDataRole.UserRole, ALL_SCREENS)
        every.setSizeHint(QSize(0, 42))
        self.group_list.addItem(every)
        chosen = every
        for group in self.groups:
            item = QListWidgetItem(fmt.group_entry(group))
            item.setData(Qt.ItemDataRole.UserRole, group.id)
            item.setSizeHint(QSize(0, 42))
            item.setToolTip(plain_tooltip(fmt.group_tooltip(group)))
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
            fmt.delete_group_question(group.name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.presenter.delete_group(group.id)

    def add_selected_to_group(self, group_id: int) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.presenter.add_to_group(group_id, ids)

    def remove_selected_from_group(self) -> None:
        group = self.current_group()
        ids = [i for i in self.selected_ids() if group is not None and i in group.screen_ids]
        if group is None or not ids:
            return
        self.presenter.remove_from_group(group.id, ids)

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
        self.detail.show_row(row, self.presenter.now)
        self.presenter.load_addresses(row.record)

    def show_addresses_pending(self, text: str) -> None:
        self.detail.clear_addresses(text)

    def show_addresses(self, addresses: ScreenAddresses) -> None:
        self.detail.show_addresses(addresses)

    def show_address_error(self, text: str) -> None:
        self.detail.clear_addresses("")
        self.detail.address_error.show_message(text)

    def set_hub_address(self, url: str | None) -> None:
        """Where the studio's hub answers (None once it stopped); the main window calls this."""
        self.presenter.set_hub_address(url)
        row = self._current_row()
        if row is not None:
            self.presenter.load_addresses(row.record)

    def _update_actions(self) -> None:
        ids = self.selected_ids()
        one = self.current_id() is not None
        group = self.current_group()
        self.rename_group_button.setEnabled(group is not None)
        self.delete_group_button.setEnabled(group is not None)
        self.add_to_group_button.setEnabled(bool(ids))
        members = [i for i in ids if group is not None and i in group.screen_ids]
        self.remove_from_group_button.setEnabled(bool(members))
        self.remove_from_group_button.setText(fmt.remove_from_group_text(group))
        self.remove_from_group_button.setVisible(group is not None)
        for button in (self.detail.edit_button, self.detail.token_button):
            button.setEnabled(one)
        self.detail.history_button.setEnabled(one)
        self.detail.remove_button.setEnabled(one)

    def show_history(self) -> None:
        """Who changed the shown screen, and when (the audit log, read off the GUI thread)."""
        row = self.detail.row
        if row is not None:
            self.history = open_history(self, self.studio, "screen", row.record.id, row.record.name)

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

    def register_screen(self) -> None:
        self.presenter.with_zones(lambda: self._open_screen_dialog(None))

    def edit_screen(self) -> None:
        row = self._current_row()
        if row is not None:
            record = row.record
            self.presenter.with_zones(lambda: self._open_screen_dialog(record))

    def _open_screen_dialog(self, record: ScreenRecord | None) -> None:
        presenter = self.presenter
        dialog = ScreenDialog(self.studio, presenter.zones, presenter.playlists, record, self)
        dialog.saved.connect(lambda saved: setattr(presenter, "wanted", saved.id))
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: ScreenDialog | GroupDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = dialog
        dialog.open()

    def new_poll_token(self) -> None:
        self._confirm_for_current(
            "New poll token", fmt.new_token_question, self.presenter.new_poll_token
        )

    def remove_screen(self) -> None:
        self._confirm_for_current(
            "Remove screen", fmt.remove_screen_question, self.presenter.remove_screen
        )

    def _confirm_for_current(
        self, title: str, question: Callable[[str], str], act: Callable[[int], None]
    ) -> None:
        """Ask about the current screen (by name) and, on Yes, act on it (by id)."""
        row = self._current_row()
        if row is None:
            return
        answer = QMessageBox.question(self, title, question(row.record.name))
        if answer == QMessageBox.StandardButton.Yes:
            act(row.record.id)

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)

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
