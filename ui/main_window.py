"""The studio's main window: sidebar, the views, menus, status bar, and opening libraries.

Opening or switching a library happens in the background; meanwhile the window shows what it
is doing. Each library gets a fresh ``Studio`` and fresh views, so nothing keeps reading a
closed library. Geometry, splitters and the last view are kept in QSettings.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from ui import operations, theme
from ui.dialogs.preferences_dialog import PreferencesDialog
from ui.hub_runner import HubRunner
from ui.live_demo_runner import SETTING as LIVE_DEMO_SETTING
from ui.live_demo_runner import DemoGeneratorRunner
from ui.operations import (
    ARTISTS,
    ARTWORKS,
    LIBRARY,
    PLAYLISTS,
    SCHEDULES,
    SCREENS,
    OpContext,
    run_op,
)
from ui.scheduler_runner import SchedulerRunner
from ui.studio import Studio
from ui.views.artists_view import ArtistsView
from ui.views.library_view import LibraryView
from ui.views.live_view import LiveWorksView
from ui.views.playlists_view import PlaylistsView
from ui.views.publish.view import PublishView
from ui.views.review.view import ReviewView
from ui.views.schedules.view import SchedulesView
from ui.views.screens.view import ScreensView
from ui.views.studio_view import ShowsHubAddress, StudioView
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel
from urbanart import __version__
from urbanart.curation.demo import load_demo_curation
from urbanart.library.catalog import count_artworks
from urbanart.library.demo import load_demo
from urbanart.library.home import holds_library
from urbanart.library.library import Library
from urbanart.library.settings import LibrarySettings, load_settings
from urbanart.library.undo import UndoResult
from urbanart.library.user_config import signing_key_file
from urbanart.live.demo import load_demo_live

#: The studio's choice to share its hub on the local network (off: this computer only).
SHARE_HUB_KEY = "hub/share_on_network"

#: (key, label, icon) of each view, in sidebar order; Ctrl+1… follow this order.
VIEWS: tuple[tuple[str, str, str], ...] = (
    ("library", "Library", "library"),
    ("artists", "Artists", "artists"),
    ("playlists", "Playlists", "playlists"),
    ("schedules", "Schedules", "schedules"),
    ("screens", "Screens", "screens"),
    ("publish", "Publish", "publish"),
    ("review", "Review", "review"),
    ("live", "Live works", "live"),
)


#: The views not on screen start loading at the latest this long after the one on screen.
HIDDEN_VIEWS_LATEST_MS = 3000


class MainWindow(QMainWindow):
    """Sidebar + stacked views over one open library."""

    library_opened = Signal(object)  # Studio
    view_changed = Signal(str)

    def __init__(
        self, settings: QSettings, *, start_hub: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.start_hub = start_hub
        self.studio: Studio | None = None
        self.views: dict[str, StudioView] = {}
        self.preferences: PreferencesDialog | None = None
        self.setWindowTitle("Urban Art Studio")
        self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(QSize(960, 600))
        self.hub = HubRunner(self)
        self.scheduler = SchedulerRunner(self)
        self.live_demo = DemoGeneratorRunner(self)
        self._live_demo_for: tuple[object, str] | None = None  # (studio, hub) it runs for

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(22, 22))
        self.sidebar.setSpacing(2)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setAccessibleName("Sections")
        for n, (key, label, icon_name) in enumerate(VIEWS, start=1):
            item = QListWidgetItem(theme.icon(icon_name), label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{label} (Ctrl+{n})")
            item.setSizeHint(QSize(0, 40))
            self.sidebar.addItem(item)
        self.sidebar.setFixedWidth(176)
        sidebar_palette = self.sidebar.palette()
        sidebar_palette.setColor(
            self.sidebar.backgroundRole(), sidebar_palette.color(sidebar_palette.ColorRole.Window)
        )
        self.sidebar.setPalette(sidebar_palette)
        self.stack = QStackedWidget()
        self.opening = PlaceholderPage("library", "Opening the library…", "")
        self.stack.addWidget(self.opening)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        # The sections list takes what its names need, the views the rest (a QListWidget's own
        # size hint is a fixed 256 px, which a 1280-pixel window cannot spare).
        sidebar_width = self.sidebar.sizeHintForColumn(0) + 2 * self.sidebar.spacing() + 24
        self.splitter.setSizes([sidebar_width, 100_000])
        self.setCentralWidget(self.splitter)
        self.sidebar.currentRowChanged.connect(self._show_row)

        self.path_label = PlainLabel()
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hub_label = PlainLabel(self.hub.status)
        self.statusBar().addWidget(self.path_label, 1)
        self.jobs_label = PlainLabel(self.scheduler.status)
        self.statusBar().addPermanentWidget(self.jobs_label)
        self.statusBar().addPermanentWidget(self.hub_label)
        self.hub.status_changed.connect(self.hub_label.setText)
        self.hub.status_changed.connect(self._hub_address_changed)
        self.scheduler.status_changed.connect(self.jobs_label.setText)
        self.live_demo.status_changed.connect(self._live_demo_status)
        self.scheduler.status_changed.connect(
            lambda _text: self.jobs_label.setToolTip(self.scheduler.detail)
        )
        self._make_menus()
        self._restore_window()

    # Menus -------------------------------------------------------------------------------------

    def _make_menus(self) -> None:
        bar = self.menuBar()

        def add(
            menu: QMenu,
            text: str,
            slot: Callable[..., object],
            keys: str | QKeySequence.StandardKey | None = None,
        ) -> QAction:
            act = QAction(text, self)
            if keys is not None:
                act.setShortcut(QKeySequence(keys))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file_menu = bar.addMenu("&File")
        add(file_menu, "&New Library…", self.new_library, "Ctrl+Shift+N")
        add(file_menu, "&Open Library…", self.open_library_dialog, QKeySequence.StandardKey.Open)
        file_menu.addSeparator()
        self.import_files_action = add(
            file_menu, "&Import Files…",
            lambda: self._in_library_view(LibraryView.choose_files_to_import), "Ctrl+I",
        )  # fmt: skip
        self.import_folder_action = add(
            file_menu,
            "Import &Folder…",
            lambda: self._in_library_view(LibraryView.choose_folder_to_import),
            "Ctrl+Shift+I",
        )
        self.demo_action = add(file_menu, "Load the &Demo Collection", self.load_demo_collection)
        file_menu.addSeparator()
        quit_action = add(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = add(edit_menu, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = add(edit_menu, "&Redo", self.redo)
        self.redo_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        self.refresh_undo_actions()
        edit_menu.addSeparator()
        self.preferences_action = add(
            edit_menu,
            "&Preferences…",
            self.open_preferences,
            QKeySequence.StandardKey.Preferences,
        )
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)

        hub_menu = bar.addMenu("&Hub")
        self.share_hub_action = add(
            hub_menu,
            "&Share on the Local Network",
            lambda: self.set_hub_shared(self.share_hub_action.isChecked()),
        )
        self.share_hub_action.setCheckable(True)
        # Off unless the curator turned it on: like `urbanart serve`, this computer only.
        self.share_hub_action.setChecked(
            str(self.settings.value(SHARE_HUB_KEY, "false")).lower() == "true"
        )
        self.share_hub_action.setToolTip(
            "Let screens and phones on this network reach the built-in hub; "
            "off: only this computer can."
        )

        view_menu = bar.addMenu("&View")
        self.view_actions: list[QAction] = []
        for n, (key, label, _icon) in enumerate(VIEWS, start=1):
            # triggered(bool) passes `checked` to a slot that takes an argument: take it first.
            act = add(
                view_menu, label, lambda _checked=False, k=key: self.show_view(k), f"Ctrl+{n}"
            )
            act.setCheckable(True)
            self.view_actions.append(act)

        help_menu = bar.addMenu("&Help")
        about = add(help_menu, "&About Urban Art Studio", self.about)
        about.setMenuRole(QAction.MenuRole.AboutRole)

    def _in_library_view(self, action: Callable[[LibraryView], None]) -> None:
        view = self.views.get("library")
        if isinstance(view, LibraryView):
            self.show_view("library")
            action(view)

    # Libraries ---------------------------------------------------------------------------------

    def open_library(
        self, home: Path, *, demo_if_empty: bool = False, on_ready: Callable[[], None] | None = None
    ) -> None:
        """Open (or create) the library at home in the background, then rebuild the views."""
        self._close_studio()
        self.opening.heading.setText("Opening the library…")
        self.opening.body.setText(str(home))
        self.stack.setCurrentWidget(self.opening)
        self.path_label.setText(f"Opening {home}…")

        def open_it(_ctx: OpContext) -> tuple[Library, int]:
            library = Library.open(home)
            return library, count_artworks(library)

        def opened(result: tuple[Library, int]) -> None:
            library, count = result
            self.set_studio(Studio(library, self))
            self.settings.setValue("library/home", str(library.home))
            if count == 0 and demo_if_empty:
                self.load_demo_collection()
            if on_ready is not None:
                on_ready()

        def failed(exc: BaseException) -> None:
            self.opening.heading.setText("The library could not be opened")
            self.opening.body.setText(
                f"{html.escape(str(exc))}<br><br>Use File ▸ Open Library… to choose another."
            )
            self.path_label.setText("No library open")
            operations.show_error(self, exc)

        run_op(
            self, open_it, on_success=opened, on_failure=failed, label="open library", writes=True
        )

    def set_studio(self, studio: Studio) -> None:
        """Build the views over a freshly opened library."""
        self.studio = studio
        self.path_label.setText(f"Library: {studio.library.home}")
        self.setWindowTitle(f"Urban Art Studio — {studio.library.home.name}")
        for key, *_ in VIEWS:
            view: StudioView
            if key == "library":
                view = LibraryView(studio)
            elif key == "artists":
                artists = ArtistsView(studio)
                artists.open_artwork.connect(self._open_artwork_in_library)
                view = artists
            elif key == "playlists":
                view = PlaylistsView(studio)
            elif key == "schedules":
                view = SchedulesView(studio)
            elif key == "screens":
                view = ScreensView(studio)
            elif key == "review":
                view = ReviewView(studio)
            elif key == "live":
                view = LiveWorksView(studio)
            else:
                view = PublishView(studio)
            self.views[key] = view
            self.stack.addWidget(_page(view))
            view.restore_state(self.settings)
        last = str(self.settings.value("window/view", "library"))
        self.show_view(last if last in self.views else "library")
        self._start_views(self.views[self.current_view_key()])
        if self.start_hub:
            self.hub.start(studio.library, on_network=self.share_hub_action.isChecked())
            self.scheduler.start(studio.library)
        else:
            self.hub_label.setText("hub: off")
            self.jobs_label.setText("jobs: off")
        self._hub_address_changed()
        studio.history_changed.connect(self.refresh_undo_actions)
        self.refresh_undo_actions()
        self.library_opened.emit(studio)

    def _start_views(self, shown: StudioView) -> None:
        """Load the view on screen first; the others once all its rows are in (or at once
        for a view without rows), so with a big library the grid the curator sees is not
        queued behind loads for views nobody is looking at."""
        shown.start()
        hidden = [view for view in self.views.values() if view is not shown]
        studio = self.studio

        def start_hidden(*_: object) -> None:
            if self.studio is not studio or not hidden:  # done, or another library opened
                return
            while hidden:
                hidden.pop(0).start()

        if isinstance(shown, LibraryView):
            shown.all_rows_loaded.connect(start_hidden, Qt.ConnectionType.SingleShotConnection)
            QTimer.singleShot(HIDDEN_VIEWS_LATEST_MS, start_hidden)  # even if the rows failed
        else:
            start_hidden()

    def _close_studio(self) -> None:
        if self.studio is None:
            return
        self._save_view_states()
        self.scheduler.stop()
        self._stop_live_demo()
        for view in self.views.values():
            self.stack.removeWidget(_page(view))
            _page(view).deleteLater()
        self.views.clear()
        studio, self.studio = self.studio, None
        self.refresh_undo_actions()

        def close_library() -> None:  # after the hub has stopped writing poll times to it
            studio.close()
            studio.deleteLater()

        self.hub.stop(then=close_library)

    def new_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose an empty folder for the new library"
        )
        if not folder:
            return
        path = Path(folder)
        if any(path.iterdir()) and not holds_library(path):
            QMessageBox.warning(
                self,
                "Urban Art Studio",
                f"{path} is not empty. Choose an empty folder (or create one in the dialog).",
            )
            return
        self.open_library(path)

    def open_library_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a library folder")
        if not folder:
            return
        path = Path(folder)
        if not holds_library(path):
            answer = QMessageBox.question(
                self,
                "Urban Art Studio",
                f"There is no library in {path} yet. Create one there?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.open_library(path)

    def load_demo_collection(self) -> None:
        if self.studio is None:
            return
        library = self.studio.library

        def work(ctx: OpContext) -> int:
            results = load_demo(
                library, on_result=lambda d, t, r: ctx.progress(d, t, r.title or "")
            )
            live = load_demo_live(library)
            load_demo_curation(library, live_artworks=[live])
            return len(results)

        run_op(
            self,
            work,
            progress_label="Loading the demo collection…",
            changes={ARTWORKS, ARTISTS, LIBRARY, PLAYLISTS, SCREENS, SCHEDULES},
            bus=self.studio.bus,
            show_after_ms=0,
            writes=True,
            on_success=lambda _count: self._start_live_demo(restart=True),
        )

    # Undo ---------------------------------------------------------------------------------------

    def undo(self) -> None:
        """Undo the newest curation edit, whichever view made it (see urbanart.library.undo)."""
        self._undo_or_redo(redo=False)

    def redo(self) -> None:
        self._undo_or_redo(redo=True)

    def _undo_or_redo(self, *, redo: bool) -> None:
        if self.studio is None:
            return
        library, bus = self.studio.library, self.studio.bus

        def work(_ctx: OpContext) -> UndoResult:
            return library.redo() if redo else library.undo()

        def done(result: UndoResult) -> None:
            bus.announce(operations.DataKind(kind.value) for kind in result.kinds)
            verb = "Redone" if redo else "Undone"
            self.statusBar().showMessage(f"{verb}: {result.label}", 5000)

        # On the one writer thread: after the edits asked before, in the order pressed.
        run_op(self, work, on_success=done, label="redo" if redo else "undo", writes=True)

    def refresh_undo_actions(self) -> None:
        """Show the engine's newest labels ("Undo Remove screen 'X'"); disable what is empty."""
        history = self.studio.library.history if self.studio is not None else None
        for action, verb, label in (
            (self.undo_action, "Undo", history.undo_label() if history is not None else None),
            (self.redo_action, "Redo", history.redo_label() if history is not None else None),
        ):
            action.setEnabled(label is not None)
            action.setText(f"&{verb} {label.replace('&', '&&')}" if label else f"&{verb}")

    # Views -------------------------------------------------------------------------------------

    def show_view(self, key: str) -> None:
        keys = [k for k, *_ in VIEWS]
        if key not in keys:
            return
        row = keys.index(key)
        if self.sidebar.currentRow() == row:
            self._show_row(row)
        else:
            self.sidebar.setCurrentRow(row)

    def current_view_key(self) -> str:
        item = self.sidebar.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else "library"

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        key = VIEWS[row][0]
        for n, act in enumerate(self.view_actions):
            act.setChecked(n == row)
        view = self.views.get(key)
        if view is None:
            return
        self.stack.setCurrentWidget(_page(view))
        self.settings.setValue("window/view", key)
        self.view_changed.emit(key)

    def set_hub_shared(self, on: bool) -> None:
        """Share the hub on the local network (0.0.0.0) or keep it on this computer (127.0.0.1).

        The one path for the Hub menu's action and the Preferences checkbox: the action holds
        the choice, QSettings keeps it, and a running hub restarts on the new address.
        """
        self.share_hub_action.setChecked(on)
        self.settings.setValue(SHARE_HUB_KEY, "true" if on else "false")
        if self.studio is not None and self.start_hub:
            library = self.studio.library
            self.hub.stop(then=lambda: self.hub.start(library, on_network=on))

    # Preferences -------------------------------------------------------------------------------

    def open_preferences(self) -> None:
        """Read the library's settings in the background, then show them in the dialog."""
        if self.studio is None:
            return
        if self.preferences is not None:
            self.preferences.raise_()
            self.preferences.activateWindow()
            return
        studio = self.studio

        def read(_ctx: OpContext) -> tuple[LibrarySettings, str]:
            key_file = signing_key_file()
            return load_settings(studio.library), str(key_file) if key_file is not None else ""

        def show(read: tuple[LibrarySettings, str]) -> None:
            if self.studio is not studio or self.preferences is not None:
                return
            current, key_file = read
            dialog = PreferencesDialog(
                studio,
                current,
                share_on_network=self.share_hub_action.isChecked(),
                signing_key_file=key_file,
                parent=self,
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.share_hub_action.toggled.connect(dialog.share.setChecked)
            dialog.saved.connect(lambda _stored: self._preferences_saved(dialog))
            dialog.finished.connect(lambda _code: self._preferences_closed(dialog))
            self.preferences = dialog
            dialog.open()

        run_op(self, read, on_success=show, label="read preferences")

    def _preferences_saved(self, dialog: PreferencesDialog) -> None:
        shared = dialog.share.isChecked()
        if shared != self.share_hub_action.isChecked():
            self.set_hub_shared(shared)
        self.statusBar().showMessage("Preferences saved", 5000)

    def _preferences_closed(self, dialog: PreferencesDialog) -> None:
        self.share_hub_action.toggled.disconnect(dialog.share.setChecked)
        if self.preferences is dialog:
            self.preferences = None

    def _hub_address_changed(self, *_: object) -> None:
        """Tell the views that show screen addresses where the running hub listens."""
        for view in self.views.values():
            if isinstance(view, ShowsHubAddress):
                view.set_hub_address(self.hub.address)
        self._start_live_demo()

    def _start_live_demo(self, *, restart: bool = False) -> None:
        """Run the demo's live generator beside the hub (ui/live_demo_runner.py), once per
        library and hub address; stopped when either goes away."""
        studio, address = self.studio, self.hub.address
        if studio is None or address is None:
            if self._live_demo_for is not None and address is None:
                self._stop_live_demo()
            return
        if str(self.settings.value(LIVE_DEMO_SETTING, "true")).lower() == "false":
            return
        if self._live_demo_for == (studio, address) and not restart:
            return
        self._live_demo_for = (studio, address)
        self.live_demo.start(studio.library, address)

    def _live_demo_status(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text, 15_000)

    def _stop_live_demo(self) -> None:
        self._live_demo_for = None
        self.live_demo.stop()

    def _open_artwork_in_library(self, artist_id: int, artwork_id: int) -> None:
        view = self.views.get("library")
        if not isinstance(view, LibraryView):
            return
        self.show_view("library")
        view.show_artist(artist_id)
        if artwork_id:
            view._wanted_selection = [artwork_id]

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Urban Art Studio",
            f"<h3>Urban Art Studio {__version__}</h3>"
            "<p>Collect artworks from many artists, curate them into playlists and put them "
            "on city screens around the world.</p>"
            f"<p>Library: {self.studio.library.home if self.studio else '—'}<br>"
            f"{self.hub.status}</p>",
        )

    # Window state ------------------------------------------------------------------------------

    def _restore_window(self) -> None:
        if self.settings.contains("window/geometry"):
            self.restoreGeometry(self.settings.value("window/geometry"))
        else:
            self.resize(1280, 800)
        if self.settings.contains("window/state"):
            self.restoreState(self.settings.value("window/state"))

    def _save_view_states(self) -> None:
        for view in self.views.values():
            view.save_state(self.settings)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/view", self.current_view_key())
        self._save_view_states()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.live_demo.stop(wait=True)
        self.hub.stop_now()
        self.scheduler.stop()
        if self.studio is not None:
            self.studio.close()
            self.studio = None
        super().closeEvent(event)


def _page(view: StudioView) -> QWidget:
    """The view as the widget the window stacks (every StudioView is one)."""
    assert isinstance(view, QWidget), f"{type(view).__name__} is not a QWidget"
    return view
