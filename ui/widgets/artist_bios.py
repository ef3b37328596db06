"""The Artists view's "Bio in other languages" section: an artist's bio in another language than
the base one, as artist pages and "About the artist" show it to a phone in that language.

Choose a language, type, "Save bio": the text goes to the engine (translations.set_artist_bio) on
the studio's writer thread, as one undo step, with the version the section read (another
curator's newer save is refused, not overwritten). Saving an empty bio, or "Remove language",
drops that language; pages then fall back to the base bio. Plain text only; Qt lays out Arabic
or Hebrew right to left by itself. What was typed for a language stays when switching to another
and back until it is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import ARTISTS, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.language_picker import LanguagePicker
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue
from urbanart.library.concurrency import StaleEdit
from urbanart.library.records import ArtistRecord
from urbanart.library.texts import BASE_LANGUAGE, bios_for
from urbanart.library.translations import set_artist_bio


class ArtistBiosSection(QWidget):
    """Edit one artist's bio per language; emits ``saved`` with the engine's new record."""

    saved = Signal(object)  # ArtistRecord: the artist's version moved on
    loaded = Signal()

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.record: ArtistRecord | None = None
        #: Saved bios per language (the base one left out) of the shown artist.
        self.saved_bios: dict[str, str] = {}
        #: Typed but unsaved bios per language, kept while the curator looks at another.
        self.drafts: dict[str, str] = {}
        self.current = ""
        self._loading = False
        self.errors = FieldErrors()

        heading = PlainLabel("Bio in other languages")
        theme.set_point_size(heading, 1.1, bold=True)
        self.present = hint_label("")
        self.language = LanguagePicker(accessible_name="Bio language")
        self.language.removeItem(0)  # the base language is the bio above
        self.bio = QPlainTextEdit()
        self.bio.setTabChangesFocus(True)
        self.bio.setFixedHeight(90)
        self.bio.setAccessibleName("Translated bio")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(
            "Language", with_error(self.language, self.errors.add("language", self.language))
        )
        form.addRow("Bio", with_error(self.bio, self.errors.add("bio", self.bio)))
        self.general_error = ErrorLabel()
        self.note = hint_label("")
        self.save_button = QPushButton("Save bio")
        self.remove_button = QPushButton("Remove language")
        self.remove_button.setToolTip("Remove the artist's bio in this language")
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(
            hint_label(
                "Artist pages show the bio in the viewer's language when given here, "
                "else the bio above."
            )
        )
        layout.addWidget(self.present)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        self.language.currentTextChanged.connect(self._language_changed)
        self.bio.textChanged.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        self._update_buttons()

    # Showing ------------------------------------------------------------------------------------

    def show_artist(self, record: ArtistRecord | None) -> None:
        """Show record's bios (None: a new artist, nothing to translate yet); read again only
        for another artist or a newer version."""
        previous = self.record
        same = record is not None and previous is not None and previous.id == record.id
        newer = record is not None and (
            previous is None or not same or previous.version != record.version
        )
        self.record = record
        self.setEnabled(record is not None)
        if not same:
            self.drafts.clear()
            self.saved_bios = {}
            self.errors.clear()
            self.general_error.clear_message()
            self.note.setText("")
            self._show_present()
            self._fill(self.current)
        if newer and record is not None:
            self._load(record.id)

    def _load(self, artist_id: int) -> None:
        library = self.studio.library

        def read(_ctx: OpContext) -> dict[str, str]:
            return bios_for(library, [artist_id]).get(artist_id, {})

        def done(found: dict[str, str]) -> None:
            if self.record is None or self.record.id != artist_id:
                return
            self._take(found)
            if not self.current:
                self.current = self.language.code()
            self._fill(self.current)
            self.loaded.emit()

        run_op(self, read, on_success=done, label="read bios")

    def _take(self, found: dict[str, str]) -> None:
        self.saved_bios = {lang: bio for lang, bio in found.items() if lang != BASE_LANGUAGE}
        self.language.add_codes(self.saved_bios)
        self._show_present()

    def _show_present(self) -> None:
        codes = sorted(self.saved_bios)
        self.present.setText("Bio in: " + ", ".join(codes) if codes else "No other languages yet.")

    def _fill(self, language: str) -> None:
        text = self.drafts.get(language, self.saved_bios.get(language, ""))
        self._loading = True
        self.bio.setPlainText(text)
        self._loading = False
        self._update_buttons()

    # Values -------------------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return self.bio.toPlainText() != self.saved_bios.get(self.current, "")

    def _language_changed(self, _text: str) -> None:
        if self._loading:
            return
        if self.current and self.is_dirty():
            self.drafts[self.current] = self.bio.toPlainText()
        else:
            self.drafts.pop(self.current, None)
        self.current = self.language.code()
        self.errors.clear()
        self.general_error.clear_message()
        self._fill(self.current)

    def _edited(self, *_: object) -> None:
        if not self._loading:
            self._update_buttons()
            self.note.setText("Unsaved bio" if self.is_dirty() else "")

    def _update_buttons(self) -> None:
        has_artist = self.record is not None and bool(self.current)
        self.save_button.setEnabled(has_artist and self.is_dirty())
        self.remove_button.setEnabled(has_artist and self.current in self.saved_bios)

    # Saving -------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.record is None:
            return
        typed, language = self.bio.toPlainText(), self.language.code()
        if language == BASE_LANGUAGE:  # that is the bio above: saving here would replace it
            self.errors.clear()
            self.general_error.show_message(
                f"{language} is the artist's own language: edit the bio above."
            )
            return
        self._write(
            lambda library, ident, version: set_artist_bio(
                library, ident, language, typed, expected_version=version
            )
        )

    def remove(self) -> None:
        if self.record is None or self.current not in self.saved_bios:
            return
        language = self.current
        self._write(
            lambda library, ident, version: set_artist_bio(
                library, ident, language, "", expected_version=version
            )
        )

    def _write(self, edit: Callable[..., ArtistRecord]) -> None:
        """Run edit(library, artist id, version read) on the writer thread, then show what the
        engine stored."""
        assert self.record is not None
        library, ident, version = self.studio.library, self.record.id, self.record.version
        self.errors.clear()
        self.general_error.clear_message()
        self.save_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.note.setText("Saving…")
        language = self.current

        def store(_ctx: OpContext) -> tuple[ArtistRecord, dict[str, str]]:
            record = edit(library, ident, version)
            return record, bios_for(library, [ident]).get(ident, {})

        def stored(result: tuple[ArtistRecord, dict[str, str]]) -> None:
            record, found = result
            if self.record is None or self.record.id != record.id:
                return
            self.drafts.pop(language, None)
            self.record = record
            self._take(found)
            self._fill(self.current)
            self.note.setText("Saved")
            self.saved.emit(record)

        run_op(
            self,
            store,
            on_success=stored,
            on_failure=self._failed,
            changes={ARTISTS},
            bus=self.studio.bus,
            label="save bio",
            writes=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.note.setText("")
        self._update_buttons()
        if isinstance(exc, StaleEdit):
            self.general_error.show_message(str(exc))
        elif not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))
