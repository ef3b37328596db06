"""Curator texts per language, as pages, captions and editors read them.

An artwork's title, description and alt text and an artist's bio are written in the library's
base language (``BASE_LANGUAGE``) in their own columns; curators may add other languages
(``artwork_texts``, ``artist_texts``, edited through urbanart.library.translations). Readers
never meet those tables: they get plain dictionaries by language, and ``pick`` chooses one text
for a viewer so that no field is ever shown empty while any language has it.

This module is the contract with the static pages (see the brief "Languages"): its public names
and signatures are fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbanart.library.library import Library
from urbanart.library.models import Artist, ArtistText, Artwork, ArtworkText, Screen

#: The language of the texts in the artworks' and artists' own columns.
BASE_LANGUAGE = "en"
#: The per-language fields of an artwork, in the order editors and sheets show them.
WORK_FIELDS = ("title", "description", "alt_text")
#: How many ids one query names (SQLite binds at most 32,766 parameters; stay far below).
_CHUNK = 500


@dataclass(frozen=True)
class WorkTexts:
    """An artwork's texts in one language; "" where that language lacks one."""

    title: str
    description: str
    alt_text: str


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    unique = sorted({int(i) for i in ids})
    return [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


def texts_for(
    library: Library, artwork_ids: Iterable[int], *, session: Session | None = None
) -> dict[int, dict[str, WorkTexts]]:
    """Per artwork, per language the curator gave, its texts; the base texts under
    ``BASE_LANGUAGE``. Unknown ids are left out. session: the caller's (Library.reading)."""
    out: dict[int, dict[str, WorkTexts]] = {}
    with library.reading(session) as session:
        for chunk in _chunks(artwork_ids):
            base = select(Artwork.id, Artwork.title, Artwork.description, Artwork.alt_text)
            for ident, title, description, alt_text in session.execute(
                base.where(Artwork.id.in_(chunk))
            ):
                out[ident] = {BASE_LANGUAGE: WorkTexts(title, description or "", alt_text or "")}
            rows = select(
                ArtworkText.artwork_id,
                ArtworkText.language,
                ArtworkText.title,
                ArtworkText.description,
                ArtworkText.alt_text,
            ).where(ArtworkText.artwork_id.in_(chunk))
            for ident, language, title, description, alt_text in session.execute(
                rows.order_by(ArtworkText.artwork_id, ArtworkText.language)
            ):
                out.setdefault(ident, {})[language] = WorkTexts(title, description, alt_text)
    return out


def bios_for(
    library: Library, artist_ids: Iterable[int], *, session: Session | None = None
) -> dict[int, dict[str, str]]:
    """Per artist, per language, the bio (the base bio under ``BASE_LANGUAGE``); session: the
    caller's (Library.reading)."""
    out: dict[int, dict[str, str]] = {}
    with library.reading(session) as session:
        for chunk in _chunks(artist_ids):
            for ident, bio in session.execute(
                select(Artist.id, Artist.bio).where(Artist.id.in_(chunk))
            ):
                out[ident] = {BASE_LANGUAGE: bio or ""}
            rows = select(ArtistText.artist_id, ArtistText.language, ArtistText.bio)
            for ident, language, bio in session.execute(
                rows.where(ArtistText.artist_id.in_(chunk)).order_by(
                    ArtistText.artist_id, ArtistText.language
                )
            ):
                out.setdefault(ident, {})[language] = bio
    return out


def _candidates(preference: str) -> list[str]:
    """A preference, then its bare language: "pt-BR" is best answered by "pt-BR", then "pt"."""
    primary = preference.split("-", 1)[0]
    return [preference] if primary == preference else [preference, primary]


def pick(
    by_language: Mapping[str, str], preferences: Sequence[str], base: str = "en"
) -> tuple[str, str]:
    """(text, its language): the first non-empty in preferences (a regional preference such as
    "pt-BR" also takes plain "pt"), then base, then any language that has one (in code order,
    so the choice is the same every time). ("", base) only when no language has the text.

    Why never empty: a partly translated work must still show its title and alt text in the
    language that has them rather than a blank caption.
    """
    for preference in preferences:
        for language in _candidates(preference):
            if by_language.get(language, "").strip():
                return by_language[language], language
    if by_language.get(base, "").strip():
        return by_language[base], base
    for language in sorted(by_language):
        if by_language[language].strip():
            return by_language[language], language
    return "", base


def screen_languages(library: Library, screen_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Each screen's language then its optional second one; ("en",) when unset."""
    out: dict[int, tuple[str, ...]] = {}
    with library.session() as session:
        for chunk in _chunks(screen_ids):
            stmt = select(Screen.id, Screen.language, Screen.second_language)
            for ident, language, second in session.execute(stmt.where(Screen.id.in_(chunk))):
                out[ident] = languages_of(language, second)
    return out


def languages_of(language: str | None, second: str | None) -> tuple[str, ...]:
    """A screen's languages from its row's two columns (screen_languages): a caller that has
    the rows already need not read them again."""
    first = language or BASE_LANGUAGE
    return (first, second) if second and second != first else (first,)
