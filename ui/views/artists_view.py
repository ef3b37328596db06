"""The Artists view: everyone whose work is in the library, their details and their works.

A searchable list on the left; on the right an editor for name, bio, website, location and the
private contact, the bio in other languages (ui/widgets/artist_bios.py), and a strip of the
artist's works (double-click one to open it in the Library).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.latest import Latest
from ui.models.artwork_grid import ArtworkGridModel
from ui.operations import ARTISTS, ARTWORKS, LIBRARY, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.artist_bios import ArtistBiosSection
from ui.widgets.artwork_grid_view import ArtworkGridView
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.placeholder_page import PlaceholderPage
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue
from urbanart.library.browse import BrowseQuery, BrowseRow, browse_rows
from urbanart.library.catalog import add_artist, edit_artist, list_artists
from urbanart.library.records import ArtistRecord

FIELDS = ("name", "bio", "website", "location", "contact")


class ArtistEditor(QWidget):
    """Form for one artist (or a new one); emits ``save_requested`` with the typed fields."""

    save_requested = Signal(object, dict)  # artist id or None for a new artist, fields

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: ArtistRecord | None = None
        self.errors = FieldErrors()
        self._loading = False
        self.heading = PlainLabel()
        theme.set_point_size(self.heading, 1.35, bold=True)
        self.subheading = hint_label("")
        self.name = QLineEdit()
        self.bio = QPlainTextEdit()
        self.bio.setTabChangesFocus(True)
        self.bio.setFixedHeight(90)
        self.website = QLineEdit()
        self.website.setPlaceholderText("https://…")
        self.location = QLineEdit()
        self.location.setPlaceholderText("City, country")
        self.contact = QLineEdit()
        self.contact.setPlaceholderText("E-mail or phone")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self._widgets: dict[str, QWidget] = {}
        for label, name, widget in (
            ("&Name", "name", self.name),
            ("&Bio", "bio", self.bio),
            ("&Website", "website", self.website),
            ("&Location", "location", self.location),
            ("&Contact", "contact", self.contact),
        ):
            self._widgets[name] = widget
            buddy = PlainLabel(label)
            buddy.setBuddy(widget)
            form.addRow(buddy, with_error(widget, self.errors.add(name, widget)))
        form.addRow("", hint_label("Private: contact details are never published or exported."))
        self.general_error = ErrorLabel()
        self.note = hint_label("")
        self.revert_button = QPushButton("Revert")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.request_save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)
        for edit in (self.name, self.website, self.location, self.contact):
            edit.textEdited.connect(self._edited)
        self.bio.textChanged.connect(self._edited)
        self._update_buttons()

    def show_record(self, record: ArtistRecord | None) -> None:
        """Show an artist, or an empty form for a new one when record is None."""
        self.record = record
        self._loading = True
        for name in FIELDS:
            value = getattr(record, name) if record is not None else ""
            widget = self._widgets[name]
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value)
            else:
                widget.setText(value)  # type: ignore[attr-defined]
        self._loading = False
        if record is None:
            self.heading.setText("New artist")
            self.subheading.setText("Give at least a name; everything else can come later.")
            self.name.setFocus()
        else:
            works = record.artwork_count
            self.heading.setText(record.name)
            self.subheading.setText(
                f"{works:,} work{'s' if works != 1 else ''} in the library"
                + (f" · {record.location}" if record.location else "")
            )
        self.errors.clear()
        self.general_error.clear_message()
        self.note.setText("")
        self._update_buttons()

    def values(self) -> dict[str, str]:
        return {
            "name": self.name.text(),
            "bio": self.bio.toPlainText(),
            "website": self.website.text(),
            "location": self.location.text(),
            "contact": self.contact.text(),
        }

    def changes(self) -> dict[str, str]:
        if self.record is None:
            return {k: v for k, v in self.values().items() if v}
        return {k: v for k, v in self.values().items() if v != getattr(self.record, k)}

    def is_dirty(self) -> bool:
        return bool(self.changes())

    def request_save(self) -> None:
        changes = self.changes()
        if not changes:
            return
        self.errors.clear()
        self.general_error.clear_message()
        self.note.setText("Saving…")
        self.save_requested.emit(self.record.id if self.record else None, changes)

    def save_failed(self, exc: BaseException) -> None:
        self.note.setText("")
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))

    def revert(self) -> None:
        self.show_record(self.record)

    def _edited(self, *_: object) -> None:
        if not self._loading:
            self.note.setText("Unsaved changes" if self.is_dirty() else "")
            self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.save_button.setText("Add artist" if self.record is None else "Save")


class ArtistsView(QWidget):
    """Artist list, editor and works strip."""

    title = "Artists"
    open_artwork = Signal(int, int)  # artist id, artwork id: show it in the Library
    artists_loaded = Signal(int)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.records: list[ArtistRecord] = []
        self._select_after_load: int | None = None
        self._works = Latest(self, "works of artist")

        self.search = QLineEdit()
        self.search.setPlaceholderText("Find an artist")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search", 16), QLineEdit.ActionPosition.LeadingPosition)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(False)
        self.list.setSpacing(1)
        self.list.setAccessibleName("Artists")
        self.new_button = QPushButton("New artist")
        self.new_button.setToolTip("Add an artist (Ctrl+N)")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 10, 6, 12)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)

        self.editor = ArtistEditor()
        self.bios = ArtistBiosSection(studio)
        self.works_label = PlainLabel("Works")
        theme.set_point_size(self.works_label, 1.1, bold=True)
        self.show_in_library = QPushButton("Show in Library")
        self.works = ArtworkGridView(studio.thumbnails.side)
        self.works.setWrapping(False)
        self.works.setFlow(ArtworkGridView.Flow.LeftToRight)
        self.works.setHorizontalScrollMode(ArtworkGridView.ScrollMode.ScrollPerPixel)
        self.works.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.works.setAcceptDrops(False)
        self.works.setFixedHeight(self.works.gridSize().height() + 24)
        self.works.empty_title = "No works yet"
        self.works.empty_hint = "Import works into a folder named after this artist."
        self.works_model = ArtworkGridModel(studio.thumbnails, self)
        self.works.setModel(self.works_model)
        works_header = QHBoxLayout()
        works_header.addWidget(self.works_label)
        works_header.addStretch(1)
        works_header.addWidget(self.show_in_library)

        right_content = QWidget()
        right_layout = QVBoxLayout(right_content)
        right_layout.setContentsMargins(18, 14, 18, 14)
        right_layout.addWidget(self.editor)
        right_layout.addWidget(self.bios)
        right_layout.addSpacing(10)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        right_layout.addWidget(line)
        right_layout.addLayout(works_header)
        right_layout.addWidget(self.works)
        right_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(right_content)
        self.empty = PlaceholderPage(
            "artists",
            "No artists yet",
            "Artists appear here as you import their works, or add one with <b>New artist</b>.",
        )
        self.right = QStackedWidget()
        self.right.addWidget(self.empty)
        self.right.addWidget(scroll)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([280, 900])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.search.textChanged.connect(self._filter_list)
        self.list.currentItemChanged.connect(self._current_changed)
        self.new_button.clicked.connect(self.new_artist)
        self.editor.save_requested.connect(self._save)
        self.works.doubleClicked.connect(self._work_activated)
        self.show_in_library.clicked.connect(self._show_all_in_library)
        studio.bus.changed.connect(self._data_changed)
        for keys, slot in (
            (QKeySequence.StandardKey.New, self.new_artist),
            (QKeySequence.StandardKey.Save, self.editor.request_save),
            (QKeySequence.StandardKey.Find, self.search.setFocus),
        ):
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)

    # Loading -----------------------------------------------------------------------------------

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        library = self.studio.library
        run_op(self, lambda _ctx: list_artists(library), on_success=self._artists_arrived)

    def _artists_arrived(self, records: list[ArtistRecord]) -> None:
        current = self.current_id() if self._select_after_load is None else self._select_after_load
        self._select_after_load = None
        self.records = records
        self.list.blockSignals(True)
        self.list.clear()
        for record in records:
            item = QListWidgetItem(f"{record.name}\n{_works(record.artwork_count)}")
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            item.setSizeHint(QSize(0, 44))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._filter_list()
        editing_new = self.editor.record is None and self.editor.is_dirty()
        if not records and not editing_new:
            self.right.setCurrentWidget(self.empty)
        elif not editing_new:
            self.select_artist(current if current is not None else records[0].id)
        self.artists_loaded.emit(len(records))

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {ARTISTS, ARTWORKS, LIBRARY}:
            self.refresh()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        if item is None:
            return None
        artist_id: int = item.data(Qt.ItemDataRole.UserRole)
        return artist_id

    def select_artist(self, artist_id: int) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == artist_id:
                self.list.setCurrentItem(item)
                self._current_changed(item)
                return
        if self.list.count():
            self.list.setCurrentRow(0)

    def _filter_list(self) -> None:
        text = self.search.text().strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

    def _current_changed(self, item: QListWidgetItem | None, *_: Any) -> None:
        if item is None:
            return
        artist_id = item.data(Qt.ItemDataRole.UserRole)
        record = next((r for r in self.records if r.id == artist_id), None)
        if record is None:
            return
        self.right.setCurrentIndex(1)
        if not (
            self.editor.is_dirty() and self.editor.record and self.editor.record.id == record.id
        ):
            self.editor.show_record(record)
        self.bios.show_artist(record)
        self.works_label.setText(f"Works by {record.name}")
        self._load_works(record.id)

    def _load_works(self, artist_id: int) -> None:
        library = self.studio.library

        def load(_ctx: OpContext) -> list[BrowseRow]:
            return browse_rows(library, BrowseQuery(artist_id=artist_id, sort="title"))

        self._works.run(load, self.works_model.set_rows)

    # Editing -----------------------------------------------------------------------------------

    def new_artist(self) -> None:
        self.list.clearSelection()
        self.list.setCurrentRow(-1)  # no current item: the editor is for a new artist
        self.right.setCurrentIndex(1)
        self.editor.show_record(None)
        self.bios.show_artist(None)
        self.works_label.setText("Works")
        self._works.supersede()
        self.works_model.set_rows([])

    def _save(self, artist_id: int | None, changes: dict[str, str]) -> None:
        library = self.studio.library

        def save(_ctx: OpContext) -> ArtistRecord:
            if artist_id is None:
                fields = dict(changes)
                name = fields.pop("name", "")
                return add_artist(library, name, **fields)
            return edit_artist(library, artist_id, **changes)

        def saved(record: ArtistRecord) -> None:
            self._select_after_load = record.id
            self.editor.record = record
            self.editor.show_record(record)
            self.editor.note.setText("Saved")
            self.bios.show_artist(record)

        run_op(
            self,
            save,
            on_success=saved,
            on_failure=self.editor.save_failed,
            changes={ARTISTS, ARTWORKS},
            bus=self.studio.bus,
            label="save artist",
            writes=True,
        )

    def _work_activated(self, index: Any) -> None:
        row = self.works_model.artwork(index.row())
        self.open_artwork.emit(row.artist_id, row.id)

    def _show_all_in_library(self) -> None:
        artist_id = self.current_id()
        if artist_id is not None:
            self.open_artwork.emit(artist_id, 0)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("artists/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        if settings.contains("artists/splitter"):
            self.splitter.restoreState(settings.value("artists/splitter"))


def _works(count: int) -> str:
    return f"{count:,} work{'s' if count != 1 else ''}"
