"""A record's texts in languages other than the base one, as a section of a studio form.

The artwork editor's "Translations" (ui/widgets/artwork_translations.py) and the Artists view's
"Bio in other languages" (ui/widgets/artist_bios.py) are this one section with their own fields,
words and engine calls, so that drafts, saving and loading behave the same in both.

Choose a language, type, save: the texts go to the engine on the studio's writer thread, as one
undo step, with the version the section read (another curator's newer save is refused, not
overwritten). What was typed for a language stays as a draft when switching to another and back,
until it is saved or removed, and when the record's texts are read again: what is typed while
they load is kept, not overwritten by them. Plain text only; Qt lays each text out by its own
script, so Arabic or Hebrew reads right to left without any setting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

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
from ui.operations import DataKind, OpContext, describe, run_op
from ui.studio import Studio
from ui.widgets.form_fields import ErrorLabel, FieldErrors, hint_label, with_error
from ui.widgets.language_picker import LanguagePicker
from ui.widgets.plain_text import PlainLabel
from urbanart.errors import InvalidValue
from urbanart.library.concurrency import StaleEdit
from urbanart.library.library import Library
from urbanart.library.texts import BASE_LANGUAGE

#: One language's texts: field name (the engine's error key too) to text.
Texts = dict[str, str]
TextField = QLineEdit | QPlainTextEdit


class Versioned(Protocol):
    """What the section needs of a record: which one, and the version it was read at."""

    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=Versioned)


@dataclass(frozen=True)
class SectionWords:
    """What one kind of section says; each is shown to the curator as it stands."""

    heading: str
    hint: str
    language_name: str  # the language picker's accessible name
    save: str  # the save button
    remove_tip: str  # the "Remove language" button's tool tip
    present: str  # before the list of languages that have texts
    none_yet: str  # when no language has
    unsaved: str  # the note while the shown language has unsaved typing
    own_language: str  # refusing the base language; {language} is its code
    read_label: str  # the background reads' and writes' labels
    save_label: str


class LanguageTextsSection(QWidget, Generic[R]):
    """Edit one record's texts per language; emits ``saved`` with the engine's new record.

    A subclass gives its fields (``make_fields``) and its engine calls (``read_texts``,
    ``store_texts``, ``clear_texts``); everything else is here."""

    saved = Signal(object)  # R: the record's version moved on
    loaded = Signal()

    def __init__(
        self,
        studio: Studio,
        words: SectionWords,
        changes: DataKind,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.words = words
        self._changes = changes
        self.record: R | None = None
        #: Saved texts per language (the base one left out) of the shown record.
        self.saved_texts: dict[str, Texts] = {}
        #: Typed but unsaved texts per language, kept while the curator looks at another.
        self.drafts: dict[str, Texts] = {}
        self.current = ""
        self._filling = False
        self.errors = FieldErrors()

        heading = PlainLabel(words.heading)
        theme.set_point_size(heading, 1.1, bold=True)
        self.present = hint_label("")
        self.language = LanguagePicker(accessible_name=words.language_name)
        self.language.removeItem(0)  # the base language is edited above, not here
        fields = self.make_fields()
        self._fields: dict[str, TextField] = {name: widget for _label, name, widget in fields}

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(
            "Language", with_error(self.language, self.errors.add("language", self.language))
        )
        for label, name, widget in fields:
            form.addRow(label, with_error(widget, self.errors.add(name, widget)))
        self.general_error = ErrorLabel()
        self.note = hint_label("")
        self.save_button = QPushButton(words.save)
        self.remove_button = QPushButton("Remove language")
        self.remove_button.setToolTip(words.remove_tip)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(hint_label(words.hint))
        layout.addWidget(self.present)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        self.language.currentTextChanged.connect(self._language_changed)
        for widget in self._fields.values():
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(self._edited)  # the curator's typing only
            else:
                widget.textChanged.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        self._update_buttons()

    # What a subclass gives ----------------------------------------------------------------------

    def make_fields(self) -> list[tuple[str, str, TextField]]:
        """The fields as (form label, field name, widget), in form order."""
        raise NotImplementedError

    def read_texts(self, library: Library, ident: int) -> dict[str, Texts]:
        """The record's saved texts per language (the base one may be among them)."""
        raise NotImplementedError

    def store_texts(
        self, library: Library, ident: int, language: str, texts: Texts, version: int
    ) -> R:
        """Save texts in language; returns the record at its new version."""
        raise NotImplementedError

    def clear_texts(self, library: Library, ident: int, language: str, version: int) -> R:
        """Remove the record's texts in language; returns the record at its new version."""
        raise NotImplementedError

    # Showing ------------------------------------------------------------------------------------

    def show_record(self, record: R | None) -> None:
        """Show record's texts (None: nothing to translate yet, the section is disabled); read
        them again only for another record or a newer version."""
        previous = self.record
        same = record is not None and previous is not None and previous.id == record.id
        self.record = record
        self.setEnabled(record is not None)
        if not same:
            self.drafts.clear()
            self.saved_texts = {}
            self.errors.clear()
            self.general_error.clear_message()
            self.note.setText("")
            self._show_present()
            self._fill(self.current)  # not the previous record's texts while these load
        if record is not None and (
            not same or previous is None or previous.version != record.version
        ):
            self._load(record.id)

    def _load(self, ident: int) -> None:
        library = self.studio.library

        def read(_ctx: OpContext) -> dict[str, Texts]:
            return self.read_texts(library, ident)

        def done(found: dict[str, Texts]) -> None:
            if self.record is None or self.record.id != ident:
                return
            if not self.current:
                self.current = self.language.code()
            if self.is_dirty():  # typed while the texts loaded: keep it, as a draft
                self.drafts[self.current] = self.values()
            self._take(found)
            self._fill(self.current)
            self.loaded.emit()

        run_op(self, read, on_success=done, label=self.words.read_label)

    def _take(self, found: dict[str, Texts]) -> None:
        self.saved_texts = {lang: texts for lang, texts in found.items() if lang != BASE_LANGUAGE}
        self.language.add_codes(self.saved_texts)
        self._show_present()

    def _show_present(self) -> None:
        codes = sorted(self.saved_texts)
        self.present.setText(
            self.words.present + ", ".join(codes) if codes else self.words.none_yet
        )

    def _fill(self, language: str) -> None:
        texts = self.drafts.get(language) or self.saved_texts.get(language) or {}
        self._filling = True
        for name, widget in self._fields.items():
            if isinstance(widget, QLineEdit):
                widget.setText(texts.get(name, ""))
            else:
                widget.setPlainText(texts.get(name, ""))
        self._filling = False
        self._update_buttons()

    # Values -------------------------------------------------------------------------------------

    def values(self) -> Texts:
        """What the fields hold now."""
        return {
            name: widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()
            for name, widget in self._fields.items()
        }

    def _saved_values(self, language: str) -> Texts:
        return self.saved_texts.get(language) or dict.fromkeys(self._fields, "")

    def is_dirty(self) -> bool:
        return self.values() != self._saved_values(self.current)

    def _language_changed(self, _text: str) -> None:
        if self._filling:
            return
        if self.current and self.is_dirty():
            self.drafts[self.current] = self.values()
        else:
            self.drafts.pop(self.current, None)
        self.current = self.language.code()
        self.errors.clear()
        self.general_error.clear_message()
        self._fill(self.current)

    def _edited(self, *_: object) -> None:
        if not self._filling:
            self._update_buttons()
            self.note.setText(self.words.unsaved if self.is_dirty() else "")

    def _update_buttons(self) -> None:
        has_record = self.record is not None and bool(self.current)
        self.save_button.setEnabled(has_record and self.is_dirty())
        self.remove_button.setEnabled(has_record and self.current in self.saved_texts)

    # Saving -------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.record is None:
            return
        typed, language = self.values(), self.language.code()
        if language == BASE_LANGUAGE:  # the record's own texts: saving here would replace them
            self.errors.clear()
            self.general_error.show_message(self.words.own_language.format(language=language))
            return
        self._write(
            lambda library, ident, version: self.store_texts(
                library, ident, language, typed, version
            )
        )

    def remove(self) -> None:
        if self.record is None or self.current not in self.saved_texts:
            return
        language = self.current
        self._write(
            lambda library, ident, version: self.clear_texts(library, ident, language, version)
        )

    def _write(self, edit: Callable[[Library, int, int], R]) -> None:
        """Run edit(library, record id, version read) on the writer thread, then show what the
        engine stored."""
        assert self.record is not None
        library, ident, version = self.studio.library, self.record.id, self.record.version
        self.errors.clear()
        self.general_error.clear_message()
        self.save_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.note.setText("Saving…")
        language = self.current

        def store(_ctx: OpContext) -> tuple[R, dict[str, Texts]]:
            record = edit(library, ident, version)
            return record, self.read_texts(library, ident)

        def stored(result: tuple[R, dict[str, Texts]]) -> None:
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
            changes={self._changes},
            bus=self.studio.bus,
            label=self.words.save_label,
            writes=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.note.setText("")
        self._update_buttons()
        if isinstance(exc, StaleEdit):
            self.general_error.show_message(str(exc))
        elif not (isinstance(exc, InvalidValue) and self.errors.show(exc)):
            self.general_error.show_message(describe(exc))
