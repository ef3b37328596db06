"""The Playlists view: playlists, their items, and approved works to drag in.

Left: the playlists. Middle: the chosen playlist's items in order — drop works from the grid on
the right to add them, drag an item to reorder it, edit its duration, transition and caption
below, see the total running time, preview it shaped like a screen. Every edit is one step of
the engine's undo history (Edit ▸ Undo, Ctrl+Z / Ctrl+Shift+Z); edits apply in the order made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.dialogs.history_dialog import open_history
from ui.dialogs.playlist_preview import SCREEN_PROFILES, PlaylistPreview
from ui.models.artwork_grid import ArtworkGridModel
from ui.models.playlist_items import PlaylistItemsModel, format_seconds
from ui.operations import ARTWORKS, LIBRARY, PLAYLISTS, Debouncer, OpContext, run_op
from ui.studio import Studio
from ui.widgets.artwork_grid_view import ArtworkGridView
from ui.widgets.form_fields import hint_label
from ui.widgets.plain_text import PlainLabel
from ui.widgets.stale_edit import failure_handler
from urbanart.curation import playlists
from urbanart.curation.records import ItemRecord, PlaylistRecord
from urbanart.library.browse import BrowseQuery, BrowseRow, browse_rows
from urbanart.library.library import Library
from urbanart.library.vocabulary import ReviewStatus


class PlaylistsView(QWidget):
    """Playlist list, item list with its editor, and a picker of approved works."""

    title = "Playlists"
    playlist_shown = Signal(int)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.record: PlaylistRecord | None = None

        # Left: playlists
        self.list = QListWidget()
        self.list.setAccessibleName("Playlists")
        self.new_button = QPushButton("New playlist")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 10, 6, 12)
        self.list_header = hint_label("Name, then works · running time")
        self.list_header.setToolTip(
            "Under each name: how many works the playlist holds and how long one pass "
            "through it takes (minutes:seconds)."
        )
        left_layout.addWidget(self.list_header)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)

        # Middle: items
        self.heading = PlainLabel("No playlist")
        theme.set_point_size(self.heading, 1.35, bold=True)
        self.running_time = hint_label("")
        self.profile = QComboBox()
        self.profile.addItems(list(SCREEN_PROFILES))
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Play the playlist in a window shaped like the screen")
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Who changed this playlist, and when")
        self.history_button.clicked.connect(self.show_history)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.running_time)
        header.addLayout(titles, 1)
        header.addWidget(self.profile)
        header.addWidget(self.preview_button)
        header.addWidget(self.history_button)
        self.items_model = PlaylistItemsModel(studio.thumbnails, self)
        self.items = QListView()
        self.items.setModel(self.items_model)
        self.items.setIconSize(QSize(72, 72))
        self.items.setSpacing(2)
        # long titles wrap inside the column instead of pushing a sideways scroll bar in
        self.items.setWordWrap(True)
        self.items.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items.setResizeMode(QListView.ResizeMode.Adjust)
        self.items.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.items.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items.setDragEnabled(True)
        self.items.setAcceptDrops(True)
        self.items.setDropIndicatorShown(True)
        self.items.setAccessibleName("Playlist items")
        self.drop_hint = hint_label(
            "Drag approved works from the right into the list; drag items to reorder them."
        )
        self.duration = QDoubleSpinBox()
        self.duration.setRange(1, 86_400)
        self.duration.setSuffix(" s")
        self.duration.setDecimals(1)
        self.transition = QComboBox()
        self.transition.addItem("Cut", "cut")
        self.transition.addItem("Crossfade", "crossfade")
        self.transition_s = QDoubleSpinBox()
        self.transition_s.setRange(0, 30)
        self.transition_s.setSuffix(" s")
        self.transition_s.setDecimals(1)
        self.overlay = QCheckBox("Show caption and QR code over the work")
        self.remove_button = QPushButton("Remove from playlist")
        form = QFormLayout()
        form.addRow("Duration", self.duration)
        transition_row = QHBoxLayout()
        transition_row.addWidget(self.transition)
        transition_row.addWidget(self.transition_s)
        form.addRow("Transition", transition_row)
        form.addRow("", self.overlay)
        form.addRow("", self.remove_button)
        self.item_editor = QWidget()
        self.item_editor.setLayout(form)
        # With nothing selected the editor shows no values at all, not a made-up 1.0 s cut.
        self.editor_hint = hint_label(
            "Select an item to change its duration, transition or caption."
        )
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(12, 10, 12, 12)
        middle_layout.addLayout(header)
        middle_layout.addWidget(self.items, 1)
        middle_layout.addWidget(self.drop_hint)
        middle_layout.addWidget(self.editor_hint)
        middle_layout.addWidget(self.item_editor)

        # Right: approved works to drag in
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find approved works")
        self.search.setClearButtonEnabled(True)
        self.works_model = ArtworkGridModel(studio.thumbnails, self)
        self.works = ArtworkGridView(studio.thumbnails.side)
        self.works.setModel(self.works_model)
        self.works.setAcceptDrops(False)
        self.works.empty_title = "No approved works"
        self.works.empty_hint = "Approve works in the Library to use them in playlists."
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 10, 12, 12)
        right_layout.addWidget(self.search)
        right_layout.addWidget(self.works, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for pane in (left, middle, right):
            self.splitter.addWidget(pane)
        self.splitter.setSizes([220, 520, 520])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.list.currentItemChanged.connect(self._playlist_chosen)
        self.new_button.clicked.connect(self.new_playlist)
        self.items_model.artworks_dropped.connect(self.add_works)
        self.items_model.item_moved.connect(self.move_item)
        self.items.selectionModel().currentChanged.connect(self._item_chosen)
        for spin in (self.duration, self.transition_s):
            spin.editingFinished.connect(self._item_edited)
        self.transition.activated.connect(self._item_edited)
        self.overlay.clicked.connect(self._item_edited)
        self.remove_button.clicked.connect(self.remove_current)
        self.preview_button.clicked.connect(self.preview)
        self._search = Debouncer(200, self._load_works, self)
        self.search.textChanged.connect(self._search.poke)
        studio.bus.changed.connect(self._data_changed)
        delete = QAction(self)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.remove_current)
        self.items.addAction(delete)
        self._show_item(None)

    # Loading ------------------------------------------------------------------------------------

    def start(self) -> None:
        self.refresh()
        self._load_works()

    def refresh(self, select: int | None = None, *, reload: bool = False) -> None:
        """List the playlists again; reload shows the chosen one afresh even if it is shown."""
        library = self.studio.library
        current = select if select is not None else (self.record.id if self.record else None)

        def loaded(records: list[PlaylistRecord]) -> None:
            self.list.blockSignals(True)
            self.list.clear()
            for record in records:
                item = QListWidgetItem(self._list_label(record))
                item.setToolTip(self._list_tooltip(record))
                item.setData(Qt.ItemDataRole.UserRole, record.id)
                self.list.addItem(item)
            self.list.blockSignals(False)
            ids = [r.id for r in records]
            if records:
                row = ids.index(current) if current in ids else 0
                self.list.setCurrentRow(row)
                if reload:
                    self._load_playlist(ids[row])
                else:
                    self._playlist_chosen(self.list.item(row))
            else:
                self.show_playlist(None)

        run_op(self, lambda _ctx: playlists.list_playlists(library), on_success=loaded)

    def _load_works(self) -> None:
        library, text = self.studio.library, self.search.text().strip() or None

        def load(_ctx: OpContext) -> list[BrowseRow]:
            return browse_rows(
                library, BrowseQuery(text=text, status=ReviewStatus.APPROVED, sort="title")
            )

        run_op(self, load, on_success=self.works_model.set_rows)

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {ARTWORKS, LIBRARY}:
            self._load_works()
        if PLAYLISTS in kinds:  # an undo, a redo or another view changed playlists
            self.refresh(reload=True)
        elif kinds & {ARTWORKS, LIBRARY} and self.record is not None:
            self._reload_current()

    def _reload_current(self) -> None:
        library, playlist_id = self.studio.library, self.record.id if self.record else None
        if playlist_id is None:
            return
        run_op(
            self,
            lambda _ctx: playlists.get_playlist(library, playlist_id),
            on_success=self.show_playlist,
        )

    def _playlist_chosen(self, item: QListWidgetItem | None, *_: Any) -> None:
        if item is None:
            return
        playlist_id = int(item.data(Qt.ItemDataRole.UserRole))
        if self.record is not None and self.record.id == playlist_id:
            return
        self._load_playlist(playlist_id)

    def _load_playlist(self, playlist_id: int) -> None:
        library = self.studio.library
        run_op(
            self,
            lambda _ctx: playlists.get_playlist(library, playlist_id),
            on_success=self.show_playlist,
        )

    def show_playlist(self, record: PlaylistRecord | None) -> None:
        """Show a playlist as the engine holds it (after every edit, undo and redo)."""
        position = self._current_position()
        self.record = record
        if record is None:
            self.heading.setText("No playlists yet")
            self.running_time.setText("Create one with New playlist.")
            self.items_model.set_items([])
            self._show_item(None)
            return
        self.heading.setText(record.name)
        self.running_time.setText(
            f"{record.item_count} item{'s' if record.item_count != 1 else ''} · "
            f"running time {format_seconds(record.total_seconds)}"
        )
        self.items_model.set_items(record.items)
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == record.id:
                item.setText(self._list_label(record))
        if position is not None and record.items:
            row = min(position, len(record.items)) - 1
            self.items.setCurrentIndex(self.items_model.index(row))
        self._show_item(self._current_item())
        self.playlist_shown.emit(record.id)

    @staticmethod
    def _list_label(record: PlaylistRecord) -> str:
        count = record.item_count
        works = f"{count} work{'s' if count != 1 else ''}"
        return f"{record.name}\n{works} · {format_seconds(record.total_seconds)}"

    @staticmethod
    def _list_tooltip(record: PlaylistRecord) -> str:
        return (
            f"{record.name}: {record.item_count} works; one pass through them takes "
            f"{format_seconds(record.total_seconds)}"
        )

    # Items ----------------------------------------------------------------------------------------

    def _current_position(self) -> int | None:
        index = self.items.currentIndex()
        return index.row() + 1 if index.isValid() else None

    def _current_item(self) -> ItemRecord | None:
        index = self.items.currentIndex()
        items = self.items_model.items()
        return items[index.row()] if index.isValid() and index.row() < len(items) else None

    def _item_chosen(self, *_: Any) -> None:
        self._show_item(self._current_item())

    def _show_item(self, item: ItemRecord | None) -> None:
        self.item_editor.setEnabled(item is not None)
        self.editor_hint.setVisible(item is None)
        for widget in (self.duration, self.transition, self.transition_s, self.overlay):
            widget.blockSignals(True)
        # An empty editor shows blanks: a spin box at its minimum with a blank special text.
        blank = " " if item is None else ""
        for spin in (self.duration, self.transition_s):
            spin.setSpecialValueText(blank)
        if item is None:
            self.duration.setValue(self.duration.minimum())
            self.transition_s.setValue(self.transition_s.minimum())
            self.transition.setCurrentIndex(-1)
            self.overlay.setChecked(False)
            for widget in (self.duration, self.transition, self.transition_s, self.overlay):
                widget.blockSignals(False)
            return
        self.duration.setValue(item.duration)
        self.transition.setCurrentIndex(self.transition.findData(item.transition))
        self.transition_s.setValue(item.transition_s)
        self.transition_s.setEnabled(item.transition == "crossfade")
        self.overlay.setChecked(item.overlay)
        for widget in (self.duration, self.transition, self.transition_s, self.overlay):
            widget.blockSignals(False)

    # Edits (each one step of the engine's undo history) ------------------------------------------

    def show_history(self) -> None:
        """Who changed the shown playlist, and when (read off the GUI thread)."""
        if self.record is not None:
            self.history = open_history(
                self, self.studio, "playlist", self.record.id, self.record.name
            )

    def _edit(self, label: str, edit: Callable[[Library, int | None], PlaylistRecord]) -> None:
        """Run one playlist edit, passing the version shown (the engine refuses it, StaleEdit,
        when another curator saved the playlist since; the curator can then Reload)."""
        library = self.studio.library
        version = self.record.version if self.record is not None else None
        run_op(
            self,
            lambda _ctx: edit(library, version),
            on_success=self.show_playlist,
            on_failure=failure_handler(self, self._reload_current),
            changes={PLAYLISTS},
            bus=self.studio.bus,
            label=label,
            writes=True,  # in the order asked, with undo and redo on the same writer
        )

    def add_works(self, ids: list[int], position: int) -> None:
        if self.record is None:
            return
        pid = self.record.id
        timing = playlists.usual_timing(self.record.items)
        like: dict[str, Any] = {}
        if timing is not None:  # play like the works already there
            duration, transition, seconds = timing
            like = {"duration": duration, "transition": transition}
            like["transition_seconds"] = seconds if transition == "crossfade" else None
        self._edit(
            "add works",
            lambda lib, v: playlists.add_items(
                lib, pid, ids, position=position, expected_version=v, **like
            ),
        )

    def move_item(self, source: int, target: int) -> None:
        if self.record is not None:
            pid = self.record.id
            self._edit(
                "move item",
                lambda lib, v: playlists.move_item(lib, pid, source, target, expected_version=v),
            )

    def remove_current(self) -> None:
        item = self._current_item()
        if self.record is not None and item is not None:
            pid, position = self.record.id, item.position
            self._edit(
                "remove item",
                lambda lib, v: playlists.remove_item(lib, pid, position, expected_version=v),
            )

    def _item_edited(self, *_: Any) -> None:
        item = self._current_item()
        if self.record is None or item is None:
            return
        kind = self.transition.currentData()
        after = {
            "duration": self.duration.value(),
            "transition": kind,
            "transition_seconds": self.transition_s.value() if kind == "crossfade" else 0,
            "overlay": self.overlay.isChecked(),
        }
        if kind == "crossfade" and after["transition_seconds"] == 0:
            after["transition_seconds"] = None  # let the engine choose its default length
        before = {
            "duration": item.duration,
            "transition": item.transition,
            "transition_seconds": item.transition_s,
            "overlay": item.overlay,
        }
        if all(after[k] == before[k] for k in after if after[k] is not None):
            return
        pid, position = self.record.id, item.position
        self._edit(
            "change item",
            lambda lib, v: playlists.set_item(lib, pid, position, expected_version=v, **after),
        )

    def new_playlist(self) -> None:
        name, ok = QInputDialog.getText(self, "New playlist", "Name of the playlist:")
        if ok and name.strip():
            self.create_playlist(name.strip())

    def create_playlist(self, name: str) -> None:
        library = self.studio.library
        run_op(
            self,
            lambda _ctx: playlists.create_playlist(library, name),
            on_success=lambda record: self.refresh(select=record.id),
            changes={PLAYLISTS},
            bus=self.studio.bus,
            writes=True,
        )

    def preview(self) -> None:
        if self.record is None:
            return
        dialog = PlaylistPreview(self.studio.library, self.record, self.profile.currentText(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.preview_dialog = dialog

    # State ----------------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("playlists/splitter", self.splitter.saveState())
        settings.setValue("playlists/profile", self.profile.currentText())

    def restore_state(self, settings: QSettings) -> None:
        if settings.contains("playlists/splitter"):
            self.splitter.restoreState(settings.value("playlists/splitter"))
        profile = str(settings.value("playlists/profile", ""))
        if profile in SCREEN_PROFILES:
            self.profile.setCurrentText(profile)
