"""Curator texts per language: titles, descriptions, alt texts and bios, and screen languages.

placeholder: replaced by branch i18n-texts. This version knows only the base texts (every text
under the base language "en") and gives every screen ("en",); the signatures are the contract
between the pages and the library (/work/briefs/i18n.md), so the pages need no change when the
real per-language texts arrive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, Screen

#: The language the library's base texts are written in.
BASE_LANGUAGE = "en"


@dataclass(frozen=True)
class WorkTexts:
    """An artwork's texts in one language; any may be "" when that language lacks it."""

    title: str
    description: str
    alt_text: str


def texts_for(library: Library, artwork_ids: Iterable[int]) -> dict[int, dict[str, WorkTexts]]:
    """Per artwork, per language code, the curator's texts (placeholder: the base texts only)."""
    ids = set(artwork_ids)
    if not ids:
        return {}
    with library.session() as session:
        rows = session.execute(
            select(Artwork.id, Artwork.title, Artwork.description, Artwork.alt_text).where(
                Artwork.id.in_(ids)
            )
        )
        return {
            aid: {BASE_LANGUAGE: WorkTexts(title, description, alt_text)}
            for aid, title, description, alt_text in rows
        }


def bios_for(library: Library, artist_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Per artist, per language, the bio (placeholder: the base bio only)."""
    ids = set(artist_ids)
    if not ids:
        return {}
    with library.session() as session:
        rows = session.execute(select(Artist.id, Artist.bio).where(Artist.id.in_(ids)))
        return {artist_id: {BASE_LANGUAGE: bio} for artist_id, bio in rows}


def pick(
    by_language: Mapping[str, str], preferences: Sequence[str], base: str = BASE_LANGUAGE
) -> tuple[str, str]:
    """(text, its language): the first non-empty in preferences, then base, then any non-empty
    (in code order, so the choice is stable); ("", base) only when no language has it."""
    for lang in (*preferences, base, *sorted(by_language)):
        text = by_language.get(lang, "")
        if text.strip():
            return text, lang
    return "", base


def screen_languages(library: Library, screen_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Each screen's language then its optional second one (placeholder: ("en",) for all)."""
    ids = set(screen_ids)
    if not ids:
        return {}
    with library.session() as session:
        found = session.scalars(select(Screen.id).where(Screen.id.in_(ids)))
        return {sid: (BASE_LANGUAGE,) for sid in found}
