"""The artwork editor's "Translations" section: a work's title, description and alt text in
another language than the base one.

Choose a language, type, "Save translation": the texts go to the engine (translations.py) on
the studio's writer thread, as one undo step, with the version the editor read (another
curator's newer save is refused, not overwritten). Plain text only; Qt lays each text out by its
own script, so Arabic or Hebrew reads right to left without any setting. What was typed for a
language stays when switching to another and back until it is saved or reverted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.operations import ARTWORKS, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.language_picker import LanguagePicker
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue
from urbanart.library.concurrency import StaleEdit
from urbanart.library.records import ArtworkRecord
from urbanart.library.texts import BASE_LANGUAGE, WORK_FIELDS, WorkTexts, texts_for
from urbanart.library.translations import clear_artwork_texts, set_artwork_texts

Texts = dict[str, str]


class TranslationsSection(QWidget):
    """Edit one artwork's texts per language; emits ``saved`` with the engine's new record."""

    saved = Signal(object)  # ArtworkRecord: the artwork's version moved on
    loaded = Signal()

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.record: ArtworkRecord | None = None
        #: Saved texts per language (the base one left out) of the shown work.
        self.saved_texts: dict[str, Texts] = {}
        #: Typed but unsaved texts per language, kept while the curator looks at another.
        self.drafts: dict[str, Texts] = {}
        self.current = ""
        self._loading = False
        self.errors = FieldErrors()

        heading = PlainLabel("Translations")
        theme.set_point_size(heading, 1.1, bold=True)
        self.present = hint_label("")
        self.language = LanguagePicker(accessible_name="Translation language")
        self.language.removeItem(0)  # the base language is edited above, not here
        self.title = QLineEdit()
        self.title.setAccessibleName("Translated title")
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(72)
        self.description.setAccessibleName("Translated description")
        self.alt_text = QPlainTextEdit()
        self.alt_text.setTabChangesFocus(True)
        self.alt_text.setFixedHeight(56)
        self.alt_text.setAccessibleName("Translated alt text")
        self._widgets: dict[str, QLineEdit | QPlainTextEdit] = {
            "title": self.title,
            "description": self.description,
            "alt_text": self.alt_text,
        }

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(
            "Language", with_error(self.language, self.errors.add("language", self.language))
        )
        for text, name in (
            ("Title", "title"),
            ("Description", "description"),
            ("Alt text", "alt_text"),
        ):
            widget = self._widgets[name]
            form.addRow(text, with_error(widget, self.errors.add(name, widget)))
        self.general_error = ErrorLabel()
        self.note = hint_label("")
        self.save_button = QPushButton("Save translation")
        self.remove_button = QPushButton("Remove language")
        self.remove_button.setToolTip("Remove this language's texts from the work")
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(
            hint_label(
                "Pages and captions show a work's texts in the viewer's or the screen's "
                "language when given here, else its own texts above."
            )
        )
        layout.addWidget(self.present)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        self.language.currentTextChanged.connect(self._language_changed)
        self.title.textEdited.connect(self._edited)
        self.description.textChanged.connect(self._edited)
        self.alt_text.textChanged.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        self._update_buttons()

    # Showing ------------------------------------------------------------------------------------

    def show_artwork(self, record: ArtworkRecord) -> None:
        """Show record's translations; read again only for another work or a newer version."""
        same = self.record is not None and self.record.id == record.id
        newer = not same or self.record is None or self.record.version != record.version
        self.record = record
        if not same:
            self.drafts.clear()
            self.saved_texts = {}
            self.errors.clear()
            self.general_error.clear_message()
            self.note.setText("")
        if newer:
            self._load(record.id)

    def _load(self, artwork_id: int) -> None:
        library = self.studio.library

        def read(_ctx: OpContext) -> dict[str, WorkTexts]:
            return texts_for(library, [artwork_id]).get(artwork_id, {})

        def done(found: dict[str, WorkTexts]) -> None:
            if self.record is None or self.record.id != artwork_id:
                return
            self.saved_texts = {
                lang: {name: getattr(texts, name) for name in WORK_FIELDS}
                for lang, texts in found.items()
                if lang != BASE_LANGUAGE
            }
            self.language.add_codes(self.saved_texts)
            self._show_present()
            if not self.current:
                self.current = self.language.code()
            self._fill(self.current)
            self.loaded.emit()

        run_op(self, read, on_success=done, label="read translations")

    def _show_present(self) -> None:
        codes = sorted(self.saved_texts)
        self.present.setText(
            "Translated into: " + ", ".join(codes) if codes else "No translations yet."
        )

    def _fill(self, language: str) -> None:
        texts = self.drafts.get(language) or self.saved_texts.get(language) or {}
        self._loading = True
        self.title.setText(texts.get("title", ""))
        self.description.setPlainText(texts.get("description", ""))
        self.alt_text.setPlainText(texts.get("alt_text", ""))
        self._loading = False
        self._update_buttons()

    # Values -------------------------------------------------------------------------------------

    def values(self) -> Texts:
        return {
            "title": self.title.text(),
            "description": self.description.toPlainText(),
            "alt_text": self.alt_text.toPlainText(),
        }

    def _saved_values(self, language: str) -> Texts:
        return self.saved_texts.get(language) or dict.fromkeys(WORK_FIELDS, "")

    def is_dirty(self) -> bool:
        return self.values() != self._saved_values(self.current)

    def _language_changed(self, _text: str) -> None:
        if self._loading:
            return
        if self.current and self.is_dirty():
            self.drafts[self.current] = self.values()
        else:
            self.drafts.pop(self.current, None)
        self.current = self.language.code()
        self.errors.clear()
        self._fill(self.current)

    def _edited(self, *_: object) -> None:
        if not self._loading:
            self._update_buttons()
            self.note.setText("Unsaved translation" if self.is_dirty() else "")

    def _update_buttons(self) -> None:
        has_work = self.record is not None and bool(self.current)
        self.save_button.setEnabled(has_work and self.is_dirty())
        self.remove_button.setEnabled(has_work and self.current in self.saved_texts)

    # Saving -------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.record is None:
            return
        typed, language = self.values(), self.language.code()
        if language == BASE_LANGUAGE:  # saving "" here would clear the work's own texts
            self.errors.clear()
            self.general_error.show_message(
                f"{language} is the work's own language: edit its texts in the fields above."
            )
            return
        self._write(
            lambda library, ident, version: set_artwork_texts(
                library, ident, language, expected_version=version, **typed
            )
        )

    def remove(self) -> None:
        if self.record is None or self.current not in self.saved_texts:
            return
        language = self.current
        self._write(
            lambda library, ident, version: clear_artwork_texts(
                library, ident, language, expected_version=version
            )
        )

    def _write(self, edit: Callable[..., ArtworkRecord]) -> None:
        """Run edit(library, artwork id, version read) on the writer thread, then show what the
        engine stored."""
        assert self.record is not None
        library, ident, version = self.studio.library, self.record.id, self.record.version
        self.errors.clear()
        self.general_error.clear_message()
        self.save_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.note.setText("Saving…")
        language = self.current

        def store(_ctx: OpContext) -> tuple[ArtworkRecord, dict[str, WorkTexts]]:
            record = edit(library, ident, version)
            return record, texts_for(library, [ident]).get(ident, {})

        def stored(result: tuple[ArtworkRecord, dict[str, WorkTexts]]) -> None:
            record, found = result
            if self.record is None or self.record.id != record.id:
                return
            self.drafts.pop(language, None)
            self.saved_texts = {
                lang: {name: getattr(texts, name) for name in WORK_FIELDS}
                for lang, texts in found.items()
                if lang != BASE_LANGUAGE
            }
            self.record = record
            self._show_present()
            self._fill(self.current)
            self.note.setText("Saved")
            self.saved.emit(record)

        run_op(
            self,
            store,
            on_success=stored,
            on_failure=self._failed,
            changes={ARTWORKS},
            bus=self.studio.bus,
            label="save translation",
            writes=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.note.setText("")
        self._update_buttons()
        if isinstance(exc, StaleEdit):
            self.general_error.show_message(str(exc))
        elif not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))
