"""The Artists view's "Bio in other languages" section: an artist's bio in another language than
the base one, as artist pages and "About the artist" show it to a phone in that language.

Choose a language, type, "Save bio": the text goes to the engine (translations.set_artist_bio) on
the studio's writer thread, as one undo step, with the version the section read. Saving an empty
bio, or "Remove language", drops that language; pages then fall back to the base bio. The form,
drafts, loading and saving are the shared section's (ui/widgets/translations_section.py); this
module gives the bio field and the engine calls.
"""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ui.operations import ARTISTS
from ui.studio import Studio
from ui.widgets.translations_section import LanguageTextsSection, SectionWords, TextField, Texts
from urbanart.library.library import Library
from urbanart.library.records import ArtistRecord
from urbanart.library.texts import bios_for
from urbanart.library.translations import set_artist_bio

WORDS = SectionWords(
    heading="Bio in other languages",
    hint="Artist pages show the bio in the viewer's language when given here, else the bio above.",
    language_name="Bio language",
    save="Save bio",
    remove_tip="Remove the artist's bio in this language",
    present="Bio in: ",
    none_yet="No other languages yet.",
    unsaved="Unsaved bio",
    own_language="{language} is the artist's own language: edit the bio above.",
    read_label="read bios",
    save_label="save bio",
)


class ArtistBiosSection(LanguageTextsSection[ArtistRecord]):
    """Edit one artist's bio per language; emits ``saved`` with the engine's new record."""

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(studio, WORDS, ARTISTS, parent)

    def make_fields(self) -> list[tuple[str, str, TextField]]:
        self.bio = QPlainTextEdit()
        self.bio.setTabChangesFocus(True)
        self.bio.setFixedHeight(90)
        self.bio.setAccessibleName("Translated bio")
        return [("Bio", "bio", self.bio)]

    def show_artist(self, record: ArtistRecord | None) -> None:
        """Show record's bios (None: a new artist, nothing to translate yet); read again only
        for another artist or a newer version."""
        self.show_record(record)

    def read_texts(self, library: Library, ident: int) -> dict[str, Texts]:
        return {
            lang: {"bio": bio} for lang, bio in bios_for(library, [ident]).get(ident, {}).items()
        }

    def store_texts(
        self, library: Library, ident: int, language: str, texts: Texts, version: int
    ) -> ArtistRecord:
        return set_artist_bio(library, ident, language, texts["bio"], expected_version=version)

    def clear_texts(
        self, library: Library, ident: int, language: str, version: int
    ) -> ArtistRecord:
        return set_artist_bio(library, ident, language, "", expected_version=version)
