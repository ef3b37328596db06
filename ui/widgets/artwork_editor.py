"""The detail panel's editor for one artwork: the picture large, its metadata as a form.

The editor only holds values; the library view saves them through an operation and calls
``show_error`` with the engine's ``InvalidValue`` when a value is refused. The typed text stays
in the field until the curator fixes or reverts it, so nothing typed is ever lost to an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import describe
from ui.widgets.artwork_grid_view import duration_text
from ui.widgets.artwork_translations import TranslationsSection
from ui.widgets.fitted_picture import fitted_pixmap
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.plain_text import PlainLabel
from ui.widgets.poster_picker import PosterPicker
from ui.widgets.video_surface import VideoSurface
from urbanart.errors import InvalidValue
from urbanart.library.concurrency import StaleEdit
from urbanart.library.records import ArtworkRecord
from urbanart.library.vocabulary import LICENSES, REVIEW_STATUSES, SOURCE_TYPES, UNDISCLOSED

LICENSE_LABELS = {"all-rights-reserved": "All rights reserved"}


class StaleNotice(QFrame):
    """ "Changed by NAME at TIME" with a Reload button: another curator saved this first.

    Why a button rather than reloading at once: the curator's typed text stays on screen until
    they choose to see the other change (and type theirs again on top).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.message = ErrorLabel()
        self.message.setAccessibleName("Changed by another curator")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # names are not markup
        self.reload_button = QPushButton("Reload")
        self.reload_button.setToolTip("Show the work as saved now; your unsaved edit is dropped")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.reload_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str) -> None:
        self.message.show_message(text)
        self.show()

    def text(self) -> str:
        return self.message.text()


class ImagePreview(QLabel):
    """The work shown large, rescaled to the panel's width as the splitter moves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(260)
        self.setAccessibleName("Artwork preview")

    def set_image(self, image: QImage | None) -> None:
        self._image = image if image is not None else QImage()
        self._rescale()

    def has_image(self) -> bool:
        return not self._image.isNull()

    def clear_image(self, text: str = "") -> None:
        self._image = QImage()
        self.setPixmap(QPixmap())
        self.setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image.isNull():
            return
        self.setPixmap(fitted_pixmap(self._image, self.size(), self.devicePixelRatioF()))


class ArtworkEditor(QWidget):
    """Title, artist, year, texts, tags, license, AI involvement and status of one artwork."""

    save_requested = Signal(int, dict)  # artwork id, changed fields
    dirty_changed = Signal(bool)
    #: The curator asked for the work as saved now (after another curator's change).
    reload_requested = Signal(int)  # artwork id
    history_requested = Signal(int)  # artwork id
    #: The curator chose a video's poster frame: artwork id, seconds into the video.
    poster_requested = Signal(int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: ArtworkRecord | None = None
        #: The "Translations" section, when the view gave one (attach_translations).
        self.translations: TranslationsSection | None = None
        self._loading = False
        self._dirty = False
        self.errors = FieldErrors()

        self.preview = ImagePreview()
        # A video plays over its poster still (muted, looping) once its file is at hand.
        self.video = VideoSurface.over(self.preview)
        self.video.failed.connect(lambda _reason: self.video.hide())
        self.video_path: Path | None = None
        self.poster = PosterPicker()
        self.poster.hide()
        self.poster.chosen.connect(
            lambda seconds: (
                self.record is not None and self.poster_requested.emit(self.record.id, seconds)
            )
        )
        self.heading = PlainLabel()
        self.heading.setWordWrap(True)
        theme.set_point_size(self.heading, 1.25, bold=True)
        self.facts = hint_label("")
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.title = QLineEdit()
        self.artist = QComboBox()
        self.artist.setEditable(True)
        self.artist.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.artist.completer()
        assert completer is not None  # an editable combo box always has one
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.year = QLineEdit()
        self.year.setPlaceholderText("e.g. 2024")
        self.year.setMaximumWidth(120)
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(84)
        self.alt_text = QPlainTextEdit()
        self.alt_text.setTabChangesFocus(True)
        self.alt_text.setFixedHeight(64)
        self.alt_text.setPlaceholderText("Describe the work for people who cannot see it.")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma-separated, e.g. night, river, portrait")
        self.license = QComboBox()
        for spdx in LICENSES:
            self.license.addItem(LICENSE_LABELS.get(spdx, spdx), spdx)
        self.ai = QComboBox()
        self.ai.addItem("Not disclosed", UNDISCLOSED)
        for code, source in SOURCE_TYPES.items():
            self.ai.addItem(source.label, code)
            self.ai.setItemData(self.ai.count() - 1, source.disclosure, Qt.ItemDataRole.ToolTipRole)
        self.status = QComboBox()
        for status in REVIEW_STATUSES:
            self.status.addItem(status.capitalize(), status)

        for combo in (self.artist, self.license, self.ai, self.status):
            # Long labels ("Composite with AI-generated parts") must not widen the panel.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        fields: list[tuple[str, str, QWidget]] = [
            ("&Title", "title", self.title),
            ("A&rtist", "artist", self.artist),
            ("&Year", "year", self.year),
            ("&Description", "description", self.description),
            ("Alt te&xt", "alt_text", self.alt_text),
            ("Ta&gs", "tags", self.tags),
            ("&License", "license", self.license),
            ("&AI involvement", "ai_involvement", self.ai),
            ("&Status", "status", self.status),
        ]
        self._widgets = {name: widget for _, name, widget in fields}
        for text, name, widget in fields:
            error = self.errors.add(name, widget)
            label = PlainLabel(text)
            label.setBuddy(widget)
            form.addRow(label, with_error(widget, error))
        self.ai_hint = hint_label("")
        form.addRow("", self.ai_hint)
        self.general_error = ErrorLabel()
        self.stale = StaleNotice(self)
        self.stale.reload_button.clicked.connect(self.reload)

        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Throw away unsaved changes (Esc)")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(
            "Save changes ("
            + QKeySequence(QKeySequence.StandardKey.Save).toString(
                QKeySequence.SequenceFormat.NativeText
            )
            + ")"
        )
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.request_save)
        buttons = QHBoxLayout()
        self.saved_note = hint_label("")
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Who changed this work, and when")
        self.history_button.clicked.connect(
            lambda: self.record is not None and self.history_requested.emit(self.record.id)
        )
        buttons.addWidget(self.saved_note, 1)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(16, 12, 16, 12)
        inner.setSpacing(8)
        inner.addWidget(self.preview)
        inner.addWidget(self.heading)
        inner.addWidget(self.facts)
        inner.addWidget(self.poster)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        inner.addWidget(line)
        inner.addLayout(form)
        self._inner = inner
        inner.addWidget(self.general_error)
        inner.addWidget(self.stale)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll, 1)
        bar = QWidget()
        bar.setLayout(buttons)
        buttons.setContentsMargins(16, 8, 16, 12)
        outer.addWidget(bar)

        for edit in (self.title, self.year, self.tags):
            edit.textEdited.connect(self._edited)
        self.artist.editTextChanged.connect(self._edited)
        for text_edit in (self.description, self.alt_text):
            text_edit.textChanged.connect(self._edited)
        for combo in (self.license, self.ai, self.status):
            combo.currentIndexChanged.connect(self._edited)
        self.ai.currentIndexChanged.connect(self._update_ai_hint)
        self._set_dirty(False)

    # Showing a record ---------------------------------------------------------------------------

    def set_artist_names(self, names: list[str]) -> None:
        text = self.artist.currentText()
        self._loading = True
        self.artist.clear()
        self.artist.addItems(names)
        self.artist.setEditText(text)
        self._loading = False

    def show_record(self, record: ArtworkRecord) -> None:
        """Fill the form from record; clears errors and the dirty flag."""
        same_work = self.record is not None and self.record.id == record.id
        self.record = record
        self._loading = True
        self.heading.setText(record.title)
        asset = record.asset
        frames = f" · {asset.frame_count} frames" if asset.frame_count > 1 else ""
        if asset.kind == "video" and asset.duration_s:
            fps = f" · {asset.fps:g} fps" if asset.fps else ""
            sound = " · sound" if asset.has_audio else " · no sound"
            frames = f" · {duration_text(asset.duration_s)}{fps}{sound}"
        self.facts.setText(
            f"{asset.width} × {asset.height} px · {asset.format}{frames} · "
            f"{asset.byte_size / 1e6:.1f} MB · {asset.original_name}"
        )
        self.title.setText(record.title)
        self.artist.setEditText(record.artist_name)
        self.year.setText("" if record.year is None else str(record.year))
        self.description.setPlainText(record.description)
        self.alt_text.setPlainText(record.alt_text)
        self.tags.setText(", ".join(record.tags))
        _select(self.license, record.license)
        _select(self.ai, record.ai_involvement)
        _select(self.status, record.status)
        self._loading = False
        self.errors.clear()
        self.general_error.clear_message()
        self.stale.hide()
        self._update_ai_hint()
        self._set_dirty(False)
        if not same_work:
            self.saved_note.setText("")
            self.preview.clear_image("Loading picture…")
            self.stop_video()
        is_video = asset.kind == "video" and bool(asset.duration_s)
        self.poster.setVisible(is_video)
        if is_video:
            self.poster.show_video(self.video_path, asset.duration_s or 0.0, asset.poster_s)
        if self.translations is not None:
            self.translations.show_artwork(record)

    def set_video(self, artwork_id: int, path: Path | None) -> None:
        """Play the work's video (a local file found off the GUI thread) over its still."""
        record = self.record
        if record is None or record.id != artwork_id or record.asset.kind != "video":
            return
        self.video_path = path
        asset = record.asset
        self.poster.show_video(path, asset.duration_s or 0.0, asset.poster_s)
        if path is None:
            return
        self.video.show()
        self.video.raise_()
        self.video.play(path)

    def stop_video(self) -> None:
        self.video_path = None
        self.video.stop()
        self.video.hide()
        self.poster.stop()

    def poster_saved(self, record: ArtworkRecord) -> None:
        """The poster frame was set: show the record as saved, keep the video playing."""
        if self.record is None or self.record.id != record.id:
            return
        self.record = record
        self.poster.show_video(
            self.video_path, record.asset.duration_s or 0.0, record.asset.poster_s
        )
        self.saved_note.setText("Poster frame set")

    def attach_translations(self, section: TranslationsSection) -> None:
        """Show the work's texts per language under its own (the section saves them itself)."""
        self.translations = section
        self._inner.insertWidget(self._inner.indexOf(self.general_error), section)
        section.saved.connect(self._saved_elsewhere)
        if self.record is not None:
            section.show_artwork(self.record)

    def _saved_elsewhere(self, record: ArtworkRecord) -> None:
        """The work's version moved on by a save of its translations: take the new record,
        keeping what is typed in the form (it is still unsaved, and based on that version)."""
        if self.record is None or self.record.id != record.id:
            return
        if self._dirty:
            self.record = record
        else:
            note = self.saved_note.text()
            self.show_record(record)
            self.saved_note.setText(note)

    def set_image(self, artwork_id: int, image: QImage | None) -> None:
        if self.record is None or self.record.id != artwork_id:
            return
        if image is None or image.isNull():
            self.preview.clear_image("The picture cannot be shown.")
        else:
            self.preview.set_image(image)

    # Values -------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Every field as typed (strings for text fields; the engine validates)."""
        return {
            "title": self.title.text(),
            "artist": self.artist.currentText(),
            "year": self.year.text(),
            "description": self.description.toPlainText(),
            "alt_text": self.alt_text.toPlainText(),
            "tags": self.tags.text(),
            "license": self.license.currentData(),
            "ai_involvement": self.ai.currentData(),
            "status": self.status.currentData(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        """Put typed values back (after the form was refilled), keeping them unsaved."""
        self._loading = True
        for name, value in values.items():
            widget = self._widgets.get(name)
            if isinstance(widget, QLineEdit):
                widget.setText(str(value))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value))
            elif widget is self.artist:
                self.artist.setEditText(str(value))
            elif isinstance(widget, QComboBox):
                _select(widget, value)
        self._loading = False
        self._set_dirty(bool(self.changes()))

    def changes(self) -> dict[str, Any]:
        """Fields whose typed value differs from the saved record."""
        if self.record is None:
            return {}
        r = self.record
        saved = {
            "title": r.title,
            "artist": r.artist_name,
            "year": "" if r.year is None else str(r.year),
            "description": r.description,
            "alt_text": r.alt_text,
            "tags": ", ".join(r.tags),
            "license": r.license,
            "ai_involvement": r.ai_involvement,
            "status": r.status,
        }
        return {k: v for k, v in self.values().items() if v != saved[k]}

    def is_dirty(self) -> bool:
        return self._dirty

    # Actions ------------------------------------------------------------------------------------

    def request_save(self) -> None:
        if self.record is None:
            return
        changes = self.changes()
        if not changes:
            self._set_dirty(False)
            return
        self.errors.clear()
        self.general_error.clear_message()
        self.save_button.setEnabled(False)
        self.saved_note.setText("Saving…")
        self.save_requested.emit(self.record.id, changes)

    def save_failed(self, exc: BaseException) -> None:
        """Show why the save was refused, next to the field when the engine names one."""
        self.save_button.setEnabled(True)
        self.saved_note.setText("")
        if isinstance(exc, StaleEdit):
            self.stale.show_message(str(exc))
            return
        if not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))

    def saved(self, record: ArtworkRecord) -> None:
        typed = self.values()
        self.show_record(record)
        self.saved_note.setText("Saved")
        if typed != self.values():  # the engine tidied something (tags, spacing): show it
            self.saved_note.setText("Saved (tidied)")

    def reload(self) -> None:
        """Throw away this edit and show the work as another curator saved it."""
        self.stale.hide()
        if self.record is not None:
            self.reload_requested.emit(self.record.id)

    def revert(self) -> None:
        if self.record is not None:
            self.show_record(self.record)
            self.saved_note.setText("Reverted")

    def field_error(self, name: str) -> str:
        return self.errors.message(name)

    def _edited(self, *_: object) -> None:
        if not self._loading:
            self._set_dirty(bool(self.changes()))
            self.saved_note.setText("Unsaved changes" if self._dirty else "")

    def _set_dirty(self, dirty: bool) -> None:
        changed = dirty != self._dirty
        self._dirty = dirty
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        if changed:
            self.dirty_changed.emit(dirty)

    def _update_ai_hint(self) -> None:
        code = self.ai.currentData()
        source = SOURCE_TYPES.get(code)
        self.ai_hint.setText(
            f"Viewers read: “{source.disclosure}”"
            if source
            else "Viewers read that the artist has not said whether AI was involved."
        )


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index < 0:
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
