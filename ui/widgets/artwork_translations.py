"""The artwork editor's "Translations" section: a work's title, description and alt text in
another language than the base one.

Choose a language, type, "Save translation": the texts go to the engine (translations.py) on
the studio's writer thread, as one undo step, with the version the editor read. The form, drafts,
loading and saving are the shared section's (ui/widgets/translations_section.py); this module
gives the work's three fields and the engine calls.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from ui.operations import ARTWORKS
from ui.studio import Studio
from ui.widgets.translations_section import LanguageTextsSection, SectionWords, TextField, Texts
from urbanart.library.library import Library
from urbanart.library.records import ArtworkRecord
from urbanart.library.texts import WORK_FIELDS, texts_for
from urbanart.library.translations import clear_artwork_texts, set_artwork_texts

WORDS = SectionWords(
    heading="Translations",
    hint=(
        "Pages and captions show a work's texts in the viewer's or the screen's "
        "language when given here, else its own texts above."
    ),
    language_name="Translation language",
    save="Save translation",
    remove_tip="Remove this language's texts from the work",
    present="Translated into: ",
    none_yet="No translations yet.",
    unsaved="Unsaved translation",
    own_language="{language} is the work's own language: edit its texts in the fields above.",
    read_label="read translations",
    save_label="save translation",
)


class TranslationsSection(LanguageTextsSection[ArtworkRecord]):
    """Edit one artwork's texts per language; emits ``saved`` with the engine's new record."""

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(studio, WORDS, ARTWORKS, parent)

    def make_fields(self) -> list[tuple[str, str, TextField]]:
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
        return [
            ("Title", "title", self.title),
            ("Description", "description", self.description),
            ("Alt text", "alt_text", self.alt_text),
        ]

    def show_artwork(self, record: ArtworkRecord) -> None:
        """Show record's translations; read again only for another work or a newer version."""
        self.show_record(record)

    def read_texts(self, library: Library, ident: int) -> dict[str, Texts]:
        found = texts_for(library, [ident]).get(ident, {})
        return {
            lang: {name: getattr(texts, name) for name in WORK_FIELDS}
            for lang, texts in found.items()
        }

    def store_texts(
        self, library: Library, ident: int, language: str, texts: Texts, version: int
    ) -> ArtworkRecord:
        return set_artwork_texts(library, ident, language, expected_version=version, **texts)

    def clear_texts(
        self, library: Library, ident: int, language: str, version: int
    ) -> ArtworkRecord:
        return clear_artwork_texts(library, ident, language, expected_version=version)
