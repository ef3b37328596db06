"""The Library view: every artwork as a thumbnail grid or a sortable list, with search, filters
and a detail panel.

Queries run in the database (``urbanart.library.browse``) off the GUI thread; the newest query
wins when the curator types faster than results arrive. Files dropped on the grid are imported,
and the grid fills as the import goes. The thumbnail size runs from dense to large (slider,
Ctrl+= / Ctrl+−); Space opens a quick look. One selected work opens in the editor on the right;
several selected works get bulk review actions. Saves and status changes are undoable
(Edit ▸ Undo, from the engine's history).
"""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.history_dialog import open_history
from ui.dialogs.import_dialog import ImportFlow
from ui.dialogs.quick_look import QuickLook
from ui.latest import Latest
from ui.models.artwork_grid import ArtworkGridModel
from ui.operations import ARTISTS, ARTWORKS, LIBRARY, OpContext, run_op, submit
from ui.studio import Studio
from ui.thumbnails import load_preview_image
from ui.video_files import playable_path
from ui.widgets.artwork_editor import ArtworkEditor
from ui.widgets.artwork_grid_view import ArtworkGridView
from ui.widgets.artwork_list_view import ArtworkListView
from ui.widgets.artwork_translations import TranslationsSection
from ui.widgets.filter_bar import FilterBar
from ui.widgets.library_view_controls import GRID, LIST, LibraryViewControls
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.selection_panel import ACTION_LABELS, SelectionPanel
from urbanart.library.browse import BrowseRow, FilterChoices, browse_rows, filter_choices
from urbanart.library.catalog import edit_artwork, get_artwork, list_artists, set_status
from urbanart.library.records import ArtworkRecord
from urbanart.library.video_poster import set_poster
from urbanart.library.vocabulary import ReviewStatus

STATUS_KEYS = {ReviewStatus.APPROVED: "P", ReviewStatus.REJECTED: "X", ReviewStatus.SUBMITTED: "U"}
#: While an import runs, the grid reloads at most this often to show the works that arrived.
IMPORT_REFRESH_MS = 400
#: Opening a library, the grid first loads this many rows and paints them while the whole list
#: loads in the background: more cells than the largest window shows at the smallest thumbnail
#: size, so the first screen is whole however the curator left the window.
FIRST_SCREENFUL = 600


def _keys(text: str, standard: QKeySequence.StandardKey) -> list[QKeySequence]:
    """Our key and the platform's zoom key, once each (on Linux they are the same)."""
    keys = [QKeySequence(text)]
    for key in QKeySequence.keyBindings(standard):
        if key not in keys:
            keys.append(key)
    return keys


class LibraryView(QWidget):
    """Grid, filter bar and detail panel over one library."""

    title = "Library"
    rows_loaded = Signal(int)  # emitted after the grid got new rows (count)
    all_rows_loaded = Signal(int)  # ... and they are every matching work, not a first screenful
    record_loaded = Signal(int)  # the detail panel shows this artwork id
    import_finished = Signal(list)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.total = 0
        #: Whether the grid holds every matching work (not only the first screenful).
        self.complete = False
        self._choices_due = False  # the first load: choices load once its rows are painted
        self._rows = Latest(self, "browse artworks")
        self._record = Latest(self, "load artwork")
        self._restore_after_load: tuple[int, dict[str, Any], BaseException] | None = None
        self._wanted_selection: list[int] = []
        self.import_flow: ImportFlow | None = None
        self.quick_look: QuickLook | None = None

        self.filters = FilterBar()
        self.grid = ArtworkGridView(studio.thumbnails.side)
        self.grid.empty_title = "Loading the artworks…"  # until the first rows arrive
        self.grid.empty_hint = ""
        self.model = ArtworkGridModel(studio.thumbnails, self)
        self.grid.setModel(self.model)
        self.list = ArtworkListView()
        self.list.setModel(self.model)
        self.list.setSelectionModel(self.grid.selectionModel())  # one selection, two views
        self.pages = QStackedWidget()
        self.pages.addWidget(self.grid)
        self.pages.addWidget(self.list)
        self.controls = LibraryViewControls(studio.thumbnails.side)
        self.controls.add_beside(self.filters.trailing)
        self._import_refresh = QTimer(self)
        self._import_refresh.setSingleShot(True)
        self._import_refresh.setInterval(IMPORT_REFRESH_MS)
        self._import_refresh.timeout.connect(self.refresh)
        self.editor = ArtworkEditor()
        self.editor.attach_translations(TranslationsSection(studio))
        self.selection_panel = SelectionPanel()
        self.nothing_selected = PlaceholderPage(
            "library",
            "Nothing selected",
            "Click a work to see it large and edit its details.<br>"
            "Shift- or Ctrl-click to select several and review them together.",
        )
        self.detail = QStackedWidget()
        for page in (self.nothing_selected, self.editor, self.selection_panel):
            self.detail.addWidget(page)
        self.detail.setMinimumWidth(340)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(self.filters)
        left_layout.addWidget(self.pages, 1)
        left_layout.addWidget(self.controls)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([860, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.filters.changed.connect(self.refresh)
        self.grid.verticalScrollBar().valueChanged.connect(studio.collector.note_activity)
        self.filters.search.textEdited.connect(studio.collector.note_activity)
        self.grid.files_dropped.connect(self.import_paths)
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        for items in (self.grid, self.list):
            items.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            items.customContextMenuRequested.connect(self._context_menu)
        self.list.verticalScrollBar().valueChanged.connect(studio.collector.note_activity)
        self.controls.size_changed.connect(self.set_thumb_side)
        self.controls.mode_changed.connect(self.set_mode)
        self.filters.sort.currentIndexChanged.connect(self._database_order)
        self.editor.save_requested.connect(self._save)
        self.editor.reload_requested.connect(lambda i: self._load_record(i, image=False))
        self.editor.history_requested.connect(self.show_history)
        self.editor.poster_requested.connect(self.set_poster_frame)
        self.selection_panel.status_requested.connect(self.set_status_of_selection)
        studio.bus.changed.connect(self._data_changed)
        self._make_actions()

    # Actions -----------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        def action(text: str, keys: Any, slot: Any, widget: QWidget | None = None) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            (widget or self).addAction(act)
            return act

        self.save_action = action("Save", QKeySequence.StandardKey.Save, self.editor.request_save)
        self.find_action = action("Find", QKeySequence.StandardKey.Find, self.focus_search)
        self.revert_action = action("Revert", Qt.Key.Key_Escape, self.editor.revert, self.editor)
        self.status_actions: dict[str, QAction] = {}
        for status, key in STATUS_KEYS.items():
            self.status_actions[status] = action(
                ACTION_LABELS[status],
                key,
                lambda _=False, s=status: self.set_status_of_selection(s),
                self.grid,
            )
            self.list.addAction(self.status_actions[status])
        self.larger_action = action(
            "Larger thumbnails", "Ctrl+=", lambda: self.controls.step_size(1)
        )
        self.larger_action.setShortcuts(_keys("Ctrl+=", QKeySequence.StandardKey.ZoomIn))
        self.smaller_action = action(
            "Smaller thumbnails", "Ctrl+-", lambda: self.controls.step_size(-1)
        )
        self.smaller_action.setShortcuts(_keys("Ctrl+-", QKeySequence.StandardKey.ZoomOut))
        self.quick_look_action = action(
            "Quick look", Qt.Key.Key_Space, self.open_quick_look, self.grid
        )
        self.list.addAction(self.quick_look_action)

    # Grid or list, thumbnail size, quick look -------------------------------------------------

    def items_view(self) -> QAbstractItemView:
        """The view the curator sees now: the grid or the list."""
        return self.list if self.controls.mode() == LIST else self.grid

    def set_mode(self, mode: str) -> None:
        had_focus = self.grid.hasFocus() or self.list.hasFocus()
        self.pages.setCurrentWidget(self.list if mode == LIST else self.grid)
        if self.controls.mode() != mode:
            self.controls.set_mode(mode)
        current = self.grid.currentIndex()
        if current.isValid():
            self.items_view().scrollTo(current)
        if had_focus:
            self.items_view().setFocus()

    def set_thumb_side(self, side: int) -> None:
        if self.controls.size_slider.value() != side:
            self.controls.size_slider.setValue(side)  # comes back here through size_changed
            return
        self.studio.thumbnails.ensure_side(side)
        self.grid.set_thumb_side(side)

    def _database_order(self) -> None:
        """The order menu took over from a list header: back to the database's order."""
        self.model.clear_sort()
        self.list.clear_sort_indicator()

    def open_quick_look(self) -> None:
        """Space: the current work, large; Space or Esc closes, arrows step through the works."""
        if self.quick_look is not None and self.quick_look.isVisible():
            self.quick_look.close()
            return
        current = self.grid.currentIndex()
        ids = self.selected_ids()
        row = current.row() if current.isValid() else None
        if row is None and ids:
            row = self.model.row_for_id(ids[0])
        if row is None or not 0 <= row < self.model.rowCount():
            return
        self.quick_look = QuickLook(self.studio.library, self.model.artwork(row), self._step, self)
        self.quick_look.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.quick_look.destroyed.connect(self._quick_look_closed)
        self.quick_look.open()

    def _quick_look_closed(self) -> None:
        self.quick_look = None

    def _step(self, delta: int) -> BrowseRow | None:
        current = self.grid.currentIndex()
        row = (current.row() if current.isValid() else -1) + delta
        if not 0 <= row < self.model.rowCount():
            return None
        self.select_ids([self.model.artwork(row).id])
        return self.model.artwork(row)

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def choose_files_to_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Import artworks",
            "",
            "Images, videos and HTML5 packages (*.jpg *.jpeg *.png *.gif *.webp *.tif *.tiff "
            "*.bmp *.mp4 *.mov *.m4v *.webm *.mkv *.zip);;"
            "Images (*.jpg *.jpeg *.png *.gif *.webp *.tif *.tiff *.bmp);;"
            "Videos (*.mp4 *.mov *.m4v *.webm *.mkv);;HTML5 packages (*.zip);;All files (*)",
        )
        if paths:
            self.import_paths(paths)

    def choose_folder_to_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of artworks")
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str]) -> None:
        self.filters.sort.setCurrentIndex(self.filters.sort.findData("newest"))
        flow = ImportFlow(self.studio, self)
        flow.finished.connect(self.import_finished.emit)
        flow.grew.connect(self._works_arrived)
        self.import_flow = flow
        flow.start(paths)

    def _works_arrived(self) -> None:
        """An import recorded works: show them soon, not once per file nor only at the end."""
        if not self._import_refresh.isActive():
            self._import_refresh.start()

    # Loading -----------------------------------------------------------------------------------

    def start(self) -> None:
        """First load (called once the window is up): the first screenful of rows, painted at
        once however large the library, then every row and the filter choices behind it."""
        self._choices_due = True
        self.refresh(first=FIRST_SCREENFUL)

    def refresh(self, *, first: int | None = None) -> None:
        """Run the current search and filters in the background; the newest request wins.

        With first, only that many rows come first; the whole list follows (the first rows are
        its start, so the grid appends the rest and keeps its scroll and selection).
        """
        query, library = self.filters.query(), self.studio.library
        self._wanted_selection = self.selected_ids() or self._wanted_selection

        def query_rows(_ctx: OpContext) -> list[BrowseRow]:
            return browse_rows(library, query, limit=first)

        def arrived(rows: list[BrowseRow]) -> None:
            self._rows_arrived(rows, complete=first is None or len(rows) < first)

        self._rows.run(query_rows, arrived)

    def _rows_arrived(self, rows: list[BrowseRow], *, complete: bool = True) -> None:
        wanted = self._wanted_selection
        self.model.set_rows(rows)
        self.complete = complete
        # The rows (and everything loaded so far) live long: move them out of the cyclic
        # collector's sight, or a full collection pauses a scroll for ~200 ms at 10,000 works.
        gc.freeze()
        if complete and not self.filters.is_filtered():
            self.total = len(rows)
        self._show_count()
        if self.filters.is_filtered():
            self.grid.empty_title = "No works match"
            self.grid.empty_hint = "Try fewer words or clear a filter."
        else:
            self.grid.empty_title = "No artworks yet"
            self.grid.empty_hint = "Drop image files or folders here to import them."
        self.grid.viewport().update()
        if wanted and not self.selected_ids():
            self.select_ids(wanted, scroll=False)
        self.rows_loaded.emit(len(rows))
        first_load, self._choices_due = self._choices_due, False
        if not first_load and complete:
            self.all_rows_loaded.emit(len(rows))
            return
        # Paint these now, and start the rest (every row, the filter choices, the other views)
        # only once this paint is done: work started beside the first paint would share the
        # interpreter with it and slow it several times over.
        self.items_view().viewport().repaint()

        def the_rest() -> None:
            if complete:
                self.all_rows_loaded.emit(len(rows))
            else:
                self.refresh()
            if first_load:
                self.refresh_choices()

        QTimer.singleShot(0, self, the_rest)

    def _show_count(self) -> None:
        """The count ("10,000 works", "12 of 10,000"), or that the rows are still loading."""
        shown = self.model.rowCount()
        if self.complete:
            self.filters.set_count(shown, max(self.total, shown))
        else:
            self.filters.count.setText("Loading…")

    def refresh_choices(self) -> None:
        library = self.studio.library

        def load(_ctx: OpContext) -> tuple[FilterChoices, list[str]]:
            return filter_choices(library), [a.name for a in list_artists(library)]

        def loaded(result: tuple[FilterChoices, list[str]]) -> None:
            choices, names = result
            self.total = choices.total
            self.filters.set_choices(choices)
            self.editor.set_artist_names(names)
            self._show_count()

        run_op(self, load, on_success=loaded)

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {ARTWORKS, LIBRARY}:
            self.refresh()
            current = self.editor.record
            if current is not None and not self.editor.is_dirty():
                self._load_record(current.id, image=False)
        if kinds & {ARTWORKS, ARTISTS, LIBRARY}:
            self.refresh_choices()

    # Selection and the detail panel ------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.grid.selectionModel().selectedIndexes()})
        return [self.model.artwork(r).id for r in rows]

    def select_ids(self, ids: list[int], *, scroll: bool = True) -> None:
        selection = self.grid.selectionModel()
        selection.clearSelection()
        first = None
        for artwork_id in ids:
            row = self.model.row_for_id(artwork_id)
            if row is None:
                continue
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag.Select
            if self.controls.mode() == LIST:
                flags |= QItemSelectionModel.SelectionFlag.Rows
            selection.select(index, flags)
            if first is None:
                first = index
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        if first is not None and scroll:
            self.items_view().scrollTo(first)

    def show_artist(self, artist_id: int) -> None:
        self.filters.show_artist(artist_id)

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        self._wanted_selection = ids
        if self.editor.is_dirty() and (
            self.editor.record is None or ids != [self.editor.record.id]
        ):
            self._leave_unsaved_edit()
        if not ids:
            self.detail.setCurrentWidget(self.nothing_selected)
        elif len(ids) == 1:
            self.detail.setCurrentWidget(self.editor)
            if self.editor.record is None or self.editor.record.id != ids[0]:
                self._load_record(ids[0])
        else:
            rows = [self.model.artwork(self.model.row_for_id(i) or 0) for i in ids]
            self.selection_panel.show_selection(len(ids), dict(Counter(r.status for r in rows)))
            self.detail.setCurrentWidget(self.selection_panel)

    def _leave_unsaved_edit(self) -> None:
        """Moving away from unsaved edits saves them (a refused value brings the work back)."""
        record = self.editor.record
        if record is None:
            return
        changes = self.editor.changes()
        if changes:
            self._save(record.id, changes)

    def _load_record(self, artwork_id: int, *, image: bool = True) -> None:
        library = self.studio.library

        def load(_ctx: OpContext) -> ArtworkRecord:
            return get_artwork(library, artwork_id)

        def loaded(record: ArtworkRecord) -> None:
            self.editor.show_record(record)
            if self._restore_after_load and self._restore_after_load[0] == record.id:
                _, values, exc = self._restore_after_load
                self._restore_after_load = None
                self.editor.set_values(values)
                self.editor.save_failed(exc)
            if image or not self.editor.preview.has_image():
                self._load_image(record)
            self.record_loaded.emit(record.id)

        self._record.run(load, loaded)

    def show_history(self, artwork_id: int) -> None:
        """Who changed the work, and when (the audit log, read off the GUI thread)."""
        record = self.editor.record
        title = record.title if record is not None and record.id == artwork_id else str(artwork_id)
        self.history = open_history(self, self.studio, "artwork", artwork_id, title)

    def _load_image(self, record: ArtworkRecord) -> None:
        library, key, artwork_id = self.studio.library, record.asset.original_key, record.id
        if record.asset.kind == "video":
            self._load_video(record)
            # A video's still is its poster frame, which the thumbnail was made from.
            key = record.asset.thumbnail_key or key

        def load(_ctx: OpContext) -> QImage:
            return load_preview_image(library, key)

        submit(
            load,
            on_success=lambda image: self.editor.set_image(artwork_id, image),
            on_failure=lambda exc, trace: self.editor.set_image(artwork_id, None),
            label="preview image",
            receiver=self,
        )

    def _load_video(self, record: ArtworkRecord) -> None:
        library, key, artwork_id = self.studio.library, record.asset.original_key, record.id
        submit(
            lambda _ctx: playable_path(library, key),
            on_success=lambda path: self.editor.set_video(artwork_id, path),
            label="video file",
            receiver=self,
        )

    def set_poster_frame(self, artwork_id: int, seconds: float) -> None:
        """Make the moment at seconds the video's poster (a database write: the writer thread)."""
        library = self.studio.library

        def done(record: ArtworkRecord) -> None:
            self.editor.poster_saved(record)
            self.model.thumbnails.forget(record.asset.sha256)  # a new picture now

        run_op(
            self,
            lambda _ctx: set_poster(library, artwork_id, seconds),
            on_success=done,
            changes={ARTWORKS},
            bus=self.studio.bus,
            label="set poster frame",
            writes=True,
        )

    # Saving ------------------------------------------------------------------------------------

    def _save(self, artwork_id: int, changes: dict[str, Any]) -> None:
        library = self.studio.library
        typed = self.editor.values()
        shown = self.editor.record
        # The version the curator edited: a save over another curator's newer one is refused.
        version = shown.version if shown is not None and shown.id == artwork_id else None

        def save(_ctx: OpContext) -> ArtworkRecord:
            return edit_artwork(library, artwork_id, expected_version=version, **changes)

        def saved(record: ArtworkRecord) -> None:
            if self.editor.record is not None and self.editor.record.id == artwork_id:
                self.editor.saved(record)

        def refused(exc: BaseException) -> None:
            if self.editor.record is not None and self.editor.record.id == artwork_id:
                self.editor.save_failed(exc)
                return
            # The curator moved on before the refusal came back: bring the work and text back.
            self._restore_after_load = (artwork_id, typed, exc)
            self.select_ids([artwork_id])

        run_op(
            self,
            save,
            on_success=saved,
            on_failure=refused,
            changes={ARTWORKS, ARTISTS},
            bus=self.studio.bus,
            label="save artwork",
            writes=True,
        )

    def set_status_of_selection(self, status: str) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if self.editor.is_dirty():
            QMessageBox.information(self, "Urban Art Studio", "Save or revert the open edit first.")
            return
        rows = {i: self.model.artwork(self.model.row_for_id(i) or 0) for i in ids}
        changing = [i for i, row in rows.items() if row.status != status]
        if not changing:
            return
        library = self.studio.library
        run_op(
            self,
            lambda _ctx: set_status(library, changing, status),
            progress_label="Updating artworks…" if len(changing) > 50 else None,
            changes={ARTWORKS},
            bus=self.studio.bus,
            label="set status",
            writes=True,
        )

    def _context_menu(self, pos: Any) -> None:
        if not self.selected_ids():
            return
        menu = QMenu(self)
        for action in self.status_actions.values():
            menu.addAction(action)
        archive = menu.addAction("Archive")
        archive.triggered.connect(lambda: self.set_status_of_selection(ReviewStatus.ARCHIVED))
        ids = self.selected_ids()
        if len(ids) == 1:
            row = self.model.artwork(self.model.row_for_id(ids[0]) or 0)
            menu.addSeparator()
            more = menu.addAction(f"Show all works by {row.artist}")
            more.triggered.connect(lambda: self.show_artist(row.artist_id))
        menu.exec(self.items_view().viewport().mapToGlobal(pos))

    # State -------------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("library/splitter", self.splitter.saveState())
        settings.setValue("library/sort", self.filters.sort.currentData())
        settings.setValue("library/thumbnail_side", self.grid.thumb_side())
        settings.setValue("library/mode", self.controls.mode())

    def restore_state(self, settings: QSettings) -> None:
        if settings.contains("library/splitter"):
            self.splitter.restoreState(settings.value("library/splitter"))
        try:
            side = int(str(settings.value("library/thumbnail_side", self.grid.thumb_side())))
        except ValueError:
            side = self.grid.thumb_side()
        self.set_thumb_side(side)
        mode = settings.value("library/mode", GRID)
        self.set_mode(LIST if mode == LIST else GRID)
        sort = settings.value("library/sort", "")
        if sort:
            index = self.filters.sort.findData(sort)
            if index >= 0:
                self.filters.sort.blockSignals(True)
                self.filters.sort.setCurrentIndex(index)
                self.filters.sort.blockSignals(False)
